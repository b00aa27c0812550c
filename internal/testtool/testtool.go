// Package testtool finds the external programs tests drive (shells, the AWS
// CLI, tmux, node). A missing program skips the test on a developer's
// machine, but fails it under CI=true: CI must never pass by skipping.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of the program name, or ends the test.
func Require(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true but was not found: %v", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}
