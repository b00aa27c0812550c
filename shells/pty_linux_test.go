package shells

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// ttyPath opens a pseudo-terminal for the test and returns the path of its
// terminal side: what a test script redirects stdout to where the wrapper
// must see a terminal (`aws-runas prod >"$__T_TTY"`). What is written there
// is read and dropped until the test ends.
func ttyPath(t testing.TB) string {
	t.Helper()
	m, s := openPTY(t)
	// The terminal side stays open here too, so that the terminal lives
	// between the script's redirections.
	t.Cleanup(func() { m.Close(); s.Close() })
	go io.Copy(io.Discard, m)
	return s.Name()
}

// openPTY opens a pseudo-terminal: its controlling side and its terminal
// side.
func openPTY(t testing.TB) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open the terminal side: %v", err)
	}
	// No CR before each LF: the output reads as it was written.
	if tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS); err == nil {
		tio.Oflag &^= unix.ONLCR
		_ = unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio)
	}
	return m, s
}

// startWithTTYStdout starts cmd with its stdout a terminal and returns a
// function that waits for it and gives back what it wrote there.
func startWithTTYStdout(t testing.TB, cmd *exec.Cmd) func() (string, error) {
	t.Helper()
	m, s := openPTY(t)
	cmd.Stdout = s
	if err := cmd.Start(); err != nil {
		m.Close()
		s.Close()
		t.Fatal(err)
	}
	s.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, m) // ends with EIO once every copy of the terminal side is closed
		close(done)
	}()
	return func() (string, error) {
		err := cmd.Wait()
		<-done
		m.Close()
		return out.String(), err
	}
}
