package shells

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/aws-runas/aws-runas/internal/testtool"
)

func TestShellForProgram(t *testing.T) {
	for in, want := range map[string]string{
		"bash": "bash", "-bash": "bash", "/bin/bash": "bash", "/usr/local/bin/zsh": "zsh", "-zsh": "zsh",
		"sh": "sh", "dash": "sh", "-dash": "sh", "ash": "sh", "busybox": "sh", "/bin/busybox": "sh",
		"ksh": "sh", "ksh93": "sh", "mksh": "sh", "-ksh": "sh", "posh": "sh", "yash": "sh",
		"fish": "fish", "/opt/homebrew/bin/fish": "fish",
		"pwsh": "powershell", "powershell": "powershell", "pwsh.exe": "powershell", "powershell.exe": "powershell",
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`: "powershell",
		"PowerShell.EXE":                        "powershell",
		`C:\Program Files\Git\usr\bin\bash.exe`: "bash",
		// not shells aws-runas knows
		"tcsh": "", "csh": "", "make": "", "sudo": "", "aws-runas": "", "cmd.exe": "", "bash-completion": "", "": "",
		"nu": "nu", "/usr/local/bin/nu": "nu", "nushell": "nu", "nu.exe": "nu",
	} {
		if got := ShellForProgram(in); got != want {
			t.Errorf("ShellForProgram(%q) = %q, want %q", in, got, want)
		}
	}
}

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func parents(names ...string) func() []string { return func() []string { return names } }

func TestDetectOrder(t *testing.T) {
	for _, c := range []struct {
		name   string
		env    map[string]string
		parent []string
		want   string
	}{
		{"AWS_RUNAS_SHELL first", map[string]string{"AWS_RUNAS_SHELL": "zsh", "SHELL": "/bin/bash"}, []string{"bash"}, "zsh"},
		{"AWS_RUNAS_SHELL a path", map[string]string{"AWS_RUNAS_SHELL": "/usr/bin/dash"}, []string{"bash"}, "sh"},
		{"parent", map[string]string{"SHELL": "/bin/zsh"}, []string{"bash"}, "bash"},
		{"login shell parent", map[string]string{"SHELL": "/bin/zsh"}, []string{"-bash"}, "bash"},
		{"busybox parent by exe", map[string]string{"SHELL": "/bin/zsh"}, []string{"weird-applet", "/bin/busybox"}, "sh"},
		{"ksh parent", map[string]string{"SHELL": "/bin/bash"}, []string{"ksh"}, "sh"},
		{"nu parent", map[string]string{"SHELL": "/bin/bash"}, []string{"nu", "/home/u/.cargo/bin/nu"}, "nu"},
		{"parent not a shell", map[string]string{"SHELL": "/usr/bin/zsh"}, []string{"make", "/usr/bin/make"}, "zsh"},
		{"no parent", map[string]string{"SHELL": "/bin/bash"}, nil, "bash"},
		{"SHELL not known", map[string]string{"SHELL": "/bin/tcsh"}, []string{"sudo"}, "sh"},
		{"nothing", map[string]string{}, nil, "sh"},
		// The wrapper's private pair comes first, over the user's own AWS_RUNAS_SHELL.
		{"wrapper's shell first", map[string]string{"__AWS_RUNAS_EVAL_FILE": "/tmp/x", "__AWS_RUNAS_EVAL_SHELL": "bash", "AWS_RUNAS_SHELL": "fish"}, []string{"zsh"}, "bash"},
		{"wrapper's shell, no AWS_RUNAS_SHELL", map[string]string{"__AWS_RUNAS_EVAL_FILE": "/tmp/x", "__AWS_RUNAS_EVAL_SHELL": "pwsh", "SHELL": "/bin/bash"}, []string{"bash"}, "powershell"},
		{"eval file without its shell", map[string]string{"__AWS_RUNAS_EVAL_FILE": "/tmp/x", "AWS_RUNAS_SHELL": "fish"}, []string{"zsh"}, "fish"},
		{"eval file alone", map[string]string{"__AWS_RUNAS_EVAL_FILE": "/tmp/x"}, []string{"zsh"}, "zsh"},
		// Without the file, the eval shell is nothing to aws-runas.
		{"eval shell without its file", map[string]string{"__AWS_RUNAS_EVAL_SHELL": "bash", "AWS_RUNAS_SHELL": "fish"}, []string{"zsh"}, "fish"},
		{"eval shell without its file, nothing else", map[string]string{"__AWS_RUNAS_EVAL_SHELL": "bash"}, []string{"zsh"}, "zsh"},
	} {
		d, err := detect(env(c.env), parents(c.parent...))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if d.Name() != c.want {
			t.Errorf("%s: %s, want %s", c.name, d.Name(), c.want)
		}
	}
}

func TestDetectUnknownAWSRunasShell(t *testing.T) {
	for _, v := range []string{"tcsh", "bsh", "elvish", "bash;id"} {
		d, err := detect(env(map[string]string{"AWS_RUNAS_SHELL": v, "SHELL": "/bin/bash"}), parents("bash"))
		if err == nil {
			t.Errorf("AWS_RUNAS_SHELL=%s: got %s, want an error", v, d.Name())
		} else if !strings.Contains(err.Error(), "AWS_RUNAS_SHELL") {
			t.Errorf("AWS_RUNAS_SHELL=%s: error %q does not name the variable", v, err)
		}
	}
}

func TestDetectUnknownEvalShell(t *testing.T) {
	d, err := detect(env(map[string]string{"__AWS_RUNAS_EVAL_FILE": "/tmp/x", "__AWS_RUNAS_EVAL_SHELL": "tcsh", "AWS_RUNAS_SHELL": "bash"}), parents("bash"))
	if err == nil {
		t.Errorf("__AWS_RUNAS_EVAL_SHELL=tcsh: got %s, want an error", d.Name())
	} else if !strings.Contains(err.Error(), "__AWS_RUNAS_EVAL_SHELL") {
		t.Errorf("__AWS_RUNAS_EVAL_SHELL=tcsh: error %q does not name the variable", err)
	}
}

// TestDetectHelper is the child of TestDetectParentProcess: it prints the
// dialect Detect finds for its own parent.
func TestDetectHelper(t *testing.T) {
	if os.Getenv("AWS_RUNAS_DETECT_HELPER") != "1" {
		return // only as the child of TestDetectParentProcess
	}
	d, err := Detect(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("DIALECT=" + d.Name() + "\n")
}

// TestDetectParentProcess starts this test binary from real shells and
// checks it finds the shell that started it, not $SHELL.
func TestDetectParentProcess(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("parent detection is tested on Linux and macOS")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prog  string
		args  []string
		shell string // $SHELL, a different shell, so a fallback would show
		want  string
	}{
		{"bash", []string{"--norc", "--noprofile", "-c"}, "/bin/zsh", "bash"},
		{"zsh", []string{"-f", "-c"}, "/bin/bash", "zsh"},
		{"dash", []string{"-c"}, "/bin/zsh", "sh"},
	} {
		c := c
		t.Run(c.prog, func(t *testing.T) {
			t.Parallel()
			q, _ := posixQuote(exe)
			// "; :" after the command keeps the shell from exec'ing it in
			// its own place: the shell stays the parent.
			script := q + " -test.run='^TestDetectHelper$' -test.v=false; :"
			argv := append(append([]string{testtool.Require(t, c.prog)}, c.args...), script)
			r := runArgv(t, argv, []string{"AWS_RUNAS_DETECT_HELPER=1", "SHELL=" + c.shell, "PATH=" + os.Getenv("PATH")}, "")
			if !strings.Contains(r.stdout, "DIALECT="+c.want+"\n") {
				t.Errorf("started from %s: %q (stderr %q), want DIALECT=%s", c.prog, r.stdout, r.stderr, c.want)
			}
		})
	}
}
