package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at build time by scripts/release:
// -ldflags "-X main.version=V -X main.commit=C -X main.date=D".
// A plain go build or go install leaves them empty (version "dev") and
// -V falls back on what the Go toolchain recorded in the binary.
var (
	commit string
	date   string // the commit's date, RFC 3339 in UTC
)

// buildStamp is what -V and the man page say about this binary.
type buildStamp struct {
	Version, Commit, Date string
	Modified              bool
}

// stamp reads the -X values, else the module version and VCS settings the
// go command records (go install module@version, or a build in a checkout).
func stamp() buildStamp {
	s := buildStamp{Version: version, Commit: commit, Date: date}
	if s.Commit != "" {
		return s
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	if s.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		s.Version = bi.Main.Version
	}
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			s.Commit = kv.Value
		case "vcs.time":
			s.Date = kv.Value
		case "vcs.modified":
			s.Modified = kv.Value == "true"
		}
	}
	return s
}

// writeVersion prints -V: the version, then how the binary was built.
func writeVersion(w io.Writer) error {
	s := stamp()
	build := "commit " + firstOf(shortCommit(s.Commit), "unknown")
	if s.Modified {
		build += " (modified)"
	}
	if s.Date != "" {
		build += ", " + s.Date
	}
	_, err := fmt.Fprintf(w, "aws-runas %s\n%s, %s, %s/%s\n", s.Version, build, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
