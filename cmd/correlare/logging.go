package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

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
		return slog.New(slog.NewTextHandler(w, opts))
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	if isTerminal(os.Stderr) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
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
