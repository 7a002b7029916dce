package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No data value can fail a run: rows with NULL in every nullable field and
// hostile values (formula-like text, control characters, emoji, bidi marks,
// very long text, extreme numbers and dates) go through every stage after
// normalising — modules, linkage, persons, indicators, exports, report,
// feedback, review — and the run publishes.

// testProvince is one province of a test config.
type testProvince struct{ code, istat, name, glob string }

var (
	provSO = testProvince{code: "SO", istat: "014", name: "Sondrio"}
	provBS = testProvince{code: "BS", istat: "017", name: "Brescia"}
	provPV = testProvince{code: "PV", istat: "018", name: "Pavia"}
)

// writeProvincesConfig writes a config whose outputs are under dir and whose
// provinces are provs, in order.
func writeProvincesConfig(t testing.TB, dir string, provs []testProvince) *Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "paths:\n  warehouse: %s\n  landing: %s\n  exports: %s\n  reports: %s\nlock_wait: 0s\nexports: {keep_runs: 2}\nprovinces:\n",
		filepath.Join(dir, "warehouse.duckdb"), filepath.Join(dir, "landing"), filepath.Join(dir, "exports"), filepath.Join(dir, "reports"))
	for _, p := range provs {
		fmt.Fprintf(&b, "  - {code: %s, istat: %q, name: %q, partner: true, sources: [{path: %q}]}\n", p.code, p.istat, p.name, p.glob)
	}
	path := filepath.Join(dir, "correlare.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return mustLoad(t, path)
}

// checkPublished asserts what every run in this file must give: published,
// success or partial, counts that add up, every kept row with a person and
// a module, exports whose counts match the warehouse, the report, a
// feedback workbook per province with findings and the review workbook.
func checkPublished(t *testing.T, cfg *Config, res *Result) *sql.DB {
	t.Helper()
	if !res.Published || res.Err != nil || (res.Status != StatusSuccess && res.Status != StatusPartial) {
		t.Fatalf("run not published: %s", res.Summary())
	}
	for _, f := range res.Files {
		if f.Counts.Read != f.Counts.Loaded+f.Counts.Quarantined+f.Counts.Skipped {
			t.Errorf("%s/%s: read %d != loaded %d + quarantined %d + skipped %d", f.Province, f.Name,
				f.Counts.Read, f.Counts.Loaded, f.Counts.Quarantined, f.Counts.Skipped)
		}
	}
	w := openPublished(t, cfg)
	db := w.DB
	for _, q := range []string{
		"SELECT count(*) FROM enrolments WHERE person_id IS NULL",
		"SELECT count(*) FROM enrolments WHERE module_id IS NULL",
		"SELECT count(*) FROM enrolments e WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.person_id = e.person_id)",
		"SELECT count(*) FROM enrolments e WHERE NOT EXISTS (SELECT 1 FROM modules m WHERE m.module_id = e.module_id)",
	} {
		if n := queryInt(t, db, q); n != 0 {
			t.Errorf("%s: %d", q, n)
		}
	}
	if got, want := queryInt(t, db, "SELECT coalesce(sum(applications), 0) FROM persons"), queryInt(t, db, "SELECT count(*) FROM enrolments"); got != want {
		t.Errorf("persons hold %d applications, enrolments %d", got, want)
	}
	if got, want := queryInt(t, db, "SELECT coalesce(sum(participations), 0) FROM persons"), queryInt(t, db, "SELECT count(*) FROM enrolments WHERE status = 'accepted'"); got != want {
		t.Errorf("persons hold %d participations, enrolments %d", got, want)
	}
	// Every view answers.
	for _, v := range []string{"applications", "participations", "person_summary", "indicators", "indicators_module",
		"indicators_axis", "indicators_site", "indicators_sex", "indicators_organisation_type"} {
		queryInt(t, db, "SELECT count(*) FROM (SELECT * FROM "+v+")")
	}
	checkExportCounts(t, db, cfg.Paths.Exports)
	for _, p := range []string{filepath.Join(cfg.Paths.Reports, ReportFile), filepath.Join(cfg.Paths.Reports, "review.xlsx")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	rows, err := db.Query(`SELECT DISTINCT province_code FROM (SELECT province_code FROM issues UNION ALL SELECT province_code FROM quarantine)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		rows.Scan(&p)
		if _, err := os.Stat(filepath.Join(cfg.Paths.Reports, "feedback", "feedback_"+p+".xlsx")); err != nil {
			t.Errorf("province %s has findings but no feedback workbook: %v", p, err)
		}
	}
	return db
}

// checkCremona asserts the figures of domain.md for Cremona.
func checkCremona(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, c := range []struct {
		q    string
		want int
	}{
		{"SELECT count(*) FROM enrolments WHERE province_code = 'CR'", 437},
		{"SELECT count(*) FROM enrolments WHERE province_code = 'CR' AND status = 'accepted'", 314},
		{"SELECT count(DISTINCT person_id) FROM enrolments WHERE province_code = 'CR' AND status = 'accepted'", 246},
		{`SELECT count(*) FROM (SELECT person_id FROM enrolments WHERE province_code = 'CR' AND status = 'accepted'
			GROUP BY person_id HAVING count(*) > 1)`, 52},
		{"SELECT applications FROM indicators WHERE province_code = 'CR'", 437},
		{"SELECT participations FROM indicators WHERE province_code = 'CR'", 314},
		{"SELECT persons FROM indicators WHERE province_code = 'CR'", 246},
	} {
		if got := queryInt(t, db, c.q); got != c.want {
			t.Errorf("Cremona: %s = %d, want %d", c.q, got, c.want)
		}
	}
}

// TestUnreadableStatusProvinceDoesNotFailTheRun: the demo plus a province
// whose every status is a word the normaliser does not know (the run that
// failed with "NOT NULL constraint failed: persons.participations").
func TestUnreadableStatusProvinceDoesNotFailTheRun(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	// testdata/demo.yaml, copied: outputs under dir, drop folders in the
	// repository, and one more province.
	b, err := os.ReadFile(filepath.Join(repoDir(t), "testdata", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "../var/demo/", dir+"/")
	text = strings.ReplaceAll(text, "path: demo/", "path: "+filepath.Join(repoDir(t), "testdata", "demo")+"/")
	text += fmt.Sprintf("  - {code: BS, istat: \"017\", name: Brescia, sources: [{path: %s}]}\n",
		filepath.Join(repoDir(t), "testdata", "nulls", "BS", "*.xlsx"))
	path := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, path)
	if len(cfg.Provinces) != 10 {
		t.Fatalf("%d provinces configured, want 10", len(cfg.Provinces))
	}
	res := Run(context.Background(), cfg, Options{})
	t.Log(res.Summary())
	db := checkPublished(t, cfg, res)
	if got := queryInt(t, db, "SELECT count(DISTINCT province_code) FROM enrolments WHERE province_code <> 'BS'"); got != 9 {
		t.Errorf("%d demo provinces published, want 9", got)
	}
	checkCremona(t, db)
	checkExportsHoldNoPersonalData(t, db, cfg.Paths.Exports)
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'BS' AND status = 'not_indicated'"); got != 30 {
		t.Errorf("BS rows with unknown status = %d, want 30", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM issues WHERE province_code = 'BS' AND code = 'status_unreadable'"); got != 30 {
		t.Errorf("BS status_unreadable issues = %d, want 30", got)
	}
	if got := queryInt(t, db, "SELECT not_indicated FROM indicators WHERE province_code = 'BS'"); got != 30 {
		t.Errorf("indicators BS not_indicated = %d, want 30", got)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM persons WHERE provinces = ['BS'] AND participations = 0"); got == 0 {
		t.Error("no BS person with zero participations")
	}
}

// TestEveryColumnBlankOrUnreadable loads a workbook written by openpyxl
// (testdata/nulls/gen_nulls.py) in which, column by column, every value is
// blank, a placeholder or unreadable, beside Cremona.
func TestEveryColumnBlankOrUnreadable(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	so := provSO
	so.glob = filepath.Join(repoDir(t), "testdata", "nulls", "SO", "*.xlsx")
	cr := testProvince{code: "CR", istat: "019", name: "Cremona", glob: allDemoSources(t)["CR"]}
	cfg := writeProvincesConfig(t, dir, []testProvince{cr, so})
	res := Run(context.Background(), cfg, Options{})
	t.Log(res.Summary())
	db := checkPublished(t, cfg, res)
	checkCremona(t, db)
	checkExportsHoldNoPersonalData(t, db, cfg.Paths.Exports)
	var f *FileResult
	for i := range res.Files {
		if res.Files[i].Province == "SO" {
			f = &res.Files[i]
		}
	}
	if f == nil || f.Status != FileLoaded {
		t.Fatalf("SO file: %+v", f)
	}
	// 25 columns × (blank, unreadable) + the required-only row + the all-unreadable row.
	// Blank surname or given name (or "-", a placeholder): the row still
	// carries an identity, so it loads, flagged (4 rows). A blank or "-"
	// module title beside a module code loads: the row is attached by its code.
	if f.Counts.Read != 52 || f.Counts.Loaded != 52 || f.Counts.Quarantined != 0 {
		t.Errorf("SO counts %+v, want 52 read, 52 loaded, 0 quarantined", f.Counts)
	}
	if got := queryInt(t, db, "SELECT count(*) FROM issues WHERE province_code = 'SO' AND code IN ('missing_surname', 'missing_given_name')"); got != 4 {
		t.Errorf("SO rows flagged for a missing name = %d, want 4", got)
	}
	// Every nullable canonical column is NULL on at least one kept row.
	for _, col := range []string{"tax_code", "sex", "birth_date", "birth_place", "email", "phone", "municipality",
		"organisation", "organisation_type", "role", "module_code", "edition", "site", "axis", "planned_hours",
		"sessions", "start_date", "end_date", "application_date", "hours_attended", "satisfaction", "surname", "given_name"} {
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'SO' AND "+col+" IS NULL"); got == 0 {
			t.Errorf("no SO row with %s NULL", col)
		}
	}
}
