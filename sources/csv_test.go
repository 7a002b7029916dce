package sources

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		name string
		text string
		want rune
	}{
		{"comma", "Cognome,Nome,Ente\nROSSI,Maria,ASL\n", ','},
		{"semicolon with commas in values", "Cognome;Nome;Ente\nROSSI;Maria;Comune, sede di Crema\nBIANCHI;Luca;ASL\n", ';'},
		{"tab", "Cognome\tNome\tEnte\nROSSI\tMaria\tASL, Crema\n", '\t'},
		{"quoted commas do not count", "\"a,b,c,d\";\"e\";\"f\"\n\"g,h,i\";\"j\";\"k\"\n", ';'},
		{"quoted line breaks", "Cognome;Nome;Note\nROSSI;Maria;\"uno,\ndue, tre\"\n", ';'},
		{"title line first", "Elenco iscritti\nCognome;Nome;Ente;Modulo\nROSSI;Maria;ASL;Salute\n", ';'},
		{"decimal commas", "Cognome;Nome;Ore\nROSSI;Maria;12,5\nBIANCHI;Luca;8,5\n", ';'},
		{"no delimiter", "Cognome\n", ','},
		{"empty", "", ','},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := detectDelimiter(tc.text); got != tc.want {
				t.Errorf("detectDelimiter = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("Nicolò\tà"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		want    string
		wantErr error
	}{
		{"utf-8", []byte("Nicolò"), "Nicolò", nil},
		{"utf-8 with BOM", []byte("\xEF\xBB\xBFNicolò"), "Nicolò", nil},
		{"windows-1252", []byte("Nicol\xF2 \x80 \x96"), "Nicolò € –", nil},
		{"utf-16 with BOM", utf16, "Nicolò\tà", nil},
		{"old Mac line ends", []byte("a;b\rc;d\r"), "a;b\nc;d\n", nil},
		{"binary", []byte("PK\x00\x01\x02"), "", ErrUnsupportedFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeText(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("decodeText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCSVRowNumbers(t *testing.T) {
	// Row numbers are what a spreadsheet shows: a quoted line break stays in
	// one row, an empty line is an empty row.
	text := "\r\nCognome,Nome,Ente\r\nROSSI,Maria,\"riga uno\r\nriga due\"\r\n\r\n\r\nBIANCHI,Luca,x\r\n   ,  ,\r\nVERDI,Anna\r\n"
	f, err := openText(t, "t.csv", text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := f.NextTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tab.HeaderRow != 2 || tab.Sheet != "" {
		t.Errorf("header row %d sheet %q", tab.HeaderRow, tab.Sheet)
	}
	rows := readTable(t, tab)
	want := []struct {
		row  int
		name string
		n    int
	}{{3, "ROSSI", 3}, {6, "BIANCHI", 3}, {8, "VERDI", 2}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i, w := range want {
		if rows[i].Row != w.row || rows[i].Cell(0) != w.name || len(rows[i].Cells) != w.n {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], w)
		}
	}
	if got := rows[0].Cell(2); got != "riga uno\nriga due" {
		t.Errorf("multi-line cell %q", got)
	}
	var blanks []int
	for _, s := range tab.Skipped() {
		blanks = append(blanks, s.Row)
	}
	if len(blanks) != 3 || blanks[0] != 4 || blanks[1] != 5 || blanks[2] != 7 {
		t.Errorf("skipped rows %v, want [4 5 7]", blanks)
	}
}

func TestCSVEncodings(t *testing.T) {
	header := "Cognome;Nome;Ente\n"
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("Cognome\tNome\tEnte\nD'ANGELO\tNicolò\tASL\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8", []byte(header + "D'ANGELO;Nicolò;ASL\n")},
		{"utf-8 BOM", []byte("\xEF\xBB\xBF" + header + "D'ANGELO;Nicolò;ASL\n")},
		{"windows-1252", []byte(header + "D'ANGELO;Nicol\xF2;ASL\n")},
		{"utf-16 tab-separated", utf16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(context.Background(), "t.csv", bytes.NewReader(tc.data), int64(len(tc.data)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tab, err := f.NextTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tab.Columns[0].Header != "Cognome" {
				t.Errorf("first header %q", tab.Columns[0].Header)
			}
			r, err := tab.Next(context.Background())
			if err != nil || r.Row != 2 || r.Cell(1) != "Nicolò" {
				t.Errorf("row %+v, %v", r, err)
			}
		})
	}
}

func TestCSVEmptyAndHeaderless(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
	}{
		{"empty file", "", ErrEmptySheet},
		{"only blank lines", "\n\n;;\n", ErrEmptySheet},
		{"no header", "a,b,c\n1,2,3\n", ErrNoHeader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openText(t, "x.csv", tc.text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.NextTable(context.Background())
			var e *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.File != "x.csv" || e.Sheet != "" {
				t.Errorf("NextTable error %#v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzCSV sends arbitrary bytes through Open, NextTable and Next: no
// panic, and rows come out below the header in increasing order.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("Cognome;Nome;Ente\nROSSI;Maria;ASL\n\nTotale;;1\nNote: x y z\n"))
	f.Add([]byte("\xEF\xBB\xBF\"Cognome\",\"Nome\",\"Ente\"\n\"A\",\"B\nC\",\"D\"\n"))
	f.Add([]byte("Cognome\tNome\tCF\nNicol\xF2\t\"x\t1\n"))
	f.Add([]byte("\xFF\xFEC\x00o\x00"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("Titolo\n\nN.;Cognome;Nome;Ore frequentate\n1;;;\n2;A;B;3\n;;;5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		file, err := Open(ctx, "f.csv", bytes.NewReader(data), int64(len(data)), Options{HeaderScanRows: 5})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f.csv" {
				t.Fatalf("Open error %#v is not an *Error naming the file", err)
			}
			return
		}
		defer file.Close()
		for {
			tab, err := file.NextTable(ctx)
			if err != nil {
				return
			}
			last := tab.HeaderRow
			for {
				r, err := tab.Next(ctx)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if r.Row <= last {
					t.Fatalf("row %d after row %d", r.Row, last)
				}
				last = r.Row
			}
			for _, s := range tab.Skipped() {
				if s.Row <= tab.HeaderRow {
					t.Fatalf("skipped row %d above the header %d", s.Row, tab.HeaderRow)
				}
			}
		}
	})
}
