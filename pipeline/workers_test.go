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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/lombardia-orim/correlare/landing"
	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// The provinces of these tests, in config order (writeConfig keeps the
// order of demoProvinces): MN and LO share bytes in the cases below, LC
// never does.
var workerProvinces = []string{"MN", "LC", "LO"}

// dropFolders copies the demo files of the provinces into dir/in/<code>/
// and returns the sources (code → glob).
func dropFolders(t *testing.T, dir string, codes ...string) map[string]string {
	t.Helper()
	srcs := map[string]string{}
	for _, code := range codes {
		in := filepath.Join(dir, "in", code)
		if err := os.MkdirAll(in, 0o755); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo", code, "*"))
		for _, f := range files {
			mustCopy(t, f, filepath.Join(in, filepath.Base(f)))
		}
		srcs[code] = filepath.Join(in, "*")
	}
	return srcs
}

// demoFile is the one demo file of a province.
func demoFile(t *testing.T, code string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo", code, "*"))
	if len(files) != 1 {
		t.Fatalf("%s demo files: %v", code, files)
	}
	return files[0]
}

// loadOnly does the loading part of a run (fetch, plan, load of every
// province, as Run does) on the warehouse file of cfg, without linkage and
// outputs, and returns the result and the log (Info and above, without
// times, with dir written DIR).
func loadOnly(t testing.TB, dir string, cfg *Config, opt Options) (*Result, string, error) {
	t.Helper()
	ctx := context.Background()
	w, err := sinks.OpenWarehouse(ctx, cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	land, err := landing.New(cfg.Paths.Landing)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	res := &Result{RunID: "run"}
	err = loadProvinces(ctx, w.DB, land, cfg, opt, res, log, nil)
	return res, strings.ReplaceAll(logs.String(), dir, "DIR"), err
}

// outcome is what a loading did, in a form two runs can be compared in:
// the run_files rows in order and the files loaded per province.
func outcome(t *testing.T, cfg *Config, res *Result) string {
	t.Helper()
	var b strings.Builder
	for _, f := range res.Files {
		fmt.Fprintf(&b, "%s %s %s", f.Province, f.Name, f.Status)
		if f.Other != "" {
			fmt.Fprintf(&b, " other=%s", filepath.Base(f.Other))
		}
		if oe, ok := errors.AsType[*OtherProvinceError](f.Err); ok {
			fmt.Fprintf(&b, " owner=%s", oe.Owner)
		} else if f.Err != nil {
			fmt.Fprintf(&b, " err=%v", f.Err)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "stale=%v held=%v\n", res.Stale, res.Held)
	w, err := sinks.OpenWarehouse(context.Background(), cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	rows, err := w.DB.Query(`SELECT s.province_code, s.source_file, (SELECT count(*) FROM enrolments e
		WHERE e.province_code = s.province_code AND e.source_sha256 = s.source_sha256)
		FROM source_files s ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, name string
		var n int
		if err := rows.Scan(&p, &name, &n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "source_files %s %s %d rows\n", p, name, n)
	}
	return b.String()
}

// events records, in order, what the hooks saw.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) index(s string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Index(e.list, s)
}

// TestProvincesSharingBytes: when two provinces hold or fetch the same
// bytes, which one keeps them and which one refuses them depends on the
// order they are applied in. With 4 workers the outcome (run_files rows,
// source_files, rows per province, and the log) is the one of 1 worker,
// although MN, the earlier of the two, is held until LO is fetched and LC
// (which shares nothing) is applied: LO waits for MN, LC does not.
func TestProvincesSharingBytes(t *testing.T) {
	bg := filepath.Join(repoDir(t), "testdata", "demo", "BG", "BG_CORRELARE_I_semestre_2013.xlsx")
	cases := []struct {
		name   string
		setup  func(t *testing.T, in string) // the folders of a first loading; nil: none
		change func(t *testing.T, in string) // the folders of the loading compared
		want   string                        // the run_files rows of MN and LO, 1 worker
	}{
		{
			name: "the same new bytes in two provinces: the first in config order keeps them",
			change: func(t *testing.T, in string) {
				mustCopy(t, demoFile(t, "LO"), filepath.Join(in, "MN", "copia_lodi.xlsx"))
			},
			want: "MN MN_OPI_corsi_CORRELARE.xlsx loaded|MN copia_lodi.xlsx loaded|LO LO_iscrizioni_2013.xlsx failed owner=MN",
		},
		{
			name:  "bytes a later province holds, sent to an earlier one: refused there",
			setup: func(t *testing.T, in string) {},
			change: func(t *testing.T, in string) {
				mustCopy(t, demoFile(t, "LO"), filepath.Join(in, "MN", "copia_lodi.xlsx"))
			},
			want: "MN MN_OPI_corsi_CORRELARE.xlsx unchanged|MN copia_lodi.xlsx failed owner=LO|LO LO_iscrizioni_2013.xlsx unchanged",
		},
		{
			name:  "bytes moved from an earlier province to a later one",
			setup: func(t *testing.T, in string) { mustCopy(t, bg, filepath.Join(in, "MN", "bergamo.xlsx")) },
			change: func(t *testing.T, in string) {
				mustRename(t, filepath.Join(in, "MN", "bergamo.xlsx"), filepath.Join(in, "LO", "bergamo.xlsx"))
			},
			// MN, applied first, removes them; then LO loads them.
			want: "MN MN_OPI_corsi_CORRELARE.xlsx unchanged|MN bergamo.xlsx removed|LO LO_iscrizioni_2013.xlsx unchanged|LO bergamo.xlsx loaded",
		},
		{
			name:  "bytes moved from a later province to an earlier one",
			setup: func(t *testing.T, in string) { mustCopy(t, bg, filepath.Join(in, "LO", "bergamo.xlsx")) },
			change: func(t *testing.T, in string) {
				mustRename(t, filepath.Join(in, "LO", "bergamo.xlsx"), filepath.Join(in, "MN", "bergamo.xlsx"))
			},
			// MN, applied first, refuses them (LO holds them still); LO's
			// removal of them (100 of its 170 rows) is held by the guard.
			want: "MN MN_OPI_corsi_CORRELARE.xlsx unchanged|MN bergamo.xlsx failed owner=LO|LO LO_iscrizioni_2013.xlsx unchanged|LO bergamo.xlsx held",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var outs, logs [2]string
			for k, n := range []int{1, 4} {
				dir := t.TempDir()
				srcs := dropFolders(t, dir, workerProvinces...)
				cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
				in := filepath.Join(dir, "in")
				if tc.setup != nil {
					tc.setup(t, in)
					if _, _, err := loadOnly(t, dir, cfg, Options{Workers: 1}); err != nil {
						t.Fatal(err)
					}
				}
				tc.change(t, in)
				opt := Options{Workers: n}
				var ev events
				if n > 1 {
					loFetched, lcApplied := make(chan struct{}), make(chan struct{})
					opt.hooks = hooks{
						fetched: func(p string) {
							if p == "LO" {
								close(loFetched)
							}
						},
						applying: func(p string) {
							ev.add("applying " + p)
							if p == "MN" {
								<-loFetched
								<-lcApplied
							}
						},
						applied: func(p string) {
							ev.add("applied " + p)
							if p == "LC" {
								close(lcApplied)
							}
						},
					}
				}
				res, log, err := loadOnly(t, dir, cfg, opt)
				if err != nil {
					t.Fatal(err)
				}
				outs[k], logs[k] = outcome(t, cfg, res), log
				if n > 1 {
					if ev.index("applied LC") > ev.index("applied MN") || ev.index("applied LC") < 0 {
						t.Errorf("LC was not applied while MN was held: %v", ev.list)
					}
					if ev.index("applying LO") < ev.index("applied MN") {
						t.Errorf("LO was applied before MN, with which it shares bytes, was done: %v", ev.list)
					}
				}
			}
			t.Logf("1 worker:\n%s", outs[0])
			if outs[1] != outs[0] {
				t.Errorf("4 workers:\n%s\nwant (1 worker):\n%s", outs[1], outs[0])
			}
			if logs[1] != logs[0] {
				t.Errorf("4 workers' log:\n%s\nwant (1 worker):\n%s", logs[1], logs[0])
			}
			if tc.want != "" {
				var got []string
				for _, l := range strings.Split(outs[0], "\n") {
					if strings.HasPrefix(l, "MN ") || strings.HasPrefix(l, "LO ") {
						l, _, _ = strings.Cut(l, " err=")
						got = append(got, l)
					}
				}
				if g := strings.Join(got, "|"); g != tc.want {
					t.Errorf("MN and LO files:\n%s\nwant\n%s", g, tc.want)
				}
			}
		})
	}
}

// TestProvincesOverlap: provinces that share no bytes are loaded at the
// same time: MN is held until LO has started, LO until MN has (with one
// worker at a time this would never end).
func TestProvincesOverlap(t *testing.T) {
	dir := t.TempDir()
	cfg := mustLoad(t, writeConfig(t, dir, dropFolders(t, dir, workerProvinces...), ""))
	started := map[string]chan struct{}{"MN": make(chan struct{}), "LO": make(chan struct{})}
	other := map[string]string{"MN": "LO", "LO": "MN"}
	res, _, err := loadOnly(t, dir, cfg, Options{Workers: 2, hooks: hooks{applying: func(p string) {
		if c, ok := started[p]; ok {
			close(c)
			<-started[other[p]]
		}
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Files {
		got = append(got, f.Province+" "+f.Status)
	}
	if want := "MN loaded,LC loaded,LO loaded"; strings.Join(got, ",") != want {
		t.Errorf("files: %s, want %s (in config order)", strings.Join(got, ","), want)
	}
}

// TestProvinceErrorStopsOnlyAfterIt: a panic in one province's loading
// (here MN's plan) fails the run as with one worker: the provinces before
// it are loaded and reported, the ones after it are not reported, and the
// error names the province.
func TestProvinceErrorStopsOnlyAfterIt(t *testing.T) {
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", n), func(t *testing.T) {
			dir := t.TempDir()
			cfg := mustLoad(t, writeConfig(t, dir, dropFolders(t, dir, "CR", "MN", "LO"), ""))
			res, _, err := loadOnly(t, dir, cfg, Options{Workers: n, hooks: hooks{applying: func(p string) {
				if p == "MN" {
					panic("a bug met by MN's files")
				}
			}}})
			if err == nil || !strings.HasPrefix(err.Error(), "loading province MN: panic: a bug met by MN's files") {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, f := range res.Files {
				got = append(got, f.Province+" "+f.Status)
			}
			if strings.Join(got, ",") != "CR loaded" {
				t.Errorf("files: %v, want CR loaded only", got)
			}
		})
	}
}

// TestConflictRetried: DuckDB reports a transaction conflict to LO's load
// (another transaction deleted one of the rows its new file replaces and
// has not committed). The load is tried again: when the other transaction
// is rolled back before the second attempt, the file loads; when it never
// ends, the file fails after conflictAttempts attempts and LO keeps its
// last good data, as for any failed file.
func TestConflictRetried(t *testing.T) {
	for _, tc := range []struct {
		name     string
		release  bool
		want     string
		attempts int
	}{
		{"released", true, FileLoaded, 1},
		{"never released", false, FileFailed, conflictAttempts - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			srcs := dropFolders(t, dir, "LO")
			cfg := mustLoad(t, writeConfig(t, dir, srcs, "guard: {max_shrink: 1}"))
			if _, _, err := loadOnly(t, dir, cfg, Options{Workers: 1}); err != nil {
				t.Fatal(err)
			}
			// New bytes in LO's slot: loading them deletes the rows of the old ones.
			name := filepath.Base(demoFile(t, "LO"))
			mustCopy(t, demoFile(t, "LC"), filepath.Join(dir, "in", "LO", name))

			ctx := context.Background()
			w, err := sinks.OpenWarehouse(ctx, cfg.Paths.Warehouse)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close(ctx)
			land, err := landing.New(cfg.Paths.Landing)
			if err != nil {
				t.Fatal(err)
			}
			lastGood := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'")
			var blocker *sql.Conn
			retries := 0
			opt := Options{Workers: 1,
				hooks: hooks{applying: func(string) {
					blocker = mustConn(t, w.DB)
					mustExec(t, blocker, "BEGIN TRANSACTION")
					mustExec(t, blocker, "DELETE FROM enrolments WHERE enrolment_id = (SELECT min(enrolment_id) FROM enrolments WHERE province_code = 'LO')")
				}},
				retried: func(int) {
					retries++
					if tc.release && retries == 1 {
						mustExec(t, blocker, "ROLLBACK")
					}
				},
			}
			res := &Result{RunID: "run2"}
			if err := loadProvinces(ctx, w.DB, land, cfg, opt, res, slog.New(slog.DiscardHandler), nil); err != nil {
				t.Fatal(err)
			}
			if !tc.release {
				mustExec(t, blocker, "ROLLBACK")
			}
			blocker.Close()
			if len(res.Files) != 1 || res.Files[0].Status != tc.want || retries != tc.attempts {
				t.Fatalf("files %+v, %d retries; want %s %s after %d", res.Files, retries, name, tc.want, tc.attempts)
			}
			f := res.Files[0]
			wantRows := lastGood
			if tc.release {
				wantRows = int(f.Counts.Loaded)
			} else if !isConflict(f.Err) || !slices.Equal(res.Stale, []string{"LO"}) {
				t.Errorf("error %v, stale %v; want a transaction conflict, LO stale", f.Err, res.Stale)
			}
			if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'"); n != wantRows || n == 0 || n == lastGood && tc.release {
				t.Errorf("LO has %d rows, want %d (last good: %d)", n, wantRows, lastGood)
			}
		})
	}
}

func mustConn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustExec(t *testing.T, c *sql.Conn, q string, args ...any) {
	t.Helper()
	if _, err := c.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestHeldLogKeepsOrder: records held for a later province come out after
// the earlier province's, in the order they were logged, with their
// attributes and groups, once released; then they pass straight through.
func TestHeldLogKeepsOrder(t *testing.T) {
	var b bytes.Buffer
	base := slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	first, second := &heldLog{live: true}, &heldLog{}
	l1 := slog.New(first.handler(base)).With("province", "MN")
	l2 := slog.New(second.handler(base)).With("province", "LO").WithGroup("g")
	l2.Info("second, one", "n", 1)
	l1.Info("first")
	l2.Info("second, two", "n", 2)
	if strings.Contains(b.String(), "second") {
		t.Fatalf("held records written before release:\n%s", b.String())
	}
	second.release()
	l2.Info("second, three", "n", 3)
	want := `level=INFO msg=first province=MN
level=INFO msg="second, one" province=LO g.n=1
level=INFO msg="second, two" province=LO g.n=2
level=INFO msg="second, three" province=LO g.n=3
`
	if b.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestWorkersSetting: --workers wins over the config's workers, which wins
// over GOMAXPROCS; a negative workers: is a config problem.
func TestWorkersSetting(t *testing.T) {
	cfg := &Config{Workers: 3}
	if n := workers(cfg, Options{Workers: 2}); n != 2 {
		t.Errorf("option 2, config 3: %d", n)
	}
	if n := workers(cfg, Options{}); n != 3 {
		t.Errorf("config 3: %d", n)
	}
	if n := workers(&Config{}, Options{}); n < 1 {
		t.Errorf("default: %d", n)
	}
	dir := t.TempDir()
	path := writeConfig(t, dir, map[string]string{"LO": filepath.Join(dir, "*")}, "")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(fmt.Sprintf("workers: %d\n", *testWorkers)), []byte("workers: -1\n"), 1)
	_, err = ParseConfig(path, b)
	if err == nil || !strings.Contains(err.Error(), "line 7: workers must be 0 (as many as cores) or more, got -1") {
		t.Errorf("workers: -1 gave %v", err)
	}
}

// TestConcurrentProvinceTransactions: the writes of provinces loaded at the
// same time, each in its own transaction on its own connection, interleaved
// statement by statement, do not conflict in DuckDB: MN's file replaced
// (its rows deleted, a catalogue module and its source_files row written),
// LO's file renamed (its rows updated) and its modules replaced, while LC's
// shrink guard puts its snapshot back (deletes and inserts of the same
// keys, outside those transactions).
func TestConcurrentProvinceTransactions(t *testing.T) {
	dir := t.TempDir()
	cfg := mustLoad(t, writeConfig(t, dir, dropFolders(t, dir, workerProvinces...), ""))
	if _, _, err := loadOnly(t, dir, cfg, Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, err := sinks.OpenWarehouse(ctx, cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	sha := func(p string) string {
		var s string
		if err := w.DB.QueryRow("SELECT source_sha256 FROM source_files WHERE province_code = ?", p).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	mn, lo, lc := mustConn(t, w.DB), mustConn(t, w.DB), mustConn(t, w.DB)
	defer mn.Close()
	defer lo.Close()
	defer lc.Close()
	rows := func(p string) int {
		return queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = ?", p)
	}
	lcRows, loRows := rows("LC"), rows("LO")
	mustExec(t, lc, queries.Query("guard_scope"), "LC")
	mustExec(t, lc, queries.Query("guard_save"))
	mustExec(t, mn, "BEGIN TRANSACTION")
	mustExec(t, lo, "BEGIN TRANSACTION")
	for _, q := range []string{"slot_delete_enrolments", "slot_delete_quarantine", "slot_delete_issues", "slot_delete_skipped", "slot_delete_modules"} {
		mustExec(t, mn, queries.Query(q), "MN", sha("MN"))
		mustExec(t, lo, queries.Query("slot_delete_modules"), "LO", sha("LO"))
	}
	mustExec(t, lc, queries.Query("guard_restore"))
	for _, tbl := range []string{"enrolments", "quarantine", "issues", "skipped_rows", "modules"} {
		mustExec(t, lo, queries.Query("file_rename_"+tbl), "lodi.xlsx", "LO", sha("LO"))
	}
	for _, c := range []struct {
		conn *sql.Conn
		p    string
	}{{mn, "MN"}, {lo, "LO"}} {
		mustExec(t, c.conn, queries.Query("module_catalogue_put"), c.p+":1", c.p, "1", "Corso", "corso", nil, nil, nil,
			4.0, 2, nil, nil, "f.xlsx", "sha", "Corsi", 2, duckdb.OrderedMap{})
		mustExec(t, c.conn, queries.Query("source_file_put"), c.p, "slot", "f.xlsx", "sha"+c.p, "landed", "run", time.Now(), IngestVersion)
	}
	mustExec(t, lc, queries.Query("guard_restore"))
	mustExec(t, mn, "COMMIT")
	mustExec(t, lo, "COMMIT")
	if n := rows("MN"); n != 0 {
		t.Errorf("MN: %d rows after its file's rows were deleted", n)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO' AND source_file = 'lodi.xlsx'"); n != loRows || n == 0 {
		t.Errorf("LO: %d rows renamed, want %d", n, loRows)
	}
	if n := rows("LC"); n != lcRows || n == 0 {
		t.Errorf("LC: %d rows after its snapshot was put back twice, want %d", n, lcRows)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM modules WHERE module_id IN ('MN:1', 'LO:1')"); n != 2 {
		t.Errorf("%d catalogue modules of the two transactions, want 2", n)
	}
}
