package shells

import (
	"os"
	"strconv"
	"strings"
)

// parentPrograms names the parent process on Linux: its comm (the base name
// of the file it executed, at most 15 bytes), then the target of its exe
// link, for a shell whose comm is not its name (busybox applets).
func parentPrograms() []string {
	dir := "/proc/" + strconv.Itoa(os.Getppid())
	var names []string
	if b, err := os.ReadFile(dir + "/comm"); err == nil {
		names = append(names, strings.TrimSuffix(string(b), "\n"))
	}
	if exe, err := os.Readlink(dir + "/exe"); err == nil {
		// A replaced binary reads "/usr/bin/bash (deleted)".
		names = append(names, strings.TrimSuffix(exe, " (deleted)"))
	}
	return names
}
