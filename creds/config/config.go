// Package config reads profiles as the AWS CLI does: the config and
// credentials files (and a project's ./aws_config, restricted to role
// keys), and the source_profile chains that lead to credentials.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/internal/awssts"
	"github.com/aws-runas/aws-runas/internal/termtext"
	"github.com/mitchellh/go-homedir"
)

// Files says where profiles are read from (contract §6).
type Files struct {
	Config      string // the user's config file
	Credentials string // the user's credentials file
	// Project is ./aws_config when the working directory has one. It lives
	// in a source tree, so only its role keys are read (projectKeys).
	Project string
}

// LocateFiles finds the files of §6: --path, else ./aws_config (beside the
// user's own files), else $AWS_CONFIG_FILE, else ~/.aws/config.
func LocateFiles(path string, getenv func(string) string) (Files, error) {
	var f Files
	home, err := homedir.Dir()
	if err != nil && (getenv("AWS_CONFIG_FILE") == "" || getenv("AWS_SHARED_CREDENTIALS_FILE") == "") && path == "" {
		return f, fmt.Errorf("cannot find the home directory for ~/.aws: %w", err)
	}
	f.Config = getenv("AWS_CONFIG_FILE")
	if f.Config == "" {
		f.Config = filepath.Join(home, ".aws", "config")
	}
	f.Credentials = getenv("AWS_SHARED_CREDENTIALS_FILE")
	if f.Credentials == "" {
		f.Credentials = filepath.Join(home, ".aws", "credentials")
	}
	for _, p := range []*string{&f.Config, &f.Credentials} {
		if *p, err = homedir.Expand(*p); err != nil {
			return f, err
		}
	}
	switch {
	case path != "":
		f.Config = path
	default:
		if st, err := os.Stat("aws_config"); err == nil && st.Mode().IsRegular() {
			if f.Project, err = filepath.Abs("aws_config"); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

// CacheDir is where cached credentials live: beside the user's config file,
// never beside a project's ./aws_config, which may sit in a shared tree.
func (f Files) CacheDir() string { return filepath.Dir(f.Config) }

// projectKeys are the only keys read from ./aws_config: none of them runs a
// command, reads other credentials or redirects requests elsewhere.
var projectKeys = map[string]bool{
	"role_arn": true, "source_profile": true, "mfa_serial": true, "external_id": true,
	"role_session_name": true, "duration_seconds": true, "region": true,
}

// Profile is one named profile, as the AWS CLI reads it.
type Profile struct {
	Name              string
	RoleARN           string
	SourceProfile     string
	CredentialSource  string
	CredentialProcess string
	MFASerial         string
	ExternalID        string
	RoleSessionName   string
	Region            string
	EndpointURL       string
	Duration          time.Duration // duration_seconds; 0 when not set

	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// Single sign-on: a profile with one of these gets its role
	// credentials from an identity provider instead of a source profile.
	SAMLAuthURL            string
	SAMLUsername           string
	SAMLProvider           string
	WebIdentityAuthURL     string
	WebIdentityClientID    string
	WebIdentityRedirectURI string
	WebIdentityProvider    string
	WebIdentityTokenFile   string

	// IAM Identity Center (sso.go): the profile's own keys; SSOStartURL,
	// SSORegion and SSOScopes hold the sso-session's values once resolved.
	SSOSession   string
	SSOAccountID string
	SSORoleName  string
	SSOStartURL  string
	SSORegion    string
	SSOScopes    []string

	ssoAt keyAt // the sso_session line, for errors

	// How to ask for the MFA code (package prompt). mfa_process runs a
	// program, and mfa_prompt and mfa_oath_name choose one: like
	// credential_process they are not in projectKeys.
	MFAProcess  string
	MFAPrompt   string
	MFAOATHName string

	fromProject bool
	// Where is the profile, for error messages: a Place ("command line",
	// a file's path) or a location, whose line is counted only when shown.
	Where fmt.Stringer
}

// File is the path of the file the profile comes from, without a line
// (which moves when the file is edited), or the place it was given.
func (p *Profile) File() string {
	switch w := p.Where.(type) {
	case location:
		return w.f.path
	case nil:
		return ""
	default:
		return w.String()
	}
}

// Place is a Where that is known as text: "command line", or a file.
type Place string

func (p Place) String() string { return string(p) }

// Config is the set of profiles of the located files.
type Config struct {
	Files                        Files
	config, credentials, project *iniFile
}

// Load reads the files. A missing file is an empty one.
func Load(files Files) (*Config, error) {
	c := &Config{Files: files}
	var err error
	if c.config, err = readINI(files.Config); err != nil {
		return nil, err
	}
	if c.credentials, err = readINI(files.Credentials); err != nil {
		return nil, err
	}
	if files.Project != "" {
		if c.project, err = readINI(files.Project); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// configSection is a profile's section name in a config file.
func configSection(name string) []string {
	if name == "default" {
		return []string{"default", "profile default"}
	}
	return []string{"profile " + name}
}

// profileName is the profile a config-file section defines, if any: the
// AWS CLI ignores a bare [name] in the config file, and sso-session,
// services and other kinds of section.
func profileName(section string) (string, bool) {
	if section == "default" {
		return section, true
	}
	if n, ok := strings.CutPrefix(section, "profile "); ok {
		n = strings.TrimSpace(n)
		return n, n != ""
	}
	return "", false
}

// Names lists every profile of every file, sorted, once each.
func (c *Config) Names() []string {
	seen := map[string]bool{}
	for _, f := range []*iniFile{c.config, c.project} {
		if f == nil {
			continue
		}
		for _, s := range f.names() {
			if n, ok := profileName(s); ok {
				seen[n] = true
			}
		}
	}
	for _, s := range c.credentials.names() {
		seen[s] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Profile finds a profile by name. The project file, when there is one,
// comes first and is read with projectKeys only; a project profile that has
// the name of one of the user's own is refused (shadowing), so a cloned
// repository can never change what the user's profile means.
func (c *Config) Profile(name string) (*Profile, error) {
	if c.project != nil {
		p, found, err := c.read(c.project, name, true)
		if err != nil {
			return nil, err
		}
		if found {
			if own, err := c.ownPlace(name); err != nil {
				return nil, err
			} else if own != "" {
				return nil, fmt.Errorf("profile %q is defined both in this project's %s and in your own %s: a project's aws_config may not redefine a profile of your own files; rename it in %s, or run aws-runas from another directory", name, p.Where, own, c.Files.Project)
			}
			return p, nil
		}
	}
	return c.userProfile(name)
}

// ownPlace is where the user's own files define profile name ("" if not).
func (c *Config) ownPlace(name string) (string, error) {
	for _, sec := range configSection(name) {
		_, at, err := c.config.sectionAt(sec)
		if err != nil {
			return "", err
		}
		if at >= 0 {
			return location{c.config, at}.String(), nil
		}
	}
	_, at, err := c.credentials.sectionAt(name)
	if err != nil {
		return "", err
	}
	if at >= 0 {
		return location{c.credentials, at}.String(), nil
	}
	return "", nil
}

// userProfile finds a profile in the user's own files only.
func (c *Config) userProfile(name string) (*Profile, error) {
	p, found, err := c.read(c.config, name, false)
	if err != nil {
		return nil, err
	}
	keys, inCreds, err := c.credentials.section(name)
	if err != nil {
		return nil, err
	}
	if !found && !inCreds {
		return nil, c.unknownProfile(name)
	}
	if p == nil {
		p = &Profile{Name: name, Where: Place(c.credentials.path)}
	}
	// The credentials file holds the keys; other settings there only fill
	// in what the config file left out.
	for k, v := range keys {
		switch k {
		case "aws_access_key_id", "aws_secret_access_key", "aws_session_token":
			if err := p.Set(k, v.value); err != nil {
				return nil, c.credentials.errorf(v.off, "%v", err)
			}
		default:
			if !p.has(k) {
				if err := p.Set(k, v.value); err != nil {
					return nil, c.credentials.errorf(v.off, "%v", err)
				}
			}
		}
	}
	if err := c.resolveSSO(p); err != nil {
		return nil, err
	}
	return p, nil
}

func (c *Config) read(f *iniFile, name string, project bool) (*Profile, bool, error) {
	p := &Profile{Name: name, fromProject: project}
	found := false
	for _, sec := range configSection(name) {
		s, at, err := f.sectionAt(sec)
		if err != nil {
			return nil, true, err
		}
		if at < 0 {
			continue
		}
		if !found {
			p.Where = location{f, at}
		}
		found = true
		for k, v := range s {
			if project && !projectKeys[k] {
				// Keys that run commands or redirect requests are never
				// taken from a project's file; say so rather than surprise.
				return nil, true, f.errorf(v.off, "%s is not allowed in a project's aws_config (only %s); put it in your own config file", k, strings.Join(sortedKeys(projectKeys), ", "))
			}
			if err := p.Set(k, v.value); err != nil {
				return nil, true, f.errorf(v.off, "%v", err)
			}
			if k == "sso_session" {
				p.ssoAt = keyAt{f, v.off}
			}
		}
	}
	if !found {
		return nil, false, nil
	}
	return p, true, nil
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (p *Profile) field(key string) *string {
	switch key {
	case "role_arn":
		return &p.RoleARN
	case "source_profile":
		return &p.SourceProfile
	case "credential_source":
		return &p.CredentialSource
	case "credential_process":
		return &p.CredentialProcess
	case "mfa_serial":
		return &p.MFASerial
	case "external_id":
		return &p.ExternalID
	case "role_session_name":
		return &p.RoleSessionName
	case "region":
		return &p.Region
	case "endpoint_url":
		return &p.EndpointURL
	case "aws_access_key_id":
		return &p.AccessKeyID
	case "aws_secret_access_key":
		return &p.SecretAccessKey
	case "aws_session_token":
		return &p.SessionToken
	case "saml_auth_url":
		return &p.SAMLAuthURL
	case "saml_username":
		return &p.SAMLUsername
	case "saml_provider":
		return &p.SAMLProvider
	case "web_identity_auth_url":
		return &p.WebIdentityAuthURL
	case "web_identity_client_id":
		return &p.WebIdentityClientID
	case "web_identity_redirect_uri":
		return &p.WebIdentityRedirectURI
	case "web_identity_provider":
		return &p.WebIdentityProvider
	case "web_identity_token_file":
		return &p.WebIdentityTokenFile
	case "sso_session":
		return &p.SSOSession
	case "sso_account_id":
		return &p.SSOAccountID
	case "sso_role_name":
		return &p.SSORoleName
	case "sso_start_url":
		return &p.SSOStartURL
	case "sso_region":
		return &p.SSORegion
	case "mfa_process":
		return &p.MFAProcess
	case "mfa_prompt":
		return &p.MFAPrompt
	case "mfa_oath_name":
		return &p.MFAOATHName
	}
	return nil
}

func (p *Profile) has(key string) bool {
	if key == "duration_seconds" {
		return p.Duration != 0
	}
	f := p.field(key)
	return f != nil && *f != ""
}

// Set stores one key; keys aws-runas does not use are ignored, as the AWS
// CLI ignores keys it does not know.
func (p *Profile) Set(key, value string) error {
	if key == "duration_seconds" {
		n, err := strconv.Atoi(value)
		if err != nil || n <= 0 {
			return fmt.Errorf("duration_seconds must be a whole number of seconds, got %q", value)
		}
		p.Duration = time.Duration(n) * time.Second
		return nil
	}
	if err := checkValue(key, value); err != nil {
		return err
	}
	if f := p.field(key); f != nil {
		*f = value
	}
	return nil
}

// checkValue refuses an identifier that is not one, whichever file it is
// in, before it reaches STS or a terminal. The caller adds file and line.
// An external ID is not shown: some treat it as a shared secret.
func checkValue(key, value string) error {
	switch key {
	case "role_arn":
		if !awssts.IsRoleARN(value) {
			return fmt.Errorf("role_arn \"%s\" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME, a path optional: role/PATH/NAME)", termtext.Escape(value))
		}
	case "mfa_serial":
		if !awssts.IsMFASerial(value) {
			return fmt.Errorf("mfa_serial \"%s\" is not an MFA device (an ARN such as arn:aws:iam::123456789012:mfa/NAME, or a serial number: 9 to 256 of letters, digits and +=/:,.@_-)", termtext.Escape(value))
		}
	case "external_id":
		if !awssts.IsExternalID(value) {
			return errors.New("external_id is not one STS takes (2 to 1224 of letters, digits and +=,.@:/_-); the value is not shown")
		}
	case "role_session_name":
		if !awssts.IsSessionName(value) {
			return fmt.Errorf("role_session_name \"%s\" is not a role session name (at least 2 of letters, digits and +=,.@_-)", termtext.Escape(value))
		}
	case "source_profile":
		if strings.TrimSpace(value) == "" || termtext.Has(value) {
			return fmt.Errorf("source_profile \"%s\" is not a profile name", termtext.Escape(value))
		}
	}
	return nil
}

// Federated says whether the profile signs in at an identity provider.
func (p *Profile) Federated() bool {
	return p.SAMLAuthURL != "" || p.WebIdentityAuthURL != "" || p.WebIdentityTokenFile != "" || p.IsSSO()
}

// HasKeys says whether the profile itself holds credentials.
func (p *Profile) HasKeys() bool { return p.AccessKeyID != "" && p.SecretAccessKey != "" }

func (c *Config) unknownProfile(name string) error {
	msg := fmt.Sprintf("profile %q not found in %s or %s", name, c.Files.Config, c.Files.Credentials)
	if c.project != nil {
		msg = fmt.Sprintf("profile %q not found in %s, %s or %s", name, c.Files.Project, c.Files.Config, c.Files.Credentials)
	}
	if close := closeNames(name, c.Names()); len(close) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(close), " or ") + "?"
	}
	return &NotFoundError{msg: msg}
}

// NotFoundError is an unknown profile.
type NotFoundError struct{ msg string }

func (e *NotFoundError) Error() string { return e.msg }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// closeNames suggests up to three names within a small edit distance, or
// that contain name.
func closeNames(name string, names []string) []string {
	var out []string
	for _, n := range names {
		if len(out) == 3 {
			break
		}
		if editDistance(strings.ToLower(name), strings.ToLower(n)) <= 2 || (len(name) >= 3 && strings.Contains(n, name)) {
			out = append(out, n)
		}
	}
	return out
}

func editDistance(a, b string) int {
	if abs(len(a)-len(b)) > 2 {
		return 3
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Chain is how a profile gets its credentials: the base profile holds
// long-term keys (or a credential_process or credential_source), and each
// role is assumed in turn, Roles[0] with the base credentials and the last
// one being the profile asked for.
type Chain struct {
	Base  *Profile
	Roles []*Profile
}

// Target is the profile the chain was resolved for.
func (ch *Chain) Target() *Profile {
	if len(ch.Roles) > 0 {
		return ch.Roles[len(ch.Roles)-1]
	}
	return ch.Base
}

// Resolve follows source_profile from name to a profile with credentials.
func (c *Config) Resolve(name string) (*Chain, error) { return c.ResolveWith(name, nil) }

// ResolveWith is Resolve with adjust applied to the named profile first
// (command-line settings that replace the profile's own).
func (c *Config) ResolveWith(name string, adjust func(*Profile)) (*Chain, error) {
	p, err := c.Profile(name)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(p)
	}
	ch := &Chain{}
	seen := []string{}
	for {
		seen = append(seen, p.Name)
		if p.RoleARN == "" {
			if p.IsSSO() && !p.fromProject {
				// Identity Center hands out the role's credentials itself:
				// the profile is its own first role, as a sign-on's is.
				base := *p
				ch.Base = &base
				ch.Roles = append([]*Profile{p}, ch.Roles...)
				return ch, nil
			}
			if p.Federated() && !p.fromProject {
				return nil, fmt.Errorf("profile %q (%s) signs in at an identity provider but has no role_arn: set role_arn to the role to assume", p.Name, p.Where)
			}
			if p.fromProject {
				return nil, fmt.Errorf("profile %q in %s has no role_arn: a project's aws_config may only define roles", p.Name, p.Where)
			}
			if !p.HasKeys() && p.CredentialProcess == "" {
				return nil, fmt.Errorf("profile %q (%s) has no credentials: set aws_access_key_id and aws_secret_access_key in %s, or credential_process", p.Name, p.Where, c.Files.Credentials)
			}
			ch.Base = p
			break
		}
		ch.Roles = append([]*Profile{p}, ch.Roles...)
		switch {
		case p.Federated() && !p.IsSSO() && !p.fromProject:
			// The identity provider vouches for the user: the role is
			// assumed with its assertion or token, no source profile.
			base := *p
			ch.Base = &base
			return ch, nil
		case p.SourceProfile != "" && p.CredentialSource != "":
			return nil, fmt.Errorf("profile %q (%s) sets both source_profile and credential_source; keep one", p.Name, p.Where)
		case p.CredentialSource != "":
			if p.fromProject {
				return nil, fmt.Errorf("profile %q in %s: credential_source is not allowed in a project's aws_config", p.Name, p.Where)
			}
			ch.Base = &Profile{Name: p.Name, CredentialSource: p.CredentialSource, Region: p.Region, Where: p.Where}
			return ch, nil
		case p.SourceProfile == "":
			return nil, fmt.Errorf("profile %q (%s) has role_arn but no source_profile or credential_source", p.Name, p.Where)
		case p.SourceProfile == p.Name:
			// A profile may assume its role with its own keys.
			if !p.HasKeys() {
				return nil, fmt.Errorf("profile %q (%s) names itself as source_profile but has no keys", p.Name, p.Where)
			}
			base := *p
			base.RoleARN = ""
			ch.Base = &base
			return ch, nil
		}
		for _, s := range seen {
			if s == p.SourceProfile {
				return nil, fmt.Errorf("source_profile loop: %s -> %s", strings.Join(seen, " -> "), p.SourceProfile)
			}
		}
		// Only the profile asked for may come from a project's aws_config:
		// every source_profile is looked up in the user's own files, so a
		// project can neither supply credentials nor reroute a user's chain.
		if p, err = c.userProfile(p.SourceProfile); err != nil {
			var nf *NotFoundError
			if errors.As(err, &nf) {
				return nil, fmt.Errorf("source_profile of profile %q: %w", seen[len(seen)-1], err)
			}
			return nil, err
		}
	}
	return ch, nil
}
