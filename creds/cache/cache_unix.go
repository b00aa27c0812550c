//go:build !windows

package cache

import (
	"os"
	"syscall"
)

// notPrivate says why a cache file cannot be trusted on Unix: another
// owner could have planted it, and group or other access means someone
// else could have read or replaced the secrets.
func notPrivate(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return "owned by another user"
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "readable or writable by others (mode " + fi.Mode().Perm().String() + ")"
	}
	return ""
}

// replaceFile renames over dst; on Unix rename(2) is atomic.
func replaceFile(src, dst string) error { return os.Rename(src, dst) }
