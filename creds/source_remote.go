package creds

import (
	"context"
	"fmt"
	"net"
	neturl "net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/aws-runas/aws-runas/internal/endpoint"
)

// containerOrInstanceCredentials asks the SDK's own providers for the
// credentials of the EC2 instance or the ECS task aws-runas runs in.
func containerOrInstanceCredentials(ctx context.Context, source string) (aws.Credentials, error) {
	var prov aws.CredentialsProvider
	switch source {
	case "Ec2InstanceMetadata":
		prov = ec2rolecreds.New()
	case "EcsContainer":
		url := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
		if rel := os.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
			url = "http://169.254.170.2" + rel
		}
		if url == "" {
			return aws.Credentials{}, fmt.Errorf("credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
		}
		if err := checkContainerURL(url); err != nil {
			return aws.Credentials{}, err
		}
		prov = endpointcreds.New(url, func(o *endpointcreds.Options) {
			o.AuthorizationToken = os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
		})
	}
	c, err := prov.Retrieve(ctx)
	if err != nil {
		return c, fmt.Errorf("credential_source %s: %v", source, err)
	}
	return c, nil
}

// checkContainerURL accepts a container credential endpoint where the AWS
// SDKs do: https anywhere, http only on this machine or at the ECS and EKS
// link-local hosts. Elsewhere the token and the credentials would cross
// the network in the clear.
func checkContainerURL(raw string) error {
	u, err := neturl.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		if endpoint.IsLoopback(h) {
			return nil
		}
		if ip := net.ParseIP(h); ip != nil {
			for _, ok := range []string{"169.254.170.2", "169.254.170.23", "fd00:ec2::23"} {
				if ip.Equal(net.ParseIP(ok)) {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI %s: use https; http is accepted only for loopback and the ECS/EKS hosts 169.254.170.2, 169.254.170.23 and fd00:ec2::23, as the AWS SDKs do", u.Redacted())
}
