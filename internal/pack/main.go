// Command pack writes the release archives reproducibly: a .tar.gz or .zip
// of a directory, entries in sorted order under one top-level directory,
// every time set to -mtime (the commit's date), owner 0, modes 0755 for
// directories and executables and 0644 otherwise, and no gzip name or time.
// Two runs over the same files give the same bytes, whatever the umask,
// the file times or the tar and zip programs of the machine.
//
//	go run ./internal/pack -mtime 1700000000 -prefix aws-runas_1.0_linux_amd64 -o out.tar.gz DIR
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	mtime := flag.Int64("mtime", 0, "time of every entry, Unix seconds (SOURCE_DATE_EPOCH)")
	prefix := flag.String("prefix", "", "top-level directory in the archive")
	out := flag.String("o", "", "archive to write: NAME.tar.gz or NAME.zip")
	flag.Parse()
	if flag.NArg() != 1 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: pack -mtime SECONDS -prefix DIR -o OUT.tar.gz|OUT.zip SRCDIR")
		os.Exit(2)
	}
	if err := pack(*out, flag.Arg(0), *prefix, time.Unix(*mtime, 0).UTC()); err != nil {
		fmt.Fprintf(os.Stderr, "pack: %v\n", err)
		os.Exit(1)
	}
}

// entry is one file or directory of the archive.
type entry struct {
	name string // slash-separated, under the prefix
	src  string // path on disk; "" for a directory
	mode int64
}

func collect(src, prefix string) ([]entry, error) {
	var es []entry
	if prefix != "" {
		es = append(es, entry{name: prefix + "/", mode: 0o755})
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := path.Join(prefix, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			es = append(es, entry{name: name + "/", mode: 0o755})
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			mode := int64(0o644)
			if fi.Mode().Perm()&0o100 != 0 || strings.HasSuffix(name, ".exe") {
				mode = 0o755
			}
			es = append(es, entry{name: name, src: p, mode: mode})
		default:
			return fmt.Errorf("%s: not a regular file or directory", p)
		}
		return nil
	})
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es, err
}

func pack(out, src, prefix string, mtime time.Time) (err error) {
	es, err := collect(src, prefix)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	switch {
	case strings.HasSuffix(out, ".tar.gz"):
		return writeTarGz(f, es, mtime)
	case strings.HasSuffix(out, ".zip"):
		return writeZip(f, es, mtime)
	}
	return fmt.Errorf("%s: want a .tar.gz or .zip name", out)
}

func writeTarGz(w io.Writer, es []entry, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: mtime, Uname: "root", Gname: "root", Format: tar.FormatUSTAR}
		var data []byte
		if e.src == "" {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			if data, err = os.ReadFile(e.src); err != nil {
				return err
			}
			h.Size = int64(len(data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, es []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, e := range es {
		h := &zip.FileHeader{Name: e.name, Modified: mtime, Method: zip.Deflate}
		if e.src == "" {
			h.Method = zip.Store
			h.SetMode(fs.ModeDir | fs.FileMode(e.mode))
		} else {
			h.SetMode(fs.FileMode(e.mode))
		}
		zf, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if e.src == "" {
			continue
		}
		data, err := os.ReadFile(e.src)
		if err != nil {
			return err
		}
		if _, err := zf.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}
