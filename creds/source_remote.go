package creds

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
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
