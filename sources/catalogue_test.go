package sources

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
)

// TestCatalogueCode: a catalogue's code column headed only "Codice", "Cod.",
// "ID", "N.", "Nr." or "Edizione" becomes module_code when its values are
// unique and present on every module; otherwise, and on enrolment sheets
// (where "N." counts rows), it stays what it was.
func TestCatalogueCode(t *testing.T) {
	const (
		MC = canon.FieldModuleCode
		M  = canon.FieldModule
		E  = canon.FieldEdition
		N  = canon.FieldNone
	)
	tests := []struct {
		name  string
		csv   string
		opt   Options
		kind  TableKind
		want  map[string]canon.Field // header → field
		nrows int
	}{
		{"Codice", "Codice;Titolo;Asse\nXX-01;Salute;IV\nXX-02;Lavoro;II\n", Options{}, Modules,
			map[string]canon.Field{"Codice": MC, "Titolo": M}, 2},
		{"Cod. with spaces and case folded", "Cod.;Titolo;Sede\nA 1;Salute;Lecco\na2;Salute;Merate\n", Options{}, Modules,
			map[string]canon.Field{"Cod.": MC}, 2},
		{"ID", "ID;Titolo del corso;Ore previste\n7;Salute;16\n8;Lavoro;16\n", Options{}, Modules,
			map[string]canon.Field{"ID": MC}, 2},
		{"N. numbering modules", "N.;Titolo;Asse\n1;Salute;IV\n2;Lavoro;II\n3;Scuola;V\n", Options{}, Modules,
			map[string]canon.Field{"N.": MC}, 3},
		{"Nr.", "Nr.;Titolo;Asse\n1;Salute;IV\n2;Lavoro;II\n", Options{}, Modules,
			map[string]canon.Field{"Nr.": MC}, 2},
		{"Edizione unique", "Edizione;Titolo;Sede\nED-A;Salute;Lecco\nED-B;Salute;Merate\n", Options{}, Modules,
			map[string]canon.Field{"Edizione": MC}, 2},
		{"Edizione repeated stays edition", "Edizione;Titolo;Sede\n1;Salute;Lecco\n2;Salute;Merate\n1;Lavoro;Lecco\n", Options{}, Modules,
			map[string]canon.Field{"Edizione": E}, 3},
		{"Codice repeated stays extra", "Codice;Titolo;Asse\nA;Salute;IV\nA;Lavoro;II\n", Options{}, Modules,
			map[string]canon.Field{"Codice": N}, 2},
		{"Codice missing on a module stays extra", "Codice;Titolo;Asse\nA;Salute;IV\n;Lavoro;II\n", Options{}, Modules,
			map[string]canon.Field{"Codice": N}, 2},
		{"explicit code column wins", "N.;Codice modulo;Titolo;Asse\n1;M-1;Salute;IV\n2;M-2;Lavoro;II\n", Options{}, Modules,
			map[string]canon.Field{"N.": N, "Codice modulo": MC}, 2},
		{"Codice preferred to N.", "N.;Codice;Titolo;Asse\n1;M-1;Salute;IV\n2;M-2;Lavoro;II\n", Options{}, Modules,
			map[string]canon.Field{"N.": N, "Codice": MC}, 2},
		{"province mapping kept", "N.;Titolo;Asse\n1;Salute;IV\n2;Lavoro;II\n", Options{Headers: map[string]canon.Field{"N.": canon.FieldNone}}, Modules,
			map[string]canon.Field{"N.": N}, 2},
		{"totals row not a module", "N.;Titolo;Ore previste\n1;Salute;16\n2;Lavoro;16\n;Totale;32\n", Options{}, Modules,
			map[string]canon.Field{"N.": MC}, 2},
		{"enrolment sheet: N. counts rows", "N.;Cognome;Nome;Modulo\n1;Rossi;Maria;XX-01\n2;Verdi;Luca;XX-02\n", Options{}, Enrolments,
			map[string]canon.Field{"N.": N, "Modulo": M}, 2},
		{"enrolment sheet: Codice is not a module code", "Codice;Cognome;Nome;Modulo\nA1;Rossi;Maria;Salute\n", Options{}, Enrolments,
			map[string]canon.Field{"Codice": N}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openText(t, "catalogo.csv", tc.csv, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			tab, err := f.NextTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tab.Kind != tc.kind {
				t.Errorf("kind %v, want %v", tab.Kind, tc.kind)
			}
			got := map[string]canon.Field{}
			for _, c := range tab.Columns {
				got[c.Header] = c.Field
			}
			for h, w := range tc.want {
				if got[h] != w {
					t.Errorf("%q → %q, want %q (columns %v)", h, got[h], w, fieldsOf(tab.Columns))
				}
			}
			if rows := readTable(t, tab); len(rows) != tc.nrows {
				t.Errorf("%d rows, want %d", len(rows), tc.nrows)
			}
		})
	}
}

// TestCatalogueLookahead: a catalogue longer than the header scan is
// checked for unique codes on all its rows, and every row still comes out,
// once, in order, with the skipped rows counted.
func TestCatalogueLookahead(t *testing.T) {
	for _, tc := range []struct {
		name string
		dup  bool
		want canon.Field
	}{{"unique", false, canon.FieldModuleCode}, {"a code repeated on row 60", true, canon.FieldNone}} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("Catalogo\n\nCodice;Titolo;Ore previste\n")
			for i := 1; i <= 80; i++ {
				code := fmt.Sprintf("M%02d", i)
				if tc.dup && i == 60 {
					code = "m 01"
				}
				fmt.Fprintf(&b, "%s;Modulo %d;16\n", code, i)
				if i == 40 {
					b.WriteString(";;\n")
				}
			}
			f, err := openText(t, "catalogo.csv", b.String(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tab, err := f.NextTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tab.Columns[0].Field != tc.want {
				t.Errorf("Codice → %q, want %q", tab.Columns[0].Field, tc.want)
			}
			rows := readTable(t, tab)
			if len(rows) != 80 || rows[0].Row != 4 || rows[79].Row != 84 || rows[40].Cells[1] != "Modulo 41" {
				t.Fatalf("%d rows, first %+v last %+v", len(rows), rows[0], rows[len(rows)-1])
			}
			if sk := tab.Skipped(); len(sk) != 1 || sk[0].Row != 44 || sk[0].Reason != SkipBlank {
				t.Errorf("skipped %+v", sk)
			}
		})
	}
}
