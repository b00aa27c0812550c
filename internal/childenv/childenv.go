// Package childenv is the environment aws-runas gives the programs it
// starts for itself (a browser, a dialog, mfa_process, credential_process):
// its own, without secrets. The COMMAND of run mode is not one of them: it
// gets the credentials.
package childenv

import "strings"

// secret are variables that hold credentials or a password.
var secret = map[string]bool{
	"AWS_ACCESS_KEY_ID":                 true,
	"AWS_SECRET_ACCESS_KEY":             true,
	"AWS_SESSION_TOKEN":                 true,
	"AWS_SECURITY_TOKEN":                true,
	"AWS_CONTAINER_AUTHORIZATION_TOKEN": true,
	"SAML_PASSWORD":                     true,
}

// WithoutSecrets is environ without credentials (keys, session tokens, the
// credential server's token), the IdP password, and aws-runas's private
// variables (__AWS_RUNAS_*: the eval file the shell reads, the renewal
// record). Names are compared without case, as Windows does.
func WithoutSecrets(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		up := strings.ToUpper(name)
		if secret[up] || strings.HasPrefix(up, "__AWS_RUNAS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
