package config

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws-runas/aws-runas/internal/credtest"
)

// The oracle: the parser as it was before the header index jumped from '['
// to '[' and kept offsets instead of names and line numbers (a verbatim
// copy, renamed, sharing nothing with ini.go). FuzzINIDiff holds the new
// one to it.

type oldINIFile struct {
	path  string
	data  []byte
	heads []oldINIHead
}

type oldINIHead struct {
	name  string // text between the brackets, trimmed
	start int    // offset of the first byte after the header line
	end   int    // offset of the next header line (or len(data))
}

type oldINIValue struct {
	value string
	line  int
}

func oldParseINI(path string, data []byte) (*oldINIFile, error) {
	f := &oldINIFile{path: path, data: data}
	line := 0
	for off := 0; off < len(data); {
		line++
		eol := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if eol >= 0 {
			next = off + eol + 1
		}
		text := bytes.TrimSpace(data[off:next])
		switch {
		case len(text) == 0 || text[0] == '#' || text[0] == ';':
		case text[0] == '[':
			if text[len(text)-1] != ']' {
				return nil, f.errorf(line, "section header %q has no closing ']'", text)
			}
			if n := len(f.heads); n > 0 {
				f.heads[n-1].end = off
			}
			name := string(bytes.TrimSpace(text[1 : len(text)-1]))
			if err := oldCheckText(name); err != nil {
				return nil, f.errorf(line, "section name: %v", err)
			}
			f.heads = append(f.heads, oldINIHead{name: name, start: next, end: len(data)})
		case len(f.heads) == 0:
			return nil, f.errorf(line, "a line outside any [section]")
		}
		off = next
	}
	return f, nil
}

func (f *oldINIFile) section(name string) (s map[string]oldINIValue, found bool, err error) {
	for _, h := range f.heads {
		if h.name != name {
			continue
		}
		if s == nil {
			s = map[string]oldINIValue{}
		}
		if err := f.parseBody(h, s); err != nil {
			return nil, true, err
		}
		found = true
	}
	return s, found, nil
}

func (f *oldINIFile) parseBody(h oldINIHead, s map[string]oldINIValue) error {
	line := f.lineAt(h.start)
	body := f.data[h.start:h.end]
	haveKey := false
	for len(body) > 0 {
		var raw []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			raw, body = body[:i], body[i+1:]
		} else {
			raw, body = body, nil
		}
		text := bytes.TrimSpace(raw)
		switch {
		case len(text) == 0 || text[0] == '#' || text[0] == ';':
		case haveKey && (raw[0] == ' ' || raw[0] == '\t'):
		default:
			eq := bytes.IndexByte(text, '=')
			if eq <= 0 {
				return f.errorf(line, "expected 'key = value' (the line is not shown: it may hold a secret)")
			}
			key := strings.ToLower(string(bytes.TrimSpace(text[:eq])))
			if err := oldCheckText(key); err != nil {
				return f.errorf(line, "key: %v", err)
			}
			value := string(oldStripComment(bytes.TrimSpace(text[eq+1:])))
			if err := oldCheckText(value); err != nil {
				return f.errorf(line, "value of %s: %v", key, err)
			}
			s[key] = oldINIValue{value: value, line: line}
			haveKey = true
		}
		line++
	}
	return nil
}

func oldStripComment(v []byte) []byte {
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return bytes.TrimSpace(v[:i])
		}
	}
	return v
}

func oldCheckText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte")
	}
	return nil
}

func (f *oldINIFile) lineAt(off int) int { return bytes.Count(f.data[:off], []byte{'\n'}) + 1 }

func (f *oldINIFile) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", f.path, line, fmt.Sprintf(format, args...))
}

// where is Profile.Where as config.go worked it out before (lineOf).
func (f *oldINIFile) where(section string) string {
	for _, h := range f.heads {
		if h.name == section {
			if line := f.lineAt(h.start) - 1; line > 0 {
				return fmt.Sprintf("%s:%d", f.path, line)
			}
			return f.path
		}
	}
	return f.path
}

// diffINI reports how the new parser's reading of data differs from the
// oracle's: the error, the headers (names and extents), every section's
// keys, values and line numbers (and errors), and the profile location.
func diffINI(t *testing.T, newFile func() (*iniFile, error), data []byte) {
	t.Helper()
	old, oerr := oldParseINI("f.cfg", data)
	nf, nerr := newFile()
	if fmt.Sprint(oerr) != fmt.Sprint(nerr) {
		t.Fatalf("parse errors differ:\nold %v\nnew %v", oerr, nerr)
	}
	if oerr != nil {
		return
	}
	names := nf.names()
	if len(old.heads) != len(nf.heads) || len(names) != len(nf.heads) {
		t.Fatalf("%d headers, the oracle %d", len(nf.heads), len(old.heads))
	}
	for i, oh := range old.heads {
		nh := nf.heads[i]
		if oh.name != names[i] || oh.start != nh.start || oh.end != nh.end {
			t.Fatalf("header %d: %q %d-%d, the oracle %q %d-%d", i, names[i], nh.start, nh.end, oh.name, oh.start, oh.end)
		}
	}
	for _, name := range append(names, "absent", "") {
		os, ofound, oerr := old.section(name)
		ns, at, nerr := nf.sectionAt(name)
		if fmt.Sprint(oerr) != fmt.Sprint(nerr) || ofound != (at >= 0) {
			t.Fatalf("[%s]: error %v found %v, the oracle %v %v", name, nerr, at >= 0, oerr, ofound)
		}
		if _, found, _ := nf.section(name); found != ofound {
			t.Fatalf("[%s]: section found %v, sectionAt %v", name, found, ofound)
		}
		if oerr != nil || !ofound {
			continue
		}
		if got, want := (location{nf, at}).String(), old.where(name); got != want {
			t.Fatalf("[%s] is at %s, the oracle %s", name, got, want)
		}
		got := map[string]oldINIValue{}
		for k, v := range ns {
			got[k] = oldINIValue{v.value, nf.lineAt(v.off)}
		}
		if !maps.Equal(got, os) {
			t.Fatalf("[%s] = %v, the oracle %v", name, got, os)
		}
	}
}

var iniDiffSeeds = []string{
	testConfig,
	testCredentials,
	credtest.BenchConfig(3),
	"",
	"\n\n# c\n; c\n",
	"[profile a]\nregion\n",
	"region = x\n",
	"[profile a\n",
	"[a]\n[b\n",
	"[profile a]\n  x = 1\nregion = a ; c\n[profile a]\nregion = b\n",
	"\xff[default]\r\nregion = \x00\n",
	"[default]\r\nregion = eu-west-1\r\n[profile x]\r\n",
	"  [ profile a ] \nx = [y]\n # [c\n\t[b]\r\n[c]",
	"[a]\nk = v [x]\n; [y\n# [z\nk2 = [\n[b]",
	"[a]\nx[\n[b",
	"\u00a0[a]\n\u0085[b\u00a0]\n\u2028[c]\n\xc2[d]\n",
	"\v\f[a]\v\n",
	"[]\n[ ]\n[[a]]\n[a]]\n[\x00]\n",
	"[a]",
	"x\n[a]",
	"# c\n[a]\n=x\nk=\n K = V \n",
	"[a]\nk = \xff\n",
	"[\xff]\n",
	"[a]\n [b]\n  k = v\n",
	"[a]\nk = v\n\t[b]\n",
}

// FuzzINIDiff: the header index and section parser read every input as
// the old parser did, to the byte offset and the error message.
func FuzzINIDiff(f *testing.F) {
	for _, s := range iniDiffSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		diffINI(t, func() (*iniFile, error) { return parseINI("f.cfg", data) }, data)
	})
}

// bigINI is s padded with comment lines to the size at which files are
// mapped.
func bigINI(s string) []byte {
	pad := []byte("# " + strings.Repeat("-", 77) + "\n")
	return append(bytes.Repeat(pad, mapMin/len(pad)+1), s...)
}

// mapsFiles says whether readFile maps large files here.
func mapsFiles(t *testing.T) bool {
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, mapMin), 0o600); err != nil {
		t.Fatal(err)
	}
	data, mapped, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if mapped {
		unmap(data)
	}
	return mapped
}

// A mapped file reads as the same file read into memory, errors included.
func TestINIMapped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.cfg")
	for _, s := range iniDiffSeeds {
		data := bigINI(s)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		diffINI(t, func() (*iniFile, error) {
			f, err := readINI(path)
			if f != nil && !f.mapped && mapsFiles(t) {
				t.Fatalf("%d bytes read, not mapped", len(data))
			}
			if f != nil {
				f.path = "f.cfg" // the name the oracle gives errors
			}
			if err != nil {
				err = fmt.Errorf("%s", strings.Replace(err.Error(), path, "f.cfg", 1))
			}
			return f, err
		}, data)
	}
}

// A mapped file that shrinks under us is read again, not a SIGBUS.
func TestINIMappedFileShrinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	data := bigINI("[profile a]\nregion = us-east-1\n")
	data = append(data, credtest.BenchConfig(5000)...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := readINI(path)
	if err != nil {
		t.Fatal(err)
	}
	if !f.mapped {
		t.Skip("files are not mapped on this system")
	}
	small := "[profile a]\nregion = eu-west-1\n"
	if err := os.WriteFile(path, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	s, found, err := f.section("profile prod")
	if err != nil || found {
		t.Errorf("after the file shrank: [profile prod] %v found %v, %v", s, found, err)
	}
	if f.mapped || len(f.data) != len(small) {
		t.Fatalf("not read again: mapped %v, %d bytes", f.mapped, len(f.data))
	}
	if s, _, err := f.section("profile a"); err != nil || s["region"].value != "eu-west-1" {
		t.Errorf("[profile a] = %v, %v", s, err)
	}
}

// Every guarded read recovers, whichever comes first after the file shrinks.
func TestINIMappedShrinksBeforeEachRead(t *testing.T) {
	dir := t.TempDir()
	for _, read := range []struct {
		name string
		fn   func(*iniFile) string
	}{
		{"names", func(f *iniFile) string { return strings.Join(f.names(), ",") }},
		{"lineAt", func(f *iniFile) string { return fmt.Sprint(f.lineAt(len(f.data))) }},
		{"location", func(f *iniFile) string { return location{f, len(f.data)}.String() }},
	} {
		path := filepath.Join(dir, read.name)
		if err := os.WriteFile(path, bigINI(credtest.BenchConfig(5000)), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := readINI(path)
		if err != nil {
			t.Fatal(err)
		}
		if !f.mapped {
			t.Skip("files are not mapped on this system")
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if got := read.fn(f); f.mapped || len(f.heads) != 0 {
			t.Errorf("%s after the file shrank to nothing: %q, still mapped %v", read.name, got, f.mapped)
		}
	}
}

// Through Load and Resolve too: a mapped config gives the same chain.
func TestResolveMapped(t *testing.T) {
	files := writeFiles(t, string(bigINI(testConfig)), testCredentials)
	c := load(t, files)
	if c.config.mapped != mapsFiles(t) {
		t.Fatalf("mapped %v", c.config.mapped)
	}
	ch, err := c.Resolve("chained")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Base.Name != "base" || len(ch.Roles) != 2 || ch.Roles[1].Region != "" || ch.Base.MFASerial != "arn:aws:iam::123456789012:mfa/alice" {
		t.Errorf("chain = %+v", ch)
	}
	want := fmt.Sprintf("%s:%d", files.Config, bytes.Count(bigINI(""), []byte{'\n'})+18)
	if got := fmt.Sprint(ch.Roles[1].Where); got != want {
		t.Errorf("chained is at %s, want %s", got, want)
	}
}
