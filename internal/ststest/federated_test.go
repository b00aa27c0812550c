package ststest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Credentials a federation service hands out work like AssumeRole's: the
// caller is the assumed role, and they expire.
func TestIssueRoleCredentials(t *testing.T) {
	srv := newServer(t)
	role := "arn:aws:iam::210987654321:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
	c, err := srv.IssueRoleCredentials(role, "alice@example.com", time.Hour)
	mustOK(t, err)
	if d := time.Until(c.Expires); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expires in %s, want 1h", d)
	}
	out, err := client(srv, c.AccessKeyID, c.SecretAccessKey, c.SessionToken).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	mustOK(t, err)
	if want := "arn:aws:sts::210987654321:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com"; *out.Arn != want || *out.Account != "210987654321" {
		t.Fatalf("caller %s in %s, want %s", *out.Arn, *out.Account, want)
	}
	srv.Expire(c.AccessKeyID)
	_, err = client(srv, c.AccessKeyID, c.SecretAccessKey, c.SessionToken).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantErr(t, err, "ExpiredToken", 400, "expired")

	for _, bad := range []struct {
		role, session string
		d             time.Duration
	}{{"arn:aws:iam::1:role/x", "alice", time.Hour}, {role, "a", time.Hour}, {role, "alice smith", time.Hour}, {role, "alice", 0}} {
		if _, err := srv.IssueRoleCredentials(bad.role, bad.session, bad.d); err == nil {
			t.Errorf("IssueRoleCredentials(%q, %q, %s): no error", bad.role, bad.session, bad.d)
		}
	}
}
