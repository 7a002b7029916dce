// Command correlare is the nightly pipeline of the CORRELARE enrolment data
// for Lombardy's immigration observatory. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1 // the run failed, or validate found rows to quarantine
	exitUsage   = 2 // bad flags or config
	exitPartial = 3 // published, but some province kept its last good data
	exitBusy    = 4 // another run holds the lock
)

type cli struct {
	Log logFlags `embed:""`

	Init     initCmd     `cmd:"" help:"Write a commented example configuration."`
	Run      runCmd      `cmd:"" help:"Do one run: fetch, load, link, publish, export, report."`
	Validate validateCmd `cmd:"" help:"Check one workbook as the nightly run would, without touching the warehouse."`
	Schedule scheduleCmd `cmd:"" help:"Run every night on the configured schedule (long-running)."`
	Status   statusCmd   `cmd:"" help:"Show the last runs."`
	Report   reportCmd   `cmd:"" help:"Regenerate the reports from the published warehouse, without a new ingest."`
	Link     linkCmd     `cmd:"" help:"Person linkage tools."`
	Version  versionCmd  `cmd:"" help:"Print the version."`
}

// exitError carries an exit status up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// flagError is a command-line parse error: kong exits with its ExitCode.
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }
func (flagError) ExitCode() int   { return exitUsage }

func main() {
	var c cli
	parser := kong.Must(&c, kong.Name("correlare"),
		kong.Description("Nightly pipeline of the CORRELARE enrolment lists for Lombardy's immigration observatory."),
		kong.UsageOnError(), kong.Vars{"version": version})
	k, err := parser.Parse(os.Args[1:])
	if err != nil {
		parser.FatalIfErrorf(flagError{err}) // usage, message, exit 2 (kong's own default is 80)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	k.BindTo(ctx, (*context.Context)(nil))
	err = k.Run(&c.Log)
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(os.Stderr, "correlare:", ee.err)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "correlare:", err)
	os.Exit(exitFailed)
}

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Println("correlare", version)
	return nil
}
