package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws-runas/aws-runas/creds"
)

// whoami is -w: the identity STS gives the credentials (GetCallerIdentity),
// as JSON like `aws sts get-caller-identity`.
func (a *app) whoami(ctx context.Context, prov *creds.Provider, res *creds.Result) error {
	id, err := prov.Whoami(ctx, res)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(id, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}
