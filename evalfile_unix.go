//go:build !windows

package main

import (
	"errors"
	"os"
	"syscall"
)

// openEvalFile opens the init functions' file for writing, refusing
// anything mktemp would not have made (see writeEvalFile).
func openEvalFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		st, ok := fi.Sys().(*syscall.Stat_t)
		switch {
		case !fi.Mode().IsRegular():
			err = errors.New("not a regular file")
		case fi.Size() != 0:
			err = errors.New("not empty: refusing to overwrite it")
		case fi.Mode().Perm()&0o077 != 0:
			err = errors.New("readable or writable by others")
		case ok && int(st.Uid) != os.Geteuid():
			err = errors.New("owned by another user")
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
