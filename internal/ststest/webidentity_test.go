package ststest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

func anonymous(srv *ststest.Server) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{}})
}

func withWebIdentity(srv *ststest.Server, role, token string, opts ...func(*sts.AssumeRoleWithWebIdentityInput)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(role), RoleSessionName: aws.String("alice@example.com"), WebIdentityToken: aws.String(token)}
	for _, o := range opts {
		o(in)
	}
	return anonymous(srv).AssumeRoleWithWebIdentity(context.Background(), in)
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	for _, remote := range []bool{false, true} {
		name := map[bool]string{false: "static keys", true: "keys by discovery"}[remote]
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			iss := ststest.NewOIDCIssuer(t)
			p := ststest.OIDCProvider{IssuerURL: iss.URL, ClientIDs: []string{"other", "aws-runas"}}
			if !remote {
				p.Keys = iss.PublicKeys()
			}
			srv.AddOIDCProvider(p)
			tok := iss.Mint(map[string]any{"sub": "u-42", "aud": "aws-runas", "exp": time.Now().Add(time.Hour)})
			out, err := withWebIdentity(srv, roleLong, tok, func(in *sts.AssumeRoleWithWebIdentityInput) { in.DurationSeconds = aws.Int32(7200) })
			mustOK(t, err)
			if *out.SubjectFromWebIdentityToken != "u-42" || *out.Audience != "aws-runas" || *out.Provider != iss.URL ||
				*out.AssumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/long/alice@example.com" {
				t.Fatalf("answer %+v %+v", out, out.AssumedRoleUser)
			}
			if d := time.Until(*out.Credentials.Expiration); d < 119*time.Minute || d > 2*time.Hour {
				t.Fatalf("expires in %v", d)
			}
			// The credentials work, and the call was not signed.
			id, err := from(srv, out.Credentials).GetCallerIdentity(context.Background(), nil)
			mustOK(t, err)
			if *id.Arn != *out.AssumedRoleUser.Arn {
				t.Fatalf("caller %s", *id.Arn)
			}
			if c := srv.Calls()[0]; c.Action != "AssumeRoleWithWebIdentity" || c.AccessKeyID != "" || c.Err != "" {
				t.Fatalf("call %+v", c)
			}
			// An audience among others in an array is enough.
			tok = iss.Mint(map[string]any{"sub": "u-42", "aud": []string{"x", "other"}, "exp": time.Now().Add(time.Hour)})
			_, err = withWebIdentity(srv, roleAdmin, tok)
			mustOK(t, err)
		})
	}
}

func TestAssumeRoleWithWebIdentityRefusals(t *testing.T) {
	srv := newServer(t)
	iss := ststest.NewOIDCIssuer(t)
	stranger := ststest.NewOIDCIssuer(t)
	srv.AddOIDCProvider(ststest.OIDCProvider{IssuerURL: iss.URL, ClientIDs: []string{"aws-runas"}, Keys: iss.PublicKeys()})
	good := map[string]any{"sub": "alice", "aud": "aws-runas", "exp": time.Now().Add(time.Hour)}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for a, b := range good {
			c[a] = b
		}
		c[k] = v
		return c
	}
	// Signed by the other issuer's key, but claiming to be iss.
	forged := stranger.Mint(good)
	forgedParts, realParts := strings.Split(forged, "."), strings.Split(iss.Mint(good), ".")
	forged = realParts[0] + "." + realParts[1] + "." + forgedParts[2]

	for _, tc := range []struct {
		name, role, token string
		dur               int32
		code              string
		status            int
		msg               string
	}{
		{"audience", roleAdmin, iss.Mint(with("aud", "someone-else")), 0, "InvalidIdentityToken", 400, "Incorrect token audience"},
		{"expired", roleAdmin, iss.Mint(with("exp", time.Now().Add(-time.Minute))), 0, "ExpiredTokenException", 400, "Token expired: current date/time"},
		{"unknown issuer", roleAdmin, stranger.Mint(good), 0, "InvalidIdentityToken", 400, "No OpenIDConnect provider found in your account for " + stranger.URL},
		{"bad signature", roleAdmin, forged, 0, "InvalidIdentityToken", 400, "could not be validated"},
		{"not a JWT", roleAdmin, "an-access-token", 0, "InvalidIdentityToken", 400, "not a valid JWT"},
		{"unknown role", "arn:aws:iam::111122223333:role/nope", iss.Mint(good), 0, "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"duration", roleAdmin, iss.Mint(good), 7200, "ValidationError", 400, "MaxSessionDuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := withWebIdentity(srv, tc.role, tc.token, func(in *sts.AssumeRoleWithWebIdentityInput) {
				if tc.dur != 0 {
					in.DurationSeconds = aws.Int32(tc.dur)
				}
			})
			wantErr(t, err, tc.code, tc.status, tc.msg)
		})
	}

	// Discovery that fails: STS cannot get the keys.
	gone := ststest.StartOIDCIssuer()
	srv.AddOIDCProvider(ststest.OIDCProvider{IssuerURL: gone.URL, ClientIDs: []string{"aws-runas"}})
	tok := gone.Mint(good)
	gone.Close()
	_, err := withWebIdentity(srv, roleAdmin, tok)
	wantErr(t, err, "InvalidIdentityToken", 400, "Couldn't retrieve verification key")
}

func TestAddOIDCProviderValidation(t *testing.T) {
	for _, p := range []ststest.OIDCProvider{{IssuerURL: "idp.example.com", ClientIDs: []string{"x"}}, {IssuerURL: "https://idp.example.com"}} {
		if p.Validate() == nil {
			t.Errorf("%+v validated", p)
		}
	}
}
