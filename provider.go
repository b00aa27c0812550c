package main

import (
	"fmt"
	"time"

	"github.com/aws-runas/aws-runas/creds"
	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/termtext"
)

// loadConfig reads the config files of this call: those --renew recorded
// (what the credentials came from, wherever the shell is now), else those
// --path and the environment name.
func (a *app) loadConfig(inv *invocation) (config.Files, *config.Config, error) {
	var files config.Files
	var err error
	if inv.renew != nil {
		files = inv.renew.files()
	} else if files, err = config.LocateFiles(inv.opts.Path, a.getenv); err != nil {
		return files, nil, err
	}
	cfg, err := config.Load(files)
	return files, cfg, err
}

// provider puts the credential flows together for this process: the cache
// beside the config, and the prompter that asks for codes and passwords.
func (a *app) provider(files config.Files, cfg *config.Config, o *options) (*creds.Provider, error) {
	prov := &creds.Provider{Config: cfg, Cache: &cache.Cache{Dir: files.CacheDir(), Warn: a.warn, Debug: a.debug}, Getenv: a.getenv, Debug: a.debug, Now: runClock(a.getenv)}
	var err error
	if prov.Prompter, err = a.prompter(o); err != nil {
		return nil, err
	}
	if o.NonInteractive {
		prov.Cache.Wait = nonInteractiveLockWait
	}
	return prov, nil
}

// warn, debug and main's error messages are the sinks of stderr: text from
// files, IdPs and STS inside them is escaped there (termtext), once.
func (a *app) warn(msg string) { fmt.Fprintf(a.stderr, "aws-runas: %s\n", termtext.Escape(msg)) }

func (a *app) debug(format string, args ...any) {
	if a.verbose {
		fmt.Fprintf(a.stderr, "aws-runas: debug: %s\n", termtext.Escape(fmt.Sprintf(format, args...)))
	}
}

// nonInteractiveLockWait bounds how long --non-interactive (the prompt
// hook, scripts) waits for a run that holds the lock, perhaps at its MFA
// prompt in another terminal.
const nonInteractiveLockWait = 5 * time.Second
