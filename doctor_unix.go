//go:build !windows

package main

import (
	"os"
	"strconv"
	"syscall"
)

// notOwned says when a file belongs to another user.
func notOwned(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return "owned by another user (uid " + strconv.Itoa(int(st.Uid)) + ")"
	}
	return ""
}
