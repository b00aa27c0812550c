package main

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/jessevdk/go-flags"
)

// writeManPage prints aws-runas(1). The OPTIONS and COMMANDS sections come
// from the go-flags definitions that --help is printed from, so an option
// added to options or initOptions is in the man page without more work; the
// sections after them are written by hand (manSections).
func writeManPage(w io.Writer) error {
	p := flags.NewNamedParser("aws-runas", flags.HelpFlag)
	p.ShortDescription = "run a command, or a shell, under temporary AWS credentials"
	p.LongDescription = manDescription
	p.SubcommandsOptional = true
	p.Usage = usage
	if _, err := p.AddGroup("Options", "", &options{}); err != nil {
		return err
	}
	// Parsing nothing adds the help options, as for --help.
	if _, err := p.ParseArgs(nil); err != nil {
		return err
	}
	var b bytes.Buffer
	p.WriteManPage(&b)
	page := b.String()
	// go-flags dates the page with the wall clock (or SOURCE_DATE_EPOCH);
	// the build's own date keeps release builds reproducible.
	if i := strings.IndexByte(page, '\n'); i >= 0 {
		page = manHeader() + page[i:]
	}
	// The usage's further forms each on a line of their own.
	page = strings.ReplaceAll(page, "\n  aws-runas ", "\n.br\n\\fBaws-runas\\fP ")
	initOpts, err := manOptions("init", &initOptions{})
	if err != nil {
		return err
	}
	ssoOpts, err := manOptions("sso", &ssoOptions{})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, page+manCommandsHead+initOpts+manCommandsMiddle+ssoOpts+manCommandsTail+manSections)
	return err
}

// manOptions is the man page's option list for the options in data (a
// subcommand's): what go-flags writes under OPTIONS.
func manOptions(name string, data any) (string, error) {
	p := flags.NewNamedParser(name, flags.None)
	if _, err := p.AddGroup(name, "", data); err != nil {
		return "", err
	}
	var b bytes.Buffer
	p.WriteManPage(&b)
	_, opts, _ := strings.Cut(b.String(), ".SH OPTIONS\n")
	var out strings.Builder
	for _, line := range strings.SplitAfter(opts, "\n") {
		if !strings.HasPrefix(line, ".SS ") {
			out.WriteString(line)
		}
	}
	return out.String(), nil
}

func manHeader() string {
	s := stamp()
	day := ""
	if t, err := time.Parse(time.RFC3339, s.Date); err == nil {
		day = t.UTC().Format("2006-01-02")
	}
	return `.TH AWS-RUNAS 1 "` + day + `" "aws-runas ` + strings.ReplaceAll(s.Version, `"`, "") + `" "User Commands"`
}

const manDescription = "aws-runas gets temporary AWS credentials from STS (GetSessionToken with MFA, then AssumeRole; or a SAML or OIDC sign-on), caches them next to the AWS config file, and either runs COMMAND under them (run mode), prints shell code or JSON that puts them into the current shell (print mode: no COMMAND, and -O given or standard output not a terminal), or starts an interactive $SHELL holding them (subshell mode: no COMMAND, standard output a terminal).\n\nThe profile is -p NAME, else the first argument, else $AWS_PROFILE, else default. With -p, every argument is the command. A value starting with arn: is a role ARN, assumed with the default profile's credentials. Options go before the profile. init, completion, doctor and sso are subcommands; a profile of one of those names is reached with -p."

// The subcommands; init's and sso's options are generated between head,
// middle and tail.
const manCommandsHead = `.SH COMMANDS
.TP
\fBaws\-runas init\fP \fISHELL\fP [\fIOPTIONS\fP]
print shell integration for an rc file: the \fBaws\-runas\fP function that
switches the current shell, \fBaws_session_expired\fP,
\fBaws_session_status_color\fP, a prompt segment, a refresh hook and completion.
SHELL is bash, zsh, sh, fish, powershell (pwsh) or nu (nushell). In an rc file:
\fBeval "$(aws\-runas init bash)"\fP (zsh and sh alike),
\fBaws\-runas init fish | source\fP,
\fBaws\-runas init powershell | Out\-String | Invoke\-Expression\fP.
Its options:
.RS
`

const manCommandsMiddle = `.RE
.TP
\fBaws\-runas completion\fP \fISHELL\fP
print the completion script alone (bash, zsh, fish, powershell, nu), for packagers.
.TP
\fBaws\-runas sso\fP \fBlogin\fP|\fBlogout\fP|\fBlist\fP|\fBconfig\fP [\fIOPTIONS\fP] [\fIPROFILE\fP | \fISESSION\fP]
IAM Identity Center: \fBlogin\fP signs in to an sso\-session (the
browser's authorization code flow with PKCE, or a device code) and keeps
the token where the AWS CLI v2 keeps it (\fI~/.aws/sso/cache\fP);
\fBlogout\fP signs out and removes the tokens and cached role credentials;
\fBlist\fP prints the accounts and roles the user may use; \fBconfig\fP
prints a profile for each, to append to the config file. Its options:
.RS
`

const manCommandsTail = `.RE
.TP
\fBaws\-runas\fP [\fB\-\-path\fP \fIFILE\fP] \fBdoctor\fP [\fIPROFILE\fP | \fIROLE_ARN\fP]
check the set\-up and say what a run would use, one line per check
(ok, warn or fail): the config and credentials files and whether a
project's \fI./aws_config\fP is in effect, the profile and its chain of
roles, whether the cache directory and its files are private, the clock's
skew against STS, the detected shell and whether \fBinit\fP is in its rc
file. It prints no secret. Exit status 0 when nothing failed, 1 otherwise.
`

// manSections are the hand-written sections: configuration, environment,
// files, exit status.
const manSections = `.SH CONFIGURATION
Profiles are read as the AWS CLI reads them: \fB[default]\fP and
\fB[profile NAME]\fP in the config file, \fB[NAME]\fP in the credentials file.
Keys read:
.TP
\fBaws_access_key_id\fP, \fBaws_secret_access_key\fP, \fBaws_session_token\fP
long-term (or temporary) keys of a base profile.
.TP
\fBrole_arn\fP, \fBsource_profile\fP, \fBcredential_source\fP
the role to assume, and where the credentials to assume it come from;
source_profile chains are followed.
.TP
\fBcredential_process\fP
a command printing credentials in the credential_process JSON format.
.TP
\fBmfa_serial\fP
the MFA device; its code is asked for once per session token.
.TP
\fBexternal_id\fP, \fBrole_session_name\fP, \fBduration_seconds\fP
passed to AssumeRole.
.TP
\fBregion\fP, \fBendpoint_url\fP
where STS is called, and what AWS_REGION is set to.
.TP
\fBsaml_auth_url\fP, \fBsaml_username\fP, \fBsaml_provider\fP
SAML sign-on (browser, form or okta).
.TP
\fBweb_identity_auth_url\fP, \fBweb_identity_client_id\fP, \fBweb_identity_redirect_uri\fP, \fBweb_identity_provider\fP, \fBweb_identity_token_file\fP
OIDC sign-on (browser with PKCE, or device).
.TP
\fBsso_session\fP, \fBsso_account_id\fP, \fBsso_role_name\fP, and in \fB[sso\-session NAME]\fP \fBsso_start_url\fP, \fBsso_region\fP, \fBsso_registration_scopes\fP
IAM Identity Center, as the AWS CLI v2 reads them (the older sso_start_url
and sso_region in the profile too).
.PP
A project's \fI./aws_config\fP is read for role keys only (role_arn,
source_profile, mfa_serial, external_id, role_session_name,
duration_seconds, region); its source_profile must name a profile of the
user's own files, and it may not redefine one of them.
.SH ENVIRONMENT
.TP
\fBAWS_PROFILE\fP
the profile when none is named.
.TP
\fBAWS_CONFIG_FILE\fP, \fBAWS_SHARED_CREDENTIALS_FILE\fP
the config and credentials files.
.TP
\fBAWS_REGION\fP, \fBAWS_DEFAULT_REGION\fP
the region when the profile names none.
.TP
\fBAWS_ENDPOINT_URL_STS\fP, \fBAWS_ENDPOINT_URL\fP
the STS endpoint, as the AWS SDKs read them.
.TP
\fBAWS_ENDPOINT_URL_SSO_OIDC\fP, \fBAWS_ENDPOINT_URL_SSO\fP
the IAM Identity Center endpoints (sign-in, and the portal of roles).
.TP
\fBAWS_RUNAS_SHELL\fP, \fBSHELL\fP
the dialect of print mode when \-O is not given (after the parent process's
shell for SHELL), and the shell of subshell mode.
.TP
\fBSAML_AUTH_URL\fP, \fBSAML_USERNAME\fP, \fBSAML_PROVIDER\fP, \fBSAML_PASSWORD\fP, \fBSAML_ACS_URL\fP
SAML sign-on settings; SAML_PASSWORD is removed from the command's environment.
.TP
\fBWEB_IDENTITY_AUTH_URL\fP, \fBAWS_WEB_IDENTITY_TOKEN_FILE\fP, \fBAWS_RUNAS_LOGIN_TIMEOUT\fP
OIDC sign-on settings; the time a sign-in may take (default 10m).
.TP
\fBBROWSER\fP, \fBAWS_RUNAS_BROWSER\fP, \fBAWS_RUNAS_BROWSER_FLAGS\fP, \fBAWS_RUNAS_BROWSER_URL\fP
the browser a sign-on opens or drives.
.PP
Set for the command, the subshell or by the printed code:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_SECURITY_TOKEN, AWS_RUNAS_PROFILE, AWS_RUNAS_ASSUMED_ROLE_ARN,
AWS_ROLE_SESSION_NAME, AWS_REGION, AWS_DEFAULT_REGION,
AWS_SESSION_EXPIRATION, AWS_SESSION_EXPIRATION_UNIX,
AWS_CREDENTIAL_EXPIRATION. AWS_PROFILE and AWS_DEFAULT_PROFILE are removed.
.SH FILES
.TP
\fI~/.aws/config\fP, \fI~/.aws/credentials\fP
the user's profiles (\-\-path, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name others).
.TP
\fI./aws_config\fP
a project's roles, when the current directory has one.
.TP
\fI~/.aws/.aws\-runas.*\fP
the cache, in the directory of the config file: one private (0600) file
per role and per source profile's session token, with lock files beside them.
.SH EXIT STATUS
.TP
\fB0\fP
success.
.TP
\fB1\fP
an error (STS refused, unknown profile, bad config file, a problem found by doctor).
.TP
\fB2\fP
a usage error (unknown option, duration out of bounds, unknown \-O).
.TP
\fB3\fP
input needed under \-\-non\-interactive, or with no terminal to ask on.
.PP
In run mode, the command's own status (127 not found, 126 not runnable).
.SH EXAMPLES
.nf
aws\-runas prod terraform plan
eval "$(aws\-runas prod)"
aws\-runas prod | source
eval "$(aws\-runas init zsh)"
aws\-runas doctor prod
aws\-runas sso login \-\-sso\-session my\-sso
.fi
.SH SEE ALSO
\fBaws\fP(1)
`
