package pipeline

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The operations campaign: the ordinary things an operator or a province
// does to files and folders, one after another on one warehouse (CR and LO
// from the demo, real files, a real DuckDB file, pipeline.Run). After each
// step no row is lost and the figures are those of the first run: the
// enrolments of each province, Cremona's 437 applications and 314
// participations, and every Cremona person_id.

// figures are what must not move.
type figures struct {
	perProvince  map[string]int    // enrolments per province
	applications int               // CR enrolments with a status
	participants int               // CR accepted
	crPersons    map[string]string // CR enrolment_id → person_id
}

func readFigures(t testing.TB, cfg *Config) figures {
	t.Helper()
	w := openPublished(t, cfg)
	defer w.Close(context.Background())
	f := figures{perProvince: map[string]int{}, crPersons: map[string]string{}}
	rows, err := w.DB.Query("SELECT province_code, count(*) FROM enrolments GROUP BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			t.Fatal(err)
		}
		f.perProvince[p] = n
	}
	rows.Close()
	f.applications = queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code='CR' AND status IS NOT NULL")
	f.participants = queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code='CR' AND status='accepted'")
	rows, err = w.DB.Query("SELECT enrolment_id, person_id FROM enrolments WHERE province_code='CR'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, p string
		if err := rows.Scan(&e, &p); err != nil {
			t.Fatal(err)
		}
		f.crPersons[e] = p
	}
	return f
}

// sameFigures fails t if got differs from want.
func sameFigures(t testing.TB, want, got figures) {
	t.Helper()
	for p, n := range want.perProvince {
		if got.perProvince[p] != n {
			t.Errorf("%s: %d enrolments, want %d", p, got.perProvince[p], n)
		}
	}
	if len(got.perProvince) != len(want.perProvince) {
		t.Errorf("provinces loaded: %v, want %v", got.perProvince, want.perProvince)
	}
	if got.applications != 437 || got.participants != 314 {
		t.Errorf("Cremona: %d applications / %d participations, want 437 / 314", got.applications, got.participants)
	}
	changed := 0
	for e, p := range want.crPersons {
		if got.crPersons[e] != p {
			changed++
		}
	}
	if changed > 0 || len(got.crPersons) != len(want.crPersons) {
		t.Errorf("Cremona: %d of %d person_ids changed (%d rows now)", changed, len(want.crPersons), len(got.crPersons))
	}
}

// campaign is the shared state of the steps.
type campaign struct {
	t    *testing.T
	dir  string
	srcs map[string]string // province → glob
	cfg  *Config
	base figures
}

func (c *campaign) configure(extra string) {
	c.t.Helper()
	c.cfg = mustLoad(c.t, writeConfig(c.t, c.dir, c.srcs, extra))
}

// run runs and checks the outcome: the run status and, per province, the
// run_files statuses wanted (in any order).
func (c *campaign) run(t *testing.T, opt Options, status string) *Result {
	t.Helper()
	res := Run(context.Background(), c.cfg, opt)
	t.Log(res.Summary())
	if res.Status != status || !res.Published {
		t.Fatalf("run: %s, want %s and published", res.Summary(), status)
	}
	return res
}

// statuses lists the run_files statuses of one province in a result.
func statuses(res *Result, province string) []string {
	var out []string
	for _, f := range res.Files {
		if f.Province == province {
			out = append(out, f.Status)
		}
	}
	return out
}

func wantStatuses(t *testing.T, res *Result, province string, want ...string) {
	t.Helper()
	if got := strings.Join(statuses(res, province), ","); got != strings.Join(want, ",") {
		t.Errorf("%s files: %s, want %s", province, got, strings.Join(want, ","))
	}
}

func (c *campaign) crFile() string {
	m, _ := filepath.Glob(c.srcs["CR"])
	if len(m) != 1 {
		c.t.Fatalf("CR folder holds %v", m)
	}
	return m[0]
}

func mustRename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func mustCopy(t testing.TB, from, to string) {
	t.Helper()
	if err := copyFile(from, to); err != nil {
		t.Fatal(err)
	}
}

func TestOperationsCampaign(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	c := &campaign{t: t, dir: dir, srcs: srcs}
	c.configure("")
	c.run(t, Options{}, StatusSuccess)
	c.base = readFigures(t, c.cfg)
	if c.base.perProvince["CR"] == 0 || c.base.perProvince["LO"] == 0 {
		t.Fatalf("first run loaded %v", c.base.perProvince)
	}
	// An analyst holds the first published warehouse open, read-only, in
	// another process, through the whole campaign.
	analyst := exec.Command(os.Args[0], "-test.run=^$")
	analyst.Env = append(os.Environ(), "CORRELARE_HELPER=hold-read-only", "CORRELARE_WAREHOUSE="+c.cfg.Paths.Warehouse)
	analystIn, _ := analyst.StdinPipe()
	analystOut, _ := analyst.StdoutPipe()
	analyst.Stderr = os.Stderr
	if err := analyst.Start(); err != nil {
		t.Fatal(err)
	}
	defer analyst.Process.Kill()
	opened := waitLine(t, analystOut, "OPEN", time.Minute)

	steps := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"rename", c.rename},
		{"move drop folders", c.moveFolders},
		{"copy beside itself", c.copyBeside},
		{"same file for two provinces", c.sameFileTwoProvinces},
		{"file emptied to its header", c.guardHolds("CR_header_only.xlsx")},
		{"file replaced by a shorter one", c.guardHolds("CR_shorter.xlsx")},
		{"drop folder vanishes", c.folderVanishes},
		{"killed at several points", c.killedAtPoints},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.do) {
			return // later steps build on this one
		}
		sameFigures(t, c.base, readFigures(t, c.cfg))
		if t.Failed() {
			t.Fatalf("after %s: figures moved", s.name)
		}
	}
	io.WriteString(analystIn, "go\n")
	still := waitLine(t, analystOut, "STILL", time.Minute)
	if err := analyst.Wait(); err != nil {
		t.Fatalf("analyst process: %v", err)
	}
	if strings.TrimPrefix(opened, "OPEN") != strings.TrimPrefix(still, "STILL") {
		t.Errorf("the analyst's open warehouse changed under them: %q, then %q", opened, still)
	}

	// Files vanishing from a folder that keeps another: the guard holds the
	// big loss and lets the small one through.
	if !t.Run("files vanished", c.filesVanished) {
		return
	}
	// Last, the shrinks accepted on purpose: by flag, then by the config.
	t.Run("shrink accepted", c.acceptShrink)
}

// rename: a file renamed in its drop folder keeps its rows, its person ids,
// and its lineage follows the new name.
func (c *campaign) rename(t *testing.T) {
	old := c.crFile()
	renamed := filepath.Join(filepath.Dir(old), "CR iscrizioni (copia).xlsx")
	mustRename(t, old, renamed)
	res := c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileRenamed)
	wantStatuses(t, res, "LO", FileUnchanged)
	w := openPublished(t, c.cfg)
	defer w.Close(context.Background())
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code='CR' AND source_file <> 'CR iscrizioni (copia).xlsx'"); n != 0 {
		t.Errorf("%d CR rows still name the old file", n)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM source_files WHERE province_code='CR' AND slot = ? AND source_file = 'CR iscrizioni (copia).xlsx'", renamed); n != 1 {
		t.Errorf("source_files does not hold the new name")
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM run_files WHERE run_id = ? AND status = 'renamed' AND other_slot = ?", res.RunID, old); n != 1 {
		t.Errorf("run_files does not record the rename from %s", old)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM provinces WHERE stale_since IS NOT NULL"); n != 0 {
		t.Errorf("%d provinces stale after a rename", n)
	}
}

// moveFolders: the drop folders move to a new mount and the config's paths
// follow; every file is the same bytes.
func (c *campaign) moveFolders(t *testing.T) {
	for _, p := range []string{"CR", "LO"} {
		from := filepath.Dir(c.srcs[p])
		to := filepath.Join(c.dir, "mnt", "nuovo", p)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		mustRename(t, from, to)
		c.srcs[p] = filepath.Join(to, "*")
	}
	c.configure("")
	res := c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileMoved)
	wantStatuses(t, res, "LO", FileMoved)
}

// copyBeside: a copy of a file beside itself is a duplicate, loaded once;
// removing the original later keeps the rows (the copy takes them over).
func (c *campaign) copyBeside(t *testing.T) {
	orig := c.crFile()
	cp := filepath.Join(filepath.Dir(orig), "zz copia di sicurezza.xlsx")
	mustCopy(t, orig, cp)
	res := c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileUnchanged, FileDuplicate)
	sameFigures(t, c.base, readFigures(t, c.cfg))
	if err := os.Remove(orig); err != nil {
		t.Fatal(err)
	}
	res = c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileRenamed)
}

// sameFileTwoProvinces: LO's folder receives Cremona's workbook. LO's run
// refuses it naming Cremona, LO keeps its data and is stale; then the file
// is taken away and LO is fresh again.
func (c *campaign) sameFileTwoProvinces(t *testing.T) {
	wrong := filepath.Join(filepath.Dir(c.srcs["LO"]), "iscrizioni_ricevute.xlsx")
	mustCopy(t, c.crFile(), wrong)
	res := c.run(t, Options{}, StatusPartial)
	wantStatuses(t, res, "LO", FileUnchanged, FileFailed)
	wantStatuses(t, res, "CR", FileUnchanged)
	if len(res.Stale) != 1 || res.Stale[0] != "LO" {
		t.Errorf("stale %v, want [LO]", res.Stale)
	}
	for _, f := range res.Files {
		if f.Status == FileFailed {
			var oe *OtherProvinceError
			if !errors.As(f.Err, &oe) || oe.Owner != "CR" || !errors.Is(f.Err, ErrOtherProvince) {
				t.Errorf("error %v, want an OtherProvinceError naming CR", f.Err)
			}
			if !strings.Contains(f.Err.Error(), "questo file sembra quello della provincia CR") {
				t.Errorf("message %q does not tell LO in Italian", f.Err)
			}
		}
	}
	sameFigures(t, c.base, readFigures(t, c.cfg))
	if err := os.Remove(wrong); err != nil {
		t.Fatal(err)
	}
	res = c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "LO", FileUnchanged)
}

// guardHolds: Cremona's workbook is replaced by a damaging version (emptied
// to its header, or much shorter). The guard holds it back: Cremona keeps
// its last good data, is stale with the reason in English and Italian, the
// run is partial and its summary says how to accept. The original bytes
// put back are unchanged, and Cremona is fresh again.
func (c *campaign) guardHolds(file string) func(t *testing.T) {
	return func(t *testing.T) {
		cr := c.crFile()
		good, err := os.ReadFile(cr)
		if err != nil {
			t.Fatal(err)
		}
		mustCopy(t, filepath.Join(repoDir(t), "testdata", "ops", file), cr)
		res := c.run(t, Options{}, StatusPartial)
		wantStatuses(t, res, "CR", FileHeld)
		wantStatuses(t, res, "LO", FileUnchanged)
		if len(res.Held) != 1 || res.Held[0] != "CR" || len(res.Stale) != 1 {
			t.Errorf("held %v, stale %v; want CR", res.Held, res.Stale)
		}
		if !strings.Contains(res.Summary(), "correlare run --accept-shrink CR") {
			t.Errorf("summary does not say how to accept: %s", res.Summary())
		}
		for _, f := range res.Files {
			if f.Status == FileHeld && !errors.Is(f.Err, ErrShrink) {
				t.Errorf("held file's error %v is not a shrink", f.Err)
			}
		}
		w := openPublished(t, c.cfg)
		var en, it string
		if err := w.DB.QueryRow("SELECT stale_reason, stale_reason_it FROM provinces WHERE province_code='CR' AND stale_since IS NOT NULL").Scan(&en, &it); err != nil {
			t.Fatalf("CR not stale with a reason: %v", err)
		}
		for _, want := range []string{"--accept-shrink CR", "guard.accept_shrink"} {
			if !strings.Contains(en, want) || !strings.Contains(it, want) {
				t.Errorf("reason does not say %q: %q / %q", want, en, it)
			}
		}
		if !strings.Contains(it, "mantenuti gli ultimi dati validi") || !strings.Contains(en, "last good data is kept") {
			t.Errorf("reason: %q / %q", en, it)
		}
		if n := queryInt(t, w.DB, "SELECT count(*) FROM run_files WHERE run_id = ? AND province_code = 'CR' AND status = 'held' AND error LIKE '%accept-shrink CR%'", res.RunID); n != 1 {
			t.Errorf("run_files: %d held CR files with the way to accept, want 1", n)
		}
		w.Close(context.Background())
		sameFigures(t, c.base, readFigures(t, c.cfg))

		if err := os.WriteFile(cr, good, 0o644); err != nil {
			t.Fatal(err)
		}
		res = c.run(t, Options{}, StatusSuccess)
		wantStatuses(t, res, "CR", FileUnchanged)
		w = openPublished(t, c.cfg)
		defer w.Close(context.Background())
		if n := queryInt(t, w.DB, "SELECT count(*) FROM provinces WHERE stale_since IS NOT NULL OR stale_reason IS NOT NULL"); n != 0 {
			t.Errorf("%d provinces still stale", n)
		}
	}
}

// folderVanishes: Cremona's drop folder disappears (an unmounted share).
// The province keeps its data, stale, and the reason says how to accept;
// the folder back, all is as before.
func (c *campaign) folderVanishes(t *testing.T) {
	folder := filepath.Dir(c.srcs["CR"])
	away := folder + ".smontata"
	mustRename(t, folder, away)
	res := c.run(t, Options{}, StatusPartial)
	wantStatuses(t, res, "CR", FileFetchFail)
	if !strings.Contains(res.Reasons["CR"].EN, "--accept-shrink CR") || !strings.Contains(res.Reasons["CR"].IT, "--accept-shrink CR") {
		t.Errorf("reason does not say how to accept: %+v", res.Reasons["CR"])
	}
	sameFigures(t, c.base, readFigures(t, c.cfg))
	mustRename(t, away, folder)
	res = c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileUnchanged)
}

// killedAtPoints: with a change pending (Cremona's file renamed), a run is
// SIGKILLed at several points, each in a subprocess. The published
// warehouse keeps its figures every time, and the next run applies the
// change with the figures unchanged.
func (c *campaign) killedAtPoints(t *testing.T) {
	cr := c.crFile()
	mustRename(t, cr, filepath.Join(filepath.Dir(cr), "CR_rinominato.xlsx"))
	cfgPath := filepath.Join(c.dir, "correlare.yaml")
	for _, point := range []string{"loaded CR", "linked", "reported", "publish"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "CORRELARE_HELPER=run-and-hang-at", "CORRELARE_HANG_AT="+point, "CORRELARE_CONFIG="+cfgPath)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitLine(t, out, "AT "+point, 3*time.Minute)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		sameFigures(t, c.base, readFigures(t, c.cfg))
		if t.Failed() {
			t.Fatalf("killed at %q: figures moved", point)
		}
	}
	res := c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileRenamed)
}

// acceptShrink: the shorter file accepted with --accept-shrink applies;
// then the drop folder removed on purpose, accepted by the config switch,
// empties the province and records the removal.
func (c *campaign) acceptShrink(t *testing.T) {
	cr := c.crFile()
	mustCopy(t, filepath.Join(repoDir(t), "testdata", "ops", "CR_shorter.xlsx"), cr)
	res := c.run(t, Options{AcceptShrink: []string{"CR"}}, StatusSuccess)
	wantStatuses(t, res, "CR", FileLoaded)
	got := readFigures(t, c.cfg)
	if got.perProvince["CR"] != 150 || got.perProvince["LO"] != c.base.perProvince["LO"] {
		t.Errorf("after accepting the shorter file: %v, want CR 150 and LO unchanged", got.perProvince)
	}

	if err := os.RemoveAll(filepath.Dir(c.srcs["CR"])); err != nil {
		t.Fatal(err)
	}
	c.configure("guard: {accept_shrink: [CR]}")
	res = c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileRemoved)
	got = readFigures(t, c.cfg)
	if got.perProvince["CR"] != 0 || got.perProvince["LO"] != c.base.perProvince["LO"] {
		t.Errorf("after removing CR's folder on purpose: %v", got.perProvince)
	}
	w := openPublished(t, c.cfg)
	defer w.Close(context.Background())
	if n := queryInt(t, w.DB, "SELECT count(*) FROM run_files WHERE run_id = ? AND province_code = 'CR' AND status = 'removed'", res.RunID); n != 1 {
		t.Errorf("the removal is not recorded in run_files")
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM source_files WHERE province_code = 'CR'"); n != 0 {
		t.Errorf("%d CR files still listed as loaded", n)
	}
}

func TestShrinks(t *testing.T) {
	cases := []struct {
		before, after int
		max           float64
		want          bool
	}{
		{0, 0, 0.5, false},     // nothing to lose
		{100, 100, 0.5, false}, // unchanged
		{100, 120, 0.5, false}, // grew
		{100, 50, 0.5, false},  // exactly the limit
		{100, 49, 0.5, true},   // beyond it
		{100, 0, 1, true},      // every row: always held
		{100, 1, 1, false},     // max_shrink 1 lets all but every row go
		{437, 150, 0.5, true},  // Cremona's shorter file
		{437, 436, 0, true},    // max_shrink 0: any loss is held
	}
	for _, tc := range cases {
		if got := shrinks(tc.before, tc.after, tc.max); got != tc.want {
			t.Errorf("shrinks(%d, %d, %v) = %v, want %v", tc.before, tc.after, tc.max, got, tc.want)
		}
	}
}

// TestURLChangedKeepsRows: a province's URL changes in the config (a new
// server path, another file name) and serves the same bytes: the rows stay,
// moved to the new source, with their person ids.
func TestURLChangedKeepsRows(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	files, _ := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo", "LO", "*.xlsx"))
	body, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	dir := t.TempDir()
	cfg := mustLoad(t, writeConfig(t, dir, map[string]string{"LO": srv.URL + "/vecchio/lodi.xlsx"}, ""))
	if res := Run(context.Background(), cfg, Options{}); res.Status != StatusSuccess {
		t.Fatalf("first run: %s", res.Summary())
	}
	w := openPublished(t, cfg)
	before := personIDs(t, w.DB)
	w.Close(context.Background())

	cfg = mustLoad(t, writeConfig(t, dir, map[string]string{"LO": srv.URL + "/nuovo/iscrizioni_lodi.xlsx"}, ""))
	res := Run(context.Background(), cfg, Options{})
	if res.Status != StatusSuccess {
		t.Fatalf("run after the URL changed: %s", res.Summary())
	}
	if got := strings.Join(statuses(res, "LO"), ","); got != FileMoved {
		t.Errorf("LO files: %s, want moved", got)
	}
	w = openPublished(t, cfg)
	defer w.Close(context.Background())
	after := personIDs(t, w.DB)
	if len(after) != len(before) || len(before) == 0 {
		t.Fatalf("%d enrolments, then %d", len(before), len(after))
	}
	for e, p := range before {
		if after[e] != p {
			t.Fatalf("enrolment %s: person %s, then %s", e, p, after[e])
		}
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE source_file <> 'iscrizioni_lodi.xlsx'"); n != 0 {
		t.Errorf("%d rows keep the old file name", n)
	}
}

// filesVanished: Cremona's folder holds its workbook and a small CSV. The
// workbook vanishes: 437 of 443 rows would go, the guard holds it back.
// The workbook back, the CSV is removed on purpose: a small loss, applied
// without asking and recorded as removed.
func (c *campaign) filesVanished(t *testing.T) {
	cr := c.crFile()
	addSample(t, c.srcs["CR"])
	res := c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileUnchanged, FileLoaded)
	withSample := readFigures(t, c.cfg).perProvince["CR"]
	if withSample <= c.base.perProvince["CR"] {
		t.Fatalf("CR has %d rows with the sample, %d without", withSample, c.base.perProvince["CR"])
	}

	aside := filepath.Join(c.dir, "CR_messo_da_parte.xlsx")
	mustRename(t, cr, aside)
	res = c.run(t, Options{}, StatusPartial)
	wantStatuses(t, res, "CR", FileUnchanged, FileHeld)
	if n := readFigures(t, c.cfg).perProvince["CR"]; n != withSample {
		t.Errorf("CR: %d rows after its workbook vanished, want the last good %d", n, withSample)
	}
	mustRename(t, aside, cr)

	if err := os.Remove(filepath.Join(filepath.Dir(c.srcs["CR"]), "aggiunta.csv")); err != nil {
		t.Fatal(err)
	}
	res = c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileUnchanged, FileRemoved)
	got := readFigures(t, c.cfg)
	for p, n := range c.base.perProvince {
		if got.perProvince[p] != n {
			t.Errorf("%s: %d enrolments after the CSV was removed, want %d", p, got.perProvince[p], n)
		}
	}
	if got.applications != 437 || got.participants != 314 {
		t.Errorf("Cremona: %d / %d, want 437 / 314", got.applications, got.participants)
	}
}
