//go:build windows

package prompt

import "os/exec"

// On Windows the program alone is killed at the timeout; the WaitDelay of
// run keeps a child holding stdout from making us wait.
func setGroup(cmd *exec.Cmd)  {}
func killGroup(cmd *exec.Cmd) {}

// shellArgv runs a command line as the AWS SDK for Go runs a
// credential_process: whole, by cmd.exe /C.
func shellArgv(line string) []string { return []string{"cmd.exe", "/C", line} }
