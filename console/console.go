// Package console signs in to the AWS console with temporary credentials,
// through the AWS federation endpoint: getSigninToken trades the
// credentials for a sign-in token, and the login URL trades the token for
// a console session. The URL is a secret while the token lives (15
// minutes): whoever opens it is signed in.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/aws-runas/aws-runas/internal/endpoint"
)

// EnvFederationURL overrides the federation endpoint (for tests).
const EnvFederationURL = "AWS_RUNAS_FEDERATION_URL"

// Partition hosts: the sign-in (federation) host and the console host.
var hosts = map[string][2]string{
	"aws":        {"signin.aws.amazon.com", "console.aws.amazon.com"},
	"aws-cn":     {"signin.amazonaws.cn", "console.amazonaws.cn"},
	"aws-us-gov": {"signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"},
}

// Partition is the partition of a role ARN, else of a region name.
func Partition(arn, region string) (string, error) {
	if p, ok := strings.CutPrefix(arn, "arn:"); ok {
		p, _, _ = strings.Cut(p, ":")
		if _, known := hosts[p]; !known {
			return "", fmt.Errorf("partition %q: the console is known for aws, aws-cn and aws-us-gov only", p)
		}
		return p, nil
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn", nil
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov", nil
	}
	return "aws", nil
}

// Options say where to sign in.
type Options struct {
	Partition   string // aws (default), aws-cn, aws-us-gov
	Region      string // the console's region; "" for the console's choice
	Destination string // a console path such as /s3/home; "" for the home page
	// FederationURL replaces the partition's endpoint; https, or http to
	// this machine only.
	FederationURL string
	Issuer        string // shown by AWS as where the user came from
	HTTPClient    *http.Client
}

func (o Options) endpoint() (string, error) {
	p := o.Partition
	if p == "" {
		p = "aws"
	}
	h, ok := hosts[p]
	if !ok {
		return "", fmt.Errorf("partition %q: the console is known for aws, aws-cn and aws-us-gov only", p)
	}
	if o.FederationURL == "" {
		return "https://" + h[0] + "/federation", nil
	}
	u, err := url.Parse(o.FederationURL)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!endpoint.Secure(u) {
		return "", fmt.Errorf("%s: want an https URL (http only to this machine) without query", EnvFederationURL)
	}
	return o.FederationURL, nil
}

// destination is the console URL to land on.
func (o Options) destination() (string, error) {
	p := o.Partition
	if p == "" {
		p = "aws"
	}
	path := o.Destination
	if path == "" {
		path = "/console/home"
	}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "\\\x00\r\n#") {
		return "", fmt.Errorf("--destination %q: want a console path such as /s3/home", path)
	}
	u, err := url.Parse("https://" + hosts[p][1] + path)
	if err != nil {
		return "", fmt.Errorf("--destination %q: %v", path, err)
	}
	if o.Region != "" {
		q := u.Query()
		q.Set("region", o.Region)
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// SigninURL gets a sign-in token for c, which must be a role's or a
// federated user's credentials (AWS refuses GetSessionToken's), and
// returns the login URL.
func SigninURL(ctx context.Context, c aws.Credentials, o Options) (string, error) {
	endpoint, err := o.endpoint()
	if err != nil {
		return "", err
	}
	dest, err := o.destination()
	if err != nil {
		return "", err
	}
	session, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error quotes the URL, which holds the credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("federation endpoint %s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("federation endpoint %s: getSigninToken: %s (role credentials or GetFederationToken's are needed)", endpoint, resp.Status)
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("federation endpoint %s: getSigninToken: the answer holds no SigninToken", endpoint)
	}
	issuer := o.Issuer
	if issuer == "" {
		issuer = "aws-runas"
	}
	login := url.Values{"Action": {"login"}, "Issuer": {issuer}, "Destination": {dest}, "SigninToken": {out.SigninToken}}
	return endpoint + "?" + login.Encode(), nil
}

// allowAll is the session policy of GetFederationToken: without one the
// federated user may do nothing; with it, what the IAM user may do.
const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// FederationToken turns an IAM user's long-term keys into credentials the
// federation endpoint accepts. name is cut to STS's 32 characters of
// [\w+=,.@-].
func FederationToken(ctx context.Context, client *sts.Client, name string, d time.Duration) (aws.Credentials, error) {
	in := &sts.GetFederationTokenInput{Name: aws.String(federatedName(name)), Policy: aws.String(allowAll)}
	if d > 0 {
		in.DurationSeconds = aws.Int32(int32(d / time.Second))
	}
	out, err := client.GetFederationToken(ctx, in)
	if err != nil {
		return aws.Credentials{}, err
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration)}, nil
}

func federatedName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	n := b.String()
	if len(n) > 32 {
		n = n[:32]
	}
	if len(n) < 2 {
		n = "aws-runas"
	}
	return n
}
