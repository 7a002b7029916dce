package canon

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSlots: the slot constants follow the order of Fields.
func TestSlots(t *testing.T) {
	want := map[slot]Field{
		sSurname: FieldSurname, sGivenName: FieldGivenName, sFullName: FieldFullName, sTaxCode: FieldTaxCode,
		sSex: FieldSex, sBirthDate: FieldBirthDate, sBirthPlace: FieldBirthPlace, sEmail: FieldEmail,
		sPhone: FieldPhone, sMunicipality: FieldMunicipality, sOrganisation: FieldOrganisation,
		sOrganisationType: FieldOrganisationType, sRole: FieldRole, sModuleCode: FieldModuleCode,
		sModule: FieldModule, sEdition: FieldEdition, sSite: FieldSite, sAxis: FieldAxis,
		sPlannedHours: FieldPlannedHours, sSessions: FieldSessions, sStartDate: FieldStartDate,
		sEndDate: FieldEndDate, sApplicationDate: FieldApplicationDate, sStatus: FieldStatus,
		sHoursAttended: FieldHoursAttended, sSatisfaction: FieldSatisfaction,
	}
	if len(want) != int(numSlots) || len(Fields) != int(numSlots) {
		t.Fatalf("%d slots, %d fields, %d checked", numSlots, len(Fields), len(want))
	}
	for s, f := range want {
		if Fields[s] != f {
			t.Errorf("slot %d is %q, want %q", s, Fields[s], f)
		}
	}
}

// differentialValues are the cell values the differential tests try: the
// fuzz targets' seeds and corpus files, every value of the unit tests'
// rows and of the benchmark's rows, and random text built from the
// characters the parsers treat apart (accents, no-break spaces, invisible
// characters, apostrophes, separators, broken UTF-8).
func differentialValues(t *testing.T) []string {
	t.Helper()
	vals := []string{"", " ", "-", "n.d.", "N/A", "—", "ROSSI", "Rossi", "D'ANGELO", "d’angelo", "Nicolò", "NICOLÒ",
		"DE LUCA Maria Grazia", "Rossi, Maria", ", Maria", "ß", "Æsir", "Øyvind", "Ł", "Ἀ", "Ελένη", "Иван", "李",
		"RSSMRA75D43D150D", "rss mra 75d43 d150d", "RSSMRA75D43D15LP", "RSSMRA75D43D150X", "RSS-MRA.75/D43_D150D",
		"DNGNCL80T01D150C", "HXHLNE88B69Z100Q", "RSSMRA75D43D1", "f", "M", "Femmina", "maschio", "F.", "donna", "x",
		"ammesso", "Ammessa", "non ammessa", "NON AMM.", "ritirato prima dell'inizio", "rinuncia", "sì", "SI", "NO",
		"✓", "✗", "non", "non sì", "ammessa – ritirata", "ok", "1", "0", "vero", "falso", "respinto", "amm.", "acc",
		"ottimo", "Buono", "MOLTO BUONO", "4", "4,5", "4/5", "4 su 5", "6", "0,5", "16", "12,5", "8 ore", "12:30",
		"27487", "27487.0", "03/04/1975", "3-4-75", "1975-04-03T00:00:00", "3 aprile 1975", "31/02/2013", "60",
		"m@x.it", "mailto:A@B.IT", "<a@b.it>", "@", "333 1234567", "+39 0372 123456", "0039 333 1234567",
		"Asse IV", "iv", "Lavoro", "\u00a0Anna\u00a0", "Comune  di\tCremona", "a\u200bb", "\ufeffROSSI", "\xff\xfe",
		"Dell'Acqua", "O`Brien", "McDonald", "ROSSI-BIANCHI", "van der Berg", "de' Medici", "Ǆ", "ǅungla", "ﬁ",
	}
	for _, s := range []string{"FuzzParseDate", "FuzzSplitFullName", "FuzzParseStatus", "FuzzParseTaxCode",
		"FuzzParseHours", "FuzzParseSatisfaction", "FuzzNormaliseRow"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", s, "*"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, "string("); ok {
					if u, err := strconv.Unquote(strings.TrimSuffix(v, ")")); err == nil {
						vals = append(append(vals, u), strings.Split(u, "|")...)
					}
				}
			}
		}
	}
	for _, r := range benchRows(500) {
		vals = append(vals, r.Cells...)
	}
	parts := []string{"a", "E", "z", "0", "7", " ", "  ", "\t", "\n", "\u00a0", "\u202f", "\u200b", "\ufeff", "\u00ad",
		"'", "’", "`", "´", "-", ".", ",", "/", "_", "*", "°", "à", "È", "ò", "Ñ", "ß", "Œ", "ı", "ẞ", "Ấ", "ǅ", "Ω",
		"д", "日", "✓", "\xc3", "\x80", "\x01", "ROSSI", "Maria", "non", "ammess", "rit", "DE", "RSSMRA75D43D150D"}
	r := rand.New(rand.NewPCG(11, 3))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(6) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		vals = append(vals, b.String())
	}
	return vals
}

// sameErr reports errors that say the same and wrap the same sentinels.
func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	for _, s := range []error{ErrEmpty, ErrBadStatus, ErrBadSex, ErrBadNumber, ErrOutOfRange} {
		if errors.Is(a, s) != errors.Is(b, s) {
			return false
		}
	}
	return a.Error() == b.Error()
}

// TestHelpersMatchReference: the functions rewritten not to allocate
// give what they gave before, on every differential value.
func TestHelpersMatchReference(t *testing.T) {
	now := refNow
	vm := ValueMap{}
	for _, m := range [][3]string{{"status", "RIT.", "withdrawn"}, {"status", "boh", "not_indicated"},
		{"sex", "Femminile", "F"}, {"axis", "quattro", "IV"}, {"organisation_type", "comune", "Ente locale"}} {
		if err := vm.Add(Field(m[0]), m[1], m[2]); err != nil {
			t.Fatal(err)
		}
	}
	fo := newFolder()
	vals := differentialValues(t)
	rc := &RowContext{Values: vm}
	for i, v := range vals {
		for range 2 { // the second time from the folder's memory
			if g, w := fo.status(rc, v), readStatus(rc, v); g != w {
				t.Errorf("folder.status(%q) = %+v, want %+v", v, g, w)
			}
		}
		if g, w := Fold(v), refFold(v); g != w {
			t.Errorf("Fold(%q) = %q, want %q", v, g, w)
		}
		for range 2 { // the second time from the folder's keys
			if g, w := fo.fold(v), refFold(v); g != w {
				t.Errorf("folder.fold(%q) = %q, want %q", v, g, w)
			}
		}
		if g, w := titleCase(v), refTitleCase(v); g != w {
			t.Errorf("titleCase(%q) = %q, want %q", v, g, w)
		}
		o := vals[(i*7919)%len(vals)]
		if g, w := DisplayName(v, o), refDisplayName(v, o); g != w {
			t.Errorf("DisplayName(%q, %q) = %q, want %q", v, o, g, w)
		}
		if g, w := cleanTaxCode(v), refCleanTaxCode(v); g != w {
			t.Errorf("cleanTaxCode(%q) = %q, want %q", v, g, w)
		}
		if g, w := ParseTaxCodeAt(v, now), refParseTaxCodeAt(v, now); g != w {
			t.Errorf("ParseTaxCodeAt(%q) = %+v, want %+v", v, g, w)
		}
		if g, err := ParseSex(v); true {
			w, werr := refParseSex(v)
			if g != w || !sameErr(err, werr) {
				t.Errorf("ParseSex(%q) = %q, %v; want %q, %v", v, g, err, w, werr)
			}
		}
		if g, err := ParseStatus(v); true {
			w, werr := refParseStatus(v)
			if g != w || !sameErr(err, werr) {
				t.Errorf("ParseStatus(%q) = %q, %v; want %q, %v", v, g, err, w, werr)
			}
		}
		if g, err := ParseSatisfaction(v); true {
			w, werr := refParseSatisfaction(v)
			if g != w || !sameErr(err, werr) {
				t.Errorf("ParseSatisfaction(%q) = %v, %v; want %v, %v", v, g, err, w, werr)
			}
		}
		for _, f := range MappableFields {
			g, gok := vm.lookup(f, v)
			w, wok := refLookup(vm, f, v)
			if g != w || gok != wok {
				t.Errorf("lookup(%s, %q) = %q %v, want %q %v", f, v, g, gok, w, wok)
			}
		}
		if g, w := EnrolmentID(v, o, i-3), refEnrolmentID(v, o, i-3); g != w {
			t.Errorf("EnrolmentID(%q, %q, %d) = %q, want %q", v, o, i-3, g, w)
		}
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		rome = time.FixedZone("CET", 3600)
	}
	for _, tm := range []time.Time{date(1970, 1, 1), date(1969, 12, 31), date(1900, 1, 1), date(1800, 3, 1), date(2199, 12, 31),
		time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC), time.Date(1975, 4, 3, 12, 30, 0, 0, time.UTC),
		time.Date(1975, 4, 3, 0, 30, 0, 0, rome), time.Date(1960, 4, 3, 23, 30, 0, 0, rome), {}} {
		y, m, d := tm.Date()
		if g, w := date32(tm), arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)); g != w {
			t.Errorf("date32(%v) = %d, want %d", tm, g, w)
		}
	}
}

// differentialLayouts are column layouts the row tests use: the unit
// tests' sheet, the benchmark's, and one with a field mapped twice, extra
// columns and a "Cognome e nome" column.
func differentialLayouts() [][]Column {
	odd := []Column{
		{Index: 0, Letter: "A", Header: "Nominativo", Field: FieldFullName},
		{Index: 1, Letter: "B", Header: "Codice fiscale", Field: FieldTaxCode},
		{Index: 2, Letter: "C", Header: "Titolo", Field: FieldModule},
		{Index: 3, Letter: "D", Header: "Titolo (bis)", Field: FieldModule},
		{Index: 4, Letter: "E", Header: "Note", Field: FieldNone},
		{Index: 5, Letter: "F", Header: " ", Field: FieldNone},
		{Index: 6, Letter: "G", Header: "Esito", Field: FieldStatus},
		{Index: 8, Letter: "I", Header: "Cognome", Field: FieldSurname},
		{Index: 9, Letter: "J", Header: "Codice", Field: FieldModuleCode},
		{Index: 10, Letter: "K", Header: "Ore previste", Field: FieldPlannedHours},
		{Index: 11, Letter: "L", Header: "Ore", Field: FieldHoursAttended},
		{Index: 12, Letter: "M", Header: "Tipo ente", Field: FieldOrganisationType},
		{Index: 13, Letter: "N", Header: "Comune", Field: FieldMunicipality},
		{Index: 14, Letter: "O", Header: "Mail", Field: FieldEmail},
		{Index: 15, Letter: "P", Header: "Tel", Field: FieldPhone},
		{Index: 16, Letter: "Q", Header: "Inizio", Field: FieldStartDate},
		{Index: 17, Letter: "R", Header: "Fine", Field: FieldEndDate},
		{Index: 18, Letter: "S", Header: "Incontri", Field: FieldSessions},
		{Index: 19, Letter: "T", Header: "Domanda", Field: FieldApplicationDate},
		{Index: 20, Letter: "U", Header: "Gradimento", Field: FieldSatisfaction},
		{Index: 21, Letter: "V", Header: "Asse", Field: FieldAxis},
		{Index: 22, Letter: "W", Header: "Edizione", Field: FieldEdition},
		{Index: 23, Letter: "X", Header: "Nome", Field: FieldGivenName},
		{Index: 300, Letter: "KO", Header: "Lontana", Field: FieldSite},
		{Index: 301, Letter: "KP", Header: "Sconosciuto", Field: Field("unknown")},
	}
	return [][]Column{testColumns, benchColumns, odd}
}

// TestNormaliserMatchesReference: a Normaliser, and NormaliseRow, give
// for every row what NormaliseRow gave before the Normaliser, also once
// later rows have reused its scratch space; the Arrow records built from
// them are equal to the ones the earlier Batch built.
func TestNormaliserMatchesReference(t *testing.T) {
	vals := differentialValues(t)
	r := rand.New(rand.NewPCG(5, 8))
	vm := ValueMap{}
	_ = vm.Add(FieldStatus, "RIT.", StatusWithdrawn)
	_ = vm.Add(FieldOrganisationType, "comune", "Ente locale")
	for li, cols := range differentialLayouts() {
		width := 0
		for _, c := range cols {
			width = max(width, c.Index+1)
		}
		rows := benchRows(1500)
		for i := range 2500 {
			cells := make([]string, r.IntN(width+3))
			for j := range cells {
				if r.IntN(4) > 0 {
					cells[j] = vals[r.IntN(len(vals))]
				}
			}
			if li != 1 && len(cells) > 7 && r.IntN(2) == 0 {
				cells[7] = "Salute e migrazione" // a module more often than chance gives
			}
			rows = append(rows, RawRow{Row: 1502 + i, Cells: cells})
		}
		for _, values := range []ValueMap{nil, vm} {
			rc := &RowContext{ProvinceCode: "CR", SourceFile: "f.xlsx", SourceSHA256: "abc", Sheet: "S",
				Columns: cols, Now: refNow, Values: values, Date1904: li == 2}
			n := NewNormaliser(rc)
			type result struct {
				e   Enrolment
				is  []Issue
				rej *Rejection
			}
			got := make([]result, len(rows))
			for i, row := range rows {
				e, is, rej := n.Row(row)
				got[i] = result{e, is, rej}
				oe, ois, orej := NormaliseRow(rc, row)
				we, wis, wrej := refNormaliseRow(rc, row)
				if !reflect.DeepEqual(oe, we) || !reflect.DeepEqual(ois, wis) || !reflect.DeepEqual(orej, wrej) {
					t.Fatalf("layout %d, row %q: NormaliseRow =\n%+v %+v %+v\nwant\n%+v %+v %+v", li, row.Cells, oe, ois, orej, we, wis, wrej)
				}
				m, mis, mrej := n.Module(row)
				wm, wmis, wmrej := refNormaliseModule(rc, row)
				if !reflect.DeepEqual(m, wm) || !reflect.DeepEqual(mis, wmis) || !reflect.DeepEqual(mrej, wmrej) {
					t.Fatalf("layout %d, row %q: Module =\n%+v %+v %+v\nwant\n%+v %+v %+v", li, row.Cells, m, mis, mrej, wm, wmis, wmrej)
				}
			}
			// After every row: what the Normaliser returned earlier is intact.
			b, rb := NewBatch(memory.DefaultAllocator, "run"), refNewBatch(memory.DefaultAllocator, "run")
			var recs, refRecs []arrow.RecordBatch
			for i, row := range rows {
				we, wis, wrej := refNormaliseRow(rc, row)
				g := got[i]
				if !reflect.DeepEqual(g.e, we) || !reflect.DeepEqual(g.is, wis) || !reflect.DeepEqual(g.rej, wrej) {
					t.Fatalf("layout %d, row %q: Normaliser.Row =\n%+v %+v %+v\nwant\n%+v %+v %+v", li, row.Cells, g.e, g.is, g.rej, we, wis, wrej)
				}
				if g.rej != nil {
					continue
				}
				b.Append(&g.e)
				rb.Append(&we)
				if b.Len() == 777+li*500 { // records of differing sizes
					recs, refRecs = append(recs, b.NewRecord()), append(refRecs, rb.NewRecord())
				}
			}
			recs, refRecs = append(recs, b.NewRecord()), append(refRecs, rb.NewRecord())
			for i := range recs {
				if !array.RecordEqual(recs[i], refRecs[i]) {
					t.Errorf("layout %d: record %d differs from the earlier Batch's", li, i)
				}
				recs[i].Release()
				refRecs[i].Release()
			}
			b.Release()
			rb.Release()
		}
	}
}
