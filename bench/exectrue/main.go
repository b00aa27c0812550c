// Command exectrue is the reference for aws-runas's run mode: the smallest
// Go program that replaces itself with `true`, found on PATH, exactly as
// aws-runas does with a COMMAND (exec.LookPath, then execve).
package main

import (
	"os"
	"os/exec"
	"syscall"
)

func main() {
	path, err := exec.LookPath("true")
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(127)
	}
	err = syscall.Exec(path, []string{"true"}, os.Environ())
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(126)
}
