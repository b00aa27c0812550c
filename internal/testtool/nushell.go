package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Nu returns the path of the nushell binary (NuPath). Missing, it skips
// the test, or fails it under CI=true.
func Nu(t testing.TB) string {
	t.Helper()
	p, err := NuPath()
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nushell is required under CI=true: run `npm ci --prefix tools/nushell` (%v)", err)
	}
	t.Skipf("nushell not found: run `npm ci --prefix tools/nushell`")
	return ""
}

// NuPath is the nushell binary that the npm package in tools/nushell
// installs (`npm ci --prefix tools/nushell`, run by .ci/setup), else nu on
// PATH.
func NuPath() (string, error) {
	_, self, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(self), "..", "..", "tools", "nushell", "node_modules", "@nushell", runtime.GOOS+"-"+nodeArch(), "bin", "nu")
	if runtime.GOOS == "windows" {
		p += ".exe"
	}
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if p, err := exec.LookPath("nu"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("looked for %s and nu on PATH", p)
}

// nodeArch is GOARCH as npm names it.
func nodeArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x64"
	case "386":
		return "ia32"
	}
	return runtime.GOARCH
}
