//go:build unix

package e2e

import (
	"testing"
)

// A run waiting at its MFA prompt holds the locks of its role and of its
// source profile's session token, and only those: a profile with another
// source, and a cached role of the same source, go ahead.
func TestDifferentProfilesDoNotWait(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// readonly's role credentials are cached first; then a run refreshing
	// the session token (-r -n) waits at the MFA prompt, holding its lock.
	w.mustRun(nil, "-o", MFACode, "-O", "json", "readonly")
	tm := startTmux(t, w.env, w.dir, bin(), "-r", "-n", "-O", "json", "admin")
	tm.waitText(mfaPrompt, 1)

	// bob's deploy role has its own source profile: nothing to wait for.
	r := w.run(nil, "-O", "json", "deploy")
	if r.code != 0 {
		t.Fatalf("deploy waited or failed while admin held alice's locks: %v", r)
	}
	parseJSONCreds(t, r)
	// readonly is served from its cache file without the session token.
	if r := w.run(nil, "-O", "json", "readonly"); r.code != 0 {
		t.Fatalf("cached readonly waited or failed: %v", r)
	}
}
