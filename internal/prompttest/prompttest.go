// Package prompttest answers the questions of the credential flows in
// tests of those flows, in place of a *prompt.Prompter.
package prompttest

import (
	"context"
	"fmt"

	"github.com/aws-runas/aws-runas/prompt"
)

// Answers is a signon.Prompter whose answers are functions; a question
// without one fails with prompt.ErrNoOneToAsk, as a real Prompter does
// with no one to ask.
type Answers struct {
	CodeFunc     func(ctx context.Context, q prompt.Code) (string, error)
	PasswordFunc func(ctx context.Context, q prompt.Password) (string, error)
	ChooseFunc   func(ctx context.Context, q prompt.Choice) (int, error)
	// NonInteractive is --non-interactive.
	NonInteractive bool
}

func noOne(what string) error {
	return &prompt.Error{Kind: prompt.ErrNoOneToAsk, Msg: fmt.Sprintf("%s is needed, but the test gives none", what)}
}

func (a *Answers) Code(ctx context.Context, q prompt.Code) (string, error) {
	if a.CodeFunc == nil {
		return "", noOne("an MFA code for " + q.Device)
	}
	return a.CodeFunc(ctx, q)
}

func (a *Answers) Password(ctx context.Context, q prompt.Password) (string, error) {
	if a.PasswordFunc == nil || a.NonInteractive {
		return "", noOne("the password of " + q.For)
	}
	return a.PasswordFunc(ctx, q)
}

func (a *Answers) Choose(ctx context.Context, q prompt.Choice) (int, error) {
	if a.ChooseFunc == nil || a.NonInteractive {
		return 0, noOne("a choice")
	}
	return a.ChooseFunc(ctx, q)
}

func (a *Answers) Notify(ctx context.Context, q prompt.Notice) {}

func (a *Answers) Interactive() bool { return !a.NonInteractive }

// Terminal is false: the answers come from functions.
func (a *Answers) Terminal() bool { return false }
