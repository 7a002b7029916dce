package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/link"
	"github.com/lombardia-orim/correlare/sinks"
)

// failOnEsplosivo is a stage after linkage that fails on one value, the way
// a stage meeting data it cannot handle would: a real DuckDB error raised
// only by that row.
func failOnEsplosivo(ctx context.Context, db *sql.DB) error {
	var n int
	return db.QueryRowContext(ctx, `SELECT count(CASE WHEN surname = 'Esplosivo' THEN error('this stage cannot handle the value') END) FROM enrolments`).Scan(&n)
}

// A stage after loading that fails on one province's data costs that
// province (it keeps its last good data; the error names file and row),
// not the run.
func TestLaterStageFailureCostsOnlyThatProvince(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	pv := filepath.Join(dir, "drop", "PV")
	if err := os.MkdirAll(pv, 0o755); err != nil {
		t.Fatal(err)
	}
	good := "Cognome;Nome;Titolo modulo;Esito\nRossi;Anna;Salute e immigrazione;ammessa\nBianchi;Luca;Salute e immigrazione;ammesso\n" +
		"Verdi;Sara;Lavoro;non ammessa\nNeri;Paolo;Lavoro;ritirato\nGalli;Elena;Lavoro;ammessa\n"
	bad := strings.Replace(good, "Neri;Paolo;Lavoro;ritirato\n", "Neri;Paolo;Lavoro;ritirato\nEsplosivo;Mario;Lavoro;ammesso\n", 1)
	csvPath := filepath.Join(pv, "PV_iscrizioni.csv")
	write := func(s string) {
		if err := os.WriteFile(csvPath, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lo := testProvince{code: "LO", istat: "098", name: "Lodi", glob: allDemoSources(t)["LO"]}
	p := provPV
	p.glob = filepath.Join(pv, "*.csv")
	cfg := writeProvincesConfig(t, dir, []testProvince{lo, p})
	ctx := context.Background()
	opt := Options{afterDerive: failOnEsplosivo}

	check := func(res *Result, wantPV int, wantStale bool) {
		t.Helper()
		t.Log(res.Summary())
		db := checkPublished(t, cfg, res)
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'"); got == 0 {
			t.Error("Lodi has no rows")
		}
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'PV'"); got != wantPV {
			t.Errorf("PV rows = %d, want %d", got, wantPV)
		}
		stale := queryInt(t, db, "SELECT count(*) FROM provinces WHERE province_code = 'PV' AND stale_since IS NOT NULL") == 1
		if stale != wantStale || (res.Status == StatusPartial) != wantStale {
			t.Errorf("PV stale %v, run %s; want stale %v", stale, res.Status, wantStale)
		}
		if r := res.Reasons["PV"]; wantStale && (!strings.Contains(r.EN, "row 6") || !strings.Contains(r.IT, "riga 6")) {
			t.Errorf("PV stale reason %+v", r)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'isolate%'"); got != 0 {
			t.Errorf("%d scratch tables published", got)
		}
		db.Close()
	}
	blamed := func(res *Result) {
		t.Helper()
		t.Log(res.Summary())
		var se *StageError
		for _, f := range res.Files {
			if f.Province == "PV" {
				if f.Status != FileFailed || !errors.As(f.Err, &se) {
					t.Fatalf("PV file: %s %v, want failed with a StageError", f.Status, f.Err)
				}
			}
		}
		// Line 1 is the header: Esplosivo is the fifth record, line 6.
		if se.Province != "PV" || se.File != "PV_iscrizioni.csv" || se.Row != 6 ||
			!strings.Contains(se.Error(), "this stage cannot handle the value") {
			t.Errorf("StageError %+v: %v", se, se)
		}
		for _, f := range res.Files {
			if f.Province != "PV" && f.Status == FileFailed {
				t.Errorf("%s/%s failed: %v", f.Province, f.Name, f.Err)
			}
		}
	}

	// First run: no last good data for PV; it is left out, the others publish.
	write(bad)
	res := Run(ctx, cfg, opt)
	blamed(res)
	check(res, 0, true)

	// A corrected file loads.
	write(good)
	res = Run(ctx, cfg, opt)
	check(res, 5, false)

	// The bad file again: PV keeps the five rows of the last good run.
	write(bad)
	res = Run(ctx, cfg, opt)
	blamed(res)
	check(res, 5, true)
}

// esplosivoProvinces configures Lodi (the demo's files) and Pavia (one CSV
// of five rows); set(true) adds the row failOnEsplosivo fails on, as line 6.
func esplosivoProvinces(t *testing.T, dir string) (cfg *Config, set func(bad bool)) {
	t.Helper()
	pv := filepath.Join(dir, "drop", "PV")
	if err := os.MkdirAll(pv, 0o755); err != nil {
		t.Fatal(err)
	}
	good := "Cognome;Nome;Titolo modulo;Esito\nRossi;Anna;Salute e immigrazione;ammessa\nBianchi;Luca;Salute e immigrazione;ammesso\n" +
		"Verdi;Sara;Lavoro;non ammessa\nNeri;Paolo;Lavoro;ritirato\nGalli;Elena;Lavoro;ammessa\n"
	bad := strings.Replace(good, "Neri;Paolo;Lavoro;ritirato\n", "Neri;Paolo;Lavoro;ritirato\nEsplosivo;Mario;Lavoro;ammesso\n", 1)
	lo := testProvince{code: "LO", istat: "098", name: "Lodi", glob: allDemoSources(t)["LO"]}
	p := provPV
	p.glob = filepath.Join(pv, "*.csv")
	return writeProvincesConfig(t, dir, []testProvince{lo, p}), func(b bool) {
		s := good
		if b {
			s = bad
		}
		if err := os.WriteFile(filepath.Join(pv, "PV_iscrizioni.csv"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// An output (exports, the funder report and its indicators, the feedback
// and review workbooks, the page) that fails on one province's new data
// costs that province alone: it keeps its last good data with the reason,
// the run is partial and every output is written for the others.
func TestOutputFailureCostsOnlyThatProvince(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	ctx := context.Background()
	for _, tc := range []struct {
		output    string
		goodFirst bool // a good run first: PV has last good data to keep
	}{
		{output: "exports"},
		{output: "report"},
		{output: "feedback"},
		{output: "review"},
		{output: "page"},
		{output: "feedback", goodFirst: true},
	} {
		name := tc.output
		if tc.goodFirst {
			name += "/after a good run"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg, set := esplosivoProvinces(t, dir)
			opt := Options{beforeOutput: func(ctx context.Context, db *sql.DB, output string) error {
				if output == tc.output {
					return failOnEsplosivo(ctx, db)
				}
				return nil
			}}
			wantPV, lastGood := 0, ""
			if tc.goodFirst {
				set(false)
				res := Run(ctx, cfg, opt)
				if res.Status != StatusSuccess {
					t.Fatalf("good run: %s", res.Summary())
				}
				wantPV, lastGood = 5, res.RunID
			}
			set(true)
			res := Run(ctx, cfg, opt)
			t.Log(res.Summary())
			db := checkPublished(t, cfg, res)
			defer db.Close()
			if res.Status != StatusPartial || !slices.Equal(res.Stale, []string{"PV"}) {
				t.Errorf("run %s, stale %v; want partial, PV stale", res.Status, res.Stale)
			}
			var se *StageError
			for _, f := range res.Files {
				switch {
				case f.Province == "PV" && (f.Status != FileFailed || !errors.As(f.Err, &se)):
					t.Fatalf("PV file: %s %v, want failed with a StageError", f.Status, f.Err)
				case f.Province != "PV" && f.Status == FileFailed:
					t.Errorf("%s/%s failed: %v", f.Province, f.Name, f.Err)
				}
			}
			if se.Stage != StageOutputs || se.File != "PV_iscrizioni.csv" || se.Row != 6 ||
				!strings.Contains(se.Error(), "writing "+tc.output) || !strings.Contains(se.Error(), "this stage cannot handle the value") {
				t.Errorf("StageError %+v: %v", se, se)
			}
			if r := res.Reasons["PV"]; !strings.Contains(r.IT, "riga 6") || !strings.Contains(r.IT, "esportazioni, rapporto o riscontri") {
				t.Errorf("PV's reason %+v", r)
			}
			// The published warehouse: Pavia's last good data, marked stale
			// since this run, its last good run kept; the run recorded partial.
			if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'PV'"); got != wantPV {
				t.Errorf("PV rows = %d, want %d", got, wantPV)
			}
			if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE surname = 'Esplosivo'"); got != 0 {
				t.Errorf("%d Esplosivo rows published", got)
			}
			var since time.Time
			var reasonIT string
			var good sql.NullString
			if err := db.QueryRow("SELECT stale_since, stale_reason_it, last_good_run FROM provinces WHERE province_code = 'PV'").Scan(&since, &reasonIT, &good); err != nil {
				t.Fatal(err)
			}
			if !since.Equal(res.Started.Truncate(time.Microsecond)) || !strings.Contains(reasonIT, "riga 6") || good.String != lastGood {
				t.Errorf("PV stale since %v (run started %v), reason %q, last good run %q (want %q)", since, res.Started, reasonIT, good.String, lastGood)
			}
			if got := queryInt(t, db, "SELECT count(*) FROM provinces WHERE province_code = 'LO' AND stale_since IS NULL AND last_good_run = ?", res.RunID); got != 1 {
				t.Error("LO not marked fresh by this run")
			}
			if got := queryInt(t, db, "SELECT count(*) FROM runs WHERE run_id = ? AND status = 'partial' AND files_failed = 1", res.RunID); got != 1 {
				t.Error("the run is not recorded partial with one file failed")
			}
			if got := queryInt(t, db, "SELECT count(*) FROM run_files WHERE run_id = ? AND province_code = 'PV' AND status = 'failed' AND error LIKE '%row 6%'", res.RunID); got != 1 {
				t.Error("PV's file not recorded failed once, naming row 6")
			}
			if got, want := queryInt(t, db, "SELECT count(*) FROM run_files WHERE run_id = ?", res.RunID), len(res.Files); got != want {
				t.Errorf("%d run_files rows, want %d", got, want)
			}
			if got := queryInt(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'isolate%'"); got != 0 {
				t.Errorf("%d scratch tables published", got)
			}
			// Every output written, for this run, without Pavia's new rows.
			for _, f := range []string{ReportFile, "feedback/feedback_LO.xlsx", "review.xlsx", "index.html"} {
				if _, err := os.Stat(filepath.Join(cfg.Paths.Reports, f)); err != nil {
					t.Error(err)
				}
			}
			var latest sinks.Latest
			b, err := os.ReadFile(filepath.Join(cfg.Paths.Exports, "latest.json"))
			if err == nil {
				err = json.Unmarshal(b, &latest)
			}
			if err != nil || latest.RunID != res.RunID {
				t.Fatalf("latest.json: %+v, %v; want run %s", latest, err, res.RunID)
			}
			ents, err := os.ReadDir(cfg.Paths.Exports)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".tmp") {
					t.Errorf("export scratch %s left", e.Name())
				}
			}
			var m sinks.Manifest
			if b, err = os.ReadFile(filepath.Join(cfg.Paths.Exports, res.RunID, "manifest.json")); err == nil {
				err = json.Unmarshal(b, &m)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := m.RowCounts["applications"], int64(queryInt(t, db, "SELECT count(*) FROM enrolments")); got != want {
				t.Errorf("the export holds %d applications, the warehouse %d", got, want)
			}
		})
	}
}

// Only errors that data can explain are retried per province.
func TestDataError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"duckdb error", errors.New("Invalid Input Error: this stage cannot handle the value"), true},
		{"wrapped stage error", fmt.Errorf("writing funder report: %w", errors.New("Conversion Error")), true},
		{"permission", fmt.Errorf("writing feedback workbooks: %w", &fs.PathError{Op: "open", Path: "/r/f.xlsx", Err: fs.ErrPermission}), false},
		{"full disk on rename", fmt.Errorf("exporting: %w", &os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.ENOSPC}), false},
		{"cancelled", fmt.Errorf("writing exports: %w", context.Canceled), false},
		{"deadline", fmt.Errorf("writing exports: %w", context.DeadlineExceeded), false},
		{"invalid linkage config", fmt.Errorf("linking persons: %w", link.ErrInvalidConfig), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dataError(tc.err); got != tc.want {
				t.Errorf("dataError(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
