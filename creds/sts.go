package creds

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithy "github.com/aws/smithy-go"
)

// DefaultTimeout bounds one STS operation, the SDK's retries included.
const DefaultTimeout = 30 * time.Second

// stsClients builds SDK clients for one region and endpoint. aws-runas
// builds sts.Options itself rather than calling config.LoadDefaultConfig:
// it has already read the profile, and the default loader links and
// initialises much more than the warm path can afford.
type stsClients struct {
	p        *Provider
	region   string
	endpoint string
}

func (c stsClients) with(cr aws.Credentials) *sts.Client {
	o := sts.Options{
		Region:      or(c.region, "us-east-1"),
		Credentials: credentials.StaticCredentialsProvider{Value: cr},
		// The SDK's standard retryer: backoff with jitter on throttling
		// and transient faults, 3 attempts.
		Retryer:    retry.NewStandard(),
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	}
	if c.endpoint != "" {
		o.BaseEndpoint = aws.String(c.endpoint)
	}
	return sts.New(o)
}

// call runs one STS operation within the provider's time bound.
func call[T any](ctx context.Context, p *Provider, op func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, or(p.Timeout, DefaultTimeout))
	defer cancel()
	return op(ctx)
}

func fromSTS(c *types.Credentials) *entry {
	if c == nil {
		return &entry{}
	}
	return &entry{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration).UTC(),
	}
}

// stsError turns an SDK error into one sentence that says what failed and,
// where it is known, what to do. STS messages carry no secrets; the SDK's
// wrapping (request IDs, HTTP details) is left out.
func stsError(op, profile string, err error) error {
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
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("profile %q: %s: STS did not answer within %s", profile, op, DefaultTimeout)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("profile %q: %s: cannot reach STS: %v", profile, op, opErr)
	}
	return fmt.Errorf("profile %q: %s: %w", profile, op, err)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
