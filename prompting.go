package main

import (
	"errors"

	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon"
)

// checkPromptFlag refuses an unknown --prompt driver as a usage error.
func checkPromptFlag(o *options) error {
	if o.Prompt == "" {
		return nil
	}
	if _, err := prompt.Select(o.Prompt, "", "", ""); err != nil {
		return &usageError{err.Error()}
	}
	return nil
}

// prompter is how this run asks for MFA codes, passwords and choices:
// --prompt, else AWS_RUNAS_PROMPT, else each profile's mfa_prompt, else
// auto. Under --non-interactive it still runs an mfa_process or ykman.
func (a *app) prompter(o *options) (*prompt.Prompter, error) {
	return prompt.New(o.Prompt, o.NonInteractive, a.environ(), a.stderr)
}

// renewPrompter is the credential server's: renewals ask no person, but
// an mfa_process or ykman may still answer.
func renewPrompter(p signon.Prompter) signon.Prompter {
	pp, ok := p.(*prompt.Prompter)
	if !ok || pp == nil {
		return nil
	}
	c := *pp
	c.NonInteractive = true
	return &c
}

// noOneToAsk says that err is input needed where no one could be asked:
// exit 3 (contract §7). A cancelled prompt is an error like any other,
// exit 1.
func noOneToAsk(err error) bool { return errors.Is(err, prompt.ErrNoOneToAsk) }
