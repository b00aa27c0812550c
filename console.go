package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws-runas/aws-runas/console"
	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/browser"
	"github.com/aws-runas/aws-runas/internal/termtext"
)

// console is --console: role credentials as they are, or for a session
// token only (-n, or a profile without a role) a federation token made
// from the long-term keys (STS gives none for a session token, and the
// federation endpoint refuses session tokens); then a sign-in URL, printed
// or opened.
func (a *app) console(ctx context.Context, prov *creds.Provider, inv *invocation) error {
	o := &inv.opts
	var c aws.Credentials
	var roleARN, region string
	if federate, base, err := a.consoleNeedsFederation(prov, inv); err != nil {
		return err
	} else if federate {
		if base.AccessKeyID == "" || base.SecretAccessKey == "" || base.SessionToken != "" {
			return fmt.Errorf("profile %q: --console without a role needs an IAM user's long-term keys in the profile (GetFederationToken); use a role profile instead", base.Name)
		}
		clients, err := prov.Clients(base)
		if err != nil {
			return err
		}
		region = clients.Region
		client := clients.With(aws.Credentials{AccessKeyID: base.AccessKeyID, SecretAccessKey: base.SecretAccessKey})
		a.debug("GetFederationToken for profile %q", base.Name)
		if c, err = console.FederationToken(ctx, client, "aws-runas-"+base.Name, inv.req.SessionDuration); err != nil {
			return fmt.Errorf("profile %q: GetFederationToken: %s", base.Name, termtext.Escape(err.Error()))
		}
	} else {
		res, err := prov.Get(ctx, inv.req)
		if err != nil {
			return err
		}
		c, roleARN, region = res.Credentials, res.RoleARN, res.Region
	}
	region = firstOf(o.Region, region)
	partition, err := console.Partition(roleARN, region)
	if err != nil {
		return err
	}
	u, err := console.SigninURL(ctx, c, console.Options{Partition: partition, Region: region, Destination: o.Destination,
		FederationURL: a.getenv(console.EnvFederationURL)})
	if err != nil {
		return err
	}
	if o.PrintURL {
		fmt.Fprintln(a.stderr, "aws-runas: the sign-in URL on stdout is a secret: whoever opens it within 15 minutes is signed in")
		_, err := fmt.Fprintln(a.stdout, u)
		return err
	}
	return browser.Open(ctx, u, a.getenv, a.environ())
}

// consoleNeedsFederation says whether the credentials asked for are a
// session token, which the console cannot take, and returns the base
// profile whose keys make a federation token instead.
func (a *app) consoleNeedsFederation(prov *creds.Provider, inv *invocation) (bool, *config.Profile, error) {
	if strings.HasPrefix(inv.profile, "arn:") {
		return false, nil, nil
	}
	ch, err := prov.Config.Resolve(inv.profile)
	if err != nil {
		return false, nil, err
	}
	if len(ch.Roles) > 0 && !inv.req.NoRole {
		return false, nil, nil
	}
	return true, ch.Base, nil
}
