package main

import (
	"fmt"

	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/termtext"
)

// list is -l: the profile names of the config files, one a line, for
// completion and scripts; a control character in a name is shown escaped.
func (a *app) list(cfg *config.Config) error {
	for _, n := range cfg.Names() {
		if _, err := fmt.Fprintln(a.stdout, termtext.Escape(n)); err != nil {
			return err
		}
	}
	return nil
}
