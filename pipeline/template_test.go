package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The same empty template (a header, no data rows) sent by two provinces is
// no province's data: both load it (no rows), neither is refused as a copy
// of the other's file. A file with data sent by both is still refused in the
// second.
func TestEmptyTemplateInTwoProvinces(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	for _, workers := range []int{1, 4} {
		t.Run(map[int]string{1: "one worker", 4: "four workers"}[workers], func(t *testing.T) {
			dir := t.TempDir()
			var provs []testProvince
			for _, p := range []testProvince{provSO, provBS, provPV} {
				d := filepath.Join(dir, "drop", p.code)
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
				p.glob = filepath.Join(d, "*.xlsx")
				provs = append(provs, p)
			}
			// Sondrio and Brescia send the blank template; Pavia sends Cremona's workbook.
			template := filepath.Join(repoDir(t), "testdata", "ops", "modello_vuoto.xlsx") // gen_template.py
			mustCopy(t, template, filepath.Join(dir, "drop", "SO", "modello.xlsx"))
			mustCopy(t, template, filepath.Join(dir, "drop", "BS", "modello_iscrizioni.xlsx"))
			cr, err := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo", "CR", "*.xlsx"))
			if err != nil || len(cr) != 1 {
				t.Fatalf("Cremona's workbook: %v %v", cr, err)
			}
			mustCopy(t, cr[0], filepath.Join(dir, "drop", "PV", "iscrizioni.xlsx"))
			cfg := writeProvincesConfig(t, dir, provs)
			res := Run(context.Background(), cfg, Options{Workers: workers})
			t.Log(res.Summary())
			for _, f := range res.Files {
				if f.Err != nil {
					t.Logf("%s %s: %v", f.Province, f.Name, f.Err)
				}
			}
			if res.Status != StatusSuccess {
				t.Errorf("run %s, stale %v; want success", res.Status, res.Stale)
			}
			wantStatuses(t, res, "SO", FileLoaded)
			wantStatuses(t, res, "BS", FileLoaded)
			wantStatuses(t, res, "PV", FileLoaded)

			// Brescia's second file: Pavia's workbook, data rows and all.
			mustCopy(t, cr[0], filepath.Join(dir, "drop", "BS", "copia.xlsx"))
			res = Run(context.Background(), cfg, Options{Workers: workers})
			t.Log(res.Summary())
			if res.Status != StatusPartial || len(res.Stale) != 1 || res.Stale[0] != "BS" {
				t.Errorf("run %s, stale %v; want partial, BS stale", res.Status, res.Stale)
			}
			wantStatuses(t, res, "BS", FileFailed, FileUnchanged) // copia.xlsx, modello_iscrizioni.xlsx
			wantStatuses(t, res, "SO", FileUnchanged)
		})
	}
}
