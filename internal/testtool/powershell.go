package testtool

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// ParsePowerShell parses files with a real PowerShell grammar (the
// tree-sitter harness of tools/psparse, run by node, all files in one
// process) and returns each file's problems: its ERROR and MISSING nodes.
// Without node or the harness's modules the test skips, or fails under
// CI=true, like Require.
func ParsePowerShell(t testing.TB, files []string) map[string][]string {
	t.Helper()
	node := Require(t, "node")
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "..", "tools", "psparse")
	for _, m := range []string{"web-tree-sitter", "tree-sitter-powershell"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m)); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("tools/psparse/node_modules/%s is missing under CI=true: run `npm ci --prefix tools/psparse` first (%v)", m, err)
			}
			t.Skipf("tools/psparse/node_modules/%s is missing: run `npm ci --prefix tools/psparse` (%v)", m, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// --liftoff-only: the wasm parser starts in a fraction of a second
	// instead of about ten (FIELD-NOTES).
	cmd := exec.CommandContext(ctx, node, append([]string{"--liftoff-only", filepath.Join(dir, "psparse.mjs")}, files...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("psparse: %v\n%s%s", err, out.String(), errb.String())
	}
	problems := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		for _, f := range files {
			if rest, ok := strings.CutPrefix(line, f+":"); ok {
				problems[f] = append(problems[f], rest)
				break
			}
		}
	}
	// Exit status 1 and a report go together; a mismatch means the harness
	// itself is broken, and the check could pass blind.
	if (err == nil) != (len(problems) == 0) {
		t.Fatalf("psparse exit %v does not match its report:\n%s", err, out.String())
	}
	return problems
}
