package shells

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// parentPrograms names the parent process on Windows: the executable file
// name (powershell.exe, pwsh.exe, bash.exe) from a toolhelp snapshot of the
// processes.
func parentPrograms() []string {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(snap)
	self := uint32(os.Getpid())
	exe := map[uint32]string{}
	var parent uint32
	found := false
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		exe[pe.ProcessID] = windows.UTF16ToString(pe.ExeFile[:])
		if pe.ProcessID == self {
			parent, found = pe.ParentProcessID, true
		}
	}
	// A parent that has exited may have had its id reused: only trust a name
	// when the id is still in the snapshot (best effort, as ps would be).
	if name, ok := exe[parent]; found && ok {
		return []string{name}
	}
	return nil
}
