package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// generated caches one generated directory per options for the whole run.
var generated = struct {
	sync.Mutex
	dirs map[Options]string
	sums map[Options]Summary
}{dirs: map[Options]string{}, sums: map[Options]Summary{}}

var tmpRoot string

func TestMain(m *testing.M) {
	var err error
	tmpRoot, err = os.MkdirTemp("", "demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

func generate(t *testing.T, opt Options) (string, Summary) {
	t.Helper()
	generated.Lock()
	defer generated.Unlock()
	if dir, ok := generated.dirs[opt]; ok {
		return dir, generated.sums[opt]
	}
	dir := filepath.Join(tmpRoot, fmt.Sprintf("seed%d-%s", opt.Seed, opt.Noise))
	sum, err := Generate(context.Background(), dir, opt)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	generated.dirs[opt], generated.sums[opt] = dir, sum
	return dir, sum
}

var sets = []struct {
	name string
	opt  Options
}{
	{"normal", Options{Seed: 1, Noise: NoiseNormal}},
	{"heavy", Options{Seed: 2, Noise: NoiseHeavy}},
}

func TestGenerateDeterministic(t *testing.T) {
	for _, tc := range sets {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := generate(t, tc.opt)
			b := t.TempDir()
			if _, err := Generate(context.Background(), b, tc.opt); err != nil {
				t.Fatal(err)
			}
			fa, fb := readTree(t, a), readTree(t, b)
			if len(fa) != len(fb) {
				t.Fatalf("%d files vs %d", len(fa), len(fb))
			}
			for name, data := range fa {
				if !bytes.Equal(data, fb[name]) {
					t.Errorf("%s differs between two runs", name)
				}
			}
		})
	}
}

func TestGenerateSeedsDiffer(t *testing.T) {
	a, _ := generate(t, sets[0].opt)
	b, _ := generate(t, sets[1].opt)
	ta, _ := os.ReadFile(filepath.Join(a, TruthFile))
	tb, _ := os.ReadFile(filepath.Join(b, TruthFile))
	if bytes.Equal(ta, tb) {
		t.Error("seed 1 and seed 2 gave the same truth file")
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Test vocabulary, independent of the generator's.
var (
	testStatus = map[string]string{
		"ammessa": "acc", "ammesso": "acc", "si": "acc", "sì": "acc", "accettata": "acc", "accettato": "acc",
		"non ammessa": "not", "non ammesso": "not", "respinta": "not", "respinto": "not",
		"esclusa": "not", "escluso": "not", "no": "not", "non accettata": "not", "non accettato": "not",
		"diniegata": "not", "diniegato": "not",
		"ritirata": "wd", "ritirato": "wd", "rinuncia": "wd",
	}
	testSex = map[string]string{"f": "F", "femmina": "F", "donna": "F", "m": "M", "maschio": "M", "uomo": "M"}
)

// sheetTable is a sheet's header (by name) and data rows (by 1-based row number).
type sheetTable struct {
	col  map[string]int
	rows map[int][]string
}

func (s sheetTable) get(row int, header string) string {
	j, ok := s.col[header]
	if !ok {
		return ""
	}
	r := s.rows[row]
	if j >= len(r) {
		return ""
	}
	return r[j]
}

// headerWords mark a header row in any of the layouts.
var headerWords = map[string]bool{"cognome": true, "cognome e nome": true, "nominativo": true, "codice corso": true, "codice modulo": true}

// readSheet reads a sheet's raw values, finding the header row by its words;
// rows after it that are empty or start with "Totale" are left out.
func readSheet(t *testing.T, f *excelize.File, sheet string) sheetTable {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	st := sheetTable{col: map[string]int{}, rows: map[int][]string{}}
	h := -1
	for i, r := range rows {
		if h < 0 {
			for _, c := range r {
				if headerWords[strings.ToLower(c)] {
					h = i
					break
				}
			}
			if h >= 0 {
				for j, c := range r {
					st.col[c] = j
				}
			}
			continue
		}
		if len(r) == 0 || strings.Join(r, "") == "" || strings.EqualFold(r[0], "Totale") {
			continue
		}
		st.rows[i+1] = r
	}
	if h < 0 {
		t.Fatalf("sheet %s: no header row", sheet)
	}
	return st
}

func readCSV(t *testing.T, path string) sheetTable {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(dec))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	st := sheetTable{col: map[string]int{}, rows: map[int][]string{}}
	for j, c := range recs[0] {
		st.col[c] = j
	}
	for i, rec := range recs[1:] {
		st.rows[i+2] = rec
	}
	return st
}

type truthRow struct {
	file, sheet string
	row         int
	person      string
}

func readTruth(t *testing.T, dir string) []truthRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "source_file,sheet,source_row,person" {
		t.Fatalf("truth header %q", got)
	}
	var out []truthRow
	for _, r := range recs[1:] {
		n, err := strconv.Atoi(r[2])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, truthRow{r[0], r[1], n, r[3]})
	}
	return out
}

// readAll reads every data sheet of a generated directory, keyed by
// "file|sheet".
func readAll(t *testing.T, dir string, sum Summary) map[string]sheetTable {
	t.Helper()
	out := map[string]sheetTable{}
	for _, rel := range sum.Files {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		base := filepath.Base(path)
		if strings.HasSuffix(base, ".csv") {
			out[base+"|"] = readCSV(t, path)
			continue
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range f.GetSheetList() {
			if s == "Istruzioni" || s == "Moduli" {
				continue
			}
			out[base+"|"+s] = readSheet(t, f, s)
		}
		f.Close()
	}
	return out
}

func TestCremonaFigures(t *testing.T) {
	for _, tc := range sets {
		t.Run(tc.name, func(t *testing.T) {
			dir, sum := generate(t, tc.opt)
			ps, ok := sum.Province("CR")
			if !ok || len(ps.Files) != 1 {
				t.Fatalf("Cremona summary %+v", ps)
			}
			path := filepath.Join(dir, filepath.FromSlash(ps.Files[0]))
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Iscrizioni", "Moduli"}) {
				t.Fatalf("sheets %v", got)
			}
			checkCremonaModules(t, readSheet(t, f, "Moduli"))
			checkCremonaRows(t, readSheet(t, f, "Iscrizioni"), readTruth(t, dir), filepath.Base(path))
			want := ProvinceSummary{
				Code: "CR", Files: ps.Files, Modules: 12, Sessions: 45, Applications: 437,
				Accepted: 314, NotAccepted: 84, Withdrawn: 39, Persons: ps.Persons,
				Participants: 246, Repeaters: 52,
			}
			if !reflect.DeepEqual(ps, want) {
				t.Errorf("summary\n got %+v\nwant %+v", ps, want)
			}
		})
	}
}

func checkCremonaModules(t *testing.T, mods sheetTable) {
	t.Helper()
	if len(mods.rows) != 12 {
		t.Fatalf("%d modules, want 12", len(mods.rows))
	}
	sites, axes, titles := map[string]int{}, map[string]int{}, map[string]int{}
	sessions := 0
	for row := range mods.rows {
		sites[mods.get(row, "Sede")]++
		axes[mods.get(row, "Asse")]++
		titles[mods.get(row, "Titolo")]++
		if h := mods.get(row, "Ore previste"); h != "16" {
			t.Errorf("row %d: planned hours %q", row, h)
		}
		n, err := strconv.Atoi(mods.get(row, "N. incontri"))
		if err != nil {
			t.Fatal(err)
		}
		sessions += n
	}
	if sessions != 45 {
		t.Errorf("sessions %d, want 45", sessions)
	}
	checkCounts(t, "sites", sites, map[string]int{"Cremona": 7, "Crema": 2, "Casalmaggiore": 3})
	checkCounts(t, "axes", axes, map[string]int{"I": 1, "II": 1, "IV": 10})
	checkCounts(t, "titles", titles, map[string]int{
		"Certificazione delle competenze: metodologie e pratiche di validazione":                           1,
		"Lavoratori stranieri e procedure di ingresso: l'impatto della legislazione sui servizi al lavoro": 1,
		"Immigrazione formato famiglia":                                  3,
		"La violenza sulle donne in un'ottica interculturale":            3,
		"Salute e immigrazione":                                          1,
		"I servizi territoriali: la presa in carico di utenti stranieri": 1,
		"Donne straniere e conciliazione vita-lavoro":                    1,
		"L'accesso ai servizi di utenti stranieri: acquisire competenza interculturale, una qualificazione essenziale nella società multiculturale": 1,
	})
}

func checkCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func checkCremonaRows(t *testing.T, st sheetTable, truth []truthRow, file string) {
	t.Helper()
	if len(st.rows) != 437 {
		t.Fatalf("%d application rows, want 437", len(st.rows))
	}
	label := map[int]string{}
	for _, tr := range truth {
		if tr.file == file {
			if tr.sheet != "Iscrizioni" {
				t.Fatalf("truth sheet %q", tr.sheet)
			}
			label[tr.row] = tr.person
		}
	}
	if len(label) != 437 {
		t.Fatalf("truth labels %d rows of Cremona, want 437", len(label))
	}
	status := map[string]int{}
	sex := map[string]int{}
	perPerson := map[string]int{}
	seen := map[string]bool{}
	hours, satSum, satN := 0.0, 0.0, 0
	for row := range st.rows {
		for _, h := range []string{"Cognome", "Nome", "Codice corso", "Titolo corso"} {
			if strings.TrimSpace(st.get(row, h)) == "" {
				t.Errorf("row %d: %s empty, the row would not load", row, h)
			}
		}
		p, ok := label[row]
		if !ok {
			t.Fatalf("row %d has no truth label", row)
		}
		key := p + "|" + st.get(row, "Codice corso")
		if seen[key] {
			t.Errorf("row %d: person applied twice to module %s", row, st.get(row, "Codice corso"))
		}
		seen[key] = true
		s, ok := testStatus[strings.ToLower(strings.TrimSpace(st.get(row, "Esito")))]
		if !ok {
			t.Fatalf("row %d: unknown status %q", row, st.get(row, "Esito"))
		}
		status[s]++
		h, sat := st.get(row, "Ore frequentate"), st.get(row, "Gradimento")
		if s != "acc" {
			if h != "" || sat != "" {
				t.Errorf("row %d: status %s with hours %q, satisfaction %q", row, s, h, sat)
			}
			continue
		}
		x, ok := testSex[strings.ToLower(st.get(row, "Sesso"))]
		if !ok {
			t.Fatalf("row %d: unknown sex %q", row, st.get(row, "Sesso"))
		}
		sex[x]++
		perPerson[p]++
		v, err := strconv.ParseFloat(h, 64)
		if err != nil || v < 0 || v > 16 {
			t.Fatalf("row %d: hours %q", row, h)
		}
		hours += v
		if sat != "" {
			v, err := strconv.ParseFloat(sat, 64)
			if err != nil || v < 1 || v > 5 {
				t.Fatalf("row %d: satisfaction %q", row, sat)
			}
			satSum += v
			satN++
		}
	}
	checkCounts(t, "status", status, map[string]int{"acc": 314, "not": 84, "wd": 39})
	checkCounts(t, "sex of accepted", sex, map[string]int{"F": 270, "M": 44})
	repeaters, repeatRows := 0, 0
	for _, n := range perPerson {
		if n > 1 {
			repeaters++
			repeatRows += n
		}
	}
	if len(perPerson) != 246 || repeaters != 52 || repeatRows != 120 {
		t.Errorf("participants %d, repeaters %d with %d rows; want 246, 52, 120", len(perPerson), repeaters, repeatRows)
	}
	if avg := hours / 314; avg != 12 {
		t.Errorf("average hours %v, want 12", avg)
	}
	t.Logf("satisfaction %.3f over %d answers", satSum/float64(satN), satN)
	if avg := satSum / float64(satN); avg <= 3 || avg >= 4 || satN < 250 {
		t.Errorf("average satisfaction %v over %d answers, want in (3, 4)", avg, satN)
	}
}

// cfHeaders are the tax-code headers used by the layouts.
var cfHeaders = []string{"Codice fiscale", "Codice Fiscale", "C.F.", "CF", "Cod. Fisc.", "COD. FISC."}

func TestRepeatTaxCodesNoisy(t *testing.T) {
	dir, sum := generate(t, sets[0].opt)
	sheets := readAll(t, dir, sum)
	cf := func(tr truthRow) string {
		st, ok := sheets[tr.file+"|"+tr.sheet]
		if !ok {
			t.Fatalf("no sheet %s|%s", tr.file, tr.sheet)
		}
		for _, h := range cfHeaders {
			if _, ok := st.col[h]; ok {
				return strings.ToUpper(strings.ReplaceAll(st.get(tr.row, h), " ", ""))
			}
		}
		t.Fatalf("%s: no tax code column", tr.file)
		return ""
	}
	cases := []struct {
		name string
		file string // "" for all
		min  int    // repeat rows expected at least
	}{
		{"all", "", 300},
		{"cremona", "CR_CORRELARE_iscrizioni_gen-giu_2013.xlsx", 100},
	}
	truth := readTruth(t, dir)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := map[string]string{}
			repeats, noisy := 0, 0
			for _, tr := range truth {
				if tc.file != "" && tr.file != tc.file {
					continue
				}
				code := cf(tr)
				ref, ok := first[tr.person]
				if !ok {
					first[tr.person] = code
					continue
				}
				repeats++
				if code == "" || code != ref {
					noisy++
				}
			}
			if repeats < tc.min {
				t.Fatalf("only %d repeat rows", repeats)
			}
			t.Logf("%d of %d repeat rows have a missing or wrong tax code", noisy, repeats)
			if frac := float64(noisy) / float64(repeats); frac < 0.40 {
				t.Errorf("%d of %d repeat rows (%.0f%%) have a missing or wrong tax code, want ≥ 40%%", noisy, repeats, 100*frac)
			}
		})
	}
}

func TestTruthCoversEveryRow(t *testing.T) {
	for _, tc := range sets {
		t.Run(tc.name, func(t *testing.T) {
			dir, sum := generate(t, tc.opt)
			sheets := readAll(t, dir, sum)
			truth := readTruth(t, dir)
			labelled := map[string]bool{}
			for _, tr := range truth {
				k := fmt.Sprintf("%s|%s|%d", tr.file, tr.sheet, tr.row)
				if labelled[k] {
					t.Errorf("%s labelled twice", k)
				}
				labelled[k] = true
				st, ok := sheets[tr.file+"|"+tr.sheet]
				if !ok || st.rows[tr.row] == nil {
					t.Errorf("%s: truth row is not a data row", k)
				}
			}
			rows := 0
			for key, st := range sheets {
				for row := range st.rows {
					rows++
					if !labelled[fmt.Sprintf("%s|%d", key, row)] {
						t.Errorf("%s row %d has no truth label", key, row)
					}
				}
			}
			if rows != sum.Applications || len(truth) != sum.Applications {
				t.Errorf("%d data rows, %d truth rows, summary says %d", rows, len(truth), sum.Applications)
			}
		})
	}
}

func TestProvinceSizesAndLayouts(t *testing.T) {
	dir, sum := generate(t, sets[0].opt)
	if len(sum.Provinces) != 9 {
		t.Fatalf("%d provinces", len(sum.Provinces))
	}
	for _, ps := range sum.Provinces {
		t.Run(ps.Code, func(t *testing.T) {
			if ps.Code != "CR" && (ps.Applications < 60 || ps.Applications > 300) {
				t.Errorf("%d applications", ps.Applications)
			}
			if ps.Accepted+ps.NotAccepted+ps.Withdrawn != ps.Applications {
				t.Errorf("statuses do not add up: %+v", ps)
			}
			if ps.Participants > ps.Persons || ps.Repeaters == 0 {
				t.Errorf("persons %d, participants %d, repeaters %d", ps.Persons, ps.Participants, ps.Repeaters)
			}
			for _, f := range ps.Files {
				if !strings.HasPrefix(f, ps.Code+"/") {
					t.Errorf("file %s outside %s/", f, ps.Code)
				}
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	// Some people enrol in two provinces.
	provinces := map[string]map[string]bool{}
	for _, tr := range readTruth(t, dir) {
		if provinces[tr.person] == nil {
			provinces[tr.person] = map[string]bool{}
		}
		provinces[tr.person][tr.file[:2]] = true
	}
	multi := 0
	for _, ps := range provinces {
		if len(ps) > 1 {
			multi++
		}
	}
	if multi < 5 {
		t.Errorf("%d people in more than one province, want some", multi)
	}
}

func TestCSVConventions(t *testing.T) {
	dir, _ := generate(t, sets[0].opt)
	raw, err := os.ReadFile(filepath.Join(dir, "CO", "CO_iscritti_correlare_2013.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, want := range []string{";", "\r\n", ",5;"} {
		if !strings.Contains(text, want) {
			t.Errorf("CSV lacks %q", want)
		}
	}
	if bytes.Contains(raw, []byte("\xc3")) {
		t.Error("CSV looks UTF-8, want Windows-1252")
	}
}

func TestSynthetic(t *testing.T) {
	rows, people := Synthetic(10000, 7, NoiseNormal)
	rows2, people2 := Synthetic(10000, 7, NoiseNormal)
	if !reflect.DeepEqual(rows, rows2) || !reflect.DeepEqual(people, people2) {
		t.Fatal("Synthetic is not deterministic")
	}
	if len(rows) != 10000 || len(people) != 10000 {
		t.Fatalf("%d rows, %d labels", len(rows), len(people))
	}
	count := map[string]int{}
	for _, p := range people {
		count[p]++
	}
	if r := float64(len(rows)-len(count)) / float64(len(rows)); r < 0.15 || r > 0.45 {
		t.Errorf("%d rows for %d people: repeat share %.2f", len(rows), len(count), r)
	}
	status := map[string]int{}
	names := map[string]map[string]bool{}
	for i, e := range rows {
		status[e.TaxCodeStatus]++
		if e.Surname == "" || e.GivenName == "" || e.ModuleTitle == "" || e.Status == "" {
			t.Fatalf("row %d incomplete: %+v", i, e)
		}
		k := e.SurnameFold + "|" + e.GivenNameFold
		if names[k] == nil {
			names[k] = map[string]bool{}
		}
		names[k][people[i]] = true
	}
	for _, s := range []string{canon.TaxCodeValid, canon.TaxCodeMissing, canon.TaxCodeBadCheck} {
		if status[s] == 0 {
			t.Errorf("no %s tax codes: %v", s, status)
		}
	}
	homonyms := 0
	for _, ps := range names {
		if len(ps) > 1 {
			homonyms++
		}
	}
	if homonyms == 0 {
		t.Error("no different people share a name")
	}
	other, _ := Synthetic(1000, 8, NoiseNormal)
	if reflect.DeepEqual(other, rows[:1000]) {
		t.Error("seeds 7 and 8 gave the same rows")
	}
	if r, p := Synthetic(0, 1, NoiseNormal); r != nil || p != nil {
		t.Error("Synthetic(0) returned rows")
	}
}

func TestLarge(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.xlsx"), filepath.Join(dir, "b.xlsx")
	for _, p := range []string{a, b} {
		if err := Large(context.Background(), p, 3000, 5); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("Large is not deterministic")
	}
	f, err := excelize.OpenFile(a)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Iscrizioni")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3001 || len(rows[0]) != 11 || rows[0][0] != "Cognome" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Large(ctx, filepath.Join(dir, "c.xlsx"), 10, 1); err == nil {
		t.Error("Large ignored a cancelled context")
	}
	if err := Large(context.Background(), filepath.Join(dir, "d.xlsx"), -1, 1); err == nil {
		t.Error("Large accepted a negative size")
	}
}

func BenchmarkSynthetic(b *testing.B) {
	for b.Loop() {
		Synthetic(100000, 1, NoiseNormal)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(context.Background(), b.TempDir(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
