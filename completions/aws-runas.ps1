# PowerShell completion for aws-runas (Windows PowerShell 5.1, PowerShell 7).
#
#   aws-runas completion powershell | Out-String | Invoke-Expression
#
# Completes options (with tooltips), the values of -O, --saml-provider,
# --web-identity-provider and --prompt, profile names (from `aws-runas -l`,
# honouring a --path FILE already on the line), the subcommands init and
# completion (their shells and flags), doctor [PROFILE] and sso (login,
# logout, list, config, with profile names after login and logout). Where it
# offers nothing (--path, the COMMAND), PowerShell completes file names.
#
# This file is ASCII only: Windows PowerShell 5.1 reads native output in the
# console code page.

Register-ArgumentCompleter -Native -CommandName 'aws-runas' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    function Get-AwsRunasText($element) {
        if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            return [string]$element.Value
        }
        return [string]$element.Extent.Text
    }

    # A word as it will reach the program: without its quotes.
    function Get-AwsRunasUnquoted([string]$s) {
        if ($s.Length -gt 0 -and $s[0] -eq [char]39) {
            $s = $s.Substring(1)
            if ($s.EndsWith("'", [System.StringComparison]::Ordinal)) { $s = $s.Substring(0, $s.Length - 1) }
            return $s.Replace("''", "'")
        }
        if ($s.Length -gt 0 -and $s[0] -eq [char]34) {
            $s = $s.Substring(1)
            if ($s.EndsWith('"', [System.StringComparison]::Ordinal)) { $s = $s.Substring(0, $s.Length - 1) }
            return $s
        }
        return $s
    }

    # A literal argument: bare when safe, else single-quoted with every
    # single-quote character (U+0027, U+2018 to U+201B) doubled.
    function Get-AwsRunasQuoted([string]$s) {
        if ($s -cmatch '^[A-Za-z0-9_][A-Za-z0-9_./:+=@-]*$') { return $s }
        return "'" + ($s -replace '[''\u2018\u2019\u201A\u201B]', '$0$0') + "'"
    }

    # A completion: TEXT quoted as an argument, unless it is an option name.
    function New-AwsRunasResult([string]$text, [string]$tip, [string]$type) {
        if (-not $tip) { $tip = $text }
        $insert = $text
        if ($type -ne 'ParameterName') { $insert = Get-AwsRunasQuoted $text }
        return New-Object System.Management.Automation.CompletionResult -ArgumentList $insert, $text, $type, $tip
    }

    # Offer each candidate (PREFIX + name) that starts with the current word.
    function Get-AwsRunasMatches([string]$prefix, [string[]]$names, [string]$type, [hashtable]$tips) {
        foreach ($name in $names) {
            $text = $prefix + $name
            if ($text.StartsWith($awsRunasCur, [System.StringComparison]::OrdinalIgnoreCase)) {
                $tip = $null
                if ($tips -and $tips.ContainsKey($name)) { $tip = $tips[$name] }
                New-AwsRunasResult $text $tip $type
            }
        }
    }

    function Get-AwsRunasProfiles([string]$prefix) {
        $exe = $null
        $override = Get-Variable -Name '__aws_runas_bin' -Scope Global -ValueOnly -ErrorAction SilentlyContinue
        $cmd = Get-Command -Name $awsRunasExe -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($cmd -and $cmd.CommandType -eq 'Application') {
            $exe = $cmd.Path
        } elseif ($override) {
            $exe = $override
        } else {
            # A function or alias (the init wrapper, maybe under another
            # name) is not the binary: ask the binary itself.
            $app = Get-Command -Name 'aws-runas' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            if ($app) { $exe = $app.Path }
        }
        if (-not $exe) { return }
        $argList = @('-l')
        if ($awsRunasPath) { $argList += '--path=' + $awsRunasPath }
        $saved = Get-Variable -Name 'LASTEXITCODE' -Scope Global -ErrorAction SilentlyContinue
        $names = @()
        try {
            $names = @(& $exe @argList 2>$null | Where-Object { $_ })
        } catch {
            $names = @()
        }
        if ($saved) { $global:LASTEXITCODE = $saved.Value }
        Get-AwsRunasMatches $prefix ([string[]]$names) 'ParameterValue' $null
    }

    function Get-AwsRunasValue([string]$option, [string]$prefix) {
        if ($option -ceq '-p' -or $option -ceq '--profile') {
            Get-AwsRunasProfiles $prefix
        } elseif ($option -ceq '-O' -or $option -ceq '--output') {
            $tips = @{
                'bash' = 'bash code'; 'zsh' = 'zsh code'; 'sh' = 'POSIX sh code'; 'fish' = 'fish code'
                'powershell' = 'PowerShell code'; 'pwsh' = 'PowerShell code'; 'nu' = 'nushell code'; 'nushell' = 'nushell code'
                'json' = 'credential_process JSON'
            }
            Get-AwsRunasMatches $prefix @('bash', 'zsh', 'sh', 'fish', 'powershell', 'pwsh', 'nu', 'nushell', 'json') 'ParameterValue' $tips
        } elseif ($option -ceq '--saml-provider') {
            $tips = @{ 'browser' = 'sign in in the browser'; 'form' = 'the sign-in form, asked here'; 'okta' = 'the Okta API' }
            Get-AwsRunasMatches $prefix @('browser', 'form', 'okta') 'ParameterValue' $tips
        } elseif ($option -ceq '--web-identity-provider') {
            $tips = @{ 'browser' = 'authorization code with PKCE'; 'device' = 'device authorization' }
            Get-AwsRunasMatches $prefix @('browser', 'device') 'ParameterValue' $tips
        } elseif ($option -ceq '--prompt') {
            $tips = @{
                'auto' = 'mfa_process, else the terminal, else a dialog'; 'terminal' = 'the controlling terminal'
                'zenity' = 'a zenity dialog'; 'kdialog' = 'a kdialog dialog'; 'osascript' = 'a macOS dialog'
                'wincred' = 'a Windows dialog'; 'ykman' = 'a YubiKey OATH code'
            }
            Get-AwsRunasMatches $prefix @('auto', 'terminal', 'zenity', 'kdialog', 'osascript', 'wincred', 'ykman') 'ParameterValue' $tips
        }
    }

    # The options that take a value (as the next word, or after = or, for a
    # short one, the rest of its word). The tests read these lines.
    # value-taking options of aws-runas:
    $valued = @('-p', '--profile', '-d', '--duration', '-a', '--role-duration', '-o', '--otp', '-M', '--mfa-serial', '-X', '--external-id', '-O', '--output', '--path', '--saml-url', '--saml-username', '--saml-provider', '--web-identity-url', '--web-identity-client-id', '--web-identity-redirect-uri', '--web-identity-provider', '--region', '--destination', '--prompt')
    # value-taking options of aws-runas init:
    $initValued = @('--cmd')
    # value-taking options of aws-runas sso:
    $ssoValued = @('--sso-session', '--name-template', '--region')

    # The words before the cursor, and the word under it.
    $words = @()
    $awsRunasCur = ''
    $elements = @($commandAst.CommandElements)
    $awsRunasExe = Get-AwsRunasText $elements[0]
    for ($k = 1; $k -lt $elements.Count; $k++) {
        $e = $elements[$k]
        if ($e.Extent.EndOffset -lt $cursorPosition) {
            $words += Get-AwsRunasText $e
        } elseif ($e.Extent.StartOffset -le $cursorPosition) {
            $text = $e.Extent.Text.Substring(0, $cursorPosition - $e.Extent.StartOffset)
            $awsRunasCur = Get-AwsRunasUnquoted $text
            break
        } else {
            break
        }
    }
    $cur = $awsRunasCur

    $mode = 'opts'
    $expect = $null
    $sub = $null
    $subpos = 0
    $byopt = $false
    $awsRunasPath = $null
    $seen = @()
    $verb = $null
    $optEnd = $false
    foreach ($w in $words) {
        if ($expect) {
            if ($expect -ceq '--path') { $awsRunasPath = $w }
            $expect = $null
            continue
        }
        if ($mode -eq 'opts' -or $mode -eq 'args') {
            if ($mode -eq 'opts') {
                if ($w -ceq '--') {
                    # Options end; the next word is still the profile.
                    $mode = 'args'
                    continue
                }
                if ($w.Length -gt 1 -and $w.StartsWith('-', [System.StringComparison]::Ordinal)) {
                    if ($w.StartsWith('--profile=', [System.StringComparison]::Ordinal) -or ($w.Length -gt 2 -and $w.StartsWith('-p', [System.StringComparison]::Ordinal))) {
                        $byopt = $true
                    } elseif ($w.StartsWith('--', [System.StringComparison]::Ordinal) -and $valued -ccontains $w) {
                        $expect = $w
                        if ($w -ceq '--profile') { $byopt = $true }
                    } elseif ($w.StartsWith('--path=', [System.StringComparison]::Ordinal)) {
                        $awsRunasPath = $w.Substring(7)
                    } elseif (-not $w.StartsWith('--', [System.StringComparison]::Ordinal)) {
                        # A cluster such as -rO: the first option taking a
                        # value takes the rest, or the next word.
                        for ($j = 1; $j -lt $w.Length; $j++) {
                            $c = [string]$w[$j]
                            if ($valued -ccontains ('-' + $c)) {
                                if ($c -ceq 'p') { $byopt = $true }
                                if ($j -eq $w.Length - 1) { $expect = '-' + $c }
                                break
                            }
                        }
                    }
                    continue
                }
            }
            # The first positional argument: after it comes the COMMAND.
            if ($w -ceq 'init' -or $w -ceq 'completion' -or $w -ceq 'doctor' -or $w -ceq 'sso') {
                if (-not $byopt) {
                    $mode = 'sub'; $sub = $w
                    continue
                }
            }
            $mode = 'cmd'
            break
        } elseif ($mode -eq 'sub') {
            if ($w -ceq '--' -and $sub -cne 'init' -and -not $optEnd) {
                $optEnd = $true
            } elseif ($w.StartsWith('-', [System.StringComparison]::Ordinal) -and $sub -cne 'completion' -and -not $optEnd) {
                $seen += ($w -split '=', 2)[0]
                if (($sub -ceq 'init' -and $initValued -ccontains $w) -or ($sub -ceq 'sso' -and $ssoValued -ccontains $w)) { $expect = $w }
            } elseif ($sub -ceq 'sso' -and -not $verb) {
                $verb = $w
            } else {
                $subpos++
            }
        }
    }

    if ($mode -eq 'cmd' -or $expect -ceq '--path') { return }
    if ($expect) {
        Get-AwsRunasValue $expect ''
        return
    }

    if ($mode -eq 'sub') {
        if ($cur.StartsWith('-', [System.StringComparison]::Ordinal) -and $cur.Contains('=')) { return }
        if (-not $optEnd -and ($cur.StartsWith('-', [System.StringComparison]::Ordinal) -or ($sub -ceq 'init' -and $subpos -gt 0))) {
            if ($sub -ceq 'completion') { return }
            $flags = @()
            $tips = @{
                '--cmd' = 'name the wrapper function'; '--no-cmd' = 'define no wrapper function'
                '--skip-prompt' = 'leave the prompt alone'; '--no-refresh' = 'no refresh hook'; '--help' = 'show help'; '-h' = 'show help'
                '--sso-session' = 'the sso-session of the config file'; '--use-device-code' = 'login: a URL and a code to open anywhere'
                '--no-browser' = 'login: open no browser'; '--name-template' = 'config: template of the profile names'
                '--region' = "config: the profiles' region"
            }
            if ($sub -ceq 'init') {
                if (-not ($seen -ccontains '--cmd' -or $seen -ccontains '--no-cmd')) { $flags += '--cmd', '--no-cmd' }
                if (-not ($seen -ccontains '--skip-prompt' -or $seen -ccontains '-s')) { $flags += '--skip-prompt' }
                if (-not ($seen -ccontains '--no-refresh')) { $flags += '--no-refresh' }
            } elseif ($sub -ceq 'sso') {
                if (-not ($seen -ccontains '--sso-session')) { $flags += '--sso-session' }
                if ((-not $verb -or $verb -ceq 'login') -and -not ($seen -ccontains '--use-device-code' -or $seen -ccontains '--no-browser')) {
                    $flags += '--use-device-code', '--no-browser'
                }
                if (-not $verb -or $verb -ceq 'config') {
                    if (-not ($seen -ccontains '--name-template')) { $flags += '--name-template' }
                    if (-not ($seen -ccontains '--region')) { $flags += '--region' }
                }
            } elseif ($sub -ceq 'doctor') {
                $flags += '-h'
            }
            $flags += '--help'
            Get-AwsRunasMatches '' $flags 'ParameterName' $tips
        } elseif ($sub -ceq 'init' -or $sub -ceq 'completion') {
            if ($subpos -eq 0) {
                $shells = @('bash', 'zsh', 'fish', 'powershell', 'nu')
                if ($sub -ceq 'init') { $shells = @('bash', 'zsh', 'sh', 'fish', 'powershell', 'nu') }
                Get-AwsRunasMatches '' $shells 'ParameterValue' $null
            }
        } elseif ($sub -ceq 'doctor') {
            if ($subpos -eq 0) { Get-AwsRunasProfiles '' }
        } elseif (-not $verb) {
            $tips = @{
                'login' = 'sign in to IAM Identity Center'; 'logout' = 'sign out, drop the tokens and role credentials'
                'list' = 'the accounts and roles you may use'; 'config' = 'profile sections for them'
            }
            Get-AwsRunasMatches '' @('login', 'logout', 'list', 'config') 'ParameterValue' $tips
        } elseif (($verb -ceq 'login' -or $verb -ceq 'logout') -and $subpos -eq 0 -and -not ($seen -ccontains '--sso-session')) {
            Get-AwsRunasProfiles ''
        }
        return
    }

    # The word under the cursor is an option or the first positional argument.
    if ($mode -eq 'opts') {
        if ($cur.StartsWith('--', [System.StringComparison]::Ordinal) -and $cur.Contains('=')) {
            $opt = ($cur -split '=', 2)[0]
            Get-AwsRunasValue $opt ($opt + '=')
            return
        }
        if ($cur.StartsWith('-', [System.StringComparison]::Ordinal)) {
            if (-not $cur.StartsWith('--', [System.StringComparison]::Ordinal)) {
                for ($j = 1; $j -lt $cur.Length; $j++) {
                    $c = [string]$cur[$j]
                    if ($valued -ccontains ('-' + $c)) {
                        if ($j -lt $cur.Length - 1) {
                            Get-AwsRunasValue ('-' + $c) $cur.Substring(0, $j + 1)
                            return
                        }
                        break
                    }
                }
            }
            $options = @(
                @('-p', '--profile', 'profile name or role ARN'),
                @('-n', '--no-role', 'session token only, no role is assumed'),
                @('-d', '--duration', 'session-token lifetime'),
                @('-a', '--role-duration', 'role-credential lifetime'),
                @('-o', '--otp', 'MFA code'),
                @('-M', '--mfa-serial', 'MFA device ARN'),
                @('-X', '--external-id', 'external ID for AssumeRole'),
                @('-r', '--refresh', 'ignore cached credentials'),
                @('-O', '--output', 'print code for a shell, or JSON'),
                @('-s', '--skip-prompt', 'leave the shell prompt alone'),
                @('-u', '--unset', 'print code that removes the variables'),
                @('-e', '--expiration', 'print when cached credentials expire'),
                @('-w', '--whoami', 'print the identity of the credentials'),
                @('-l', '--list', 'list profile names'),
                @('', '--path', 'AWS config file to read'),
                @('', '--non-interactive', 'never ask anything'),
                @('-v', '--verbose', 'debug log on stderr'),
                @('-V', '--version', 'print the version'),
                @('-h', '--help', 'show help'),
                @('', '--saml-url', 'SAML sign-in URL'),
                @('', '--saml-username', 'SAML user name'),
                @('', '--saml-provider', 'SAML: browser, form or okta'),
                @('', '--web-identity-url', 'OIDC issuer URL'),
                @('', '--web-identity-client-id', 'OIDC client ID'),
                @('', '--web-identity-redirect-uri', 'OIDC loopback redirect URI'),
                @('', '--web-identity-provider', 'OIDC: browser or device'),
                @('', '--server', 'serve the credentials from a local endpoint'),
                @('', '--console', 'sign in to the AWS console'),
                @('', '--print-url', '--console: print the sign-in URL'),
                @('', '--region', "--console: the console's region"),
                @('', '--destination', '--console: the page to open'),
                @('', '--prompt', 'how to ask for MFA codes and passwords')
            )
            foreach ($o in $options) {
                foreach ($name in @($o[0], $o[1])) {
                    if ($name -and $name.StartsWith($cur, [System.StringComparison]::Ordinal)) {
                        New-AwsRunasResult $name $o[2] 'ParameterName'
                    }
                }
            }
            return
        }
    }
    if ($byopt) { return }

    $tips = @{
        'init' = 'print shell integration code'; 'completion' = 'print the completion script'
        'doctor' = 'check the set-up'; 'sso' = 'IAM Identity Center login, logout, list, config'
    }
    Get-AwsRunasMatches '' @('init', 'completion', 'doctor', 'sso') 'ParameterValue' $tips
    Get-AwsRunasProfiles ''
}
