package termtext

import "testing"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"prod":                       "prod",
		`C:\Users\alice\.aws\config`: `C:\Users\alice\.aws\config`,
		"ünïcode":                    "ünïcode",
		"a\x1b[31mb":                 `a\x1b[31mb`,
		"osc\x1b]52;c;aGk=\x07":      `osc\x1b]52;c;aGk=\x07`,
		"fake\x1b[2K\rline":          `fake\x1b[2K\rline`,
		"rtl\u202eevil":              `rtl\u202eevil`,
		"bad\xffutf8\x9b":            `bad\xffutf8\x9b`,
		"nl\nand\ttab\x7f":           `nl\nand\ttab\x7f`,
		"zero\u200bwidth":            `zero\u200bwidth`,
		"\u0085next-line\u009bcsi":   `\x85next-line\x9bcsi`,
		"line\u2028separator\x00nul": `line\u2028separator\x00nul`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if Has(in) != (in != want) {
			t.Errorf("Has(%q) = %v", in, Has(in))
		}
	}
}
