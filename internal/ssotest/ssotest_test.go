package ssotest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/aws-runas/aws-runas/internal/ssotest"
	"github.com/aws-runas/aws-runas/internal/ststest"
)

var accounts = []ssotest.Account{
	{ID: "111111111111", Name: "prod", Email: "prod@example.com", Roles: []string{"Admin", "ReadOnly"}},
	{ID: "222222222222", Name: "dev", Email: "dev@example.com", Roles: []string{"Admin"}},
	{ID: "333333333333", Name: "audit", Email: "audit@example.com", Roles: []string{"ReadOnly"}},
}

func setup(t *testing.T) (*ssotest.Server, *ststest.Server, *ssotest.Clock, *ssooidc.Client, *sso.Client) {
	stsSrv := ststest.NewTest(t)
	clock := ssotest.NewClock(time.Now())
	srv := ssotest.NewTest(t, ssotest.Config{Accounts: accounts, STS: stsSrv, Now: clock.Now, PageSize: 2})
	oc := ssooidc.New(ssooidc.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.OIDCURL), Retryer: aws.NopRetryer{}})
	pc := sso.New(sso.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.PortalURL), Retryer: aws.NopRetryer{}})
	return srv, stsSrv, clock, oc, pc
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestDeviceFlowAndPortal(t *testing.T) {
	srv, stsSrv, clock, oc, pc := setup(t)
	ctx := context.Background()
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: aws.String("wrong"), StartUrl: aws.String(srv.StartURL())}); code(err) != "InvalidClientException" {
		t.Fatalf("wrong secret: %v", err)
	}
	dev, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(srv.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		return oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(ssotest.GrantDeviceCode), DeviceCode: dev.DeviceCode})
	}
	var pending *oidctypes.AuthorizationPendingException
	if _, err := poll(); !errors.As(err, &pending) {
		t.Fatalf("before approval: %v", err)
	}
	if _, err := poll(); code(err) != "SlowDownException" {
		t.Fatalf("polling at once again: %v", err)
	}
	if err := ssotest.ApproveDevice(ctx, nil, *dev.VerificationUri, *dev.UserCode, true); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Duration(dev.Interval) * time.Second)
	tok, err := poll()
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == nil || tok.ExpiresIn != 3600 || srv.Logins() != 1 {
		t.Fatalf("token: refresh %v, expires in %d, logins %d", tok.RefreshToken != nil, tok.ExpiresIn, srv.Logins())
	}
	if _, err := poll(); code(err) != "InvalidGrantException" {
		t.Fatalf("device code used twice: %v", err)
	}

	// Pagination through the SDK's paginators.
	var names []string
	for p := sso.NewListAccountsPaginator(pc, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.AccountList {
			names = append(names, *a.AccountName)
		}
	}
	if strings.Join(names, ",") != "prod,dev,audit" || srv.Count("ListAccounts", "", "", "") != 2 {
		t.Fatalf("accounts %v in %d pages", names, srv.Count("ListAccounts", "", "", ""))
	}

	rc, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String("111111111111"), RoleName: aws.String("Admin")})
	if err != nil {
		t.Fatal(err)
	}
	c := rc.RoleCredentials
	id, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(stsSrv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)}).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_"; !strings.HasPrefix(*id.Arn, want) || !strings.HasSuffix(*id.Arn, "/alice@example.com") {
		t.Fatalf("caller %s", *id.Arn)
	}
	if d := time.UnixMilli(c.Expiration).Sub(time.Now()); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("role credentials expire in %s", d)
	}
	if _, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String("222222222222"), RoleName: aws.String("ReadOnly")}); code(err) != "ForbiddenException" {
		t.Fatalf("unassigned role: %v", err)
	}

	// The access token expires; the refresh token gets a new one, once.
	clock.Advance(time.Hour)
	if _, err := pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); code(err) != "UnauthorizedException" {
		t.Fatalf("expired access token: %v", err)
	}
	refresh := func(rt *string) (*ssooidc.CreateTokenOutput, error) {
		return oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("refresh_token"), RefreshToken: rt})
	}
	tok2, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := refresh(tok.RefreshToken); code(err) != "InvalidGrantException" {
		t.Fatalf("refresh token used twice: %v", err)
	}
	if srv.TokenCalls("refresh_token") != 2 {
		t.Fatalf("refresh calls %d", srv.TokenCalls("refresh_token"))
	}

	// Logout ends the session: its access and refresh tokens.
	if _, err := pc.Logout(ctx, &sso.LogoutInput{AccessToken: tok2.AccessToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok2.AccessToken}); code(err) != "UnauthorizedException" {
		t.Fatalf("after logout: %v", err)
	}
	if _, err := refresh(tok2.RefreshToken); code(err) != "InvalidGrantException" {
		t.Fatalf("refresh after logout: %v", err)
	}
}

func TestSessionAndRegistrationExpire(t *testing.T) {
	srv, _, clock, oc, _ := setup(t)
	ctx := context.Background()
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(srv.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	if err := ssotest.ApproveDevice(ctx, nil, *dev.VerificationUriComplete, "", true); err != nil {
		t.Fatal(err)
	}
	tok, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String(ssotest.GrantDeviceCode), DeviceCode: dev.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(8 * time.Hour)
	if _, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken}); code(err) != "InvalidGrantException" {
		t.Fatalf("refresh after the session: %v", err)
	}
	clock.Advance(90 * 24 * time.Hour)
	if _, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(srv.StartURL())}); code(err) != "InvalidClientException" {
		t.Fatalf("expired registration: %v", err)
	}
}

// The authorization code flow: PKCE is checked, the code is single-use and
// bound to the redirect URI.
func TestAuthorizationCodeFlow(t *testing.T) {
	srv, _, _, oc, _ := setup(t)
	ctx := context.Background()
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(srv.StartURL())})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query()
		_, _ = w.Write([]byte("signed in"))
	}))
	defer cb.Close()
	redirect := cb.URL + "/oauth/callback"
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {*reg.ClientId}, "redirect_uri": {redirect}, "state": {"st8"},
		"code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "scopes": {"sso:account:access"}}
	body, err := ssotest.Authorize(ctx, nil, srv.OIDCURL+"/authorize?"+q.Encode(), true)
	if err != nil || body != "signed in" {
		t.Fatalf("authorize: %q %v", body, err)
	}
	v := <-got
	if v.Get("state") != "st8" || v.Get("code") == "" {
		t.Fatalf("callback %v", v)
	}
	token := func(verifier, redirect string) error {
		_, err := oc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("authorization_code"), Code: aws.String(v.Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
		return err
	}
	if err := token(strings.Repeat("w", 50), redirect); code(err) != "InvalidGrantException" {
		t.Fatalf("wrong verifier: %v", err)
	}
	if err := token(verifier, redirect); code(err) != "InvalidGrantException" {
		t.Fatalf("code used after a failed attempt: %v", err)
	}
	// A second sign-in, redeemed correctly.
	if _, err := ssotest.Authorize(ctx, nil, srv.OIDCURL+"/authorize?"+q.Encode(), true); err != nil {
		t.Fatal(err)
	}
	v = <-got
	if err := token(verifier, redirect); err != nil {
		t.Fatal(err)
	}
	// Deny, and a redirect URI that was not registered.
	if _, err := ssotest.Authorize(ctx, nil, srv.OIDCURL+"/authorize?"+q.Encode(), false); err != nil {
		t.Fatal(err)
	}
	if v := <-got; v.Get("error") != "access_denied" || v.Get("code") != "" {
		t.Fatalf("denied: %v", v)
	}
	q.Set("redirect_uri", "http://evil.example/oauth/callback")
	if _, err := ssotest.Authorize(ctx, nil, srv.OIDCURL+"/authorize?"+q.Encode(), true); err == nil {
		t.Fatal("foreign redirect URI accepted")
	}
	if srv.Logins() != 2 {
		t.Fatalf("logins %d", srv.Logins())
	}
}
