package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	steps := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"rename", c.rename},
		{"move drop folders", c.moveFolders},
		{"copy beside itself", c.copyBeside},
		{"same file for two provinces", c.sameFileTwoProvinces},
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
	w.Close(context.Background())
	res = c.run(t, Options{}, StatusSuccess)
	wantStatuses(t, res, "CR", FileUnchanged)
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
