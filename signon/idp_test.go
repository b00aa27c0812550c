package signon

import (
	"strings"
	"testing"
)

// What identity providers say: white space collapsed, cut by runes,
// controls and format characters escaped.
func TestIdPClean(t *testing.T) {
	if got := Clean("a\x1b[31mred\n\tline\u202e  x\u200by"); got != `a\x1b[31mred line\u202e x\u200by` {
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
