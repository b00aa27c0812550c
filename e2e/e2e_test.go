//go:build unix

// Package e2e tests the built aws-runas binary as a user meets it: through
// real shells, the real AWS CLI and real terminals, against the project's
// STS test server.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aws-runas/aws-runas/internal/ststest"
)

// Seed identities of every test's STS server.
const (
	Account    = "123456789012"
	AliceKey   = "AKIAALICE00000000001"
	AliceSec   = "alice/Secret+Key=0000000000000000000000"
	AliceMFA   = "arn:aws:iam::123456789012:mfa/alice"
	MFACode    = "123456"
	BobKey     = "AKIABOB0000000000001"
	BobSec     = "bob/Secret+Key=00000000000000000000000"
	RolePrefix = "arn:aws:iam::123456789012:role/"
)

// binDir holds the aws-runas binary built for this run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aws-runas-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "aws-runas"+exeSuffix()), "github.com/aws-runas/aws-runas")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as released: see README
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building aws-runas:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func exeSuffix() string {
	if os.PathSeparator == '\\' {
		return ".exe"
	}
	return ""
}

// world is what every test gets: an STS server seeded with alice (MFA) and
// bob (no MFA), a HOME with their profiles, and the binary on PATH.
type world struct {
	srv  *ststest.Server
	home string
	env  []string
}

const defaultConfig = `[default]
region = eu-west-1
mfa_serial = ` + AliceMFA + `

[profile admin]
role_arn = ` + RolePrefix + `admin
source_profile = default

[profile readonly]
role_arn = ` + RolePrefix + `readonly
source_profile = default
region = us-west-2

[profile long]
role_arn = ` + RolePrefix + `admin
source_profile = default
duration_seconds = 7200

[profile bob]
region = us-east-2

[profile deploy]
role_arn = ` + RolePrefix + `deploy
source_profile = bob
external_id = ext-42
`

const defaultCredentials = `[default]
aws_access_key_id = ` + AliceKey + `
aws_secret_access_key = ` + AliceSec + `

[bob]
aws_access_key_id = ` + BobKey + `
aws_secret_access_key = ` + BobSec + `
`

// seed starts a server and writes the default profiles under home unless
// the test brought its own.
func seed(home string) (*ststest.Server, error) {
	srv := ststest.Start()
	srv.AddUser(ststest.User{Name: "alice", Account: Account, AccessKeyID: AliceKey, SecretAccessKey: AliceSec, MFASerial: AliceMFA, MFACode: MFACode})
	srv.AddUser(ststest.User{Name: "bob", Account: Account, AccessKeyID: BobKey, SecretAccessKey: BobSec})
	for _, r := range []ststest.Role{
		{ARN: RolePrefix + "admin", MaxSessionDuration: 12 * time.Hour},
		{ARN: RolePrefix + "readonly"},
		{ARN: RolePrefix + "deploy", ExternalID: "ext-42"},
		{ARN: RolePrefix + "secure", RequireMFA: true},
	} {
		srv.AddRole(r)
	}
	aws := filepath.Join(home, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		return nil, err
	}
	for name, content := range map[string]string{"config": defaultConfig, "credentials": defaultCredentials} {
		p := filepath.Join(aws, name)
		if _, err := os.Stat(p); os.IsNotExist(err) {
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				return nil, err
			}
		}
	}
	return srv, nil
}

// baseEnv is the environment every run of the binary starts from: nothing
// of the developer's own AWS setup leaks in.
func baseEnv(home, url string) []string {
	env := []string{
		"HOME=" + home,
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"AWS_ENDPOINT_URL_STS=" + url,
		"LANG=C.UTF-8",
		"TERM=xterm-256color",
	}
	for _, k := range []string{"CI", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// TestScripts runs the scripts of testdata/script but for the sign-on ones,
// which TestSAMLScripts and TestOIDC run with their identity providers.
func TestScripts(t *testing.T) {
	all, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if base := filepath.Base(f); !strings.HasPrefix(base, "saml_") && !strings.HasPrefix(base, "oidc_") {
			files = append(files, f)
		}
	}
	testscript.Run(t, testscript.Params{
		Files:               files,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			srv, err := seed(home)
			if err != nil {
				return err
			}
			e.Defer(srv.Close)
			e.Values["sts"] = srv
			// testscript's own variables (WORK, TMPDIR...) stay; the rest
			// is replaced so the developer's AWS variables cannot leak in.
			keep := e.Vars[:0]
			for _, kv := range e.Vars {
				name, _, _ := strings.Cut(kv, "=")
				if !strings.HasPrefix(name, "AWS_") && name != "HOME" && name != "PATH" {
					keep = append(keep, kv)
				}
			}
			e.Vars = append(keep, baseEnv(home, srv.URL)...)
			e.Setenv("ALICE_KEY", AliceKey)
			e.Setenv("BOB_KEY", BobKey)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sts": cmdSTS,
		},
		Condition: missing,
	})
}

// missing is the condition [missing:PROGRAM]: true when PROGRAM is not on
// PATH, so a script can skip on a developer's machine; under CI=true a
// missing program is an error instead, and the script fails.
func missing(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "missing:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			return false, fmt.Errorf("%s is required under CI=true: %v", name, err)
		}
		return true, nil
	}
	return false, nil
}

// cmdSTS inspects and steers the script's STS server:
//
//	sts count ACTION N           ACTION was called N times ("" or any = all)
//	sts param ACTION NAME VALUE  the last ACTION call had NAME=VALUE
//	sts caller ACTION KEY        the last ACTION call was signed by KEY
//	sts fail ACTION CODE [TIMES] [DELAY]
//	sts expire-all | sts reset | sts clear-faults
func cmdSTS(ts *testscript.TestScript, neg bool, args []string) {
	srv := ts.Value("sts").(*ststest.Server)
	if len(args) == 0 {
		ts.Fatalf("usage: sts count|param|caller|fail|expire-all|reset ...")
	}
	last := func(action string) ststest.Call {
		calls := srv.Calls()
		for i := len(calls) - 1; i >= 0; i-- {
			if calls[i].Action == action {
				return calls[i]
			}
		}
		ts.Fatalf("no %s call", action)
		return ststest.Call{}
	}
	check := func(ok bool, format string, a ...any) {
		if ok == neg {
			ts.Fatalf(format+" (negated: %v)", append(a, neg)...)
		}
	}
	switch args[0] {
	case "count":
		action := args[1]
		if action == "any" {
			action = ""
		}
		want, _ := strconv.Atoi(args[2])
		got := srv.CallCount(action)
		check(got == want, "%s calls: %d, want %d; calls: %s", args[1], got, want, describe(srv.Calls()))
	case "param":
		got := last(args[1]).Params.Get(args[2])
		check(got == args[3], "%s %s = %q, want %q", args[1], args[2], got, args[3])
	case "caller":
		got := last(args[1]).AccessKeyID
		check(got == args[2], "%s signed by %s, want %s", args[1], got, args[2])
	case "fail":
		f := ststest.Fault{Action: args[1], Code: args[2]}
		if len(args) > 3 {
			f.Times, _ = strconv.Atoi(args[3])
		}
		if len(args) > 4 {
			f.Delay, _ = time.ParseDuration(args[4])
		}
		srv.Fail(f)
	case "clear-faults":
		srv.ClearFaults()
	case "expire-all":
		srv.ExpireAll()
	case "reset":
		srv.ResetCalls()
	default:
		ts.Fatalf("sts: unknown subcommand %s", args[0])
	}
}

func describe(calls []ststest.Call) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "%s(%s)%s ", c.Action, c.AccessKeyID, map[bool]string{true: "", false: "!" + c.Err}[c.Err == ""])
	}
	return b.String()
}
