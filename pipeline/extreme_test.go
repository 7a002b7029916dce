package pipeline

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Extreme numbers and dates reach the module figures the report sums:
// planned hours of 1e308 twice (their sum is not a finite number), the
// largest session count twice, dates in year 1 and year 9999.
func TestExtremeNumbersAndDates(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	in := filepath.Join(dir, "in", "PV")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	rows := []string{
		"Cognome;Nome;Titolo modulo;Codice modulo;Ore previste;N. incontri;Data inizio;Data fine;Data domanda;Data di nascita;Esito;Ore frequentate;Gradimento",
		"Alfa;Anna;Modulo uno;M1;1e308;2147483647;01/01/0001;31/12/9999;31/12/9999;01/01/1900;ammessa;1e308;5",
		"Beta;Bruno;Modulo due;M2;1,7976931348623157e308;2147483647;1/1/1;9999-12-31;0001-01-01;;ammessa;1e308;1",
		"Gamma;Carla;Modulo tre;M3;0;0;;;;;ammessa;0;",
		"Delta;Dario;Modulo quattro;M4;-0;;2958465;-1;1e10;;ammessa;;",
	}
	if err := os.WriteFile(filepath.Join(in, "PV_estremi.csv"), []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := provPV
	p.glob = filepath.Join(in, "*.csv")
	lo := testProvince{code: "LO", istat: "098", name: "Lodi", glob: allDemoSources(t)["LO"]}
	cfg := writeProvincesConfig(t, dir, []testProvince{lo, p})
	res := Run(context.Background(), cfg, Options{})
	t.Log(res.Summary())
	db := checkPublished(t, cfg, res)
	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'PV'"); got != 4 {
		t.Errorf("PV rows = %d, want 4", got)
	}
	// Every workbook written is well-formed: no cell holds a number Excel
	// cannot read (Inf, NaN).
	bad := regexp.MustCompile(`<v>[^<]*(Inf|NaN)[^<]*</v>`)
	err := filepath.Walk(cfg.Paths.Reports, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || filepath.Ext(path) != ".xlsx" {
			return err
		}
		z, err := zip.OpenReader(path)
		if err != nil {
			return err
		}
		defer z.Close()
		for _, f := range z.File {
			if !strings.HasPrefix(f.Name, "xl/worksheets/") {
				continue
			}
			r, err := f.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return err
			}
			if m := bad.Find(b); m != nil {
				t.Errorf("%s %s: %s", filepath.Base(path), f.Name, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
