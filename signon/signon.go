// Package signon is what the credential flows (package creds) and the
// sign-on providers (signon/saml, signon/oidc, ...) share: the one call the
// flows make, what they pass in, and helpers for talking to identity
// providers. The providers import it; it imports none of them, nor creds.
package signon

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/prompt"
)

// Provider signs the user in at an identity provider and returns the
// credentials of the profile's role: by AssumeRoleWithSAML, by
// AssumeRoleWithWebIdentity, or from the provider itself.
type Provider interface {
	RoleCredentials(ctx context.Context, req Request, env *Env) (*Role, error)
}

// Request is the role asked for.
type Request struct {
	// Profile holds role_arn, role_session_name and the sign-on keys.
	Profile *config.Profile
	// Duration is the role session's.
	Duration time.Duration
	// DurationSet says Duration was asked for (-a, duration_seconds): an
	// identity provider's own (SAML's SessionDuration) replaces only a
	// default one.
	DurationSet bool
	// OTP is the one-time code given with -o.
	OTP string
}

// Role is what a sign-on gets: the role's credentials and the name of its
// session.
type Role struct {
	Credentials aws.Credentials
	SessionName string
}

// Prompter asks the user for what signing in needs. *prompt.Prompter is
// the one aws-runas uses; tests answer with their own.
type Prompter interface {
	Code(ctx context.Context, q prompt.Code) (string, error)
	Password(ctx context.Context, q prompt.Password) (string, error)
	Choose(ctx context.Context, q prompt.Choice) (int, error)
	Notify(ctx context.Context, q prompt.Notice)
	// Interactive is false under --non-interactive: only what asks no
	// person (mfa_process, ykman) may answer.
	Interactive() bool
	// Terminal says whether there is a terminal to show the user
	// something on (an Identity Center login's URL and code).
	Terminal() bool
}

// Env is what the flows lend a sign-on. Getenv, Debug and Now are never
// nil; Prompter is nil when no one can be asked.
type Env struct {
	// Cache keeps sessions and tokens of identity providers, and the
	// locks that make parallel runs sign in once; nil: no cache.
	Cache *cache.Cache
	// STS is a client for the profile's region and endpoint, for the
	// AssumeRoleWith* calls, which are not signed.
	STS *sts.Client
	// Timeout bounds each STS call (awssts.Call).
	Timeout time.Duration
	Getenv  func(string) string
	Debug   func(format string, args ...any)
	Now     func() time.Time
	// Prompter asks the user; nil: no one can be asked.
	Prompter Prompter
}

// CanAsk says whether a person can be asked (a password, a choice, a
// browser sign-in).
func (e *Env) CanAsk() bool { return e.Prompter != nil && e.Prompter.Interactive() }

// PromptProfile is what prof says about how to ask.
func PromptProfile(prof *config.Profile) prompt.Profile {
	return prompt.Profile{Name: prof.Name, MFAPrompt: prof.MFAPrompt, MFAProcess: prof.MFAProcess, OATHName: prof.MFAOATHName}
}

// InputNeededError is returned when signing in needs an answer from the
// user and none can be asked for.
type InputNeededError struct{ What string }

func (e *InputNeededError) Error() string { return e.What }
