//go:build unix

package prompt

import (
	"os/exec"
	"syscall"
)

// setGroup puts the program in a process group of its own, which is
// killed whole at the timeout: a shell's children go with it.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// killGroup ends what is left of the group once the program is done: a
// child still running is no use to anyone.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// shellArgv runs a command line as the AWS SDK for Go runs a
// credential_process: whole, by sh -c.
func shellArgv(line string) []string { return []string{"sh", "-c", line} }
