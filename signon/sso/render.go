package sso

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/template"
)

// DefaultNameTemplate names a profile ACCOUNTNAME.ROLE.
const DefaultNameTemplate = "{{.AccountName}}.{{.RoleName}}"

// NameData is what a profile name template sees.
type NameData struct {
	Assignment
	SessionName string
}

// ConfigOptions say how RenderConfig writes the profiles.
type ConfigOptions struct {
	// Session is the session the profiles use: sso_session = SessionName,
	// or for a legacy session (no name) sso_start_url and sso_region.
	Session Settings
	// Region is each profile's region; "" is the session's sso_region.
	Region string
	// NameTemplate is a Go text/template over NameData; "" is
	// DefaultNameTemplate. The result is made a valid profile name:
	// characters other than letters, digits and ._-+@ become '-'.
	NameTemplate string
}

// RenderConfig writes a profile section for every assignment, ready to
// be appended to the AWS config file. It writes nothing unless every
// profile can be written: two assignments of the same name are an error
// that asks for a template telling them apart.
func RenderConfig(w io.Writer, as []Assignment, o ConfigOptions) error {
	tmplText := o.NameTemplate
	if tmplText == "" {
		tmplText = DefaultNameTemplate
	}
	tmpl, err := template.New("name").Option("missingkey=error").Parse(tmplText)
	if err != nil {
		return fmt.Errorf("profile name template: %w", err)
	}
	region := o.Region
	if region == "" {
		region = o.Session.Region
	}
	if !validRegion(region) {
		return fmt.Errorf("region %s is not a region name", quote(region))
	}
	var sessionLines string
	if o.Session.SessionName != "" {
		if strings.ContainsFunc(o.Session.SessionName, func(r rune) bool { return r < ' ' || r == 0x7f || r == ']' || r == '[' }) {
			return fmt.Errorf("sso-session name %s cannot be written to a config file", quote(o.Session.SessionName))
		}
		sessionLines = "sso_session = " + o.Session.SessionName + "\n"
	} else {
		if err := o.Session.validateSession(); err != nil {
			return err
		}
		sessionLines = "sso_start_url = " + o.Session.StartURL + "\nsso_region = " + o.Session.Region + "\n"
	}
	var buf bytes.Buffer
	seen := map[string]Assignment{}
	for _, a := range as {
		if !validAccountID(a.AccountID) || !validRoleName(a.RoleName) {
			return fmt.Errorf("the portal answered an invalid account %s or role %s", quote(a.AccountID), quote(a.RoleName))
		}
		var nb strings.Builder
		if err := tmpl.Execute(&nb, NameData{Assignment: a, SessionName: o.Session.SessionName}); err != nil {
			return fmt.Errorf("profile name template: %w", err)
		}
		name := ProfileName(nb.String())
		if name == "" {
			return fmt.Errorf("profile name template gives an empty name for role %s in account %s", a.RoleName, a.AccountID)
		}
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("two roles would be profile %s (%s in %s, %s in %s): give a name template that tells them apart, such as '{{.AccountID}}.{{.RoleName}}'",
				name, prev.RoleName, prev.AccountID, a.RoleName, a.AccountID)
		}
		seen[name] = a
		fmt.Fprintf(&buf, "[profile %s]\n%ssso_account_id = %s\nsso_role_name = %s\nregion = %s\n\n", name, sessionLines, a.AccountID, a.RoleName, region)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// ProfileName makes s a profile name every tool reads alike: letters,
// digits and ._-+@ are kept, runs of anything else become one '-', and
// dashes at the ends go.
func ProfileName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-+@", r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}
