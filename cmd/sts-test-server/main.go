// Command sts-test-server runs aws-runas's local STS test server, for demos
// and manual testing without AWS. It prints its URL on the first line of
// stdout, logs each call (action and caller key ID, never secrets) on stderr,
// and runs until SIGINT or SIGTERM.
//
//	sts-test-server [-addr 127.0.0.1:0] [-seed FILE] [-role-lifetime D] [-sso]
//
// The federation endpoint (console sign-in) is at URL/federation.
//
// Without -seed it knows one demo user and two roles; see demoSeed. With
// -sso it also serves a demo IAM Identity Center (internal/ssotest) whose
// role credentials work on the STS side: the second and third lines of
// stdout are AWS_ENDPOINT_URL_SSO_OIDC=URL and AWS_ENDPOINT_URL_SSO=URL,
// the fourth the start URL.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws-runas/aws-runas/internal/ssotest"
	"github.com/aws-runas/aws-runas/internal/ststest"
)

// seed is the -seed file: {"users": [...], "roles": [...]}.
type seed struct {
	Users []struct {
		Name            string `json:"name"`
		Account         string `json:"account"`
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		MFASerial       string `json:"mfa_serial"`
		MFACode         string `json:"mfa_code"`
	} `json:"users"`
	Roles []struct {
		ARN string `json:"arn"`
		// Seconds, as IAM's MaxSessionDuration; 0 means 3600.
		MaxSessionDuration int    `json:"max_session_duration"`
		ExternalID         string `json:"external_id"`
		RequireMFA         bool   `json:"require_mfa"`
	} `json:"roles"`
}

// demoSeed is used without -seed. Its keys are public: they open nothing but
// this server.
const demoSeed = `{
  "users": [{
    "name": "demo",
    "account": "123456789012",
    "access_key_id": "AKIADEMO00000EXAMPLE",
    "secret_access_key": "demo/secret/key/for/the/sts/test/server0",
    "mfa_serial": "arn:aws:iam::123456789012:mfa/demo",
    "mfa_code": "123456"
  }],
  "roles": [
    {"arn": "arn:aws:iam::123456789012:role/admin", "max_session_duration": 43200, "require_mfa": true},
    {"arn": "arn:aws:iam::123456789012:role/readonly"}
  ]
}`

func main() {
	log.SetFlags(0)
	log.SetPrefix("sts-test-server: ")
	addr := flag.String("addr", "127.0.0.1:0", "`host:port` to listen on (port 0: any free port)")
	seedFile := flag.String("seed", "", "JSON `file` of users and roles (default: the built-in demo seed)")
	lifetime := flag.Duration("role-lifetime", 0, "cap the life of role and federation credentials, e.g. 60s, to watch aws-runas --server renew them (0: as asked)")
	withSSO := flag.Bool("sso", false, "serve a demo IAM Identity Center too")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*addr, *seedFile, *lifetime, *withSSO); err != nil {
		log.Fatal(err)
	}
}

func run(addr, seedFile string, lifetime time.Duration, withSSO bool) error {
	data := []byte(demoSeed)
	if seedFile != "" {
		var err error
		if data, err = os.ReadFile(seedFile); err != nil {
			return err
		}
	}
	users, roles, err := parseSeed(data)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	srv, err := ststest.StartAt(addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.SetLifetime(lifetime)
	for _, u := range users {
		srv.AddUser(u)
	}
	for _, r := range roles {
		srv.AddRole(r)
	}
	srv.OnCall(func(c ststest.Call) {
		result := "ok"
		if c.Err != "" {
			result = c.Err
		}
		log.Printf("%s %s key=%s %s", c.Time.Format(time.TimeOnly), c.Action, c.AccessKeyID, result)
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println(srv.URL)
	log.Printf("listening on %s with %d user(s) and %d role(s)", srv.URL, len(users), len(roles))
	if withSSO {
		sso, err := ssotest.Start(ssotest.Config{STS: srv, Accounts: []ssotest.Account{
			{ID: "123456789012", Name: "demo", Email: "demo@example.com", Roles: []string{"AdministratorAccess", "ReadOnlyAccess"}},
		}})
		if err != nil {
			return err
		}
		defer sso.Close()
		fmt.Printf("AWS_ENDPOINT_URL_SSO_OIDC=%s\nAWS_ENDPOINT_URL_SSO=%s\n%s\n", sso.OIDCURL, sso.PortalURL, sso.StartURL())
		log.Printf("IAM Identity Center: sign-in pages at %s, start URL %s", sso.OIDCURL, sso.StartURL())
	}
	<-ctx.Done()
	log.Print("shutting down")
	return nil
}

// parseSeed checks the whole seed before the server starts, so that a bad
// file is an error message rather than AddUser's panic.
func parseSeed(data []byte) ([]ststest.User, []ststest.Role, error) {
	var s seed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt "require_mfa" must not pass silently
	if err := dec.Decode(&s); err != nil {
		return nil, nil, err
	}
	var errs []error
	users := make([]ststest.User, 0, len(s.Users))
	for _, u := range s.Users {
		user := ststest.User{Name: u.Name, Account: u.Account, AccessKeyID: u.AccessKeyID,
			SecretAccessKey: u.SecretAccessKey, MFASerial: u.MFASerial, MFACode: u.MFACode}
		errs = append(errs, user.Validate())
		users = append(users, user)
	}
	roles := make([]ststest.Role, 0, len(s.Roles))
	for _, r := range s.Roles {
		role := ststest.Role{ARN: r.ARN, MaxSessionDuration: time.Duration(r.MaxSessionDuration) * time.Second,
			ExternalID: r.ExternalID, RequireMFA: r.RequireMFA}
		errs = append(errs, role.Validate())
		roles = append(roles, role)
	}
	return users, roles, errors.Join(errs...)
}
