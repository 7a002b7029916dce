package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestBadFilesGiveClearErrorsAndOthersLoad drops, beside a province's good
// workbook, a corrupt .xlsx, a password-protected .xls, a workbook whose only sheet is empty
// and one with no recognisable header: each fails with a clear error naming
// it, and every good file (this province's and the others') is loaded.
func TestBadFilesGiveClearErrorsAndOthersLoad(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	lo := filepath.Dir(srcs["LO"])
	testdata := filepath.Join(repoDir(t), "testdata")
	for _, c := range []struct{ from, to string }{
		{"samples/truncated.xlsx", "rotto.xlsx"},
		{"layouts/protetto.xls", "protetto.xls"},
	} {
		b, err := os.ReadFile(filepath.Join(testdata, c.from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(lo, c.to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := excelize.NewFile()
	if err := empty.SaveAs(filepath.Join(lo, "vuoto.xlsx")); err != nil {
		t.Fatal(err)
	}
	noHeader := excelize.NewFile()
	noHeader.SetSheetRow("Sheet1", "A1", &[]any{"Elenco partecipanti"})
	noHeader.SetSheetRow("Sheet1", "A2", &[]any{"Mario", 12, "bene"})
	noHeader.SetSheetRow("Sheet1", "A3", &[]any{"Luisa", 16, "ottimo"})
	if err := noHeader.SaveAs(filepath.Join(lo, "senza_intestazione.xlsx")); err != nil {
		t.Fatal(err)
	}

	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	res := Run(context.Background(), cfg, Options{})
	if res.Status != StatusPartial || !res.Published {
		t.Fatalf("run: %s", res.Summary())
	}
	want := map[string]string{
		"rotto.xlsx":              "rotto.xlsx",
		"protetto.xls":            "protetto da password",
		"vuoto.xlsx":              "vuoto.xlsx",
		"senza_intestazione.xlsx": "senza_intestazione.xlsx",
	}
	loaded := map[string]bool{}
	for _, f := range res.Files {
		if sub, bad := want[f.Name]; bad {
			if f.Status != FileFailed || f.Err == nil || !strings.Contains(f.Err.Error(), sub) {
				t.Errorf("%s: status %s, error %v; want failed with %q", f.Name, f.Status, f.Err, sub)
			}
			delete(want, f.Name)
			continue
		}
		if f.Status == FileLoaded {
			loaded[f.Province] = true
		}
	}
	if len(want) > 0 {
		t.Errorf("bad files not reported: %v", want)
	}
	if !loaded["LO"] || !loaded["CR"] {
		t.Errorf("good files not loaded: %v", loaded)
	}
	w := openPublished(t, cfg)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code = 'LO'"); n == 0 {
		t.Error("LO's good file was not loaded")
	}
	if n := queryInt(t, w.DB, "SELECT count(*) FROM run_files WHERE province_code = 'LO' AND status = 'failed' AND error IS NOT NULL"); n != 4 {
		t.Errorf("%d failed LO files recorded, want 4", n)
	}
	for _, f := range res.Files {
		if f.Err != nil {
			t.Logf("%s: %v", f.Name, f.Err)
		}
	}
}
