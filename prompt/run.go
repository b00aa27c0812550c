package prompt

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// result is how a program run by run ended.
type result struct {
	out      []byte // stdout, at most maxOutput bytes
	exitCode int    // -1: killed, or did not start
	timedOut bool
	err      error // the program did not start, or failed to run
}

const maxOutput = 4096

// run runs argv with the Prompter's environment, stdout captured, stderr
// to stderr (nil: discarded), stdin empty, for at most the timeout. At the
// timeout, or when ctx ends, the program's whole process group is killed,
// and a child that still holds stdout open is not waited for.
func (p *Prompter) run(ctx context.Context, argv []string, stderr io.Writer) result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = p.env()
	out := &capped{max: maxOutput}
	cmd.Stdout = out
	cmd.Stderr = stderr
	setGroup(cmd)
	// After the program exits (or is killed), pipes still held by a child
	// are closed this much later.
	cmd.WaitDelay = 500 * time.Millisecond
	err := cmd.Run()
	killGroup(cmd)
	r := result{out: out.b, exitCode: -1}
	if cmd.ProcessState != nil {
		r.exitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		r.timedOut = true
	case ctx.Err() != nil:
		r.err = ctx.Err()
	case errors.Is(err, exec.ErrWaitDelay):
		// The program exited; a child of it kept stdout open: its answer
		// is whole.
	case err != nil:
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			r.err = err
		}
	}
	return r
}

// capped keeps the first max bytes written to it.
type capped struct {
	b   []byte
	max int
}

func (c *capped) Write(b []byte) (int, error) {
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

// lookPath finds a program on the Prompter's PATH.
func (p *Prompter) lookPath(name string) (string, error) {
	if runtime.GOOS == "windows" || p.Env == nil {
		return exec.LookPath(name)
	}
	for _, dir := range filepath.SplitList(p.getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		f := filepath.Join(dir, name)
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}
