package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/sinks"
	queries "github.com/lombardia-orim/correlare/sql"
)

// copyLayouts copies files of testdata/layouts (written by openpyxl, see
// testdata/layouts/gen_catalogue.py) into dir.
func copyLayouts(t testing.TB, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(repoDir(t), "testdata", "layouts", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// queryPairs returns the rows of a two-column query as "key" → count.
func queryPairs(t testing.TB, db *sql.DB, q string, args ...any) map[string]int {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var k sql.NullString
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		m[k.String] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCatalogues loads the catalogue layouts: modules named by code with the
// catalogue in the same workbook (BG), a catalogue in a file of its own
// serving two enrolment files, one by code and one by title (VA, first
// without the catalogue, then with it: attachment is recomputed over files
// loaded in an earlier run), and an enrolment whose module the catalogue
// does not list (LC).
func TestCatalogues(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	copyLayouts(t, filepath.Join(in, "BG"), "catalogue_codes_same_workbook.xlsx")
	copyLayouts(t, filepath.Join(in, "VA"), "catalogue_separate_enrolments_by_code.xlsx", "catalogue_separate_enrolments_by_title.xlsx")
	copyLayouts(t, filepath.Join(in, "LC"), "catalogue_module_not_listed.xlsx")
	src := map[string]string{}
	for _, p := range []string{"BG", "VA", "LC"} {
		src[p] = filepath.Join(in, p, "*.xlsx")
	}
	cfg := mustLoad(t, writeConfig(t, dir, src, ""))

	// Night 1: VA's catalogue has not arrived yet.
	res := Run(ctx, cfg, Options{})
	if res.Status != StatusSuccess || res.Err != nil {
		t.Fatalf("run 1: %s", res.Summary())
	}
	func() {
		w := openPublished(t, cfg)
		db := w.DB
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'VA'"); got != 8 {
			t.Errorf("VA without a catalogue: %d derived modules, want 8 (4 codes; 4 titles, one typed with two sites)", got)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM issues WHERE province_code = 'VA' AND code LIKE 'module_%'"); got != 0 {
			t.Errorf("VA without a catalogue has %d catalogue flags, want none", got)
		}
		w.Close(ctx)
	}()

	// Night 2: the catalogue file arrives; the enrolment files are unchanged.
	copyLayouts(t, filepath.Join(in, "VA"), "catalogue_separate_file.xlsx")
	res = Run(ctx, cfg, Options{})
	if res.Status != StatusSuccess || res.Err != nil {
		t.Fatalf("run 2: %s", res.Summary())
	}
	for _, f := range res.Files {
		if f.Counts.Read != f.Counts.Loaded+f.Counts.Quarantined+f.Counts.Skipped {
			t.Errorf("%s: read %d != loaded + quarantined + skipped", f.Name, f.Counts.Read)
		}
		if f.Counts.Quarantined != 0 {
			t.Errorf("%s: %d rows quarantined", f.Name, f.Counts.Quarantined)
		}
		if f.Province == "VA" && f.Name != "catalogue_separate_file.xlsx" && f.Status != FileUnchanged {
			t.Errorf("%s: status %s, want unchanged", f.Name, f.Status)
		}
	}
	w := openPublished(t, cfg)
	db := w.DB

	if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE module_id IS NULL"); got != 0 {
		t.Errorf("%d enrolments without a module", got)
	}

	t.Run("BG codes in the same workbook", func(t *testing.T) {
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'BG'"); got != 21 {
			t.Errorf("BG enrolments = %d, want 21", got)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'BG' AND from_catalogue"); got != 7 {
			t.Errorf("BG catalogue modules = %d, want 7", got)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'BG' AND NOT from_catalogue"); got != 0 {
			t.Errorf("BG derived modules = %d, want 0", got)
		}
		codes := queryPairs(t, db, `SELECT m.module_code, count(*) FROM enrolments e JOIN modules m USING (module_id)
			WHERE e.province_code = 'BG' GROUP BY 1`)
		want := map[string]int{"XX-01": 3, "XX-02": 3, "XX-03": 3, "XX-04": 3, "XX-05": 3, "XX-06": 3, "XX-07": 3}
		if !reflect.DeepEqual(codes, want) {
			t.Errorf("BG enrolments by catalogue code %v, want %v", codes, want)
		}
		// "N." in the enrolment sheet is a row counter: an extra, not a code.
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'BG' AND module_code IS NULL AND extras['N.'] IS NOT NULL"); got != 21 {
			t.Errorf("BG rows with N. kept as an extra and no module code = %d, want 21", got)
		}
		axes := queryPairs(t, db, "SELECT axis, modules FROM indicators_axis WHERE level = 'province' AND province_code = 'BG'")
		if want := map[string]int{"I": 1, "II": 1, "III": 1, "IV": 3, "V": 1}; !reflect.DeepEqual(axes, want) {
			t.Errorf("BG modules by axis %v, want %v", axes, want)
		}
		parts := queryPairs(t, db, "SELECT axis, participations FROM indicators_axis WHERE level = 'province' AND province_code = 'BG'")
		// per module 3 applications: 1 not accepted, 2 accepted.
		if want := map[string]int{"I": 2, "II": 2, "III": 2, "IV": 6, "V": 2}; !reflect.DeepEqual(parts, want) {
			t.Errorf("BG participations by axis %v, want %v", parts, want)
		}
		sites := queryPairs(t, db, "SELECT site, modules FROM indicators_site WHERE province_code = 'BG'")
		if want := map[string]int{"Bergamo": 3, "Treviglio": 2, "Seriate": 2}; !reflect.DeepEqual(sites, want) {
			t.Errorf("BG modules by site %v, want %v", sites, want)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM issues WHERE province_code = 'BG'"); got != 0 {
			t.Errorf("BG: %d issues, want none", got)
		}
	})

	t.Run("VA separate catalogue file", func(t *testing.T) {
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'VA'"); got != 4 {
			t.Errorf("VA modules = %d, want the catalogue's 4", got)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'VA' AND (NOT from_catalogue OR planned_hours IS NULL OR axis IS NULL)"); got != 0 {
			t.Errorf("VA: %d modules derived or without axis or planned hours", got)
		}
		per := queryPairs(t, db, `SELECT m.module_code || ' ' || e.source_file, count(*) FROM enrolments e JOIN modules m USING (module_id)
			WHERE e.province_code = 'VA' GROUP BY 1`)
		want := map[string]int{}
		for _, c := range []string{"VA1", "VA2", "VA3", "VA4"} {
			want[c+" catalogue_separate_enrolments_by_code.xlsx"] = 3
			want[c+" catalogue_separate_enrolments_by_title.xlsx"] = 2
		}
		if !reflect.DeepEqual(per, want) {
			t.Errorf("VA enrolments by module and file %v, want %v", per, want)
		}
		// by code: 4 modules × 2 accepted with hours = planned/2; by title: 8 with hours = planned.
		if got := queryInt(t, db, "SELECT count(*) FROM participations WHERE province_code = 'VA' AND attendance IS NOT NULL"); got != 16 {
			t.Errorf("VA participations with attendance = %d, want 16", got)
		}
		var att float64
		if err := db.QueryRow("SELECT attendance FROM indicators WHERE level = 'province' AND province_code = 'VA'").Scan(&att); err != nil {
			t.Fatal(err)
		}
		// hours: by code 2×(8+8+6+5)=54, by title 2×(16+16+12+10)=108; planned: 2×54 + 108 = 216.
		if want := 162.0 / 216.0; att < want-1e-9 || att > want+1e-9 {
			t.Errorf("VA attendance = %v, want %v", att, want)
		}
	})

	t.Run("LC module not in the catalogue", func(t *testing.T) {
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'LC' AND from_catalogue"); got != 3 {
			t.Errorf("LC catalogue modules = %d, want 3", got)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM modules WHERE province_code = 'LC' AND NOT from_catalogue"); got != 1 {
			t.Errorf("LC derived modules = %d, want 1", got)
		}
		codes := queryPairs(t, db, "SELECT module_code, count(*) FROM modules WHERE province_code = 'LC' AND from_catalogue GROUP BY 1")
		if want := map[string]int{"1": 1, "2": 1, "3": 1}; !reflect.DeepEqual(codes, want) {
			t.Errorf("LC catalogue codes (its N. column) %v, want %v", codes, want)
		}
		flags := queryPairs(t, db, "SELECT code || ' ' || source_row || ' ' || value, count(*) FROM issues WHERE province_code = 'LC' GROUP BY 1")
		if want := map[string]int{canon.FlagModuleNotInCatalogue + " 8 Mediazione linguistica (corso non previsto)": 1}; !reflect.DeepEqual(flags, want) {
			t.Errorf("LC issues %v, want %v", flags, want)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM enrolments WHERE province_code = 'LC' AND list_contains(flags, ?)", canon.FlagModuleNotInCatalogue); got != 1 {
			t.Errorf("LC enrolments flagged = %d, want 1", got)
		}
		fb, err := os.ReadFile(filepath.Join(cfg.Paths.Reports, "feedback", "feedback_LC.xlsx"))
		if err != nil || len(fb) == 0 {
			t.Errorf("no feedback workbook for LC: %v", err)
		}
	})
}

// TestRefusal: every whole-file refusal of the readers is explained in
// Italian, with the file (and sheet) it concerns.
func TestRefusal(t *testing.T) {
	ctx := context.Background()
	samples := filepath.Join(repoDir(t), "testdata", "samples")
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, code, line string
	}{
		{"truncated", filepath.Join(samples, "truncated.xlsx"), "damaged_file", "truncated.xlsx: file danneggiato o incompleto"},
		{"no table", write("appunti.csv", "Riunione del 3 maggio\nPresenti;assenti\n12;3\n"), "no_header", "appunti.csv: non si trova la riga dei titoli di colonna"},
		{"binary", write("foto.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00"), "unsupported_format", "foto.jpg: formato di file non leggibile"},
		{"password", filepath.Join(samples, "..", "layouts", "protetto.ods"), "password_protected", "protetto.ods: il file è protetto da password"},
		{"every row rejected", write("vuoti.csv", "Cognome;Nome;Modulo\n;Maria;Salute\n;Luca;Salute\n"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(ctx, tc.path, "CR", nil)
			p := Refusal(err)
			if tc.code == "" {
				if err != nil || p.Code != "" {
					t.Errorf("validate: %v, refusal %+v; want row problems only", err, p)
				}
				return
			}
			if err == nil || p.Code != tc.code || !strings.HasPrefix(p.String(), tc.line) || !strings.HasSuffix(p.String(), "["+tc.code+"]") {
				t.Errorf("refusal %q (code %s) for %v; want %q… [%s]", p, p.Code, err, tc.line, tc.code)
			}
		})
	}
	if p := Refusal(fmt.Errorf("disk on fire")); p.Code != "" {
		t.Errorf("an unknown error got a refusal: %+v", p)
	}
}

// checkDemoFeedback reads back Mantova's feedback workbook from the demo:
// its 91 rows with "Cognome e nome" in one cell are one line with count 91,
// first among the things to fix, and the summary's file figures are the run's.
func checkDemoFeedback(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !reflect.DeepEqual(sheets, []string{"Riepilogo", "Segnalazioni"}) {
		t.Fatalf("sheets %v", sheets)
	}
	sum, err := f.GetRows("Riepilogo")
	if err != nil {
		t.Fatal(err)
	}
	split := canon.FlagTextIT[canon.FlagNameSplitGuessed]
	find := func(first string) []string {
		for _, r := range sum {
			if len(r) > 0 && r[0] == first {
				return r
			}
		}
		t.Errorf("Riepilogo has no row %q: %q", first, sum)
		return nil
	}
	if r := find("1. " + split); len(r) < 2 || r[1] != "91" {
		t.Errorf("first thing to fix %q, want the name split on 91 rows", r)
	}
	if r := find("MN_OPI_corsi_CORRELARE.xlsx"); !reflect.DeepEqual(r, []string{"MN_OPI_corsi_CORRELARE.xlsx", "120", "120", "0", "0"}) {
		t.Errorf("file line %q, want read 120, loaded 120, quarantined 0, skipped 0", r)
	}
	if r := find(split); len(r) < 3 || r[1] != "91" || r[2] != "Valore da controllare" {
		t.Errorf("problems by kind: %q", r)
	}
	rows, err := f.GetRows("Segnalazioni")
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for _, r := range rows {
		if len(r) > 6 && r[6] == split {
			lines = append(lines, r)
		}
	}
	if len(lines) != 1 || lines[0][4] != "91" || lines[0][3] == "" || !strings.Contains(lines[0][2], "–") {
		t.Errorf("name split lines %q, want one for its column with 91 rows", lines)
	}
}

// TestValidateCatalogue: validate matches a workbook's enrolments against
// its own modules sheet, as the run does, and says which module is missing.
func TestValidateCatalogue(t *testing.T) {
	layouts := filepath.Join(repoDir(t), "testdata", "layouts")
	tests := []struct {
		file string
		want []string // problem lines
	}{
		{"catalogue_module_not_listed.xlsx", []string{"catalogue_module_not_listed.xlsx:Iscritti!E8: " +
			canon.FlagTextIT[canon.FlagModuleNotInCatalogue] + " [" + canon.FlagModuleNotInCatalogue + "]"}},
		{"catalogue_codes_same_workbook.xlsx", nil},
		{"catalogue_separate_enrolments_by_title.xlsx", nil}, // its catalogue is another file
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			v, err := Validate(context.Background(), filepath.Join(layouts, tc.file), "LC", nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range v.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems\n got %q\nwant %q", got, tc.want)
			}
			if v.Counts.Issues != int64(len(tc.want)) || v.Rejects() {
				t.Errorf("counts %+v, rejects %v", v.Counts, v.Rejects())
			}
		})
	}
}

func TestCatalogueMisses(t *testing.T) {
	mods := []*canon.Module{
		{ModuleCode: "XX-01", Title: "Salute", TitleFold: "SALUTE", Site: "Lecco"},
		{ModuleCode: "XX-02", Title: "Salute", TitleFold: "SALUTE", Site: "Merate"},
		{ModuleCode: "ED-3", Title: "Lavoro", TitleFold: "LAVORO"},
	}
	tests := []struct {
		name string
		ref  moduleRef
		want string // code of the problem, "" for none
	}{
		{"code column", moduleRef{code: "xx - 01", title: "xx - 01", fold: "XX01"}, ""},
		{"code typed as the module", moduleRef{title: "XX-02", fold: "XX02"}, ""},
		{"title and site", moduleRef{title: "Salute", fold: "SALUTE", site: "MERATE"}, ""},
		{"title and edition as code", moduleRef{title: "Lavoro", fold: "LAVORO", edition: "ed-3"}, ""},
		{"unique title", moduleRef{title: "Lavoro", fold: "LAVORO"}, ""},
		{"title twice, no site", moduleRef{title: "Salute", fold: "SALUTE"}, canon.FlagModuleAmbiguous},
		{"unknown code", moduleRef{code: "XX-09", title: "Lavoro", fold: "LAVORO"}, canon.FlagModuleNotInCatalogue},
		{"unknown title", moduleRef{title: "Scuola", fold: "SCUOLA"}, canon.FlagModuleNotInCatalogue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := catalogueMisses("f.xlsx", mods, []moduleRef{tc.ref})
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("problems %+v, want none", got)
			case tc.want != "" && (len(got) != 1 || got[0].Code != tc.want):
				t.Errorf("problems %+v, want one %s", got, tc.want)
			}
		})
	}
	if got := catalogueMisses("f.xlsx", nil, []moduleRef{{title: "Scuola", fold: "SCUOLA"}}); got != nil {
		t.Errorf("without a catalogue: %+v", got)
	}
}

// TestModulesDeriveTie: two catalogue modules that a row matches by the
// same rule (here one code typed two ways in two files) give the row the
// smaller module_id, however the rows are stored; a row that matches
// nothing gets its derived module, and a second derivation changes nothing.
func TestModulesDeriveTie(t *testing.T) {
	ctx := context.Background()
	for _, order := range []string{"ASC", "DESC"} {
		t.Run(order, func(t *testing.T) {
			w, err := sinks.OpenWarehouse(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close(ctx)
			exec := func(q string) {
				t.Helper()
				if _, err := w.DB.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO modules (module_id, province_code, module_code, title, title_fold, from_catalogue) VALUES
				('LC:XX 01', 'LC', 'XX 01', 'Salute', 'SALUTE', true),
				('LC:XX-01', 'LC', 'xx01', 'Salute bis', 'SALUTE BIS', true)`)
			exec(`CREATE TEMP TABLE rows_in AS SELECT * FROM (VALUES ('e1', 'XX01', 'Salute'), ('e2', NULL, 'Scuola'), ('e3', 'xx 01', 'Altro')) t(id, code, title)
				ORDER BY id ` + order)
			exec(`INSERT INTO enrolments (enrolment_id, run_id, province_code, source_file, source_sha256, sheet, source_row,
				surname, given_name, display_name, surname_fold, given_name_fold, tax_code_status, module_code, module_title, module_fold)
				SELECT id, 'r1', 'LC', 'f.xlsx', 'ab', 'S', row_number() OVER (), 'R', 'A', 'R A', 'R', 'A', 'missing', code, title, upper(title)
				FROM rows_in`)
			for i := 0; i < 2; i++ {
				exec(queries.Query("modules_derive"))
				var got string
				if err := w.DB.QueryRowContext(ctx, `SELECT string_agg(enrolment_id || '=' || module_id, ' ' ORDER BY enrolment_id) FROM enrolments`).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if want := "e1=LC:XX 01 e2=LC:SCUOLA|| e3=LC:XX 01"; got != want {
					t.Errorf("derivation %d: %s, want %s", i+1, got, want)
				}
			}
		})
	}
}
