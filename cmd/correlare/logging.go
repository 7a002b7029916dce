package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"golang.org/x/term"
)

type logFlags struct {
	LogFormat string `name:"log-format" enum:"auto,text,json" default:"auto" help:"Log format: text on a terminal, JSON otherwise (auto)."`
	LogLevel  string `name:"log-level" enum:"debug,info,warn,error" default:"info" help:"Minimum log level."`
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// logger builds the run's logger on stderr.
func (l *logFlags) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var w io.Writer = os.Stderr
	switch l.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, textOptions(opts)))
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	if isTerminal(os.Stderr) {
		return slog.New(slog.NewTextHandler(w, textOptions(opts)))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// textOptions makes the text handler's lines for people: the clock time
// only, no run id (the summary line names it), and no "stats" (the linkage's
// full statistics, one attribute of many fields, which JSON logs keep); at
// debug level every attribute is kept.
func textOptions(opts *slog.HandlerOptions) *slog.HandlerOptions {
	o := *opts
	if o.Level.Level() <= slog.LevelDebug {
		return &o
	}
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) > 0 {
			return a
		}
		switch a.Key {
		case slog.TimeKey:
			if t, ok := a.Value.Any().(time.Time); ok {
				return slog.String(slog.TimeKey, t.Format("15:04:05"))
			}
		case "run_id", "stats":
			return slog.Attr{}
		}
		return a
	}
	return &o
}

// progress returns the terminal to draw progress on, or nil under cron.
func (l *logFlags) progress() io.Writer {
	if isTerminal(os.Stderr) && l.LogFormat != "json" {
		return os.Stderr
	}
	return nil
}

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}
