package config

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"unicode/utf8"
)

// iniFile is one AWS config or credentials file. Sections are indexed when
// the file is read and parsed only when asked for, so a file with tens of
// thousands of profiles costs one scan for header lines on the warm path.
//
// Everything the index holds is an offset into data: names are compared in
// place and copied only when handed out, and line numbers are counted only
// for an error message.
type iniFile struct {
	path  string
	data  []byte
	heads []iniHead
	// mapped: data is a memory map of path (readFile), which the file can
	// shrink under, so every read of data goes through guard.
	mapped bool
}

type iniHead struct {
	nameOff, nameEnd int // the text between the brackets, trimmed
	start            int // offset of the first byte after the header line
	end              int // offset of the next header line (or len(data))
}

type iniValue struct {
	value string
	off   int // offset of the key's line, for error messages
}

// section is one parsed [section]: lower-cased keys with their values.
type section map[string]iniValue

// mapMin is the size from which a file is mapped rather than read: below
// it, reading costs no more than mapping does.
const mapMin = 256 << 10

// readINI reads path. A file that does not exist is an empty file, as for
// the AWS CLI; any other read error is reported.
func readINI(path string) (*iniFile, error) {
	data, mapped, err := readFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return &iniFile{path: path}, nil
		}
		return nil, err
	}
	if !mapped {
		return parseINI(path, data)
	}
	f := &iniFile{path: path, data: data, mapped: true}
	// The mapping lives as long as f: a Profile's location may need it for
	// an error message at any time, and the process is short-lived anyway.
	// Unmapping once f is garbage spares a long-lived caller (tests,
	// benchmarks) a pile of mappings, without a Close to remember.
	runtime.AddCleanup(f, unmap, data)
	if err := f.guard(f.index); err != nil {
		return nil, err
	}
	return f, nil
}

// parseINI indexes the section headers of data. Lines outside any section
// and malformed headers are errors here; key lines are checked when their
// section is read.
func parseINI(path string, data []byte) (*iniFile, error) {
	f := &iniFile{path: path, data: data}
	if err := f.index(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *iniFile) index() error {
	data := f.data
	// One header per '[' at most: sizing heads once saves a dozen copies
	// of a growing slice in a large file, for one fast extra pass.
	f.heads = make([]iniHead, 0, bytes.Count(data, []byte{'['}))
	// Before the first header, every line must be blank or a comment.
	off := 0
	for off < len(data) {
		next := lineEnd(data, off)
		text := bytes.TrimSpace(data[off:next])
		if len(text) > 0 && text[0] != '#' && text[0] != ';' {
			if text[0] != '[' {
				// The line itself is not quoted: in a credentials file it
				// may be a secret that lost its key.
				return f.errorf(off, "a line outside any [section]")
			}
			break
		}
		off = next
	}
	// From there on only headers matter, and a header is a line whose
	// first non-blank byte is '[': rather than visit every line, jump from
	// '[' to '[' (IndexByte is vectorised). off is always a line start.
	for off < len(data) {
		i := bytes.IndexByte(data[off:], '[')
		if i < 0 {
			break
		}
		pos := off + i
		ls := off + bytes.LastIndexByte(data[off:pos], '\n') + 1
		next := lineEnd(data, pos)
		// A '[' after other text (a value, a comment) is no header, and no
		// later '[' on its line can be.
		if ls == pos || len(bytes.TrimSpace(data[ls:pos])) == 0 {
			if err := f.addHead(ls, pos, next); err != nil {
				return err
			}
		}
		off = next
	}
	return nil
}

// addHead adds the header whose line starts at ls, with its '[' at pos,
// and ends at next.
func (f *iniFile) addHead(ls, pos, next int) error {
	text := bytes.TrimSpace(f.data[pos:next])
	if text[len(text)-1] != ']' {
		return f.errorf(ls, "section header %q has no closing ']'", text)
	}
	if n := len(f.heads); n > 0 {
		f.heads[n-1].end = ls
	}
	inner := text[1 : len(text)-1]
	name := bytes.TrimSpace(inner)
	if err := checkBytes(name); err != nil {
		return f.errorf(ls, "section name: %v", err)
	}
	// TrimSpace returns a subslice of inner (which starts at pos+1), so
	// the capacities tell how much it trimmed off the front.
	nameOff := pos + 1
	if len(name) > 0 {
		nameOff += cap(inner) - cap(name)
	}
	f.heads = append(f.heads, iniHead{nameOff: nameOff, nameEnd: nameOff + len(name), start: next, end: len(f.data)})
	return nil
}

// lineEnd is the offset just past the line that holds off.
func lineEnd(data []byte, off int) int {
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(data)
}

// names lists the section names in file order, repeats included.
func (f *iniFile) names() (names []string) {
	_ = f.guard(func() error {
		names = make([]string, len(f.heads))
		for i, h := range f.heads {
			names[i] = string(f.data[h.nameOff:h.nameEnd])
		}
		return nil
	})
	return names
}

// section merges every [name] section of the file (a repeated section adds
// to the earlier one, later keys winning, as the AWS SDKs do). found is
// false when the file has no such section.
func (f *iniFile) section(name string) (s section, found bool, err error) {
	s, at, err := f.sectionAt(name)
	return s, at >= 0, err
}

// sectionAt is section, with at the location of the first [name] header
// (as for location), or -1 when there is none.
func (f *iniFile) sectionAt(name string) (s section, at int, err error) {
	err = f.guard(func() error {
		s, at = nil, -1
		for _, h := range f.heads {
			if string(f.data[h.nameOff:h.nameEnd]) != name {
				continue
			}
			if s == nil {
				s, at = section{}, h.start
			}
			if err := f.parseBody(h, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, at, err
	}
	return s, at, nil
}

func (f *iniFile) parseBody(h iniHead, s section) error {
	haveKey := false
	for off := h.start; off < h.end; {
		eol := h.end
		if i := bytes.IndexByte(f.data[off:h.end], '\n'); i >= 0 {
			eol = off + i
		}
		raw, lineOff := f.data[off:eol], off
		off = eol + 1
		text := bytes.TrimSpace(raw)
		switch {
		case len(text) == 0 || text[0] == '#' || text[0] == ';':
		case haveKey && (raw[0] == ' ' || raw[0] == '\t'):
			// An indented line continues the key above it: the nested
			// settings of `s3 =` and the like. aws-runas reads none of them.
		default:
			eq := bytes.IndexByte(text, '=')
			if eq <= 0 {
				return f.errorf(lineOff, "expected 'key = value' (the line is not shown: it may hold a secret)")
			}
			// The conversions copy: nothing handed out aliases data,
			// which may be a mapping of a file that changes.
			key := strings.ToLower(string(bytes.TrimSpace(text[:eq])))
			if err := checkText(key); err != nil {
				return f.errorf(lineOff, "key: %v", err)
			}
			value := string(stripComment(bytes.TrimSpace(text[eq+1:])))
			if err := checkText(value); err != nil {
				return f.errorf(lineOff, "value of %s: %v", key, err)
			}
			s[key] = iniValue{value: value, off: lineOff}
			haveKey = true
		}
	}
	return nil
}

// stripComment removes an inline comment: '#' or ';' after white space.
// A '#' inside a value with no space before it (a URL fragment) stays.
func stripComment(v []byte) []byte {
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return bytes.TrimSpace(v[:i])
		}
	}
	return v
}

// checkText refuses what cannot travel to a shell or an HTTP request intact.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte")
	}
	return nil
}

// checkBytes is checkText without copying b to a string first.
func checkBytes(b []byte) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("not valid UTF-8")
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte")
	}
	return nil
}

// lineAt is the number of the line that holds offset off.
func (f *iniFile) lineAt(off int) (line int) {
	_ = f.guard(func() error {
		// An offset taken before guard read a shrunken file again may lie
		// past its new end: the line is wrong then, but not a panic.
		off = min(off, len(f.data))
		line = bytes.Count(f.data[:off], []byte{'\n'}) + 1
		return nil
	})
	return line
}

// errorf is an error at the line that holds offset off.
func (f *iniFile) errorf(off int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", f.path, f.lineAt(off), fmt.Sprintf(format, args...))
}

// location is where a section is, for Profile.Where: shown as file:line,
// the line being counted only then.
type location struct {
	f   *iniFile
	off int // iniHead.start of the section's first header
}

func (l location) String() string {
	// The header is the line before its start. (Where the header is the
	// file's last line and has no newline, that is one line early, and
	// line 0 of a one-line file is shown as the bare path: as before.)
	if line := l.f.lineAt(l.off) - 1; line > 0 {
		return fmt.Sprintf("%s:%d", l.f.path, line)
	}
	return l.f.path
}

// guard runs fn, which reads f.data. If f.data maps the file and the file
// has shrunk since, reading past its new end raises SIGBUS, which would
// kill the process: guard has the runtime turn the fault into a panic,
// recovers, reads the file into memory instead and runs fn again. Guards
// nest (errorf within sectionAt): the outermost one recovers.
//
// Falling back replaces f.data and f.heads, so like any reload it is not
// safe for concurrent use; aws-runas reads its files from one goroutine.
func (f *iniFile) guard(fn func() error) error {
	if !f.mapped {
		return fn()
	}
	// f owns the cleanup that unmaps data: it must outlive every read.
	defer runtime.KeepAlive(f)
	if debug.SetPanicOnFault(true) {
		return fn() // an enclosing guard recovers, and restores the setting
	}
	err, faulted := tryFault(fn)
	if !faulted {
		return err
	}
	data, err := os.ReadFile(f.path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	f.data, f.mapped = data, false
	if err := f.index(); err != nil {
		return err
	}
	return fn()
}

// tryFault runs fn with faults as panics (SetPanicOnFault is already on),
// and recovers from a fault; it leaves SetPanicOnFault off.
func tryFault(fn func() error) (err error, faulted bool) {
	defer debug.SetPanicOnFault(false)
	defer func() {
		if faulted {
			// A memory fault's panic value has an Addr method; pass any
			// other panic on.
			r := recover()
			if _, ok := r.(interface{ Addr() uintptr }); !ok {
				panic(r)
			}
		}
	}()
	faulted = true
	err = fn()
	return err, false
}
