package pipeline

import (
	"context"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Rows with random NULLs and hostile values in every field, through the
// whole pipeline (ingest → modules → link → publish: exports, report,
// feedback, review) on a real DuckDB file.

// hostile holds values meant to break a later stage.
var hostile = []string{
	"", " ", "-", "n.d.", "?", "0", "-0", "NaN", "Inf", "-Inf", "1e308", "-1e308", "1e-320",
	"99999999999999999999999", "-2147483649", "4294967296", "1,5e400", "0x1F",
	"=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "=HYPERLINK(\"http://x\")",
	"👩🏽\u200d⚕️🇮🇹", "\u202eissoR\u202c", "\u200f\u200e\u200b", "\ufeffBOM", "Ω≈ç√∫", "ｆｕｌｌｗｉｄｔｈ",
	"\x01\x02\x03\x7f", "\t\r\n", "a\nb\r\nc", "\"quoted;\"\"semi\"", "'; DROP TABLE enrolments; --",
	"\\N", "NULL", "null", "%s%n%x", "{{.}}", "${HOME}", "\xc3\x28", "\xff\xfe\xfd",
	"01/01/0001", "31/12/9999", "00/00/0000", "29/02/2013", "1/1/1", "2958465", "-1", "1e10",
	"9999-12-31", "0001-01-01", "1899-12-30", "3000-01-01T00:00:00Z",
	"RSSMRA80A41D150N", "RSSMRA80A41D15ON", "RSSMRALMALMDLMLN", "ZZZZZZ00Z00Z000Z",
	"ammessa", "non ammessa", "ritirata", "in valutazione", "F", "M", "IV", "V", "asse 9",
}

// nullsColumns are the headers of the generated files: every canonical
// field, twice for surname (a field mapped twice), and an unmapped column.
var nullsColumns = []string{
	"Cognome", "Nome", "Cognome e nome", "Codice fiscale", "Sesso", "Data di nascita", "Luogo di nascita",
	"E-mail", "Telefono", "Comune di residenza", "Ente", "Tipo ente", "Qualifica", "Codice modulo",
	"Titolo modulo", "Edizione", "Sede", "Asse", "Ore previste", "N. incontri", "Data inizio", "Data fine",
	"Data domanda", "Esito", "Ore frequentate", "Gradimento", "Note", "Cognome",
}

// plausible gives a readable value for column i, so that most rows load.
func plausible(rng *rand.Rand, i int) string {
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	switch nullsColumns[i] {
	case "Cognome":
		return pick("Rossi", "Bianchi", "De Luca", "D'Angelo", "Lò Russo", "Zanetti")
	case "Nome":
		return pick("Maria", "Anna", "Giulia", "Marco", "Luca", "José")
	case "Codice fiscale":
		return pick("RSSMRA80A41D150N", "BNCLCU75C12F205X", "")
	case "Sesso":
		return pick("F", "M", "Femmina", "uomo")
	case "Data di nascita":
		return pick("03/04/1975", "1980-01-01", "27000", "3-4-75")
	case "Titolo modulo":
		return pick("Salute e immigrazione", "Immigrazione formato famiglia", "Lavoro")
	case "Asse":
		return pick("I", "II", "IV", "asse 3")
	case "Ore previste", "Ore frequentate":
		return pick("16", "12,5", "12h", "0")
	case "N. incontri":
		return pick("4", "3")
	case "Data inizio", "Data fine", "Data domanda":
		return pick("04/02/2013", "41306")
	case "Esito":
		return pick("ammessa", "non ammessa", "ritirata", "sì")
	case "Gradimento":
		return pick("1", "3", "4,5", "5")
	case "E-mail":
		return "nome.cognome@example.org"
	case "Telefono":
		return "0372 123456"
	}
	return pick("Cremona", "Comune di Sondrio", "ASL", "Assistente sociale", "1", "A")
}

// genRows generates n rows: each cell is blank, plausible, a hostile value
// or a mix of both (sometimes longer than a spreadsheet cell may hold), by
// rng. The columns a row needs to be kept are blank less often.
func genRows(rng *rand.Rand, n int) [][]string {
	rows := make([][]string, n)
	for r := range rows {
		row := make([]string, len(nullsColumns))
		for i := range row {
			blank := 3
			if h := nullsColumns[i]; h == "Cognome" || h == "Nome" || h == "Titolo modulo" {
				blank = 1
			}
			switch k := rng.IntN(10); {
			case k < blank:
				row[i] = ""
			case k < 7:
				row[i] = plausible(rng, i)
			case k < 9:
				row[i] = hostile[rng.IntN(len(hostile))]
			default:
				long := []int{0, 300, 5000, 40000}[rng.IntN(4)]
				row[i] = plausible(rng, i) + hostile[rng.IntN(len(hostile))] + strings.Repeat("ẋ", long/3)
			}
		}
		rows[r] = row
	}
	return rows
}

// writeRowsCSV writes rows under the nullsColumns header as a UTF-8 CSV.
func writeRowsCSV(t testing.TB, path string, rows [][]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Comma = ';'
	w.Write(nullsColumns)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// runHostile runs the whole pipeline over generated files (province code →
// rows) beside a demo province (Cremona: its figures must stay exact), and
// checks the published outputs.
func runHostile(t *testing.T, beside string, files map[testProvince][][]string) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir := t.TempDir()
	var provs []testProvince
	for _, p := range demoProvinces {
		if p.code == beside {
			provs = append(provs, testProvince{code: p.code, istat: p.istat, name: p.name, glob: allDemoSources(t)[p.code]})
		}
	}
	for p, rows := range files {
		p.glob = filepath.Join(dir, "in", p.code, "*.csv")
		writeRowsCSV(t, filepath.Join(dir, "in", p.code, p.code+"_iscrizioni.csv"), rows)
		provs = append(provs, p)
	}
	slices.SortFunc(provs, func(a, b testProvince) int { return strings.Compare(a.code, b.code) }) // map order is random
	cfg := writeProvincesConfig(t, dir, provs)
	res := Run(context.Background(), cfg, Options{})
	t.Log(res.Summary())
	for _, f := range res.Files {
		// A file may be refused as a whole (every row rejected); nothing else.
		if f.Status == FileFailed && !errors.Is(f.Err, ErrAllRejected) {
			t.Errorf("%s/%s failed: %v", f.Province, f.Name, f.Err)
		}
	}
	db := checkPublished(t, cfg, res)
	if beside == "CR" {
		checkCremona(t, db)
	}
}

// TestHostileRowsProperty: a fixed seed, many generated rows in two provinces.
func TestHostileRowsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 3))
	runHostile(t, "LO", map[testProvince][][]string{provSO: genRows(rng, 300), provPV: genRows(rng, 200)})
}

// FuzzPipelineRows runs the whole pipeline on rows drawn from the fuzzer's
// seed and size, with the fuzzer's own text in a random column of each row,
// beside Lodi (small: a run takes seconds). The seed corpus (f.Add) runs in
// make test.
func FuzzPipelineRows(f *testing.F) {
	f.Add(uint64(1), uint16(40), "")
	f.Add(uint64(2), uint16(5), "=cmd|' /C calc'!A0")
	f.Add(uint64(3), uint16(1), "\u202e👩🏽\u200d⚕️")
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, extra string) {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		rows := genRows(rng, int(n%200)+1)
		for _, r := range rows { // the fuzzer's own text, in a column it picks
			r[rng.IntN(len(r))] = extra
		}
		runHostile(t, "LO", map[testProvince][][]string{provSO: rows})
	})
}
