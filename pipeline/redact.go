package pipeline

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// redactURL drops credentials and the query from a URL for logs and tables.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// duckQuoted is what DuckDB quotes into a message: 'Mario Rossi',
// "id: Mario Rossi". From the first quote of the line to the last, of
// either kind, so that a value holding a quote (D'Angelo, "Bruno") is not
// cut short: what lies between two values goes too. A quote left open (the
// value went on past "Input:") takes the rest of the line.
var duckQuoted = regexp.MustCompile(`['"](?:.*['"]|.*$)`)

// duckSuffix is what may follow the last quote of a redacted line: DuckDB's
// own words after the value. Anything else there may be the value's own
// tail (a value holding a quote and a line break: "D'Angelo⏎Mario" leaves
// "Angelo" after the last quote of the first line), so it goes.
var duckSuffix = regexp.MustCompile(`^( to [A-Z0-9_]+( when casting from source column [a-z0-9_]+)?| violates (primary key|unique|foreign key) constraint[. A-Za-z]*)$`)

// redactDuckDB is a DuckDB error message without the values it may quote
// (a surname in "Could not convert string 'Rossi' to INT32", a key in a
// constraint error): only its first line (the next ones echo the query or
// the value under a caret), nothing after "Input:" (JSON errors print the
// input there), every quoted span as '…' followed only by DuckDB's known
// words.
func redactDuckDB(msg string) string {
	msg, _, _ = strings.Cut(msg, "\n")
	if i := strings.Index(msg, "Input:"); i >= 0 {
		msg = msg[:i] + "Input: …"
	}
	loc := duckQuoted.FindStringIndex(msg)
	if loc == nil {
		return msg
	}
	head, tail := msg[:loc[0]], msg[loc[1]:]
	if !duckSuffix.MatchString(tail) {
		tail = ""
	}
	return head + "'…'" + tail
}

// redactedError is an error whose text has the DuckDB messages in its chain
// redacted; errors.Is and errors.As still see the whole chain.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err with the DuckDB messages in its text redacted (see
// redactDuckDB), for the log, run_files.error and the run's history. Errors
// with no DuckDB error in their chain are returned as they are.
func redactErr(err error) error {
	if err == nil {
		return nil
	}
	var ducks []*duckdb.Error
	collectDuck(err, &ducks)
	if len(ducks) == 0 {
		return err
	}
	msg := err.Error()
	for _, d := range ducks {
		dm := d.Error()
		if red := redactDuckDB(dm); strings.Contains(msg, dm) {
			msg = strings.ReplaceAll(msg, dm, red)
		} else {
			// Wrapped in a way that changed its text: redact it all.
			msg = redactDuckDB(msg)
		}
	}
	return &redactedError{msg: msg, err: err}
}

// collectDuck appends every *duckdb.Error in err's tree to ds.
func collectDuck(err error, ds *[]*duckdb.Error) {
	switch e := err.(type) {
	case nil:
		return
	case *duckdb.Error:
		*ds = append(*ds, e)
		return
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			collectDuck(x, ds)
		}
		return
	}
	collectDuck(errors.Unwrap(err), ds)
}
