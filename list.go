package main

import (
	"fmt"

	"github.com/aws-runas/aws-runas/creds/config"
)

// list is -l: the profile names of the config files, one a line, for
// completion and scripts.
func (a *app) list(cfg *config.Config) error {
	for _, n := range cfg.Names() {
		if _, err := fmt.Fprintln(a.stdout, n); err != nil {
			return err
		}
	}
	return nil
}
