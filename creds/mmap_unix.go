//go:build unix

package creds

import (
	"os"
	"syscall"
)

// mapFile maps path read-only when it is a regular file of mapMin bytes or
// more, and otherwise (or when mapping fails) returns nil, for the caller
// to read the file instead. A mapping costs neither the zeroed buffer nor
// the copy of a read: the pages are the page cache's own.
//
// MAP_SHARED: we never write, and a private mapping would not hide other
// writers' changes either (only a copy would). A file that changes under
// us can at worst give a torn view, as a read racing a writer can; one
// that shrinks makes reads fault, which iniFile.guard handles.
func mapFile(path string) []byte {
	// Most files are small: one stat decides, without opening them twice.
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() || st.Size() < mapMin {
		return nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer file.Close() // the mapping outlives the descriptor
	// The size of the file opened, which may have been replaced since.
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < mapMin || int64(int(st.Size())) != st.Size() {
		return nil
	}
	data, err := syscall.Mmap(int(file.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return data
}

func unmap(data []byte) { _ = syscall.Munmap(data) }
