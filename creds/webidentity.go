package creds

import (
	"context"
	"fmt"
	"time"
)

func (j *job) webIdentity(ctx context.Context, prof *Profile, duration time.Duration) (*entry, error) {
	return nil, fmt.Errorf("profile %q: web identity sign-in is not supported yet", prof.Name)
}
