package pipeline

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/link"
	"github.com/lombardia-orim/correlare/sinks"
)

const testKey = "pipeline-test-key-not-a-secret-0123456789"

// testWorkers is the workers: of the configs the tests write (writeConfig):
// `go test ./pipeline/ -workers=1` runs every test with the provinces taken
// one after the other; the default, 4, runs them concurrently.
var testWorkers = flag.Int("workers", 4, "workers: of the configs the tests write")

// The test binary doubles as a helper process (see helperMain): the crash and
// concurrency tests need a second process.
func TestMain(m *testing.M) {
	if mode := os.Getenv("CORRELARE_HELPER"); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

func helperMain(mode string) int {
	ctx := context.Background()
	switch mode {
	case "run-and-hang-before-publish":
		cfg, err := LoadConfig(os.Getenv("CORRELARE_CONFIG"))
		if err != nil {
			fmt.Println("ERR", err)
			return 2
		}
		res := Run(ctx, cfg, Options{BeforePublish: func() {
			fmt.Println("PUBLISHING")
			time.Sleep(time.Hour) // the parent SIGKILLs us here
		}})
		fmt.Println("DONE", res.Summary())
		return 0
	case "run-and-hang-at":
		cfg, err := LoadConfig(os.Getenv("CORRELARE_CONFIG"))
		if err != nil {
			fmt.Println("ERR", err)
			return 2
		}
		at := os.Getenv("CORRELARE_HANG_AT")
		res := Run(ctx, cfg, Options{Checkpoint: func(point string) {
			if point == at {
				fmt.Println("AT", point)
				time.Sleep(time.Hour) // the parent SIGKILLs us here
			}
		}})
		fmt.Println("DONE", res.Summary())
		return 0
	case "hold-read-only":
		w, err := sinks.OpenWarehouseReadOnly(ctx, os.Getenv("CORRELARE_WAREHOUSE"))
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		defer w.Close(ctx)
		var n int
		if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM enrolments").Scan(&n); err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		fmt.Println("OPEN", n)
		bufio.NewReader(os.Stdin).ReadString('\n') // until the parent says so
		if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM enrolments").Scan(&n); err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		fmt.Println("STILL", n)
		return 0
	}
	return 2
}

// repoDir is the repository root (tests run in the package directory).
func repoDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

var demoProvinces = []struct{ code, istat, name string }{
	{"VA", "012", "Varese"}, {"CO", "013", "Como"}, {"MI", "015", "Milano"}, {"BG", "016", "Bergamo"},
	{"CR", "019", "Cremona"}, {"MN", "020", "Mantova"}, {"LC", "097", "Lecco"}, {"LO", "098", "Lodi"},
	{"MB", "108", "Monza e della Brianza"},
}

// writeConfig writes a config whose outputs are under dir and whose
// provinces read the given drop folders (code → glob or URL).
func writeConfig(t testing.TB, dir string, sources map[string]string, extra string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "paths:\n  warehouse: %s\n  landing: %s\n  exports: %s\n  reports: %s\nlock_wait: 0s\nworkers: %d\n",
		filepath.Join(dir, "warehouse.duckdb"), filepath.Join(dir, "landing"), filepath.Join(dir, "exports"), filepath.Join(dir, "reports"), *testWorkers)
	fmt.Fprintf(&b, "http: {timeout: 5s, retries: 3, backoff: 10ms}\n%s\nprovinces:\n", extra)
	for _, p := range demoProvinces {
		src, ok := sources[p.code]
		if !ok {
			continue
		}
		key := "path"
		if strings.HasPrefix(src, "http") {
			key = "url"
		}
		fmt.Fprintf(&b, "  - {code: %s, istat: %q, name: %q, partner: true, sources: [{%s: %q}]}\n", p.code, p.istat, p.name, key, src)
	}
	path := filepath.Join(dir, "correlare.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func allDemoSources(t testing.TB) map[string]string {
	m := map[string]string{}
	for _, p := range demoProvinces {
		m[p.code] = filepath.Join(repoDir(t), "testdata", "demo", p.code, "*")
	}
	return m
}

func mustLoad(t testing.TB, path string) *Config {
	t.Helper()
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func queryInt(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func openPublished(t testing.TB, cfg *Config) *sinks.Warehouse {
	t.Helper()
	w, err := sinks.OpenWarehouseReadOnly(context.Background(), cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(context.Background()) })
	return w
}

func TestDemoEndToEnd(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	cfg := mustLoad(t, writeConfig(t, dir, allDemoSources(t), "exports: {keep_runs: 1}"))
	ctx := context.Background()
	res := Run(ctx, cfg, Options{})
	if res.Status != StatusSuccess || res.Err != nil {
		t.Fatalf("run: %s", res.Summary())
	}
	t.Log(res.Summary())
	for _, f := range res.Files {
		if f.Counts.Read != f.Counts.Loaded+f.Counts.Quarantined+f.Counts.Skipped {
			t.Errorf("%s/%s: read %d != loaded %d + quarantined %d + skipped %d", f.Province, f.Name,
				f.Counts.Read, f.Counts.Loaded, f.Counts.Quarantined, f.Counts.Skipped)
		}
	}
	fi, err := os.Stat(cfg.Paths.Warehouse)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("published warehouse: %v %v", fi, err)
	}
	w := openPublished(t, cfg)
	db := w.DB

	provs := queryInt(t, db, "SELECT count(DISTINCT province_code) FROM enrolments")
	if provs != 9 {
		t.Errorf("%d provinces loaded, want 9", provs)
	}
	want := map[string]int{"accepted": 314, "not_accepted": 84, "withdrawn": 39, "not_indicated": 0}
	for st, n := range want {
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code='CR' AND status=?", st); got != n {
			t.Errorf("CR %s = %d, want %d", st, got, n)
		}
	}
	if got := queryInt(t, db, "SELECT applications FROM indicators WHERE province_code='CR'"); got != 437 {
		t.Errorf("CR applications = %d, want 437 = 314 + 84 + 39", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE status IS NULL"); got != 0 {
		t.Errorf("%d enrolments without a status", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM quarantine WHERE province_code='CR'"); got != 0 {
		t.Errorf("CR quarantined %d rows", got)
	}
	if got := queryInt(t, db, "SELECT count(DISTINCT person_id) FROM enrolments WHERE province_code='CR' AND status='accepted'"); got != 246 {
		t.Errorf("CR persons among participations = %d, want 246", got)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM (SELECT person_id FROM enrolments WHERE province_code='CR' AND status='accepted'
		GROUP BY person_id HAVING count(*) > 1)`); got != 52 {
		t.Errorf("CR persons with more than one participation = %d, want 52", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE person_id IS NULL"); got != 0 {
		t.Errorf("%d enrolments without person_id", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE module_id IS NULL"); got != 0 {
		t.Errorf("%d enrolments without module_id", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code='CR'"); got != 12 {
		t.Errorf("CR modules = %d, want 12", got)
	}
	// CR and VA send a modules catalogue: every one of their enrolments finds its module there.
	if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE from_catalogue AND province_code NOT IN ('CR', 'VA')"); got != 0 {
		t.Errorf("%d catalogue modules outside CR and VA", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM issues WHERE code IN ('module_not_in_catalogue', 'module_ambiguous')"); got != 0 {
		t.Errorf("%d demo enrolments flagged as not in their catalogue", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE NOT from_catalogue AND province_code IN ('CR', 'VA')"); got != 0 {
		t.Errorf("%d derived modules in CR and VA, which have catalogues", got)
	}

	checkDemoFeedback(t, filepath.Join(cfg.Paths.Reports, "feedback", "feedback_MN.xlsx"))

	// Linkage quality against the ground truth.
	tf, err := os.Open(filepath.Join(repoDir(t), "testdata", "demo", "truth.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	checkLinkage(t, db, tf)

	checkFunderReport(t, filepath.Join(cfg.Paths.Reports, ReportFile))
	checkExportCounts(t, db, cfg.Paths.Exports)
	checkExportsHoldNoPersonalData(t, db, cfg.Paths.Exports)

	// Runs table: one success with per-file counts that add up.
	if got := queryInt(t, db, "SELECT count(*) FROM runs WHERE status='success' AND rows_read = rows_loaded + rows_quarantined + rows_skipped"); got != 1 {
		t.Errorf("runs rows consistent = %d", got)
	}

	// A second run over the same files loads nothing again and keeps person ids.
	before := personIDs(t, db)
	w.Close(ctx)
	res2 := Run(ctx, cfg, Options{})
	if res2.Status != StatusSuccess {
		t.Fatalf("second run: %s", res2.Summary())
	}
	for _, f := range res2.Files {
		if f.Status != FileUnchanged {
			t.Errorf("second run: %s/%s is %s, want unchanged", f.Province, f.Name, f.Status)
		}
	}
	w2 := openPublished(t, cfg)
	after := personIDs(t, w2.DB)
	changed := 0
	for id, p := range before {
		if after[id] != p {
			changed++
		}
	}
	if changed != 0 || len(after) != len(before) {
		t.Errorf("person_id changed for %d of %d enrolments between identical runs", changed, len(before))
	}
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM runs"); got != 2 {
		t.Errorf("runs = %d, want 2", got)
	}
	if got := latestRun(t, cfg.Paths.Exports); got != res2.RunID {
		t.Errorf("latest.json names %s, want %s", got, res2.RunID)
	}
	// exports.keep_runs: 1 in this config: only the second run's export is left.
	ents, _ := os.ReadDir(cfg.Paths.Exports)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if len(left) != 2 || left[0] != res2.RunID || left[1] != "latest.json" {
		t.Errorf("exports directory holds %v, want the second run and latest.json", left)
	}
}

func personIDs(t testing.TB, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT enrolment_id, person_id FROM enrolments")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var e, p string
		if err := rows.Scan(&e, &p); err != nil {
			t.Fatal(err)
		}
		m[e] = p
	}
	return m
}

// copyTree copies the files of src into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// twoProvinces sets up drop folders for CR and LO copied from the demo.
func twoProvinces(t testing.TB) (dir string, srcs map[string]string) {
	dir = t.TempDir()
	srcs = map[string]string{}
	for _, p := range []string{"CR", "LO"} {
		d := filepath.Join(dir, "drop", p)
		copyTree(t, filepath.Join(repoDir(t), "testdata", "demo", p), d)
		srcs[p] = filepath.Join(d, "*")
	}
	return dir, srcs
}

func TestCorruptFileKeepsLastGoodAndRunIsPartial(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	ctx := context.Background()
	if res := Run(ctx, cfg, Options{}); res.Status != StatusSuccess {
		t.Fatalf("first run: %s", res.Summary())
	}
	w := openPublished(t, cfg)
	loBefore := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code='LO'")
	crBefore := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code='CR'")
	w.Close(ctx)

	// LO sends a damaged workbook under the same name; CR sends a changed one.
	loFiles, _ := filepath.Glob(srcs["LO"])
	damaged, err := os.ReadFile(filepath.Join(repoDir(t), "testdata", "samples", "truncated.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range loFiles {
		if err := os.WriteFile(f, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := Run(ctx, cfg, Options{})
	if res.Status != StatusPartial || !res.Published {
		t.Fatalf("second run: %s", res.Summary())
	}
	if len(res.Stale) != 1 || res.Stale[0] != "LO" {
		t.Errorf("stale = %v, want [LO]", res.Stale)
	}
	if !strings.Contains(res.Summary(), "failed") {
		t.Errorf("summary does not name the failure: %s", res.Summary())
	}
	w2 := openPublished(t, cfg)
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM enrolments WHERE province_code='LO'"); got != loBefore {
		t.Errorf("LO rows after a damaged file = %d, want the last good %d", got, loBefore)
	}
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM enrolments WHERE province_code='CR'"); got != crBefore {
		t.Errorf("CR rows = %d, want %d", got, crBefore)
	}
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM provinces WHERE province_code='LO' AND stale_since IS NOT NULL"); got != 1 {
		t.Error("LO not marked stale")
	}
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM provinces WHERE province_code='CR' AND stale_since IS NULL"); got != 1 {
		t.Error("CR marked stale")
	}
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM run_files WHERE province_code='LO' AND status='failed' AND error LIKE '%truncated%' OR (province_code='LO' AND status='failed' AND error IS NOT NULL)"); got == 0 {
		t.Error("run_files has no failed LO file with its error")
	}
	if got := queryInt(t, w2.DB, "SELECT count(*) FROM runs WHERE status='partial'"); got != 1 {
		t.Errorf("partial runs = %d", got)
	}
}

// TestKilledDuringPublishLeavesPublishedIntact kills a run (SIGKILL, in a
// subprocess) at the moment it publishes: the published warehouse is the
// previous one, and the next run succeeds (the lock died with the process).
func TestKilledDuringPublishLeavesPublishedIntact(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	cfgPath := writeConfig(t, dir, srcs, "")
	cfg := mustLoad(t, cfgPath)
	ctx := context.Background()
	first := Run(ctx, cfg, Options{})
	if first.Status != StatusSuccess {
		t.Fatalf("first run: %s", first.Summary())
	}
	before, err := os.ReadFile(cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	// A new file for CR, so the killed run has something new to publish.
	addSample(t, srcs["CR"])

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CORRELARE_HELPER=run-and-hang-before-publish", "CORRELARE_CONFIG="+cfgPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLine(t, out, "PUBLISHING", 3*time.Minute)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	after, err := os.ReadFile(cfg.Paths.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatal("the published warehouse changed under a killed run")
	}
	if got := latestRun(t, cfg.Paths.Exports); got != first.RunID {
		t.Errorf("exports' latest.json points at %s, not at the published run %s", got, first.RunID)
	}
	w := openPublished(t, cfg)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM runs"); n != 1 {
		t.Errorf("runs in published warehouse = %d, want 1", n)
	}
	w.Close(ctx)
	res := Run(ctx, cfg, Options{})
	if res.Status != StatusSuccess || !res.Published {
		t.Fatalf("run after the kill: %s", res.Summary())
	}
}

// TestAnalystHoldsPublishedOpenDuringRun keeps the published warehouse open
// read-only in another process while a run builds and publishes the next one.
func TestAnalystHoldsPublishedOpenDuringRun(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	ctx := context.Background()
	if res := Run(ctx, cfg, Options{}); res.Status != StatusSuccess {
		t.Fatalf("first run: %s", res.Summary())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CORRELARE_HELPER=hold-read-only", "CORRELARE_WAREHOUSE="+cfg.Paths.Warehouse)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := waitLine(t, out, "OPEN", time.Minute)

	addSample(t, srcs["CR"]) // something new to publish
	res := Run(ctx, cfg, Options{})
	if res.Status != StatusSuccess || !res.Published {
		t.Fatalf("run while an analyst reads: %s", res.Summary())
	}
	io.WriteString(stdin, "go\n")
	still := waitLine(t, out, "STILL", time.Minute)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("analyst process: %v", err)
	}
	if strings.TrimPrefix(first, "OPEN") != strings.TrimPrefix(still, "STILL") {
		t.Errorf("analyst's open file changed under them: %q then %q", first, still)
	}
	w := openPublished(t, cfg)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM runs"); n != 2 {
		t.Errorf("runs = %d, want 2", n)
	}
}

func waitLine(t testing.TB, r io.Reader, prefix string, timeout time.Duration) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), prefix) {
				got <- sc.Text()
				return
			}
			if strings.HasPrefix(sc.Text(), "ERR") || strings.HasPrefix(sc.Text(), "DONE") {
				got <- sc.Text()
				return
			}
		}
		close(got)
	}()
	select {
	case l, ok := <-got:
		if !ok || !strings.HasPrefix(l, prefix) {
			t.Fatalf("helper process: want %s, got %q", prefix, l)
		}
		return l
	case <-time.After(timeout):
		t.Fatalf("helper process: no %s within %v", prefix, timeout)
	}
	return ""
}

func checkLinkage(t *testing.T, db *sql.DB, truth io.Reader) {
	t.Helper()
	s, err := link.Evaluate(context.Background(), db, truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("linkage:", s)
	// Ground-truth rows missing from enrolments must be the quarantined ones.
	if q := queryInt(t, db, "SELECT count(*) FROM quarantine"); s.Missing != q {
		t.Errorf("%d ground-truth rows not in enrolments, but %d rows quarantined", s.Missing, q)
	}
	if s.Precision < 0.995 || s.Recall < 0.98 {
		t.Errorf("linkage precision %.4f (want ≥ 0.995), recall %.4f (want ≥ 0.98)", s.Precision, s.Recall)
	}
}

// addSample drops a small CSV written by another program into the folder of glob.
func addSample(t testing.TB, glob string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoDir(t), "testdata", "samples", "csv_comma_utf8_bom.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(glob), "aggiunta.csv"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
