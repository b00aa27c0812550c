// Package oidc gets role credentials with AssumeRoleWithWebIdentity: with
// the token of web_identity_token_file, or with an ID token from an OpenID
// Connect sign-in (browser or device flow) that it caches and refreshes.
package oidc

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"

	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/awssts"
	"github.com/aws-runas/aws-runas/signon"
)

// SignOn gets role credentials with AssumeRoleWithWebIdentity: with
// web_identity_token_file, or with a sign-in at web_identity_auth_url.
type SignOn struct{}

// job is one sign-in in progress.
type job struct {
	env *signon.Env
	req signon.Request
}

// RoleCredentials gets the credentials of req's role with a web identity.
func (SignOn) RoleCredentials(ctx context.Context, req signon.Request, env *signon.Env) (*signon.Role, error) {
	return (&job{env: env, req: req}).webIdentity(ctx)
}

// webIdentity gets the role credentials of prof with AssumeRoleWithWebIdentity:
// with the token of web_identity_token_file, as the AWS SDKs do, or with an
// ID token from the profile's OpenID Connect provider (oidc.go), which is
// cached so that one sign-in serves every role until the token expires.
func (j *job) webIdentity(ctx context.Context) (*signon.Role, error) {
	prof, duration := j.req.Profile, j.req.Duration
	if prof.WebIdentityTokenFile != "" {
		token, err := readTokenFile(prof)
		if err != nil {
			return nil, err
		}
		e, err := j.assumeWebIdentity(ctx, prof, token, duration)
		if err != nil {
			return nil, webIdentityError(prof, "the token in "+prof.WebIdentityTokenFile, token, err)
		}
		return e, nil
	}

	c, err := newOIDCClient(j.env, prof)
	if err != nil {
		return nil, err
	}
	// Concurrent runs sign in once: the others wait and find the token.
	unlock := j.env.Cache.Lock(oidcKind, c.cacheName())
	defer unlock()
	mode := oidcUseCache
	for {
		t, source, err := c.token(ctx, mode)
		if err != nil {
			return nil, err
		}
		if source == oidcSignedIn {
			if claims, ok := unverifiedJWTClaims(t.IDToken); ok {
				fmt.Fprintf(oidcStderr, "Signed in at %s as %s.\n", signon.Clean(c.issuer), signon.Clean(cmp.Or(claims.Email, claims.Subject)))
			}
		}
		e, err := j.assumeWebIdentity(ctx, prof, t.IDToken, duration)
		if awssts.IsCode(err, "ExpiredTokenException", "InvalidIdentityToken") {
			// STS refuses the token itself: it is no use for any role.
			// Revoked, or the clocks disagree: get a new one, without
			// the user while the refresh token serves, and at most once
			// each way.
			switch {
			case source == oidcCached:
				// The file keeps the refresh token; token forgets it if
				// the refresh fails.
				j.env.Debug("OIDC: STS refused the cached ID token; refreshing it")
				mode = oidcRefresh
				continue
			case source == oidcRefreshed && mode == oidcRefresh:
				j.env.Debug("OIDC: STS refused the refreshed ID token; signing in again")
				c.forget()
				mode = oidcSignIn
				continue
			}
			c.forget()
			return nil, webIdentityError(prof, "the ID token from "+c.issuer, t.IDToken, err)
		}
		if source != oidcCached {
			// Kept even when the role refuses it (trust policy): the
			// sign-in is good for other roles.
			c.save(t)
		}
		if err != nil {
			return nil, webIdentityError(prof, "the ID token from "+c.issuer, t.IDToken, err)
		}
		return e, nil
	}
}

// readTokenFile reads web_identity_token_file afresh at every use: whatever
// writes it (Kubernetes, a CI runner) replaces the token before it expires.
func readTokenFile(prof *config.Profile) (string, error) {
	f, err := os.Open(prof.WebIdentityTokenFile)
	if err != nil {
		return "", fmt.Errorf("profile %q: web_identity_token_file: %w", prof.Name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return "", fmt.Errorf("profile %q: web_identity_token_file: %w", prof.Name, err)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", fmt.Errorf("profile %q: web_identity_token_file %s is empty", prof.Name, prof.WebIdentityTokenFile)
	}
	return string(b), nil
}

// assumeWebIdentity calls AssumeRoleWithWebIdentity, which is not signed:
// the token is the proof of identity.
func (j *job) assumeWebIdentity(ctx context.Context, prof *config.Profile, token string, duration time.Duration) (*signon.Role, error) {
	name := prof.RoleSessionName
	if name == "" {
		if c, ok := unverifiedJWTClaims(token); ok {
			name = cmp.Or(c.Email, c.Subject)
		}
	}
	if name == "" {
		name = awssts.DefaultSessionName("", "", j.env.Now())
	}
	in := &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(prof.RoleARN),
		RoleSessionName:  aws.String(awssts.SessionName(name)),
		WebIdentityToken: aws.String(token),
		DurationSeconds:  awssts.Seconds(duration),
	}
	j.env.Debug("AssumeRoleWithWebIdentity %s for %q (%s, session %s)", prof.RoleARN, prof.Name, duration, *in.RoleSessionName)
	client := j.env.STS
	out, err := awssts.Call(ctx, j.env.Timeout, func(ctx context.Context) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return client.AssumeRoleWithWebIdentity(ctx, in, func(o *sts.Options) { o.Credentials = aws.AnonymousCredentials{} })
	})
	if err != nil {
		return nil, err
	}
	return &signon.Role{Credentials: awssts.Credentials(out.Credentials), SessionName: *in.RoleSessionName}, nil
}

// webIdentityError explains STS's refusals of a web identity token, which
// need the IAM side of the setup more than a retry.
func webIdentityError(prof *config.Profile, what, token string, err error) error {
	op := "AssumeRoleWithWebIdentity " + prof.RoleARN
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return awssts.Error(op, prof.Name, err)
	}
	msg := ae.ErrorMessage()
	switch ae.ErrorCode() {
	case "ExpiredTokenException":
		when := ""
		if c, ok := unverifiedJWTClaims(token); ok && c.Expiry != nil {
			when = " at " + time.Unix(int64(*c.Expiry), 0).UTC().Format(time.RFC3339)
		}
		return fmt.Errorf("profile %q: %s: %s expired%s; get a new token (%s)", prof.Name, op, what, when, msg)
	case "InvalidIdentityToken":
		hint := ""
		switch {
		case msg == "Incorrect token audience":
			hint = "; the token is for another audience: the IAM OIDC provider must list the token's client ID (aud)"
		case strings.Contains(msg, "No OpenIDConnect provider"):
			hint = "; create an IAM OIDC identity provider for the token's issuer in the role's account"
		}
		return fmt.Errorf("profile %q: %s: STS refused %s: %s%s", prof.Name, op, what, msg, hint)
	case "AccessDenied":
		return fmt.Errorf("profile %q: %s: %s (the role's trust policy must allow sts:AssumeRoleWithWebIdentity for this identity provider, audience and subject)", prof.Name, op, msg)
	}
	return awssts.Error(op, prof.Name, err)
}
