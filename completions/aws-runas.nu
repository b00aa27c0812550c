# nushell completion for aws-runas.
#
#   aws-runas completion nu | save -f ($nu.user-autoload-dirs | first | path join aws-runas-completion.nu)
#
# (or `aws-runas init nu`, which holds this script). The last line, which
# `aws-runas completion nu` adds, declares the binary with this completer;
# the init wrapper, when named aws-runas, takes its place (nushell allows
# one definition of a name in a file); both name __aws_runas_complete_spans
# with @complete, so that options are offered too. Completes options (with
# descriptions), the values of -O, --saml-provider, --web-identity-provider
# and --prompt, profile names (from `aws-runas -l`, honouring a --path FILE
# already on the line), and the subcommands init, completion, doctor
# [PROFILE] and sso (login, logout, list, config, with profile names after
# login and logout); after the profile, the COMMAND gets nushell's own
# completion.
# A profile name is offered as a nushell string literal (a raw string
# r#'...'# when it is not a plain word), so that whatever it holds is an
# argument, never code.

# __aws_runas_quote: name as one nushell word that stands for it.
def __aws_runas_quote [name: string]: nothing -> string {
    if ($name =~ '^[A-Za-z0-9_.:/@+=,%][A-Za-z0-9_.:/@+=,%-]*$') { return $name }
    # A raw string ends at the first ' followed by as many # as it began
    # with: take one more # than the longest run after a ' in the name.
    let runs = ($name | parse --regex "'(#*)" | get capture0 | each {|r| $r | str length })
    let n = (($runs | append 0 | math max) + 1)
    let h = ("" | fill --character "#" --width $n)
    $"r($h)'($name)'($h)"
}

# __aws_runas_profiles: the profile names from the binary's -l that start
# with cur. Filtered here, and handed over for a substring match: nushell
# matches what it is given, and a quoted name starts with r#'.
def __aws_runas_profiles [first: string, path: string, cur: string]: nothing -> list<record> {
    let bin = if ($first | str contains "/") { $first } else { $env.__AWS_RUNAS_NU?.bin? | default "aws-runas" }
    let args = if $path == "" { [-l] } else { [-l $"--path=($path)"] }
    let r = try { ^$bin ...$args | complete } catch { return [] }
    if $r.exit_code != 0 { return [] }
    $r.stdout | lines | where {|l| $l != "" and ($l | str starts-with $cur) } | each {|name| {value: (__aws_runas_quote $name), description: "profile"} }
}

def __aws_runas_shells [formats: bool]: nothing -> list<record> {
    let shells = [
        [value description];
        [bash "bash code"] [zsh "zsh code"] [sh "POSIX sh code"] [fish "fish code"]
        [powershell "PowerShell code"] [pwsh "PowerShell code"] [nu "nushell code"] [nushell "nushell code"]
    ]
    if $formats { $shells | append {value: json, description: "credential_process JSON"} } else { $shells }
}

def __aws_runas_options []: nothing -> list<record> {
    [
        [value description];
        [--profile "profile name or role ARN"] [-p "profile name or role ARN"]
        [--no-role "session token only, no role"] [-n "session token only, no role"]
        [--duration "session-token lifetime"] [-d "session-token lifetime"]
        [--role-duration "role-credential lifetime"] [-a "role-credential lifetime"]
        [--otp "MFA code"] [-o "MFA code"]
        [--mfa-serial "MFA device"] [-M "MFA device"]
        [--external-id "external ID for AssumeRole"] [-X "external ID for AssumeRole"]
        [--refresh "ignore cached credentials"] [-r "ignore cached credentials"]
        [--output "print instead of run"] [-O "print instead of run"]
        [--skip-prompt "leave the prompt alone"] [-s "leave the prompt alone"]
        [--unset "remove aws-runas's variables"] [-u "remove aws-runas's variables"]
        [--expiration "when the cached credentials expire"] [-e "when the cached credentials expire"]
        [--whoami "the identity of the credentials"] [-w "the identity of the credentials"]
        [--list "the profile names"] [-l "the profile names"]
        [--path "the AWS config file to read"]
        [--non-interactive "never ask anything"]
        [--verbose "debug log on stderr"] [-v "debug log on stderr"]
        [--saml-url "SAML sign-in URL"] [--saml-username "SAML user name"] [--saml-provider "SAML provider"]
        [--web-identity-url "OIDC issuer URL"] [--web-identity-client-id "OIDC client ID"]
        [--web-identity-redirect-uri "OIDC redirect URI"] [--web-identity-provider "OIDC flow"]
        [--server "serve the credentials from a local endpoint"] [--console "sign in to the AWS console"]
        [--print-url "--console: print the sign-in URL"] [--region "--console: the console's region"]
        [--destination "--console: the page to open"] [--prompt "how to ask for MFA codes and passwords"]
        [--version "print the version"] [-V "print the version"] [--help "help"] [-h "help"]
    ]
}

def __aws_runas_choices [option: string]: nothing -> any {
    match $option {
        "--saml-provider" => [[value description]; [browser "sign in in the browser"] [form "the sign-in form, asked here"] [okta "the Okta API"]]
        "--web-identity-provider" => [[value description]; [browser "authorization code with PKCE"] [device "device authorization"]]
        "--prompt" => [
            [value description];
            [auto "mfa_process, else the terminal, else a dialog"] [terminal "the controlling terminal"]
            [zenity "a zenity dialog"] [kdialog "a kdialog dialog"] [osascript "a macOS dialog"]
            [wincred "a Windows dialog"] [ykman "a YubiKey OATH code"]
        ]
        _ => []
    }
}

# The options that take a value as the next word. The tests read these lines.
# value-taking options of aws-runas:
const __aws_runas_valued = [-p --profile -d --duration -a --role-duration -o --otp -M --mfa-serial -X --external-id -O --output --path --saml-url --saml-username --saml-provider --web-identity-url --web-identity-client-id --web-identity-redirect-uri --web-identity-provider --region --destination --prompt]
# value-taking options of aws-runas init:
const __aws_runas_init_valued = [--cmd]
# value-taking options of aws-runas sso:
const __aws_runas_sso_valued = [--sso-session --name-template --region]

# __aws_runas_complete: the completer of every argument of aws-runas (and of
# the init wrapper). It reads the line up to the cursor; null hands the word
# to nushell's own completion (files, the COMMAND).
def __aws_runas_complete [context: string]: nothing -> any {
    let words = ($context | str replace --regex '^\s+' '' | split row --regex '\s+')
    let cur = ($words | last)
    let before = ($words | drop 1 | skip 1)
    mut expect = ""
    mut path = ""
    mut byopt = false
    mut positional = []
    mut dashdash = false
    for w in $before {
        if $expect != "" {
            if $expect == "--path" { $path = $w }
            if $expect in [-p --profile] { $byopt = true }
            $expect = ""
            continue
        }
        if not $dashdash and ($positional | is-empty) and $w in $__aws_runas_valued {
            $expect = $w
        } else if not $dashdash and ($positional | is-empty) and $w == "--" {
            $dashdash = true
        } else if ($positional | is-empty) and ($w | str starts-with "-") and not $dashdash {
            if ($w | str starts-with "--path=") { $path = ($w | str substring 7..) }
            if ($w | str starts-with "--profile=") { $byopt = true }
        } else {
            $positional = ($positional | append $w)
        }
    }
    let first = ($words | first)
    let substring = {options: {completion_algorithm: substring, sort: true}}
    if $expect in [-p --profile] { return ($substring | merge {completions: (__aws_runas_profiles $first $path $cur)}) }
    if $expect in [-O --output] { return (__aws_runas_shells true) }
    if $expect in [--saml-provider --web-identity-provider --prompt] { return (__aws_runas_choices $expect) }
    if $expect != "" { return null }
    if ($positional | is-empty) and not $byopt {
        if ($cur | str starts-with "-") and not $dashdash { return (__aws_runas_options) }
        let subs = [[value description]; [init "print shell integration"] [completion "print the completion script"] [doctor "check the set-up"] [sso "IAM Identity Center login, logout, list, config"]]
        return ($substring | merge {completions: (__aws_runas_profiles $first $path $cur | append ($subs | where {|s| $s.value | str starts-with $cur }))})
    }
    if not $byopt and ($positional | first) in [init completion doctor sso] {
        let sub = ($positional | first)
        # The words after the subcommand: its flags (and their values), then
        # its arguments.
        mut sexpect = ""
        mut optend = false
        mut seen = []
        mut args = []
        for w in ($positional | skip 1) {
            if $sexpect != "" { $sexpect = ""; continue }
            if not $optend and $w == "--" and $sub != "init" { $optend = true; continue }
            if not $optend and ($w | str starts-with "-") and $sub != "completion" {
                $seen = ($seen | append ($w | split row "=" | first))
                if ($sub == "init" and $w in $__aws_runas_init_valued) or ($sub == "sso" and $w in $__aws_runas_sso_valued) { $sexpect = $w }
                continue
            }
            $args = ($args | append $w)
        }
        if $sexpect != "" { return [] }
        if ($cur | str starts-with "-") and not $optend {
            let seen = $seen
            let verb = ($args | get 0? | default "")
            return (match $sub {
                "init" => ([[value description]; [--cmd "name of the wrapper"] [--no-cmd "no wrapper"] [--skip-prompt "leave the prompt alone"] [--no-refresh "no refresh hook"] [--help "help"]]
                    | where {|f| not ($f.value in $seen) and not ($f.value in [--cmd --no-cmd] and ($seen | any {|s| $s in [--cmd --no-cmd] })) })
                "sso" => ([
                    [value description verbs];
                    [--sso-session "the sso-session of the config file" [login logout list config ""]]
                    [--use-device-code "login: a URL and a code to open anywhere" [login ""]]
                    [--no-browser "login: open no browser" [login ""]]
                    [--name-template "config: template of the profile names" [config ""]]
                    [--region "config: the profiles' region" [config ""]]
                    [--help "help" [login logout list config ""]]
                ] | where {|f| $verb in $f.verbs and not ($f.value in $seen) and not ($f.value in [--use-device-code --no-browser] and ($seen | any {|s| $s in [--use-device-code --no-browser] })) } | select value description)
                "doctor" => [[value description]; [--help "help"] [-h "help"]]
                _ => []
            })
        }
        if $sub in [init completion] {
            # completion takes pwsh, not sh or nushell.
            if ($args | is-empty) { return (__aws_runas_shells false | where {|s| $sub == "init" or not ($s.value in [sh nushell]) }) }
            return []
        }
        if $sub == "doctor" {
            if ($args | is-empty) { return ($substring | merge {completions: (__aws_runas_profiles $first $path $cur)}) }
            return []
        }
        if ($args | is-empty) {
            return [[value description]; [login "sign in to IAM Identity Center"] [logout "sign out, drop the tokens and role credentials"] [list "the accounts and roles you may use"] [config "profile sections for them"]]
        }
        if ($args | length) == 1 and ($args | first) in [login logout] and not ("--sso-session" in $seen) {
            return ($substring | merge {completions: (__aws_runas_profiles $first $path $cur)})
        }
        return []
    }
    null
}

# __aws_runas_complete_spans: the completer nushell calls with the words of
# the line (@complete on the command, unlike a parameter's completer, sees
# options too). Nushell does not filter what a command's completer returns:
# the lists are filtered here, profile names already were.
def __aws_runas_complete_spans [spans: list<string>]: nothing -> any {
    let r = (__aws_runas_complete ($spans | str join " "))
    if $r == null { return null }
    if ($r | describe) =~ '^record' { return $r.completions }
    let cur = ($spans | last)
    $r | where {|c| $c.value | str starts-with $cur }
}
