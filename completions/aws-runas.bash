# bash completion for aws-runas
#
#   source <(aws-runas completion bash)
#
# or install this file as .../bash-completion/completions/aws-runas.
#
# Completes options, the values of -O, --saml-provider, --web-identity-provider
# and --prompt, files for --path, profile names (from `aws-runas -l`,
# honouring a --path FILE already on the line), the subcommands init,
# completion, doctor [PROFILE] and sso (login, logout, list, config, with
# profile names after login and logout), and, after the profile, the COMMAND
# with its own completion (bash-completion's _command_offset when it is
# loaded).
#
# The line is re-read from COMP_LINE rather than COMP_WORDS, so that role ARNs
# (':') and --opt=value ('=') stay one word and quoted words are seen as the
# command will see them.

# __aws_runas_lex: split ${COMP_LINE:0:COMP_POINT} into words.
# Sets, in the caller's scope: __ar_w (the words, quotes removed), __ar_s
# (their byte offsets), __ar_cur (the word under the cursor, quotes removed),
# __ar_pre (the leading part of __ar_cur that readline will not replace: up to
# an open quote or an unquoted COMP_WORDBREAKS character) and __ar_q (the quote
# left open in the current word, if any).
__aws_runas_lex() {
    local LC_ALL=C
    local line=${COMP_LINE:0:COMP_POINT} c n i w='' inword=0 start=0 q='' pre=''
    local breaks=${COMP_WORDBREAKS- }
    n=${#line}
    __ar_w=() __ar_s=()
    for ((i = 0; i < n; i++)); do
        c=${line:i:1}
        if [[ $q == "'" ]]; then
            if [[ $c == "'" ]]; then q=''; else w+=$c; fi
            continue
        fi
        if [[ $q == '"' ]]; then
            if [[ $c == '"' ]]; then
                q=''
            elif [[ $c == \\ ]] && ((i + 1 < n)); then
                c=${line:i+1:1}
                case $c in
                '"' | \\ | '$' | '`') w+=$c; ((++i)) ;;
                $'\n') ((++i)) ;;
                *) w+=\\ ;;
                esac
            else
                w+=$c
            fi
            continue
        fi
        case $c in
        ' ' | $'\t' | $'\n')
            if ((inword)); then
                __ar_w+=("$w")
                __ar_s+=("$start")
            fi
            w='' inword=0 pre=''
            continue
            ;;
        esac
        if ((!inword)); then
            inword=1 start=$i
        fi
        case $c in
        "'" | '"')
            q=$c pre=$w
            ;;
        \\)
            if ((i + 1 < n)); then
                ((++i))
                c=${line:i:1}
                [[ $c == $'\n' ]] || w+=$c
            fi
            ;;
        *)
            w+=$c
            [[ $breaks == *"$c"* ]] && pre=$w
            ;;
        esac
    done
    __ar_cur=$w __ar_pre=$pre __ar_q=$q
    if ((!inword)); then
        __ar_cur='' __ar_pre='' __ar_q=''
    fi
}

# __aws_runas_add WORD...: offer each WORD (a whole word, unquoted) that
# starts with the current word, quoted for where the cursor is.
__aws_runas_add() {
    local c s sq="'\\''"
    for c in "$@"; do
        [[ $c == "$__ar_cur"* ]] || continue
        s=${c#"$__ar_pre"}
        case $__ar_q in
        "'") s=${s//\'/"$sq"} ;;
        '"')
            s=${s//\\/"\\\\"}
            s=${s//\"/"\\\""}
            s=${s//\$/"\\\$"}
            s=${s//\`/"\\\`"}
            ;;
        *) printf -v s %q "$s" ;;
        esac
        COMPREPLY+=("$s")
    done
}

# __aws_runas_files PREFIX: file names for the current word, which starts with
# PREFIX (e.g. --path=); readline quotes them (-o filenames).
__aws_runas_files() {
    local f part=${__ar_cur#"$1"}
    compopt -o filenames 2>/dev/null
    while IFS= read -r f; do
        f=$1$f
        COMPREPLY+=("${f#"$__ar_pre"}")
    done < <(compgen -f -- "$part")
}

# __aws_runas_profiles PREFIX: offer PREFIX+NAME for each profile, read by
# running the binary with -l (and --path when the line has one).
__aws_runas_profiles() {
    local bin=${__ar_w[0]-aws-runas} p
    local -a args=(-l) names=()
    if [[ $bin == \~/* ]]; then
        bin=$HOME/${bin#\~/}
    fi
    # A shell function or alias (the init wrapper, maybe under another name)
    # is not the binary: ask the binary itself, never the function.
    if [[ $bin != */* ]] && { declare -F -- "$bin" >/dev/null 2>&1 || alias -- "$bin" >/dev/null 2>&1; }; then
        bin=${__aws_runas_bin:-aws-runas}
    fi
    if [[ -n $__ar_path ]]; then
        p=$__ar_path
        if [[ $p == \~/* ]]; then
            p=$HOME/${p#\~/}
        fi
        args+=("--path=$p")
    fi
    while IFS= read -r p; do
        [[ -n $p ]] && names+=("$1$p")
    done < <(command "$bin" "${args[@]}" 2>/dev/null </dev/null)
    ((${#names[@]})) && __aws_runas_add "${names[@]}"
}

# __aws_runas_value OPTION PREFIX: complete the value of OPTION.
__aws_runas_value() {
    case $1 in
    -p | --profile) __aws_runas_profiles "$2" ;;
    -O | --output) __aws_runas_add "$2"bash "$2"zsh "$2"sh "$2"fish "$2"powershell "$2"pwsh "$2"nu "$2"nushell "$2"json ;;
    --path) __aws_runas_files "$2" ;;
    --saml-provider) __aws_runas_add "$2"browser "$2"form "$2"okta ;;
    --web-identity-provider) __aws_runas_add "$2"browser "$2"device ;;
    --prompt) __aws_runas_add "$2"auto "$2"terminal "$2"zenity "$2"kdialog "$2"osascript "$2"wincred "$2"ykman ;;
    esac
}

# __aws_runas_wordindex OFFSET: set __ar_k to the index of the COMP_WORDS word
# that starts at byte OFFSET of COMP_LINE (COMP_WORDS splits at ':' and '=').
__aws_runas_wordindex() {
    local LC_ALL=C
    local j off=0 rest lead
    __ar_k=-1
    for ((j = 0; j < COMP_CWORD; j++)); do
        rest=${COMP_LINE:off}
        lead=${rest%%"${COMP_WORDS[j]}"*}
        off=$((off + ${#lead}))
        if ((off == $1)); then
            __ar_k=$j
            return
        fi
        off=$((off + ${#COMP_WORDS[j]}))
    done
}

# __aws_runas_command INDEX: complete the COMMAND that starts at word INDEX
# (INDEX past the last word: the command is the word under the cursor).
__aws_runas_command() {
    local __ar_k=-1
    if (($1 >= ${#__ar_w[@]})); then
        __ar_k=$COMP_CWORD
    else
        __aws_runas_wordindex "${__ar_s[$1]}"
    fi
    if ((__ar_k > 0)); then
        if declare -F _comp_command_offset >/dev/null; then
            _comp_command_offset "$__ar_k"
            return
        elif declare -F _command_offset >/dev/null; then
            _command_offset "$__ar_k"
            return
        fi
    fi
    # Without bash-completion: command names, else bash's default.
    if (($1 >= ${#__ar_w[@]})); then
        local c
        local -a cmds=()
        while IFS= read -r c; do cmds+=("$c"); done < <(compgen -c -- "$__ar_cur")
        ((${#cmds[@]})) && __aws_runas_add "${cmds[@]}"
    else
        compopt -o default 2>/dev/null
    fi
}

__aws_runas_main() {
    local -a __ar_w=() __ar_s=()
    local __ar_cur='' __ar_pre='' __ar_q='' __ar_path=''
    __aws_runas_lex

    # The options that take a value (as the next word, or after = or, for a
    # short one, the rest of its word). The tests read these lines.
    # value-taking options of aws-runas:
    local valued=' -p --profile -d --duration -a --role-duration -o --otp -M --mfa-serial -X --external-id -O --output --path --saml-url --saml-username --saml-provider --web-identity-url --web-identity-client-id --web-identity-redirect-uri --web-identity-provider --region --destination --prompt '
    # value-taking options of aws-runas init:
    local initvalued=' --cmd '
    # value-taking options of aws-runas sso:
    local ssovalued=' --sso-session --name-template --region '

    local i j w c n=${#__ar_w[@]} mode=opts expect='' sub='' subpos=0 byopt=0 seen=' ' verb='' optend=0
    for ((i = 1; i < n; i++)); do
        w=${__ar_w[i]}
        if [[ -n $expect ]]; then
            [[ $expect == --path ]] && __ar_path=$w
            expect=''
            continue
        fi
        case $mode in
        opts | args)
            if [[ $mode == opts ]]; then
                case $w in
                --)
                    # Options end; the next word is still the profile.
                    mode=args
                    continue
                    ;;
                -?*)
                    case $w in
                    --profile=* | -p?*) byopt=1 ;;
                    --path=*) __ar_path=${w#--path=} ;;
                    --*=*) ;;
                    --*)
                        if [[ $valued == *" $w "* ]]; then
                            expect=$w
                            [[ $w == --profile ]] && byopt=1
                        fi
                        ;;
                    *)
                        # A cluster such as -rO: the first option taking a
                        # value takes the rest, or the next word.
                        for ((j = 1; j < ${#w}; j++)); do
                            c=${w:j:1}
                            if [[ $valued == *" -$c "* ]]; then
                                [[ $c == p ]] && byopt=1
                                ((j + 1 == ${#w})) && expect=-$c
                                break
                            fi
                        done
                        ;;
                    esac
                    continue
                    ;;
                esac
            fi
            # The first positional argument.
            if ((byopt)); then
                mode=cmd
                break
            fi
            case $w in
            init | completion | doctor | sso) mode=sub sub=$w ;;
            *) mode=profile ;;
            esac
            ;;
        profile)
            if [[ $w == -- ]]; then
                ((++i))
            fi
            mode=cmd
            break
            ;;
        sub)
            if [[ $w == -- && $sub != init ]] && ((!optend)); then
                optend=1
            elif [[ $w == -* && $sub != completion ]] && ((!optend)); then
                seen+="${w%%=*} "
                if [[ $sub == init && $initvalued == *" $w "* ]] || [[ $sub == sso && $ssovalued == *" $w "* ]]; then
                    expect=$w
                fi
            elif [[ $sub == sso && -z $verb ]]; then
                verb=$w
            else
                ((++subpos))
            fi
            ;;
        esac
    done

    if [[ $mode == cmd ]]; then
        __aws_runas_command "$i"
        return
    fi
    if [[ $mode == profile ]]; then
        __aws_runas_command "$n"
        return
    fi
    if [[ -n $expect ]]; then
        __aws_runas_value "$expect" ''
        return
    fi

    if [[ $mode == sub ]]; then
        if [[ $__ar_cur == -*=* ]]; then
            return
        fi
        if [[ $__ar_cur == -* || ($sub == init && $subpos -gt 0) ]] && ((!optend)); then
            local -a flags=()
            case $sub in
            init)
                [[ $seen == *' --cmd '* || $seen == *' --no-cmd '* ]] || flags+=(--cmd --no-cmd)
                [[ $seen == *' --skip-prompt '* || $seen == *' -s '* ]] || flags+=(--skip-prompt)
                [[ $seen == *' --no-refresh '* ]] || flags+=(--no-refresh)
                ;;
            sso)
                [[ $seen == *' --sso-session '* ]] || flags+=(--sso-session)
                case $verb in
                login | '')
                    [[ $seen == *' --use-device-code '* || $seen == *' --no-browser '* ]] || flags+=(--use-device-code --no-browser)
                    ;;
                esac
                case $verb in
                config | '')
                    [[ $seen == *' --name-template '* ]] || flags+=(--name-template)
                    [[ $seen == *' --region '* ]] || flags+=(--region)
                    ;;
                esac
                ;;
            completion) return ;;
            esac
            flags+=(--help)
            [[ $sub == doctor ]] && flags+=(-h)
            __aws_runas_add "${flags[@]}"
            return
        fi
        case $sub in
        init)
            ((subpos == 0)) && __aws_runas_add bash zsh sh fish powershell nu
            ;;
        completion)
            ((subpos == 0)) && __aws_runas_add bash zsh fish powershell nu
            ;;
        doctor)
            ((subpos == 0)) && __aws_runas_profiles ''
            ;;
        sso)
            if [[ -z $verb ]]; then
                __aws_runas_add login logout list config
            elif [[ ($verb == login || $verb == logout) && $seen != *' --sso-session '* ]] && ((subpos == 0)); then
                __aws_runas_profiles ''
            fi
            ;;
        esac
        return
    fi

    # The word under the cursor is an option or the first positional argument.
    if [[ $mode == opts ]]; then
        case $__ar_cur in
        --*=*)
            w=${__ar_cur%%=*}
            __aws_runas_value "$w" "$w="
            return
            ;;
        -*)
            if [[ $__ar_cur != --* ]]; then
                for ((j = 1; j < ${#__ar_cur}; j++)); do
                    c=${__ar_cur:j:1}
                    if [[ $valued == *" -$c "* ]]; then
                        if ((j + 1 < ${#__ar_cur})); then
                            __aws_runas_value "-$c" "${__ar_cur:0:j+1}"
                            return
                        fi
                        break
                    fi
                done
            fi
            __aws_runas_add -p --profile -n --no-role -d --duration -a --role-duration \
                -o --otp -M --mfa-serial -X --external-id -r --refresh -O --output \
                -s --skip-prompt -u --unset -e --expiration -w --whoami -l --list \
                --path --non-interactive -v --verbose -V --version -h --help \
                --saml-url --saml-username --saml-provider \
                --web-identity-url --web-identity-client-id --web-identity-redirect-uri --web-identity-provider \
                --server --console --print-url --region --destination --prompt
            return
            ;;
        esac
    fi
    if ((byopt)); then
        __aws_runas_command "$n"
    else
        __aws_runas_add init completion doctor sso
        __aws_runas_profiles ''
    fi
}

_aws_runas() {
    local __ar_nocase=0
    COMPREPLY=()
    if shopt -q nocasematch; then
        __ar_nocase=1
        shopt -u nocasematch
    fi
    __aws_runas_main "$@"
    if ((__ar_nocase)); then
        shopt -s nocasematch
    fi
    return 0
}

complete -F _aws_runas aws-runas
