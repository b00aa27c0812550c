// The environment credentials are handed over in: contract §4's variables,
// and what a child process keeps of aws-runas's own.

package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/internal/childenv"
	"github.com/aws-runas/aws-runas/shells"
)

// allVars are the variables of contract §4 that aws-runas sets, and its
// private record of what they are (renewVar): -u removes them all, and
// credentials without a record remove an older one.
var allVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_RUNAS_PROFILE", "AWS_RUNAS_ASSUMED_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_SESSION_EXPIRATION", "AWS_SESSION_EXPIRATION_UNIX", "AWS_CREDENTIAL_EXPIRATION",
	renewVar,
}

// credentialEnv is what a shell or command gets (contract §4): the new
// variables, and the removal of every other variable of §4 and of
// AWS_PROFILE, which would otherwise point tools away from them.
func credentialEnv(res *creds.Result) shells.Env {
	c := res.Credentials
	set := []shells.Var{
		{Name: "AWS_ACCESS_KEY_ID", Value: c.AccessKeyID},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: c.SecretAccessKey},
	}
	if c.SessionToken != "" {
		set = append(set, shells.Var{Name: "AWS_SESSION_TOKEN", Value: c.SessionToken}, shells.Var{Name: "AWS_SECURITY_TOKEN", Value: c.SessionToken})
	}
	set = append(set, shells.Var{Name: "AWS_RUNAS_PROFILE", Value: res.Profile})
	if res.RoleARN != "" {
		set = append(set, shells.Var{Name: "AWS_RUNAS_ASSUMED_ROLE_ARN", Value: res.RoleARN}, shells.Var{Name: "AWS_ROLE_SESSION_NAME", Value: res.RoleSessionName})
	}
	if res.Region != "" {
		set = append(set, shells.Var{Name: "AWS_REGION", Value: res.Region}, shells.Var{Name: "AWS_DEFAULT_REGION", Value: res.Region})
	}
	if !c.Expires.IsZero() {
		exp := c.Expires.UTC().Format(time.RFC3339)
		set = append(set,
			shells.Var{Name: "AWS_SESSION_EXPIRATION", Value: exp},
			shells.Var{Name: "AWS_SESSION_EXPIRATION_UNIX", Value: strconv.FormatInt(c.Expires.Unix(), 10)},
			shells.Var{Name: "AWS_CREDENTIAL_EXPIRATION", Value: exp})
	}
	env := shells.Env{Set: set, Unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}}
	for _, name := range allVars {
		if _, ok := lookup(env, name); !ok {
			env.Unset = append(env.Unset, name)
		}
	}
	return env
}

// lookup finds the value env sets for name.
func lookup(env shells.Env, name string) (string, bool) {
	for _, v := range env.Set {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

// commandEnv is environ with env applied, after what aws-runas keeps from
// every program it starts (childenv): the IdP password, credentials it did
// not hand over, and its private variables, which belong to this one call.
func commandEnv(environ []string, env shells.Env) []string {
	drop := map[string]bool{}
	for _, n := range env.Unset {
		drop[n] = true
	}
	for _, v := range env.Set {
		drop[v.Name] = true
	}
	kept := childenv.WithoutSecrets(environ)
	out := make([]string, 0, len(kept)+len(env.Set))
	for _, kv := range kept {
		name, _, _ := strings.Cut(kv, "=")
		if !drop[name] {
			out = append(out, kv)
		}
	}
	for _, v := range env.Set {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}
