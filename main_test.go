package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestParseArgsProfileAndCommand(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		env     map[string]string
		profile string
		command string
	}{
		{[]string{"prod"}, nil, "prod", ""},
		{[]string{"prod", "ls", "-la"}, nil, "prod", "ls -la"},
		{[]string{"prod", "--", "ls", "-la"}, nil, "prod", "ls -la"},
		{[]string{"-p", "prod", "ls", "-la"}, nil, "prod", "ls -la"},
		{[]string{"-p", "init", "ls"}, nil, "init", "ls"},
		{[]string{"--profile=prod", "--", "-weird-cmd"}, nil, "prod", "-weird-cmd"},
		{[]string{"arn:aws:iam::123456789012:role/x", "true"}, nil, "arn:aws:iam::123456789012:role/x", "true"},
		{nil, map[string]string{"AWS_PROFILE": "dev"}, "dev", ""},
		{nil, nil, "default", ""},
		{[]string{"-r", "-O", "json", "prod"}, nil, "prod", ""},
	} {
		inv, _, err := parseArgs(tc.args, func(k string) string { return tc.env[k] })
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if inv.profile != tc.profile || strings.Join(inv.command, " ") != tc.command {
			t.Errorf("%q: profile %q command %q, want %q %q", tc.args, inv.profile, inv.command, tc.profile, tc.command)
		}
	}
}

func TestParseArgsSubcommands(t *testing.T) {
	inv, _, err := parseArgs([]string{"init", "zsh", "--cmd", "awsr", "--skip-prompt"}, noEnv)
	if err != nil || inv.sub != "init" || inv.shell != "zsh" || inv.init.Cmd != "awsr" || !inv.init.SkipPrompt || inv.init.NoRefresh {
		t.Errorf("init: %+v %v", inv, err)
	}
	inv, _, err = parseArgs([]string{"init", "pwsh", "--no-cmd", "--no-refresh"}, noEnv)
	if err != nil || inv.init.Cmd != "" || !inv.init.NoRefresh {
		t.Errorf("init --no-cmd: %+v %v", inv, err)
	}
	inv, _, err = parseArgs([]string{"completion", "fish"}, noEnv)
	if err != nil || inv.sub != "completion" || inv.shell != "fish" {
		t.Errorf("completion: %+v %v", inv, err)
	}
}

func TestParseArgsDurations(t *testing.T) {
	inv, _, err := parseArgs([]string{"-d", "3600", "-a", "1h30m", "prod"}, noEnv)
	if err != nil || inv.req.SessionDuration != time.Hour || inv.req.RoleDuration != 90*time.Minute {
		t.Errorf("%+v %v", inv, err)
	}
}

func TestParseArgsUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "37h", "prod"}, "-d 37h: must be between 15m and 36h"},
		{[]string{"-d", "600", "prod"}, "-d 600: must be between 15m and 36h"},
		{[]string{"-a", "13h", "prod"}, "-a 13h: must be between 15m and 12h"},
		{[]string{"-a", "99999999999999999", "prod"}, "must be between 15m and 12h"},
		{[]string{"-d", "soon", "prod"}, "a duration is a number of seconds"},
		{[]string{"-O", "tcsh", "prod"}, "-O tcsh: want one of bash, zsh, sh, fish, powershell, nu, json"},
		{[]string{"-u", "-O", "tcsh"}, "-O tcsh: want one of"},
		{[]string{"-o", "12345", "prod"}, "a one-time code is 6 to 8 digits"},
		{[]string{"-o", "12345x", "prod"}, "a one-time code is 6 to 8 digits"},
		{[]string{"prod", "-r"}, "options go before the profile"},
		{[]string{"--bogus"}, "unknown flag"},
		{[]string{"init"}, "takes one SHELL"},
		{[]string{"init", "tcsh"}, `unknown shell "tcsh"`},
		{[]string{"completion", "bash", "zsh"}, "takes one SHELL"},
		{[]string{"completion", "sh"}, "no completion for sh"},
	} {
		_, _, err := parseArgs(tc.args, noEnv)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want usage error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestParseArgsHelp(t *testing.T) {
	inv, help, err := parseArgs([]string{"-h"}, noEnv)
	if err != nil || inv != nil || !strings.Contains(help, "--non-interactive") {
		t.Errorf("help: %v %v %q", inv, err, help)
	}
}

// The nushell wrapper's question (__AWS_RUNAS_EVAL_PLAN): eval exactly when
// the call would write shell code to the eval file; the binary does nothing
// else.
func TestEvalPlan(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"prod"}, "eval"},
		{[]string{}, "eval"},
		{[]string{"-u"}, "eval"},
		{[]string{"-n", "-r", "prod"}, "eval"},
		{[]string{"-p", "prod"}, "eval"},
		{[]string{"prod", "aws", "s3", "ls"}, "run"},
		{[]string{"-p", "prod", "aws"}, "run"},
		{[]string{"prod", "--", "env"}, "run"},
		{[]string{"-O", "nu", "prod"}, "run"},
		{[]string{"-u", "-O", "bash"}, "run"},
		{[]string{"-l"}, "run"},
		{[]string{"-e", "prod"}, "run"},
		{[]string{"-w", "prod"}, "run"},
		{[]string{"-V"}, "run"},
		{[]string{"-h"}, "run"},
		{[]string{"init", "nu"}, "run"},
		{[]string{"completion", "nu"}, "run"},
		{[]string{"-d", "1s", "prod"}, "run"},
	} {
		var out, errb bytes.Buffer
		a := &app{stdout: &out, stderr: &errb, getenv: func(k string) string {
			if k == "__AWS_RUNAS_EVAL_PLAN" {
				return "1"
			}
			return ""
		}, environ: func() []string { return nil }}
		if code := a.main(c.args); code != 0 || out.String() != c.want+"\n" || errb.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %s", c.args, code, out.String(), errb.String(), c.want)
		}
	}
}
