package config

import (
	"strings"
	"testing"
)

// FuzzINI: no input makes the config reader panic, hang or hand back a
// value a shell could not hold; every error names the file and a line.
func FuzzINI(f *testing.F) {
	f.Add([]byte(testConfig))
	f.Add([]byte(testCredentials))
	f.Add([]byte("[profile a]\nregion\n"))
	f.Add([]byte("[profile a]\n  x = 1\nregion = a ; c\n[profile a]\nregion = b\n"))
	f.Add([]byte("\xff[default]\r\nregion = \x00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ini, err := parseINI("fuzz.cfg", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.cfg:") {
				t.Fatalf("error does not name the file and line: %v", err)
			}
			return
		}
		for _, name := range ini.names() {
			s, _, err := ini.section(name)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz.cfg:") {
					t.Fatalf("error does not name the file and line: %v", err)
				}
				continue
			}
			for k, v := range s {
				if checkText(v.value) != nil || checkText(k) != nil {
					t.Fatalf("value %q of %q is not clean text", v.value, k)
				}
			}
		}
	})
}
