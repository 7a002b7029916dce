package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// Real DuckDB errors quoting a value lose the value, keep what they are, and
// still unwrap to the DuckDB error.
func TestRedactDuckDBErrors(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names := []string{"Mario Rossi", "D'Angelo", `"Bruno" Neri`, "Eva {Galli"}
	if _, err := db.Exec(`CREATE TABLE t (k VARCHAR PRIMARY KEY, n VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, err := db.Exec(`INSERT INTO t VALUES (?, ?)`, n, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, query, keep string
	}{
		{"cast to integer", `SELECT CAST(n AS INTEGER) FROM t WHERE n = ?`, "Conversion Error: Could not convert string '…' to INT32"},
		{"cast to date", `SELECT CAST(n AS DATE) FROM t WHERE n = ?`, "Conversion Error"},
		{"cast to timestamp", `SELECT CAST(n AS TIMESTAMP) FROM t WHERE n = ?`, "Conversion Error: invalid timestamp field format: '…'"},
		{"strptime", `SELECT strptime(n, '%d/%m/%Y') FROM t WHERE n = ?`, "Invalid Input Error: Could not parse string '…'"},
		{"json", `SELECT CAST(n AS JSON) FROM t WHERE n = ?`, "Malformed JSON"},
		{"duplicate key", `INSERT INTO t SELECT k, n FROM t WHERE n = ?`, "Constraint Error: Duplicate key '…' violates primary key constraint"},
	} {
		for _, name := range names {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				var x any
				err := db.QueryRow(tc.query, name).Scan(&x)
				var de *duckdb.Error
				if !errors.As(err, &de) || !strings.Contains(err.Error(), strings.Trim(name, `"`)[:3]) {
					t.Fatalf("want a DuckDB error quoting the value, got %v", err)
				}
				wrapped := fmt.Errorf("writing funder report: %w", err)
				red := redactErr(wrapped)
				msg := red.Error()
				for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '\'' || r == '"' || r == '{' }) {
					if len(part) >= 3 && strings.Contains(msg, part) {
						t.Errorf("%q still in %q", part, msg)
					}
				}
				if !strings.HasPrefix(msg, "writing funder report: ") || !strings.Contains(msg, tc.keep) {
					t.Errorf("redacted %q, want it to keep %q", msg, tc.keep)
				}
				if !errors.As(red, &de) || !errors.Is(red, err) {
					t.Error("the redacted error no longer unwraps to DuckDB's")
				}
			})
		}
	}
	plain := errors.New("reading CR.xlsx: sheet \"Iscrizioni\": Rossi")
	if redactErr(plain) != plain {
		t.Error("an error without a DuckDB error in its chain was changed")
	}
	joined := errors.Join(errors.New("first"), fmt.Errorf("second: %w", &duckdb.Error{Msg: "Conversion Error: Could not convert string 'Anna Verdi' to INT32\n\nLINE 1: SELECT 'Anna Verdi'"}))
	if msg := redactErr(joined).Error(); strings.Contains(msg, "Anna") || !strings.Contains(msg, "first") {
		t.Errorf("joined: %q", msg)
	}
}

// failQuotingEsplosivo fails the way a real stage meeting a value it cannot
// convert does: DuckDB's message quotes the value (a surname).
func failQuotingEsplosivo(ctx context.Context, db *sql.DB) error {
	var n sql.NullInt64
	return db.QueryRowContext(ctx, `SELECT max(CASE WHEN surname = 'Esplosivo' THEN CAST(surname || ' Mario' AS INTEGER) END) FROM enrolments`).Scan(&n)
}

// A stage failing with a DuckDB error that quotes a surname: the province
// pays as usual, and the surname reaches neither the log, nor the run's
// tables, nor the history, nor the stale reason.
func TestStageErrorRedactsDuckDBValues(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	cfg, set := esplosivoProvinces(t, dir)
	set(true)
	var logs bytes.Buffer
	opt := Options{afterDerive: failQuotingEsplosivo, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	res := Run(context.Background(), cfg, opt)
	db := checkPublished(t, cfg, res)
	defer db.Close()
	var se *StageError
	for _, f := range res.Files {
		if f.Province == "PV" && !errors.As(f.Err, &se) {
			t.Fatalf("PV: %s %v, want a StageError", f.Status, f.Err)
		}
	}
	if se.Row != 6 || !strings.Contains(se.Error(), "Conversion Error: Could not convert string '…' to INT32") {
		t.Errorf("StageError: %v", se)
	}
	var de *duckdb.Error
	if !errors.As(se, &de) {
		t.Error("the StageError no longer unwraps to DuckDB's error")
	}
	var stored, reason string
	if err := db.QueryRow("SELECT error FROM run_files WHERE run_id = ? AND province_code = 'PV'", res.RunID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT stale_reason || stale_reason_it FROM provinces WHERE province_code = 'PV'").Scan(&reason); err != nil {
		t.Fatal(err)
	}
	hist, err := os.ReadFile(filepath.Join(dir, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"StageError": se.Error(), "run_files.error": stored, "stale reason": reason,
		"log": logs.String(), "runs.jsonl": string(hist), "summary": res.Summary()} {
		if strings.Contains(text, "Esplosivo") {
			t.Errorf("%s holds the surname: %s", what, text)
		}
	}
	if !strings.Contains(stored, "row 6") || !strings.Contains(logs.String(), "Could not convert string '…' to INT32") {
		t.Errorf("run_files.error %q; the log does not give the redacted error", stored)
	}
}

// A value DuckDB quotes never survives redaction, whatever it holds: line
// breaks (the message is cut at the first, leaving its quote open),
// "Input:", quotes of either kind. Found by FuzzRedactDuckDB: a surname
// followed by a line break used to stay in the message.
func TestRedactDuckDBOpenQuote(t *testing.T) {
	for _, v := range []string{"Rossi\nMario", "RossiInput: x", "D'Angelo\r\nX", "Neri\n'"} {
		got := redactDuckDB(duckMessage(v))
		if strings.Contains(got, "Rossi") || strings.Contains(got, "Angelo") || strings.Contains(got, "Neri") || strings.Contains(got, "\n") {
			t.Errorf("%q: %q", v, got)
		}
	}
}

func duckMessage(v string) string {
	return "Conversion Error: Could not convert string '" + v + "' to INT32\n\nLINE 1: SELECT '" + v + "'::INTEGER"
}

func FuzzRedactDuckDB(f *testing.F) {
	for _, v := range []string{"Mario Rossi", "D'Angelo", `"Bruno" Neri`, "Rossi\nMario", "x Input: y", ""} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		msg := duckMessage(v)
		got := redactDuckDB(msg)
		if strings.Contains(got, "\n") {
			t.Fatalf("%q: more than one line: %q", msg, got)
		}
		// Every piece of the value long enough to name someone is gone,
		// unless the message's own words hold it.
		for _, piece := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\'' || r == '"' }) {
			if len(piece) < 4 || strings.Contains(duckMessage(""), piece) || strings.Contains("Input: …", piece) {
				continue
			}
			if strings.Contains(got, piece) {
				t.Fatalf("%q: %q left in %q", v, piece, got)
			}
		}
	})
}
