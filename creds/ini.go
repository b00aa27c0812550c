package creds

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// iniFile is one AWS config or credentials file. Sections are indexed when
// the file is read and parsed only when asked for, so a file with tens of
// thousands of profiles costs one scan for header lines on the warm path.
type iniFile struct {
	path  string
	data  []byte
	heads []iniHead
}

type iniHead struct {
	name  string // text between the brackets, trimmed
	start int    // offset of the first byte after the header line
	end   int    // offset of the next header line (or len(data))
}

type iniValue struct {
	value string
	line  int
}

// section is one parsed [section]: lower-cased keys with their values.
type section map[string]iniValue

// readINI reads path. A file that does not exist is an empty file, as for
// the AWS CLI; any other read error is reported.
func readINI(path string) (*iniFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return &iniFile{path: path}, nil
		}
		return nil, err
	}
	return parseINI(path, data)
}

// parseINI indexes the section headers of data. Lines outside any section
// and malformed headers are errors here; key lines are checked when their
// section is read.
func parseINI(path string, data []byte) (*iniFile, error) {
	f := &iniFile{path: path, data: data}
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
			if err := checkText(name); err != nil {
				return nil, f.errorf(line, "section name: %v", err)
			}
			f.heads = append(f.heads, iniHead{name: name, start: next, end: len(data)})
		case len(f.heads) == 0:
			// The line itself is not quoted: in a credentials file it may
			// be a secret that lost its key.
			return nil, f.errorf(line, "a line outside any [section]")
		}
		off = next
	}
	return f, nil
}

// section merges every [name] section of the file (a repeated section adds
// to the earlier one, later keys winning, as the AWS SDKs do). found is
// false when the file has no such section.
func (f *iniFile) section(name string) (s section, found bool, err error) {
	for _, h := range f.heads {
		if h.name != name {
			continue
		}
		if s == nil {
			s = section{}
		}
		if err := f.parseBody(h, s); err != nil {
			return nil, true, err
		}
		found = true
	}
	return s, found, nil
}

func (f *iniFile) parseBody(h iniHead, s section) error {
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
			// An indented line continues the key above it: the nested
			// settings of `s3 =` and the like. aws-runas reads none of them.
		default:
			eq := bytes.IndexByte(text, '=')
			if eq <= 0 {
				return f.errorf(line, "expected 'key = value' (the line is not shown: it may hold a secret)")
			}
			key := strings.ToLower(string(bytes.TrimSpace(text[:eq])))
			if err := checkText(key); err != nil {
				return f.errorf(line, "key: %v", err)
			}
			value := string(stripComment(bytes.TrimSpace(text[eq+1:])))
			if err := checkText(value); err != nil {
				return f.errorf(line, "value of %s: %v", key, err)
			}
			s[key] = iniValue{value: value, line: line}
			haveKey = true
		}
		line++
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

func (f *iniFile) lineAt(off int) int { return bytes.Count(f.data[:off], []byte{'\n'}) + 1 }

func (f *iniFile) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", f.path, line, fmt.Sprintf(format, args...))
}
