package config

import (
	"fmt"
	"sort"
	"strings"
)

// SSOSession is an [sso-session NAME] section of the config file.
type SSOSession struct {
	Name     string
	StartURL string
	Region   string
	Scopes   []string // sso_registration_scopes; nil when not set
	Where    fmt.Stringer
}

// keyAt is a key's line in a file, for errors.
type keyAt struct {
	f   *iniFile
	off int
}

func (k keyAt) errorf(format string, args ...any) error {
	if k.f == nil {
		return fmt.Errorf(format, args...)
	}
	return k.f.errorf(k.off, format, args...)
}

// IsSSO says whether the profile gets its credentials from IAM Identity
// Center: it names an account or a role there, as the AWS CLI v2 decides.
func (p *Profile) IsSSO() bool { return p.SSOAccountID != "" || p.SSORoleName != "" }

// SSOSessionNames lists the [sso-session NAME] sections of the config file.
func (c *Config) SSOSessionNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range c.config.names() {
		if n, ok := ssoSectionName(s); ok && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func ssoSectionName(section string) (string, bool) {
	n, ok := strings.CutPrefix(section, "sso-session ")
	n = strings.TrimSpace(n)
	return n, ok && n != ""
}

// SSOSession reads [sso-session name] of the config file: it must give
// sso_start_url and sso_region, as the AWS CLI v2 requires.
func (c *Config) SSOSession(name string) (*SSOSession, error) {
	s, at, err := c.config.sectionAt("sso-session " + name)
	if err != nil {
		return nil, err
	}
	if at < 0 {
		msg := fmt.Sprintf("sso-session %q not found in %s", name, c.Files.Config)
		if close := closeNames(name, c.SSOSessionNames()); len(close) > 0 {
			msg += "; did you mean " + strings.Join(quoteAll(close), " or ") + "?"
		}
		return nil, &NotFoundError{msg: msg}
	}
	ss := &SSOSession{Name: name, Where: location{c.config, at}}
	for k, v := range s {
		switch k {
		case "sso_start_url":
			ss.StartURL = v.value
		case "sso_region":
			ss.Region = v.value
		case "sso_registration_scopes":
			ss.Scopes = parseScopes(v.value)
		}
	}
	var missing []string
	if ss.StartURL == "" {
		missing = append(missing, "sso_start_url")
	}
	if ss.Region == "" {
		missing = append(missing, "sso_region")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: sso-session %q is missing required configuration: %s", ss.Where, name, strings.Join(missing, ", "))
	}
	return ss, nil
}

// parseScopes reads sso_registration_scopes: a comma-separated list.
func parseScopes(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// resolveSSO completes an Identity Center profile from its sso-session,
// and checks that it has what GetRoleCredentials needs, with the AWS CLI
// v2's rules: a value set in both the profile and the session must be the
// same, and a profile of the legacy form (no sso_session) names its own
// sso_start_url and sso_region.
func (c *Config) resolveSSO(p *Profile) error {
	if p.SSOSession != "" {
		ss, err := c.SSOSession(p.SSOSession)
		if err != nil {
			if _, nf := err.(*NotFoundError); nf {
				return p.ssoAt.errorf("profile %q: the specified sso-session does not exist: %q", p.Name, p.SSOSession)
			}
			return err
		}
		for _, kv := range []struct {
			key       string
			prof, ses string
			dst       *string
		}{{"sso_start_url", p.SSOStartURL, ss.StartURL, &p.SSOStartURL}, {"sso_region", p.SSORegion, ss.Region, &p.SSORegion}} {
			if kv.prof != "" && kv.prof != kv.ses {
				return p.ssoAt.errorf("profile %q: the value for %s is inconsistent between the profile (%q) and sso-session %q (%q)", p.Name, kv.key, kv.prof, ss.Name, kv.ses)
			}
			*kv.dst = kv.ses
		}
		p.SSOScopes = ss.Scopes
	}
	if !p.IsSSO() {
		return nil
	}
	var missing []string
	for _, kv := range []struct{ key, v string }{
		{"sso_start_url", p.SSOStartURL}, {"sso_region", p.SSORegion}, {"sso_account_id", p.SSOAccountID}, {"sso_role_name", p.SSORoleName},
	} {
		if kv.v == "" {
			missing = append(missing, kv.key)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: profile %q is configured to use IAM Identity Center but is missing required configuration: %s", p.Where, p.Name, strings.Join(missing, ", "))
	}
	return nil
}
