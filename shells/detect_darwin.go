package shells

import (
	"os"

	"golang.org/x/sys/unix"
)

// parentPrograms names the parent process on macOS: p_comm of its
// kern.proc.pid sysctl record, the base name of the file it executed (at
// most 16 bytes), read without starting ps.
func parentPrograms() []string {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", os.Getppid())
	if err != nil {
		return nil
	}
	comm := kp.Proc.P_comm[:]
	for i, c := range comm {
		if c == 0 {
			comm = comm[:i]
			break
		}
	}
	return []string{string(comm)}
}
