package main

import (
	"fmt"
	"time"

	"github.com/aws-runas/aws-runas/creds"
)

// expiration is -e: when the cached credentials of the request expire,
// without calling STS; nothing cached is an error.
func (a *app) expiration(prov *creds.Provider, inv *invocation) error {
	exp, ok, err := prov.Expiration(inv.req)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no cached credentials for %q", inv.profile)
	}
	_, err = fmt.Fprintln(a.stdout, exp.UTC().Format(time.RFC3339))
	return err
}
