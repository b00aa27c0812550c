package creds

import (
	"context"
	"fmt"
	"time"
)

func (j *job) saml(ctx context.Context, prof *Profile, duration time.Duration) (*entry, error) {
	return nil, fmt.Errorf("profile %q: SAML sign-in is not supported yet", prof.Name)
}
