//go:build !unix && !windows

package prompt

import "os/exec"

func setGroup(cmd *exec.Cmd)  {}
func killGroup(cmd *exec.Cmd) {}

func shellArgv(line string) []string { return []string{"sh", "-c", line} }
