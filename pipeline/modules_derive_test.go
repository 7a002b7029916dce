package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// TestModulesDeriveBefore: modules derive leaves the same enrolments,
// modules and issues as the derivation before its last update was split in
// two (testdata/modules/derive_before.sql, sql/modules_derive.sql of main at
// efc8b99), on a warehouse with catalogue matches, rows of no catalogue
// module and flagged misses, whatever module_id its rows held: the
// loader's key (sinks.ModuleKeySQL), NULL (rows loaded before the loader
// gave one), a module that is not theirs, a mix, or the derived one.
func TestModulesDeriveBefore(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	copyLayouts(t, filepath.Join(in, "BG"), "catalogue_codes_same_workbook.xlsx")
	copyLayouts(t, filepath.Join(in, "VA"), "catalogue_separate_enrolments_by_code.xlsx",
		"catalogue_separate_enrolments_by_title.xlsx", "catalogue_separate_file.xlsx")
	copyLayouts(t, filepath.Join(in, "LC"), "catalogue_module_not_listed.xlsx")
	src := map[string]string{}
	for _, p := range []string{"BG", "VA", "LC"} {
		src[p] = filepath.Join(in, p, "*.xlsx")
	}
	src["LO"] = allDemoSources(t)["LO"]
	cfg := mustLoad(t, writeConfig(t, dir, src, ""))
	if res := Run(ctx, cfg, Options{}); res.Status != StatusSuccess || res.Err != nil {
		t.Fatalf("run: %s", res.Summary())
	}
	before, err := os.ReadFile(filepath.Join("testdata", "modules", "derive_before.sql"))
	if err != nil {
		t.Fatal(err)
	}

	// The warehouse holds what the updates write: rows whose catalogue
	// module is not their own key, rows of no catalogue, flagged misses.
	func() {
		w := openPublished(t, cfg)
		defer w.Close(ctx)
		for q, min := range map[string]int{
			"SELECT count(*) FROM enrolments WHERE module_id IS DISTINCT FROM " + sinks.ModuleKeySQL:    10,
			"SELECT count(*) FROM enrolments WHERE module_id = " + sinks.ModuleKeySQL:                   50,
			"SELECT count(*) FROM issues WHERE code IN ('module_not_in_catalogue', 'module_ambiguous')": 1,
		} {
			if got := queryInt(t, w.DB, q); got < min {
				t.Fatalf("%s: %d, want at least %d", q, got, min)
			}
		}
	}()

	key := sinks.ModuleKeySQL
	states := []struct{ name, set string }{
		{"derived", ""},
		{"as loaded", "UPDATE enrolments SET module_id = " + key},
		{"null", "UPDATE enrolments SET module_id = NULL"},
		{"not theirs", "UPDATE enrolments SET module_id = 'VA:XX-99'"},
		{"mixed", "UPDATE enrolments SET module_id = CASE WHEN source_row % 3 = 0 THEN NULL " +
			"WHEN source_row % 5 = 0 THEN 'VA:XX-99' WHEN source_row % 2 = 0 THEN " + key + " ELSE module_id END"},
	}
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			derive := func(name, derivation string) string {
				path := filepath.Join(t.TempDir(), name+".duckdb")
				if err := copyFile(cfg.Paths.Warehouse, path); err != nil {
					t.Fatal(err)
				}
				w, err := sinks.OpenWarehouse(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close(ctx)
				for _, q := range []string{st.set, derivation} {
					if q == "" {
						continue
					}
					if _, err := w.DB.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				}
				return path
			}
			old, now := derive("before", string(before)), derive("now", queries.Query("modules_derive"))
			w, err := sinks.OpenWarehouse(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close(ctx)
			for _, q := range []string{"ATTACH '" + old + "' AS old (READ_ONLY)", "ATTACH '" + now + "' AS now (READ_ONLY)"} {
				if _, err := w.DB.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			for _, table := range []string{"enrolments", "modules", "issues"} {
				n := queryInt(t, w.DB, "SELECT count(*) FROM old."+table)
				if n == 0 {
					t.Fatalf("no %s", table)
				}
				for _, q := range []string{
					"SELECT count(*) FROM (FROM old." + table + " EXCEPT ALL FROM now." + table + ")",
					"SELECT count(*) FROM (FROM now." + table + " EXCEPT ALL FROM old." + table + ")",
				} {
					if got := queryInt(t, w.DB, q); got != 0 {
						t.Errorf("%s: %d rows (of %d)", q, got, n)
					}
				}
			}
		})
	}
}
