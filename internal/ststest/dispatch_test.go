package ststest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// No action of today's table is closed to GetSessionToken credentials but
// GetSessionToken (which answers for itself), so the dispatch rule is tested
// with a stand-in for a later action.
func TestSessionTokenCredentialsLimitedToSomeActions(t *testing.T) {
	operations["GetFederationToken"] = operation{handle: func(*Server, *principal, url.Values) (any, *apiError) {
		return &getCallerIdentityResult{}, nil
	}}
	defer delete(operations, "GetFederationToken")

	s := NewTest(t)
	u := User{Name: "u", Account: "111122223333", AccessKeyID: "AKIAU", SecretAccessKey: "secret"}
	s.AddUser(u)
	s.AddRole(Role{ARN: "arn:aws:iam::111122223333:role/r"})
	p := &principal{user: &u}
	gst, aerr := s.getSessionToken(p, url.Values{})
	if aerr != nil {
		t.Fatal(aerr)
	}
	role, aerr := s.assumeRole(p, url.Values{"RoleArn": {"arn:aws:iam::111122223333:role/r"}, "RoleSessionName": {"sn"}})
	if aerr != nil {
		t.Fatal(aerr)
	}

	call := func(c credentialsXML) (int, string) {
		form := "Action=GetFederationToken&Version=2011-06-15"
		req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(form))
		creds := aws.Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := call(gst.(*getSessionTokenResult).Credentials)
	if status != 403 || !strings.Contains(body, "<Message>User: arn:aws:iam::111122223333:user/u is not authorized to perform: sts:GetFederationToken</Message>") {
		t.Fatalf("session token credentials: %d %s", status, body)
	}
	if status, body := call(role.(*assumeRoleResult).Credentials); status != 200 {
		t.Fatalf("role credentials: %d %s", status, body)
	}
}
