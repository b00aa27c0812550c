//go:build windows

package main

import (
	"errors"
	"os"
)

// openEvalFile opens the init functions' file for writing, refusing
// anything [IO.Path]::GetTempFileName() would not have made: a regular,
// empty file (its ACL is the user's temp directory's).
func openEvalFile(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, errors.New("not a regular file")
	case fi.Size() != 0:
		return nil, errors.New("not empty: refusing to overwrite it")
	}
	return os.OpenFile(path, os.O_WRONLY, 0)
}
