package config

import (
	"reflect"
	"strings"
	"testing"
)

const ssoConfig = `[sso-session corp]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, other:scope

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
region = us-east-2

[profile legacy]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile chained]
role_arn = arn:aws:iam::444455556666:role/deploy
source_profile = dev

[profile login-only]
sso_session = corp

[profile nosession]
sso_session = corpp
sso_account_id = 111122223333
sso_role_name = Admin

[profile clash]
sso_session = corp
sso_start_url = https://elsewhere.awsapps.com/start
sso_account_id = 111122223333
sso_role_name = Admin

[profile partial]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_role_name = Admin

[sso-session half]
sso_start_url = https://d-2222222222.awsapps.com/start

[profile halfuser]
sso_session = half
sso_account_id = 111122223333
sso_role_name = Admin
`

func TestSSOProfiles(t *testing.T) {
	f := writeFiles(t, ssoConfig, "")
	c := load(t, f)

	p, err := c.Profile("dev")
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsSSO() || !p.Federated() || p.SSOStartURL != "https://d-0000000000.awsapps.com/start" || p.SSORegion != "eu-west-1" ||
		!reflect.DeepEqual(p.SSOScopes, []string{"sso:account:access", "other:scope"}) || p.SSOAccountID != "111122223333" || p.SSORoleName != "Admin" {
		t.Errorf("dev: %+v", p)
	}
	ch, err := c.Resolve("dev")
	if err != nil || ch.Base.Name != "dev" || len(ch.Roles) != 1 || ch.Target().Name != "dev" {
		t.Fatalf("dev chain: %+v, %v", ch, err)
	}

	p, err = c.Profile("legacy")
	if err != nil || !p.IsSSO() || p.SSOSession != "" || p.SSOStartURL != "https://d-1111111111.awsapps.com/start" || p.SSOScopes != nil {
		t.Errorf("legacy: %+v, %v", p, err)
	}

	// An SSO profile as source_profile: its role, then the role on top.
	ch, err = c.Resolve("chained")
	if err != nil || ch.Base.Name != "dev" || len(ch.Roles) != 2 || ch.Roles[0].Name != "dev" || ch.Roles[1].Name != "chained" {
		t.Fatalf("chained: %+v, %v", ch, err)
	}

	if p, err := c.Profile("login-only"); err != nil || p.IsSSO() || p.SSOStartURL == "" {
		t.Errorf("login-only: %+v, %v", p, err)
	}

	if got := c.SSOSessionNames(); !reflect.DeepEqual(got, []string{"corp", "half"}) {
		t.Errorf("SSOSessionNames = %q", got)
	}

	for name, want := range map[string]string{
		"nosession": f.Config + `:26: profile "nosession": the specified sso-session does not exist: "corpp"`,
		"clash":     f.Config + `:31: profile "clash": the value for sso_start_url is inconsistent between the profile ("https://elsewhere.awsapps.com/start") and sso-session "corp" ("https://d-0000000000.awsapps.com/start")`,
		"partial":   f.Config + `:36: profile "partial" is configured to use IAM Identity Center but is missing required configuration: sso_region, sso_account_id`,
		"halfuser":  f.Config + `:40: sso-session "half" is missing required configuration: sso_region`,
	} {
		_, err := c.Profile(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v\nwant %s", name, err, want)
		}
	}
	if _, err := c.SSOSession("corpx"); err == nil || !strings.Contains(err.Error(), `did you mean "corp"`) {
		t.Errorf("SSOSession(corpx): %v", err)
	}
}
