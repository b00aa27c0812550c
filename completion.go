package main

import (
	"fmt"

	"github.com/aws-runas/aws-runas/completions"
)

// completion is `aws-runas completion SHELL`: the completion script alone,
// for packagers (init SHELL includes it).
func (a *app) completion(shell string) error {
	s, err := completions.Script(shell)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(a.stdout, s)
	return err
}
