package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

const testSerial = "arn:aws:iam::123456789012:mfa/alice"

// noTTY is a Prompter's terminal where there is none.
func noTTY() (io.Reader, io.Writer, func(), error) { return nil, nil, nil, errors.New("no terminal") }

// TestMain doubles as the small program the terminal and setsid tests
// run: with PROMPT_HELPER set it asks one question with a Prompter made by
// New, as aws-runas will, and prints the answer or the error.
func TestMain(m *testing.M) {
	if mode := os.Getenv("PROMPT_HELPER"); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

func helper(mode string) int {
	p, err := New("", false, nil, os.Stderr)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	prof := Profile{Name: "prod", MFAProcess: os.Getenv("PROMPT_HELPER_MFA_PROCESS")}
	start := time.Now()
	var answer string
	switch mode {
	case "code":
		answer, err = p.Code(context.Background(), Code{Profile: prof, Device: testSerial})
	case "password":
		answer, err = p.Password(context.Background(), Password{Profile: prof, For: "carol", Host: "idp.example.com"})
	}
	elapsed := time.Since(start)
	if err != nil {
		fmt.Printf("error: %v\nno-one=%v elapsed=%s\n", err, errors.Is(err, ErrNoOneToAsk), elapsed)
		return 3
	}
	fmt.Printf("answer=%s\n", answer)
	return 0
}
