//go:build unix

package config

import (
	"bytes"
	"io"
	"os"
	"syscall"
)

// readFile reads path, or maps it read-only (mapped) when it is a regular
// file of mapMin bytes or more. A mapping costs neither the zeroed buffer
// nor the copy of a read: its pages are the page cache's own.
//
// MAP_SHARED: we never write, and a private mapping would not hide other
// writers' changes either (only a copy does). A file rewritten in place
// under us can at worst be seen torn, as a read racing the writer can; one
// that shrinks makes reads fault, which iniFile.guard handles.
func readFile(path string) (data []byte, mapped bool, err error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer file.Close() // a mapping outlives its descriptor
	st, err := file.Stat()
	if err != nil {
		return nil, false, err
	}
	size := st.Size()
	if st.Mode().IsRegular() && size >= mapMin && int64(int(size)) == size {
		data, err := syscall.Mmap(int(file.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
		if err == nil {
			return data, true, nil
		}
	}
	// os.ReadFile's loop, without opening and stat'ing the file again:
	// most files are small, and for them the syscalls are the cost.
	if int64(int(size)) != size {
		size = 0 // no hint
	}
	data = make([]byte, 0, int(size)+bytes.MinRead)
	for {
		n, err := file.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // the file grew
		}
	}
}

func unmap(data []byte) { _ = syscall.Munmap(data) }
