// Package awssts is STS as aws-runas calls it, for the credential flows
// and the sign-on providers alike: clients built without the SDK's default
// loader, the time bound of a call, what STS's errors mean, and the syntax
// of the names it takes.
package awssts

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithy "github.com/aws/smithy-go"

	"github.com/aws-runas/aws-runas/internal/endpoint"
)

// DefaultTimeout bounds one STS operation, the SDK's retries included.
const DefaultTimeout = 30 * time.Second

// Clients builds SDK clients for one region and endpoint. aws-runas
// builds sts.Options itself rather than calling config.LoadDefaultConfig:
// it has already read the profile, and the default loader links and
// initialises much more than the warm path can afford.
type Clients struct {
	Region   string
	Endpoint string
}

// With is a client that signs with cr.
func (c Clients) With(cr aws.Credentials) *sts.Client {
	o := sts.Options{
		Region:      cmp.Or(c.Region, "us-east-1"),
		Credentials: credentials.StaticCredentialsProvider{Value: cr},
		// The SDK's standard retryer: backoff with jitter on throttling
		// and transient faults, 3 attempts.
		Retryer:    retry.NewStandard(),
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	}
	if c.Endpoint != "" {
		o.BaseEndpoint = aws.String(c.Endpoint)
	}
	return sts.New(o)
}

// Call runs one STS operation within timeout, DefaultTimeout when 0.
func Call[T any](ctx context.Context, timeout time.Duration, op func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(timeout, DefaultTimeout))
	defer cancel()
	return op(ctx)
}

// Credentials are the credentials of an STS answer, none for nil.
func Credentials(c *types.Credentials) aws.Credentials {
	if c == nil {
		return aws.Credentials{}
	}
	exp := aws.ToTime(c.Expiration).UTC()
	return aws.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		CanExpire:       !exp.IsZero(),
		Expires:         exp,
	}
}

// Seconds is d as STS's DurationSeconds.
func Seconds(d time.Duration) *int32 { s := int32(d / time.Second); return &s }

// Error turns an SDK error into one sentence that says what failed and,
// where it is known, what to do. STS messages carry no secrets; the SDK's
// wrapping (request IDs, HTTP details) is left out.
func Error(op, profile string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorMessage()
		hint := ""
		switch ae.ErrorCode() {
		case "ExpiredToken":
			hint = " (the credentials used have expired; run again with -r)"
		case "SignatureDoesNotMatch":
			if strings.Contains(msg, "Signature expired") || strings.Contains(msg, "expired") {
				hint = " (is this machine's clock wrong?)"
			} else {
				hint = " (check the secret access key)"
			}
		case "InvalidClientTokenId":
			hint = " (check the access key id)"
		case "Throttling", "ThrottlingException", "RequestLimitExceeded":
			hint = " (STS is throttling requests; try again shortly)"
		}
		return fmt.Errorf("profile %q: %s: %s: %s%s", profile, op, ae.ErrorCode(), msg, hint)
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &certErr):
		return fmt.Errorf("profile %q: %s: the STS endpoint's TLS certificate is not trusted: %v", profile, op, certErr.Err)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("profile %q: %s: cannot resolve STS endpoint host %s", profile, op, dnsErr.Name)
	case errors.Is(err, context.DeadlineExceeded) || IsTimeout(err):
		return fmt.Errorf("profile %q: %s: STS did not answer within %s", profile, op, DefaultTimeout)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("profile %q: %s: cannot reach STS: %v", profile, op, opErr)
	}
	return fmt.Errorf("profile %q: %s: %w", profile, op, err)
}

// IsTimeout says whether err is a network timeout.
func IsTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// IsCode says whether err is an API error with one of codes.
func IsCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// Bounds of the durations, from the STS API reference.
var (
	SessionBounds = [2]time.Duration{15 * time.Minute, 36 * time.Hour}
	RoleBounds    = [2]time.Duration{15 * time.Minute, 12 * time.Hour}
)

// CheckEndpoint refuses an STS endpoint that would send signed requests,
// and the credentials STS answers with, across the network in the clear:
// https, or http to this machine only (a local test server). from names
// where the URL was set, for the error.
func CheckEndpoint(raw, from string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("STS endpoint %s (%s) is not a URL such as https://sts.eu-west-1.amazonaws.com", raw, from)
	}
	switch {
	case endpoint.Secure(u):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("STS endpoint %s (%s) is plain http to a host off this machine: use https (http is accepted only for localhost, 127.0.0.0/8 and ::1)", u.Redacted(), from)
	}
	return fmt.Errorf("STS endpoint %s (%s): use https", u.Redacted(), from)
}
