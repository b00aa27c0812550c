package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/shells"
)

// renewVar records, beside exported credentials, what they are, so that the
// refresh hook renews exactly those (--renew) and never what the profile
// name means in the prompt's current directory. It is private (not in
// contract §4's table) and holds no secret: paths, names, options, ARNs.
const renewVar = "__AWS_RUNAS_RENEW"

// renewVersion is the format of renewRecord; a record of another version
// is refused as malformed.
const renewVersion = 1

// renewRecord is what renewVar holds, as base64url (no padding) of JSON: a
// single line of ASCII that every shell quotes alike.
type renewRecord struct {
	V int `json:"v"`
	// The files, absolute: the config file used, the credentials file, and
	// the project's aws_config when one was read.
	Config      string `json:"config"`
	Credentials string `json:"credentials"`
	Project     string `json:"project,omitempty"`
	// The request: the profile name or role ARN and the options that shape
	// the credentials (never -o, the MFA code).
	Profile         string     `json:"profile"`
	NoRole          bool       `json:"no_role,omitempty"`
	ExternalID      string     `json:"external_id,omitempty"`
	MFASerial       string     `json:"mfa_serial,omitempty"`
	SessionDuration int64      `json:"session_seconds,omitempty"`
	RoleDuration    int64      `json:"role_seconds,omitempty"`
	SSO             *creds.SSO `json:"sso,omitempty"`
	// What the resolution gave, for the renewal to compare against.
	RoleARN    string `json:"role_arn,omitempty"`
	Account    string `json:"account,omitempty"`
	File       string `json:"file,omitempty"`
	Source     string `json:"source"`
	SourceFile string `json:"source_file,omitempty"`
}

// newRenewRecord records req, resolved from files into res.
func newRenewRecord(files config.Files, req creds.Request, res *creds.Result) renewRecord {
	r := renewRecord{
		V: renewVersion, Config: absPath(files.Config), Credentials: absPath(files.Credentials), Project: absPath(files.Project),
		Profile: req.Profile, NoRole: req.NoRole, ExternalID: req.ExternalID, MFASerial: req.MFASerial,
		SessionDuration: int64(req.SessionDuration.Seconds()), RoleDuration: int64(req.RoleDuration.Seconds()),
		RoleARN: res.RoleARN, Account: res.Account, File: absPath(res.File), Source: res.Source, SourceFile: absPath(res.SourceFile),
	}
	if req.SSO != (creds.SSO{}) {
		sso := req.SSO
		r.SSO = &sso
	}
	return r
}

// absPath makes a file's path absolute (the working directory changes
// before the record is used); other places ("command line") stay.
func absPath(p string) string {
	if p == "" || p == "command line" || filepath.IsAbs(p) {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func (r renewRecord) encode() string {
	b, err := json.Marshal(r)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeRenew reads renewVar's value; any fault is an error (exit 1, as
// any failed renewal) naming the variable.
func decodeRenew(v string) (*renewRecord, error) {
	bad := func(why string) error {
		return fmt.Errorf("--renew renews the credentials %s describes, and %s", renewVar, why)
	}
	if v == "" {
		return nil, bad("it is not set (credentials exported by aws-runas set it)")
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, bad("it is malformed")
	}
	var r renewRecord
	if err := json.Unmarshal(b, &r); err != nil || r.V != renewVersion || r.Profile == "" || r.Config == "" || r.Credentials == "" ||
		!filepath.IsAbs(r.Config) || !filepath.IsAbs(r.Credentials) || (r.Project != "" && !filepath.IsAbs(r.Project)) {
		return nil, bad("it is malformed")
	}
	return &r, nil
}

// request is the request the record was made for, checked as the command
// line's options are.
func (r *renewRecord) request() (creds.Request, error) {
	req := creds.Request{Profile: r.Profile, NoRole: r.NoRole, ExternalID: r.ExternalID, MFASerial: r.MFASerial}
	if r.SSO != nil {
		req.SSO = *r.SSO
	}
	var err error
	if r.SessionDuration != 0 {
		if req.SessionDuration, err = parseDuration("-d", strconv.FormatInt(r.SessionDuration, 10), creds.SessionBounds); err != nil {
			return req, fmt.Errorf("%s is malformed: %v", renewVar, err)
		}
	}
	if r.RoleDuration != 0 {
		if req.RoleDuration, err = parseDuration("-a", strconv.FormatInt(r.RoleDuration, 10), creds.RoleBounds); err != nil {
			return req, fmt.Errorf("%s is malformed: %v", renewVar, err)
		}
	}
	return req, nil
}

func (r *renewRecord) files() config.Files {
	return config.Files{Config: r.Config, Credentials: r.Credentials, Project: r.Project}
}

// check refuses a renewal that resolves to other credentials than the
// recorded ones: another role, account, source or file. Before any STS
// call (described), the account of a session token is not known yet.
func (r *renewRecord) check(res *creds.Result, described bool) error {
	got := newRenewRecord(r.files(), creds.Request{}, res)
	account, role := r.Account, r.RoleARN
	if described && got.Account == "" {
		account = ""
	}
	if described && got.RoleARN == "" && got.Account != "" {
		// An Identity Center role's ARN is known only from its credentials.
		role = ""
	}
	for _, c := range []struct{ what, was, now string }{
		{"role", role, got.RoleARN},
		{"account", account, got.Account},
		{"profile file", r.File, got.File},
		{"source profile", r.Source, got.Source},
		{"source profile file", r.SourceFile, got.SourceFile},
	} {
		if c.was != c.now {
			return fmt.Errorf("not renewed: %q now resolves to another %s (%q, was %q); switch to it again to use it",
				r.Profile, c.what, c.now, c.was)
		}
	}
	return nil
}

// withRenew adds the record of the credentials env exports.
func withRenew(env shells.Env, rec renewRecord) shells.Env {
	v := rec.encode()
	if v == "" {
		return env
	}
	unset := env.Unset[:0:0]
	for _, n := range env.Unset {
		if n != renewVar {
			unset = append(unset, n)
		}
	}
	env.Unset = unset
	env.Set = append(env.Set, shells.Var{Name: renewVar, Value: v})
	return env
}

// checkBefore refuses, before any STS call, a renewal that would give other
// credentials than the shell's; check runs again on the result, since the
// account of a session token is known only then.
func (r *renewRecord) checkBefore(prov *creds.Provider, req creds.Request) error {
	d, err := prov.Describe(req)
	if err != nil {
		return err
	}
	return r.check(d, true)
}

// parseRenew takes the request from __AWS_RUNAS_RENEW: nothing on the
// command line may change what is renewed.
func parseRenew(inv *invocation, rest []string, getenv func(string) string) (*invocation, string, error) {
	o := &inv.opts
	if len(rest) > 0 || o.Profile != "" || o.NoRole || o.Duration != "" || o.RoleDuration != "" || o.OTP != "" || o.MFASerial != "" ||
		o.ExternalID != "" || o.Path != "" || o.Unset || o.Expiration || o.Whoami || o.List || o.Version ||
		o.SAMLAuthURL != "" || o.SAMLUsername != "" || o.SAMLProvider != "" || o.WebIdentityAuthURL != "" ||
		o.WebIdentityClientID != "" || o.WebIdentityRedirectURI != "" || o.WebIdentityProvider != "" {
		return nil, "", usagef("--renew takes the profile and its options from %s; give only -O, -r, -s, -v, --non-interactive", renewVar)
	}
	rec, err := decodeRenew(getenv(renewVar))
	if err != nil {
		return nil, "", err
	}
	if inv.req, err = rec.request(); err != nil {
		return nil, "", err
	}
	inv.req.Refresh = o.Refresh
	inv.profile, inv.renew = rec.Profile, rec
	return inv, "", nil
}
