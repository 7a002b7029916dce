package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
