package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Two trees with the same content but other file times and modes pack to
// the same bytes, and the archive holds what a user unpacks: sorted names
// under the prefix, owner 0, the fixed time, executables 0755.
func TestPackReproducible(t *testing.T) {
	mtime := time.Unix(1767225600, 0).UTC()
	for _, ext := range []string{".tar.gz", ".zip"} {
		var archives [][]byte
		for i, perm := range []os.FileMode{0o644, 0o600} {
			src := t.TempDir()
			if err := os.MkdirAll(filepath.Join(src, "completions"), 0o700); err != nil {
				t.Fatal(err)
			}
			for name, content := range map[string]string{"aws-runas": "binary", "README.md": "read me", "completions/_aws-runas": "#compdef"} {
				p := filepath.Join(src, name)
				mode := perm
				if name == "aws-runas" {
					mode = 0o700 | perm
				}
				if err := os.WriteFile(p, []byte(content), mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, time.Unix(int64(1000*i), 0), time.Unix(int64(1000*i), 0)); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "a"+ext)
			if err := pack(out, src, "pkg", mtime); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			archives = append(archives, b)
		}
		if !bytes.Equal(archives[0], archives[1]) {
			t.Errorf("%s: two packs of the same files differ", ext)
		}
		got := list(t, ext, archives[0])
		want := []string{"pkg/ 755 dir", "pkg/README.md 644", "pkg/aws-runas 755", "pkg/completions/ 755 dir", "pkg/completions/_aws-runas 644"}
		if len(got) != len(want) {
			t.Fatalf("%s: entries %q, want %q", ext, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: entry %d is %q, want %q", ext, i, got[i], want[i])
			}
		}
	}
}

func list(t *testing.T, ext string, b []byte) []string {
	t.Helper()
	mtime := time.Unix(1767225600, 0)
	var out []string
	add := func(name string, mode os.FileMode, mod time.Time, dir bool) {
		s := name + " " + strconvOctal(mode.Perm())
		if dir {
			s += " dir"
		}
		if !mod.Equal(mtime) {
			t.Errorf("%s: time %v", name, mod)
		}
		out = append(out, s)
	}
	if ext == ".zip" {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			add(f.Name, f.Mode(), f.Modified, f.Mode().IsDir())
		}
		return out
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header keeps name %q, time %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: owner %d:%d", h.Name, h.Uid, h.Gid)
		}
		add(h.Name, h.FileInfo().Mode(), h.ModTime, h.Typeflag == tar.TypeDir)
	}
}

func strconvOctal(m os.FileMode) string {
	return string([]byte{'0' + byte(m>>6&7), '0' + byte(m>>3&7), '0' + byte(m&7)})
}
