# fish completion for aws-runas.
#
#   aws-runas completion fish | source
#
# or install this file as ~/.config/fish/completions/aws-runas.fish.
#
# Completes options (with descriptions), the values of -O, --saml-provider,
# --web-identity-provider and --prompt, files for --path, profile names (from
# `aws-runas -l`, honouring a --path FILE already on the line), the
# subcommands init, completion, doctor [PROFILE] and sso (login, logout, list,
# config, with profile names after login and logout), and, after the
# profile, the COMMAND with its own completion (__fish_complete_subcommand).

# __aws_runas_profiles PREFIX PATH: print PREFIX+NAME for each profile, read
# by running the binary with -l (and --path=PATH when PATH is not empty).
function __aws_runas_profiles
    set -l bin (commandline -opc)[1]
    set -l args -l
    set bin (string replace -r -- '^~/' "$HOME/" $bin)
    # A function (the init wrapper, maybe under another name) or a builtin is
    # not the binary: ask the binary itself, never the function.
    if not string match -q -- '*/*' $bin
        if functions -q -- $bin; or builtin -q -- $bin
            set bin aws-runas
            set -q __aws_runas_bin[1]; and set bin $__aws_runas_bin[1]
        end
    end
    if test -n "$argv[2]"
        set -l p (string replace -r -- '^~/' "$HOME/" $argv[2])
        set -a args --path=$p
    end
    for name in (command $bin $args 2>/dev/null </dev/null)
        test -n "$name"; and printf '%s%s\n' $argv[1] $name
    end
end

# __aws_runas_value OPTION PREFIX PATH: complete the value of OPTION (files
# for --path come from fish itself, see the end of this file).
function __aws_runas_value
    switch $argv[1]
        case -p --profile
            __aws_runas_profiles $argv[2] $argv[3]
        case -O --output
            printf "$argv[2]%s\t%s\n" bash 'bash code' zsh 'zsh code' sh 'POSIX sh code' \
                fish 'fish code' powershell 'PowerShell code' pwsh 'PowerShell code' \
                nu 'nushell code' nushell 'nushell code' json 'credential_process JSON'
        case --saml-provider
            printf "$argv[2]%s\t%s\n" browser 'sign in in the browser' form 'the sign-in form, asked here' \
                okta 'the Okta API'
        case --web-identity-provider
            printf "$argv[2]%s\t%s\n" browser 'authorization code with PKCE' device 'device authorization'
        case --prompt
            printf "$argv[2]%s\t%s\n" auto 'mfa_process, else the terminal, else a dialog' \
                terminal 'the controlling terminal' zenity 'a zenity dialog' kdialog 'a kdialog dialog' \
                osascript 'a macOS dialog' wincred 'a Windows dialog' ykman 'a YubiKey OATH code'
    end
end

# __aws_runas_parse: read the command line and print what the word under the
# cursor is, one field per line: ACTION, ARG, PREFIX, PATH, and for sub:
# whether a -- ended its options, the sso verb, the flags already given.
#   cmd INDEX       the COMMAND, starting at token INDEX (past the end: the
#                   word under the cursor)
#   value OPTION    the value of OPTION (with PREFIX, e.g. --profile=)
#   sub NAME        an argument of init, completion, doctor or sso (PREFIX:
#                   how many positional arguments precede it, after the
#                   verb of sso)
#   options         an option
#   first           the first positional argument
function __aws_runas_parse
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l valued
    set -l initvalued
    set -l ssovalued
    # The options that take a value (as the next word, or after = or, for a
    # short one, the rest of its word). The tests read these lines.
    # value-taking options of aws-runas:
    set valued -p --profile -d --duration -a --role-duration -o --otp -M --mfa-serial -X --external-id -O --output --path --saml-url --saml-username --saml-provider --web-identity-url --web-identity-client-id --web-identity-redirect-uri --web-identity-provider --region --destination --prompt
    # value-taking options of aws-runas init:
    set initvalued --cmd
    # value-taking options of aws-runas sso:
    set ssovalued --sso-session --name-template --region
    set -l mode opts
    set -l expect
    set -l sub
    set -l verb
    set -l optend 0
    set -l subpos 0
    set -l byopt 0
    set -l cfg
    set -l cmdstart 0
    set -l seen
    set -l n (count $tokens)
    set -l i 2
    while test $i -le $n
        set -l w $tokens[$i]
        if test -n "$expect"
            test "$expect" = --path; and set cfg $w
            set expect
            set i (math $i + 1)
            continue
        end
        switch $mode
            case opts args
                set -l positional 1
                if test $mode = opts
                    switch $w
                        case --
                            # Options end; the next word is still the profile.
                            set mode args
                            set positional 0
                        case '-?*'
                            set positional 0
                            switch $w
                                case '--profile=*' '-p?*'
                                    set byopt 1
                                case '--path=*'
                                    set cfg (string replace -- --path= '' $w)
                                case '--*=*'
                                case '--*'
                                    if contains -- $w $valued
                                        set expect $w
                                        test $w = --profile; and set byopt 1
                                    end
                                case '*'
                                    # A cluster such as -rO: the first option taking a
                                    # value takes the rest, or the next word.
                                    set -l j 2
                                    for c in (string split '' -- (string sub -s 2 -- $w))
                                        if contains -- -$c $valued
                                            test $c = p; and set byopt 1
                                            test $j -eq (string length -- $w); and set expect -$c
                                            break
                                        end
                                        set j (math $j + 1)
                                    end
                            end
                    end
                end
                if test $positional = 1
                    if test $byopt = 1
                        set mode cmd
                        set cmdstart $i
                        break
                    end
                    switch $w
                        case init completion doctor sso
                            set mode sub
                            set sub $w
                        case '*'
                            set mode profile
                    end
                end
            case profile
                if test "$w" = --
                    set cmdstart (math $i + 1)
                else
                    set cmdstart $i
                end
                set mode cmd
                break
            case sub
                if test "$w" = --; and test $sub != init; and test $optend = 0
                    set optend 1
                else if string match -q -- '-*' $w; and test $sub != completion; and test $optend = 0
                    set -a seen (string replace -r -- '=.*' '' $w)
                    if begin
                            test $sub = init; and contains -- $w $initvalued
                        end; or begin
                            test $sub = sso; and contains -- $w $ssovalued
                        end
                        set expect $w
                    end
                else if test $sub = sso; and test -z "$verb"
                    set verb $w
                else
                    set subpos (math $subpos + 1)
                end
        end
        set i (math $i + 1)
    end

    if test $mode = profile
        set mode cmd
        set cmdstart (math $n + 1)
    end
    if test $mode = cmd
        printf '%s\n' cmd $cmdstart '' "$cfg"
        return
    end
    if test -n "$expect"
        printf '%s\n' value $expect '' "$cfg"
        return
    end
    if test $mode = sub
        printf '%s\n' sub $sub $subpos "$cfg" $optend "$verb" $seen
        return
    end
    # The word under the cursor is an option or the first positional argument.
    if test $mode = opts
        switch $cur
            case '--*=*'
                set -l opt (string replace -r -- '=.*' '' $cur)
                printf '%s\n' value $opt $opt= "$cfg"
                return
            case '--*'
            case '-*'
                set -l j 2
                for c in (string split '' -- (string sub -s 2 -- $cur))
                    if contains -- -$c $valued
                        if test $j -lt (string length -- $cur)
                            printf '%s\n' value -$c (string sub -l $j -- $cur) "$cfg"
                            return
                        end
                        break
                    end
                    set j (math $j + 1)
                end
        end
        if string match -q -- '-*' $cur
            printf '%s\n' options '' '' "$cfg"
            return
        end
    end
    if test $byopt = 1
        printf '%s\n' cmd (math $n + 1) '' "$cfg"
        return
    end
    printf '%s\n' first '' '' "$cfg"
end

# __aws_runas_wants_file: whether the word under the cursor is a --path FILE.
function __aws_runas_wants_file
    set -l st (__aws_runas_parse)
    test "$st[1]" = value; and test "$st[2]" = --path
end

function __aws_runas_complete
    set -l st (__aws_runas_parse)
    set -l cur (commandline -ct)
    switch $st[1]
        case cmd
            set -l tokens (commandline -opc)
            if test $st[2] -gt (count $tokens)
                complete -C "$cur"
            else
                __fish_complete_subcommand --commandline (string escape -- $tokens[$st[2]..-1]) "$cur"
            end
        case value
            __aws_runas_value $st[2] $st[3] $st[4]
        case sub
            set -l sub $st[2]
            set -l verb $st[6]
            set -l seen $st[7..-1]
            string match -q -- '-*=*' $cur; and return
            if test $st[5] = 0; and string match -q -- '-*' $cur; or begin
                    test $sub = init; and test $st[3] -gt 0
                end
                switch $sub
                    case init
                        if not contains -- --cmd $seen; and not contains -- --no-cmd $seen
                            printf '%s\t%s\n' --cmd 'name the wrapper function' --no-cmd 'define no wrapper function'
                        end
                        if not contains -- --skip-prompt $seen; and not contains -- -s $seen
                            printf '%s\t%s\n' --skip-prompt 'leave the prompt alone'
                        end
                        contains -- --no-refresh $seen; or printf '%s\t%s\n' --no-refresh 'no refresh hook'
                    case sso
                        contains -- --sso-session $seen; or printf '%s\t%s\n' --sso-session 'the sso-session of the config file'
                        if contains -- "$verb" login ''; and not contains -- --use-device-code $seen; and not contains -- --no-browser $seen
                            printf '%s\t%s\n' --use-device-code 'login: a URL and a code to open anywhere' --no-browser 'login: open no browser'
                        end
                        if contains -- "$verb" config ''
                            contains -- --name-template $seen; or printf '%s\t%s\n' --name-template 'config: template of the profile names'
                            contains -- --region $seen; or printf '%s\t%s\n' --region "config: the profiles' region"
                        end
                    case doctor
                        printf '%s\t%s\n' -h 'show help'
                    case completion
                        return
                end
                printf '%s\t%s\n' --help 'show help'
                return
            end
            switch $sub
                case init
                    test $st[3] -eq 0; and printf '%s\n' bash zsh sh fish powershell nu
                case completion
                    test $st[3] -eq 0; and printf '%s\n' bash zsh fish powershell nu
                case doctor
                    test $st[3] -eq 0; and __aws_runas_profiles '' $st[4]
                case sso
                    if test -z "$verb"
                        printf '%s\t%s\n' login 'sign in to IAM Identity Center' \
                            logout 'sign out, drop the tokens and role credentials' \
                            list 'the accounts and roles you may use' config 'profile sections for them'
                    else if contains -- $verb login logout; and test $st[3] -eq 0; and not contains -- --sso-session $seen
                        __aws_runas_profiles '' $st[4]
                    end
            end
        case options
            printf '%s\t%s\n' \
                -p 'profile name or role ARN' --profile 'profile name or role ARN' \
                -n 'session token only, no role' --no-role 'session token only, no role' \
                -d 'session-token lifetime' --duration 'session-token lifetime' \
                -a 'role-credential lifetime' --role-duration 'role-credential lifetime' \
                -o 'MFA code' --otp 'MFA code' \
                -M 'MFA device ARN' --mfa-serial 'MFA device ARN' \
                -X 'external ID for AssumeRole' --external-id 'external ID for AssumeRole' \
                -r 'ignore cached credentials' --refresh 'ignore cached credentials' \
                -O 'print code for a shell, or JSON' --output 'print code for a shell, or JSON' \
                -s 'leave the shell prompt alone' --skip-prompt 'leave the shell prompt alone' \
                -u 'print code that removes the variables' --unset 'print code that removes the variables' \
                -e 'print when cached credentials expire' --expiration 'print when cached credentials expire' \
                -w 'print the identity of the credentials' --whoami 'print the identity of the credentials' \
                -l 'list profile names' --list 'list profile names' \
                --path 'AWS config file to read' --non-interactive 'never ask anything' \
                -v 'debug log on stderr' --verbose 'debug log on stderr' \
                -V 'print the version' --version 'print the version' \
                -h 'show help' --help 'show help' \
                --saml-url 'SAML sign-in URL' --saml-username 'SAML user name' \
                --saml-provider 'SAML: browser, form or okta' \
                --web-identity-url 'OIDC issuer URL' --web-identity-client-id 'OIDC client ID' \
                --web-identity-redirect-uri 'OIDC loopback redirect URI' \
                --web-identity-provider 'OIDC: browser or device' \
                --server 'serve the credentials from a local endpoint' \
                --console 'sign in to the AWS console' --print-url '--console: print the sign-in URL' \
                --region "--console: the console's region" --destination '--console: the page to open' \
                --prompt 'how to ask for MFA codes and passwords'
        case first
            printf '%s\t%s\n' init 'print shell integration code' completion 'print the completion script' \
                doctor 'check the set-up' sso 'IAM Identity Center login, logout, list, config'
            __aws_runas_profiles '' $st[4]
    end
end

complete -c aws-runas -e
complete -c aws-runas -f -a '(__aws_runas_complete)'
complete -c aws-runas -n __aws_runas_wants_file -F
