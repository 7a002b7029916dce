package landing

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// Source is one configured origin of a province's files: exactly one of
// Glob and URL is set.
type Source struct {
	// Glob is a local drop-folder pattern for filepath.Glob, e.g.
	// /srv/opi/CR/*.xlsx. Each match is one slot. Files Excel and
	// LibreOffice leave behind (~$*, .~lock.*#) and hidden dotfiles are
	// skipped.
	Glob string
	// URL is an https:// address of one file. http:// is accepted only for
	// a loopback host (localhost, 127.0.0.0/8, ::1), for tests. Userinfo in
	// the URL is sent as basic auth and never logged.
	URL string
	// Headers are extra HTTP request headers (e.g. Authorization). A value
	// may reference environment variables as ${VAR}, read when the source
	// is fetched: an unset variable fails the fetch of this source only.
	Headers map[string]string
}

// SourceError is one problem of a [Source]'s configuration. It matches
// [ErrBadSource] with errors.Is, and never quotes a password, a secret query
// value or a header's value.
type SourceError struct {
	// Field is what the problem concerns: "glob", "url", "headers" (Header
	// names which one) or "" for the source as a whole.
	Field  string
	Header string
	Err    error
}

func (e *SourceError) Error() string {
	s := ErrBadSource.Error() + ": "
	switch {
	case e.Field == "headers" && e.Header != "":
		s += "header " + e.Header + ": "
	case e.Field != "":
		s += e.Field + " "
	}
	return s + e.Err.Error()
}

// Is makes every SourceError match ErrBadSource.
func (e *SourceError) Is(target error) bool { return target == ErrBadSource }

// Unwrap returns the cause.
func (e *SourceError) Unwrap() error { return e.Err }

// Validate reports every problem of the source's configuration at once, as
// [*SourceError]s joined with errors.Join (headers in name order). It is the
// one check of a source: the config loader runs it when the config loads,
// and Fetch again before fetching. It checks the syntax of a header's
// ${VAR} but not that the variable is set: a config whose token is missing
// on this machine still loads, and the fetch of that source fails alone,
// naming the variable. It reads neither the environment, nor the network,
// nor the file system.
func (s Source) Validate() error {
	var errs []error
	bad := func(field, header string, err error) {
		errs = append(errs, &SourceError{Field: field, Header: header, Err: err})
	}
	switch {
	case s.Glob == "" && s.URL == "":
		bad("", "", errors.New("give a path or a url"))
	case s.Glob != "" && s.URL != "":
		bad("", "", errors.New("give path or url, not both"))
	case s.Glob != "":
		if _, err := filepath.Match(s.Glob, ""); err != nil {
			bad("glob", "", fmt.Errorf("%q: %w", s.Glob, err))
		}
		if len(s.Headers) > 0 {
			bad("headers", "", errors.New("headers are sent only to a url, not to a local glob"))
		}
	default:
		if err := ValidateURL(s.URL); err != nil {
			bad("url", "", err)
		}
	}
	names := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if _, err := expandEnv(s.Headers[k], anyEnv); err != nil {
			bad("headers", k, err)
		}
	}
	return errors.Join(errs...)
}

// ValidateURL checks that raw is a URL Fetch may request: https:// with a
// host, or http:// to a loopback host. The error names the URL with its
// credentials and secret query values redacted.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse echoes the whole URL, secrets included.
		return errors.New("is not a parseable url")
	}
	if err := checkURL(u); err != nil {
		return fmt.Errorf("%s: %w", redactURL(u), err)
	}
	return nil
}

// checkURL is ValidateURL on a parsed URL, without naming it; the redirect
// policy uses it on every hop.
func checkURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return errors.New("http:// is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1); use https://")
		}
	default:
		return fmt.Errorf("scheme %q not supported; use https://", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("no host")
	}
	return nil
}

// isLoopback reports whether host (a URL's Hostname: no port, no brackets)
// is the loopback interface: the name localhost exactly (any case), or an
// IP address in 127.0.0.0/8 or ::1. A name that merely starts like one
// (localhost.evil.example, 127.0.0.1.evil.example) is not.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// anyEnv is a lookup that finds every variable, empty: expandEnv with it
// checks only the syntax.
func anyEnv(string) (string, bool) { return "", true }

// expandEnv replaces each ${VAR} in s by the variable's value; an unset
// variable is an error. A "$" not followed by "{" is kept as is.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			return "", errors.New("unterminated ${")
		}
		name := s[i+2 : i+2+j]
		if name == "" || strings.ContainsAny(name, " \t$") {
			return "", fmt.Errorf("bad variable name %q", name)
		}
		v, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		b.WriteString(v)
		s = s[i+2+j+1:]
	}
}
