package creds

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/childenv"
)

// baseCredentials are the credentials a chain starts from: the profile's
// keys, its credential_process, or its credential_source. Never the
// credentials already in the environment (unless credential_source says
// Environment): those may be ones aws-runas exported earlier.
func (p *Provider) baseCredentials(ctx context.Context, base *config.Profile) (aws.Credentials, error) {
	switch {
	case base.HasKeys():
		return aws.Credentials{AccessKeyID: base.AccessKeyID, SecretAccessKey: base.SecretAccessKey, SessionToken: base.SessionToken}, nil
	case base.CredentialProcess != "":
		// The SDK runs the command through the shell and checks its JSON,
		// exactly as every other AWS tool does.
		p.debug("profile %q: running its credential_process", base.Name)
		// Its environment holds no secret of aws-runas's (childenv).
		build := processcreds.DefaultNewCommandBuilder{Args: []string{base.CredentialProcess}}
		c, err := processcreds.NewProviderCommand(processcreds.NewCommandBuilderFunc(func(ctx context.Context) (*exec.Cmd, error) {
			cmd, err := build.NewCommand(ctx)
			if cmd != nil {
				cmd.Env = childenv.WithoutSecrets(cmd.Env)
			}
			return cmd, err
		})).Retrieve(ctx)
		if err != nil {
			return c, fmt.Errorf("profile %q: credential_process: %s", base.Name, processError(err))
		}
		return c, nil
	case base.CredentialSource != "":
		return p.credentialSource(ctx, base)
	}
	return aws.Credentials{}, fmt.Errorf("profile %q (%s) has no credentials", base.Name, base.Where)
}

// processError describes a credential_process failure without the
// process's output: the SDK quotes all of it when it cannot parse it, and
// that output holds the secret key.
func processError(err error) string {
	var pe *processcreds.ProviderError
	if errors.As(err, &pe) && pe.Err != nil {
		if strings.HasPrefix(pe.Err.Error(), "parse failed of process output") {
			return "its output is not the credential_process JSON (Version 1, AccessKeyId, SecretAccessKey, optional SessionToken and RFC 3339 Expiration)"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

func (p *Provider) credentialSource(ctx context.Context, base *config.Profile) (aws.Credentials, error) {
	switch base.CredentialSource {
	case "Environment":
		c := aws.Credentials{
			AccessKeyID:     p.getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: p.getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    p.getenv("AWS_SESSION_TOKEN"),
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return c, fmt.Errorf("profile %q: credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", base.Name)
		}
		return c, nil
	case "Ec2InstanceMetadata", "EcsContainer":
		return containerOrInstanceCredentials(ctx, base.CredentialSource)
	}
	return aws.Credentials{}, fmt.Errorf("profile %q (%s): credential_source %q is not one of Environment, Ec2InstanceMetadata, EcsContainer", base.Name, base.Where, base.CredentialSource)
}
