package signon

import (
	"strings"
	"testing"
)

// One sanitizer for what identity providers say: controls and format
// characters out, white space collapsed, cut by runes.
func TestIdPClean(t *testing.T) {
	if got := Clean("a\x1b[31mred\n\tline\u202e  x\u200by"); got != "a [31mred line x y" {
		t.Fatalf("%q", got)
	}
	if got := Clean(strings.Repeat("x", 400)); len(got) != 303 {
		t.Fatalf("%d", len(got))
	}
	// Cut by runes: 400 two-byte runes keep 300 whole runes.
	if got := Clean(strings.Repeat("é", 400)); got != strings.Repeat("é", 300)+"..." {
		t.Fatalf("%q", got)
	}
}
