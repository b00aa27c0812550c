//go:build windows

package cache

import (
	"os"
	"time"
)

// notPrivate: on Windows a file in the user's profile directory inherits
// its owner-only ACL; mode bits say nothing there.
func notPrivate(os.FileInfo) string { return "" }

// replaceFile renames over dst. os.Rename uses MoveFileEx with
// MOVEFILE_REPLACE_EXISTING, which is atomic on NTFS but fails while
// another process has dst open (a reader of the same cache file without
// the lock, such as -e): retry briefly.
func replaceFile(src, dst string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.Rename(src, dst); err == nil {
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return err
}
