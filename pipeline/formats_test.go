package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestOtherFormatsLoad runs the pipeline on the LibreOffice workbook of
// testdata/layouts saved as .ods (Mantova) and as .xls (Lecco): a title row,
// merged group labels over the header, date cells, a formula, a totals row,
// a blank row and a notes line below the data, an instructions sheet. Each
// loads with the same exact counts, dates, modules and sites.
func TestOtherFormatsLoad(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	layouts := filepath.Join(repoDir(t), "testdata", "layouts")
	srcs := map[string]string{}
	for prov, name := range map[string]string{"MN": "libreoffice_title_merged.ods", "LC": "libreoffice_title_merged.xls"} {
		d := filepath.Join(dir, "drop", prov)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(layouts, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "iscrizioni_"+filepath.Ext(name)[1:]+filepath.Ext(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs[prov] = filepath.Join(d, "*")
	}
	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	res := Run(context.Background(), cfg, Options{})
	if res.Status != StatusSuccess || res.Err != nil {
		t.Fatalf("run: %s", res.Summary())
	}
	if len(res.Files) != 2 {
		t.Fatalf("files %+v", res.Files)
	}
	for _, f := range res.Files {
		want := Counts{Read: 8, Loaded: 5, Quarantined: 0, Skipped: 3}
		got := f.Counts
		got.Issues, got.Modules = 0, 0
		if f.Status != FileLoaded || got != want {
			t.Errorf("%s/%s: %s, counts %+v, want %+v", f.Province, f.Name, f.Status, f.Counts, want)
		}
	}
	w := openPublished(t, cfg)
	for _, prov := range []string{"MN", "LC"} {
		q := func(query string) int { return queryInt(t, w.DB, query, prov) }
		if n := q("SELECT count(*) FROM enrolments WHERE province_code = ?"); n != 5 {
			t.Errorf("%s: %d enrolments, want 5", prov, n)
		}
		if n := q("SELECT count(*) FROM enrolments WHERE province_code = ? AND status = 'accepted'"); n != 3 {
			t.Errorf("%s: %d accepted, want 3", prov, n)
		}
		if n := q(`SELECT count(*) FROM enrolments WHERE province_code = ? AND (
			(surname = 'ROSSI' AND birth_date = DATE '1975-04-03' AND hours_attended = 16) OR
			(given_name = 'Nicolò' AND birth_date = DATE '1980-12-01' AND hours_attended = 12.5) OR
			(surname = 'Hoxha' AND birth_date = DATE '1988-02-29' AND hours_attended IS NULL))`); n != 3 {
			t.Errorf("%s: %d rows with the expected dates and hours, want 3", prov, n)
		}
		if n := q(`SELECT count(*) FROM modules WHERE province_code = ? AND (
			(title = 'Salute e immigrazione' AND site = 'Cremona') OR (title = 'Immigrazione formato famiglia' AND site = 'Crema'))`); n != 2 {
			t.Errorf("%s: %d modules with their sites, want 2", prov, n)
		}
		if n := q("SELECT count(*) FROM modules WHERE province_code = ?"); n != 2 {
			t.Errorf("%s: %d modules, want 2", prov, n)
		}
		// The blank row is counted, not kept: skipped_rows holds the totals and the note.
		if n := q("SELECT count(*) FROM skipped_rows WHERE province_code = ? AND reason IN ('totals', 'note')"); n != 2 {
			t.Errorf("%s: %d totals and note rows recorded, want 2", prov, n)
		}
	}
}
