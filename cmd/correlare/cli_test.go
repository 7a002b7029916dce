package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/runlock"
	"github.com/lombardia-orim/correlare/sinks"
)

// reSummary matches the one-line summary of `correlare run`.
var reSummary = regexp.MustCompile(`^run (\S+) (success|partial|failed): \d+ files, \d+ rows read, \d+ loaded, \d+ quarantined, \d+ skipped`)

// summary checks that stdout is exactly one summary line and returns the
// run id and status it names.
func summary(t *testing.T, r result) (runID, status string) {
	t.Helper()
	if strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("want one summary line on stdout, got %s", r)
	}
	m := reSummary.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("stdout is not a run summary: %s", r)
	}
	return m[1], m[2]
}

func openWarehouse(t *testing.T, path string) *sinks.Warehouse {
	t.Helper()
	ctx := context.Background()
	w, err := sinks.OpenWarehouseReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(ctx) })
	return w
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestRunSuccessThenPartial: a good run exits 0 with one summary line; after
// Lodi's workbook is damaged the next run exits 3 naming the file, Lodi
// keeps its last good rows and is marked stale, Cremona is still published,
// and `status` lists both runs with their status.
func TestRunSuccessThenPartial(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 0s", "CR", "LO")

	r := ws.run(t, "run", "-c", ws.config)
	if r.code != exitOK {
		t.Fatalf("first run: %s", r)
	}
	id1, st1 := summary(t, r)
	if st1 != "success" {
		t.Fatalf("first run status %s: %s", st1, r)
	}
	if strings.Contains(r.stdout, "failed:") {
		t.Errorf("a good run names failed files: %s", r.stdout)
	}
	before := map[string]int64{}
	func() {
		w := openWarehouse(t, ws.warehouse)
		defer w.Close(context.Background())
		for _, p := range []string{"CR", "LO"} {
			before[p] = queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = ?", p)
			if before[p] == 0 {
				t.Fatalf("first run loaded nothing for %s", p)
			}
		}
	}()

	bad := filepath.Join(ws.opi, "LO", "LO_iscrizioni_2013.xlsx")
	if _, err := os.Stat(bad); err != nil {
		t.Fatalf("demo file of LO: %v", err)
	}
	copyFile(t, filepath.Join(repoDir(t), "testdata", "samples", "truncated.xlsx"), bad)

	r = ws.run(t, "run", "-c", ws.config)
	if r.code != exitPartial {
		t.Fatalf("run with a damaged workbook: want exit %d, got %s", exitPartial, r)
	}
	id2, st2 := summary(t, r)
	if st2 != "partial" {
		t.Errorf("second run status %s, want partial", st2)
	}
	for _, want := range []string{"1 file(s) failed: LO LO_iscrizioni_2013.xlsx", "stale: LO"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q: %s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "CR_") {
		t.Errorf("summary blames Cremona's file: %s", r.stdout)
	}

	t.Run("last good data kept", func(t *testing.T) {
		w := openWarehouse(t, ws.warehouse)
		for _, p := range []string{"CR", "LO"} {
			if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = ?", p); n != before[p] {
				t.Errorf("%s: %d enrolments after the partial run, want %d as before", p, n, before[p])
			}
		}
		if n := queryInt(t, w.DB, "SELECT count(*) FROM provinces WHERE province_code = 'LO' AND stale_since IS NOT NULL"); n != 1 {
			t.Error("LO not marked stale in provinces")
		}
		if n := queryInt(t, w.DB, "SELECT count(*) FROM provinces WHERE province_code = 'CR' AND stale_since IS NULL"); n != 1 {
			t.Error("CR marked stale")
		}
		if n := queryInt(t, w.DB, "SELECT count(*) FROM runs WHERE run_id = ? AND status = 'partial' AND message LIKE '%LO%'", id2); n != 1 {
			t.Error("runs table does not record the partial run and its stale province")
		}
		if n := queryInt(t, w.DB, "SELECT count(*) FROM run_files WHERE run_id = ? AND province_code = 'LO' AND status = 'failed' AND error LIKE '%LO_iscrizioni_2013.xlsx%'", id2); n != 1 {
			t.Error("run_files does not record LO's failed file with its name")
		}
	})

	t.Run("status lists both runs", func(t *testing.T) {
		r := ws.run(t, "status", "-c", ws.config)
		if r.code != exitOK {
			t.Fatalf("status: %s", r)
		}
		lines := strings.Split(r.stdout, "\n")
		if !strings.HasPrefix(lines[0], "RUN ") {
			t.Errorf("no header line: %s", r.stdout)
		}
		for _, want := range []struct{ id, status string }{{id2, "partial"}, {id1, "success"}} {
			found := false
			for _, l := range lines {
				f := strings.Fields(l)
				if len(f) > 4 && f[0] == want.id {
					found = true
					if f[4] != want.status {
						t.Errorf("run %s shown as %s, want %s: %q", want.id, f[4], want.status, l)
					}
				}
			}
			if !found {
				t.Errorf("status does not list run %s:\n%s", want.id, r.stdout)
			}
		}
		if i1, i2 := strings.Index(r.stdout, id1), strings.Index(r.stdout, id2); i2 > i1 {
			t.Errorf("newest run not first:\n%s", r.stdout)
		}
		for _, want := range []string{"files of run " + id2, "LO_iscrizioni_2013.xlsx", "province LO stale since"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("status lacks %q:\n%s", want, r.stdout)
			}
		}
		// The stale line says why, naming the file that could not be read.
		if !regexp.MustCompile(`province LO stale since \S+ \S+: .*LO_iscrizioni_2013\.xlsx`).MatchString(r.stdout) {
			t.Errorf("status does not say why LO is stale:\n%s", r.stdout)
		}
	})
}

// TestRunBadConfig: every problem of a bad config is on stderr with its
// line, and the run exits 2 without creating the warehouse.
func TestRunBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yaml")
	src := `paths:
  warehouse: var/warehouse.duckdb
schedule:
  timezone: Europe/Roma
provinces:
  - code: Cremona
    istat: "019"
    name: Cremona
    sources: [{path: opi/CR/*}]
  - code: LO
    istat: 98
    name: ""
    sources: []
  - code: MI
    istat: "015"
    name: Milano
    sources:
      - url: http://opi.example.it/mi.xlsx
`
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := correlare(t, dir, "run", "-c", cfg)
	if r.code != exitUsage {
		t.Fatalf("want exit %d, got %s", exitUsage, r)
	}
	for _, want := range []string{
		"6 problem(s)",
		`line 4: schedule: unknown time zone "Europe/Roma"`,
		`line 6: province 1: code "Cremona" must be a two-letter sigla`,
		`line 10: province LO: istat "98" must be three digits`,
		"line 10: province LO: name is missing",
		"line 10: province LO: no sources",
		"line 18: province MI source 1: url http://opi.example.it/mi.xlsx: http:// is allowed only for loopback hosts",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("a config error printed a summary: %q", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "var")); !os.IsNotExist(err) {
		t.Errorf("a bad config created var/: %v", err)
	}

	t.Run("syntax error", func(t *testing.T) {
		if err := os.WriteFile(cfg, []byte("paths:\n  warehouse: [unclosed\nprovinces: []\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := correlare(t, dir, "run", "-c", cfg)
		if r.code != exitUsage || !strings.Contains(r.stderr, "bad.yaml") {
			t.Fatalf("want exit %d naming the file, got %s", exitUsage, r)
		}
	})
}

// TestRunLockBusy: while another process holds the run lock, a run with
// lock_wait 0s exits 4 with a message naming the holder; once released,
// the next run goes.
func TestRunLockBusy(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 0s", "LO")
	lk, err := runlock.Acquire(context.Background(), runlock.PathFor(ws.warehouse), 0)
	if err != nil {
		t.Fatal(err)
	}
	r := ws.run(t, "run", "-c", ws.config)
	lk.Release()
	if r.code != exitBusy {
		t.Fatalf("want exit %d, got %s", exitBusy, r)
	}
	for _, want := range []string{"another correlare run is writing the warehouse", "pid " + strconv.Itoa(os.Getpid()), "warehouse.duckdb.lock"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("message lacks %q: %s", want, r)
		}
	}
	if _, err := os.Stat(ws.warehouse); !os.IsNotExist(err) {
		t.Errorf("a busy run published a warehouse: %v", err)
	}
	if r := ws.run(t, "run", "-c", ws.config); r.code != exitOK {
		t.Fatalf("run after the lock was released: %s", r)
	}
}

// TestRunConcurrent: two runs started together with lock_wait 0s: each
// either succeeds or exits 4 with the clear message, at least one succeeds,
// and the warehouse is consistent.
func TestRunConcurrent(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 0s", "LO")
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range res {
		wg.Go(func() { res[i] = ws.run(t, "run", "-c", ws.config) })
	}
	wg.Wait()
	ok := 0
	for _, r := range res {
		switch r.code {
		case exitOK:
			ok++
		case exitBusy:
			if !strings.Contains(r.stdout, "another correlare run is writing the warehouse") {
				t.Errorf("busy run without the clear message: %s", r)
			}
		default:
			t.Errorf("unexpected: %s", r)
		}
	}
	if ok == 0 {
		t.Fatal("neither run succeeded")
	}
	w := openWarehouse(t, ws.warehouse)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM runs WHERE status = 'success'"); n != int64(ok) {
		t.Errorf("%d successful runs recorded, want %d", n, ok)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM runs WHERE finished_at IS NULL OR status = 'running'"); n != 0 {
		t.Errorf("%d runs left unfinished", n)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) - count(DISTINCT enrolment_id) FROM enrolments"); n != 0 {
		t.Errorf("%d duplicate enrolments", n)
	}
}

// TestRunKilledLeavesNoBlockingLock: a run killed with SIGKILL while it
// holds the lock (blocked fetching an HTTP source) leaves the lock file,
// naming it, but the next run takes the lock and publishes.
func TestRunKilledLeavesNoBlockingLock(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(repoDir(t), "testdata", "demo", "LO", "LO_iscrizioni_2013.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
			return
		case <-release:
		}
		w.Write(body)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	src := fmt.Sprintf("paths: {warehouse: var/warehouse.duckdb}\nlock_wait: 0s\nhttp: {retries: 0}\n"+
		"provinces:\n  - {code: LO, istat: \"098\", name: Lodi, sources: [{url: %q}]}\n", srv.URL+"/lodi/iscrizioni.xlsx")
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
	defer cancel()
	cmd := command(t, ctx, dir, "run", "-c", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered: // the child holds the lock: it locks before fetching
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the run never fetched its source")
	}
	lockPath := runlock.PathFor(filepath.Join(dir, "var", "warehouse.duckdb"))
	if _, err := runlock.Acquire(ctx, lockPath, 0); err == nil {
		t.Fatal("the run does not hold the lock while fetching")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	b, err := os.ReadFile(lockPath)
	if err != nil || !strings.Contains(string(b), strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("lock file of the killed run: %q, %v", b, err)
	}

	close(release)
	r := correlare(t, dir, "run", "-c", cfg)
	if r.code != exitOK {
		t.Fatalf("run after a killed run: %s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "var", "warehouse.duckdb.building")); !os.IsNotExist(err) {
		t.Errorf("building copy left: %v", err)
	}
	w := openWarehouse(t, filepath.Join(dir, "var", "warehouse.duckdb"))
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'"); n == 0 {
		t.Error("nothing loaded after the killed run")
	}
}

// TestReportWhileWarehouseOpen: report regenerates the report files from
// the published warehouse while an analyst has it open read-only.
func TestReportWhileWarehouseOpen(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 0s", "LO")
	if r := ws.run(t, "run", "-c", ws.config); r.code != exitOK {
		t.Fatalf("run: %s", r)
	}
	reports := ws.loadConfig(t).Paths.Reports
	if err := os.RemoveAll(reports); err != nil {
		t.Fatal(err)
	}
	w := openWarehouse(t, ws.warehouse)
	loaded := queryInt(t, w.DB, "SELECT count(*) FROM enrolments")

	r := ws.run(t, "report", "-c", ws.config)
	if r.code != exitOK {
		t.Fatalf("report: %s", r)
	}
	if r.stdout != "" {
		t.Errorf("report printed on stdout: %q", r.stdout)
	}
	for _, name := range []string{"rapporto_correlare.xlsx", "review.xlsx"} {
		f, err := excelize.OpenFile(filepath.Join(reports, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(f.GetSheetList()) == 0 {
			t.Errorf("%s has no sheets", name)
		}
		f.Close()
	}
	fb, err := filepath.Glob(filepath.Join(reports, "feedback", "*.xlsx"))
	if err != nil || len(fb) == 0 {
		t.Errorf("no feedback workbooks regenerated: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(reports, sinks.PageFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report page not regenerated with mode 0600: %v %v", fi, err)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments"); n != loaded {
		t.Errorf("the open warehouse changed under the analyst: %d rows, had %d", n, loaded)
	}

	// The funder report cannot be written (its path is a directory): the
	// feedback, review workbook and page are written all the same, and the
	// command fails naming the report.
	t.Run("one output fails", func(t *testing.T) {
		if err := os.RemoveAll(reports); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(reports, "rapporto_correlare.xlsx", "x"), 0o700); err != nil {
			t.Fatal(err)
		}
		r := ws.run(t, "report", "-c", ws.config)
		if r.code != exitFailed || !strings.Contains(r.stderr, "funder report") {
			t.Fatalf("report with the funder report's path taken: want exit %d naming the funder report, got %s", exitFailed, r)
		}
		if f, err := excelize.OpenFile(filepath.Join(reports, "review.xlsx")); err != nil {
			t.Errorf("review workbook not written after the report failed: %v", err)
		} else {
			f.Close()
		}
		if fb, err := filepath.Glob(filepath.Join(reports, "feedback", "*.xlsx")); err != nil || len(fb) == 0 {
			t.Errorf("no feedback workbooks after the report failed: %v", err)
		}
		if _, err := os.Stat(filepath.Join(reports, sinks.PageFile)); err != nil {
			t.Errorf("no report page after the report failed: %v", err)
		}
	})

	t.Run("no warehouse", func(t *testing.T) {
		ws := newWorkspace(t, "lock_wait: 0s", "LO")
		r := ws.run(t, "report", "-c", ws.config)
		if r.code != exitFailed || !strings.Contains(r.stderr, "correlare run") {
			t.Fatalf("report before any run: want exit %d telling to run first, got %s", exitFailed, r)
		}
	})
}

// TestValidate runs validate on real files: the samples written by other
// programs, a CSV with a row lacking its surname and one naming nobody, an
// excelize workbook with a row lacking its given name, and statuses typed
// as abbreviations, some unknown.
func TestValidate(t *testing.T) {
	samples := filepath.Join(repoDir(t), "testdata", "samples")
	dir := t.TempDir()

	csvPath := filepath.Join(dir, "iscrizioni.csv")
	csv := "Cognome;Nome;Sesso;Data di nascita;Modulo;Esito\n" +
		"Verdi;Carla;F;03/04/1975;Salute e immigrazione;ammessa\n" +
		";Luca;M;30/11/1958;Salute e immigrazione;ammesso\n" +
		";;;;Salute e immigrazione;ammesso\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	noTablePath := filepath.Join(dir, "appunti.csv")
	if err := os.WriteFile(noTablePath, []byte("Riunione del 3 maggio\nPresenti;assenti\n12;3\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	xlsxPath := filepath.Join(dir, "iscrizioni.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Foglio1"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"Cognome", "Nome", "Sesso", "Data di nascita", "Modulo", "Esito"},
		{"Verdi", "Carla", "F", "03/04/1975", "Salute e immigrazione", "ammessa"},
		{"Neri", "Paolo", "M", "12/05/1980", "Salute e immigrazione", "ammesso"},
		{"Gallo", "Sara", "F", "01/02/1990", "Lavoro e diritti", "ammessa"},
		{"Conti", "Aldo", "M", "21/09/1966", "Lavoro e diritti", "non ammesso"},
		{"Ferri", "Lina", "F", "07/07/1977", "Lavoro e diritti", "ritirata"},
		{"Bruni", "", "M", "15/03/1985", "Lavoro e diritti", "ammesso"}, // row 7: no given name
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Foglio1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(xlsxPath); err != nil {
		t.Fatal(err)
	}
	f.Close()

	cases := []struct {
		name   string
		file   string
		code   int
		stdout []string // substrings of stdout
		stderr []string // substrings of stderr
	}{
		{name: "libreoffice xlsx", file: filepath.Join(samples, "libreoffice_title_two_level_header.xlsx"), code: exitOK,
			stdout: []string{"tabella: Iscrizioni (intestazione alla riga 4, iscrizioni)",
				"libreoffice_title_two_level_header.xlsx: 6 righe lette, 6 caricabili, 0 in quarantena"}},
		{name: "totals and notes skipped", file: filepath.Join(samples, "openpyxl_hidden_blank_totals.xlsx"), code: exitOK,
			stdout: []string{"tabella: ", "6 caricabili, 0 in quarantena", "riga di totali"}},
		{name: "cp1252 csv", file: filepath.Join(samples, "csv_semicolon_cp1252.csv"), code: exitOK,
			stdout: []string{"csv_semicolon_cp1252.csv: 6 righe lette, 6 caricabili"}},
		{name: "xls", file: filepath.Join(samples, "legacy_format.xls"), code: exitOK,
			stdout: []string{"tabella: Foglio1", "legacy_format.xls: 6 righe lette, 6 caricabili, 0 in quarantena"}},
		{name: "ods", file: filepath.Join(samples, "opendocument.ods"), code: exitOK,
			stdout: []string{"tabella: Foglio1", "opendocument.ods: 6 righe lette, 6 caricabili, 0 in quarantena"}},
		{name: "password-protected xls", file: filepath.Join(samples, "..", "layouts", "protetto.xls"), code: exitFailed,
			stderr: []string{"correlare: protetto.xls: il file è protetto da password", "[password_protected]",
				"dettaglio tecnico: protetto.xls: password-protected file"}},
		{name: "truncated", file: filepath.Join(samples, "truncated.xlsx"), code: exitFailed,
			stderr: []string{"correlare: truncated.xlsx: file danneggiato o incompleto", "[damaged_file]", "dettaglio tecnico: truncated.xlsx: damaged or incomplete file"}},
		{name: "no header", file: noTablePath, code: exitFailed,
			stderr: []string{"correlare: appunti.csv: non si trova la riga dei titoli di colonna", "[no_header]"}},
		{name: "csv without surname, and naming nobody", file: csvPath, code: exitFailed,
			stdout: []string{"iscrizioni.csv:A3: Manca il cognome: la domanda è stata caricata", "[missing_surname]",
				"iscrizioni.csv:A4: Mancano cognome, nome", "[missing_identity]", "3 righe lette, 2 caricabili, 1 in quarantena"}},
		{name: "xlsx without given name", file: xlsxPath, code: exitOK,
			stdout: []string{"iscrizioni.xlsx:Foglio1!B7: Manca il nome", "tabella: Foglio1", "6 caricabili, 0 in quarantena"}},
		{name: "status abbreviations", file: filepath.Join(repoDir(t), "testdata", "layouts", "status_abbreviations.xlsx"), code: exitOK,
			stdout: []string{"25 caricabili, 0 in quarantena", "valori non riconosciuti", `  values: {status: {"PEND.": ???}}   # 1 riga`,
				`  values: {status: {"Amesso": accepted}}   # 1 riga, valore probabile`, `values: {status: {"Sosp.": ???}}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := correlare(t, dir, "validate", tc.file)
			if r.code != tc.code {
				t.Fatalf("want exit %d, got %s", tc.code, r)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q: %s", s, r)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q: %s", s, r)
				}
			}
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.Contains(l, "Bruni") || strings.Contains(l, "Luca") {
					t.Errorf("problem line echoes a name: %q", l)
				}
			}
		})
	}

	t.Run("csv lines have no sheet", func(t *testing.T) {
		r := correlare(t, dir, "validate", csvPath)
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(l, "iscrizioni.csv:") && strings.Contains(l, "!") {
				t.Errorf("CSV problem line names a sheet: %q", l)
			}
		}
	})
}

// TestRunAcceptShrink: Cremona's workbook emptied to its header is held back
// by the shrink guard (exit 3, the summary says how to accept); an unknown
// province in --accept-shrink (or --workers below 0) is a usage error;
// --accept-shrink CR applies it.
func TestRunAcceptShrink(t *testing.T) {
	ws := newWorkspace(t, "lock_wait: 0s", "CR")
	if r := ws.run(t, "run", "-c", ws.config); r.code != exitOK {
		t.Fatalf("first run: %s", r)
	}
	copyFile(t, filepath.Join(repoDir(t), "testdata", "ops", "CR_header_only.xlsx"),
		filepath.Join(ws.opi, "CR", "CR_CORRELARE_iscrizioni_gen-giu_2013.xlsx"))
	r := ws.run(t, "run", "-c", ws.config)
	if r.code != exitPartial || !strings.Contains(r.stdout, "correlare run --accept-shrink CR") {
		t.Fatalf("emptied workbook: want exit %d and how to accept, got %s", exitPartial, r)
	}
	// The held file is counted as held, not failed: in runs, in status, on the page.
	st := ws.run(t, "status", "-c", ws.config, "-n", "1")
	lines := strings.Split(st.stdout, "\n")
	if st.code != exitOK || len(lines) < 2 {
		t.Fatalf("status: %s", st)
	}
	header, newest := strings.Fields(lines[0]), strings.Fields(lines[1])
	cols := map[string]string{}
	for i, h := range header {
		if i < len(newest) {
			cols[h] = newest[i+1] // STARTED is two fields (date, time)
		}
	}
	if cols["STATUS"] != "partial" || cols["FAILED"] != "0" || cols["HELD"] != "1" {
		t.Errorf("status of the held run: %v\n%s", cols, st.stdout)
	}
	w := openWarehouse(t, ws.warehouse)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM runs WHERE status = 'partial' AND files_held = 1 AND files_failed = 0"); n != 1 {
		t.Errorf("%d partial runs with one file held and none failed, want 1", n)
	}
	w.Close(context.Background())
	page, err := os.ReadFile(filepath.Join(ws.dir, "var", "reports", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<td data-k="files">1 / 0 / 1</td>`) {
		t.Errorf("the page does not count the held file apart")
	}
	if r := ws.run(t, "run", "-c", ws.config, "--accept-shrink", "CR,ZZ"); r.code != exitUsage || !strings.Contains(r.stderr, "--accept-shrink ZZ") {
		t.Fatalf("unknown province: want exit %d naming ZZ, got %s", exitUsage, r)
	}
	if r := ws.run(t, "run", "-c", ws.config, "--workers=-1"); r.code != exitUsage || !strings.Contains(r.stderr, "--workers -1") {
		t.Fatalf("--workers=-1: want exit %d naming it, got %s", exitUsage, r)
	}
	if r := ws.run(t, "run", "-c", ws.config, "--accept-shrink", "cr", "--workers", "1"); r.code != exitOK {
		t.Fatalf("accepted: %s", r)
	}
	w = openWarehouse(t, ws.warehouse)
	defer w.Close(context.Background())
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'CR'"); n != 0 {
		t.Errorf("CR holds %d enrolments after accepting the emptied workbook", n)
	}
}
