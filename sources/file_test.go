package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lombardia-orim/correlare/canon"
)

// zipOf builds a zip archive in memory.
func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, body := range parts {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenFormats(t *testing.T) {
	xlsx, err := os.ReadFile(writeXLSX(t, sheetSpec{name: "Iscritti", rows: [][]any{{"Cognome", "Nome", "Ente"}, {"ROSSI", "Maria", "ASL"}}}))
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(xlsx)
	damaged[len(damaged)/2] ^= 0xFF // flip a byte inside a compressed part
	tests := []struct {
		name    string
		file    string
		data    []byte
		opt     Options
		wantErr error  // nil: opens and yields a table
		text    string // in the message
	}{
		{"xlsx named .xls", "elenco.xls", xlsx, Options{}, nil, ""},
		{"csv named .xlsx", "elenco.xlsx", []byte("Cognome;Nome;Ente\nROSSI;Maria;ASL\n"), Options{}, nil, ""},
		{"xlsb", "elenco.xlsb", zipOf(t, map[string]string{"xl/workbook.bin": "x", "[Content_Types].xml": "x"}), Options{}, ErrUnsupportedFormat, ".xlsb"},
		{"ods without content", "elenco.ods", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), Options{}, ErrCorrupt, "no content.xml"},
		{"odt", "lettera.odt", zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}), Options{}, ErrUnsupportedFormat, "not a spreadsheet"},
		{"other zip", "elenco.zip", zipOf(t, map[string]string{"elenco.xlsx": "x"}), Options{}, ErrUnsupportedFormat, "not an Excel workbook"},
		{"ole header only", "elenco.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), Options{}, ErrCorrupt, "send it again"},
		{"binary", "foto.jpg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), Options{}, ErrUnsupportedFormat, "neither a workbook nor a CSV"},
		{"truncated zip", "elenco.xlsx", xlsx[:len(xlsx)-30], Options{}, ErrCorrupt, "send it again"},
		{"damaged part", "elenco.xlsx", damaged, Options{}, ErrCorrupt, ""},
		{"file too large", "elenco.xlsx", xlsx, Options{MaxFileBytes: 100}, ErrTooLarge, "limit is 100"},
		{"part too large", "elenco.xlsx", xlsx, Options{MaxUnzipBytes: 200}, ErrTooLarge, "unzips to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f, err := Open(ctx, tc.file, bytes.NewReader(tc.data), int64(len(tc.data)), tc.opt)
			if err == nil {
				defer f.Close()
				_, err = f.NextTable(ctx)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != tc.file {
				t.Errorf("error %#v does not name the file", err)
			}
			if !strings.HasPrefix(err.Error(), tc.file+": ") || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestOpenOptions(t *testing.T) {
	_, err := openText(t, "a.csv", "x", Options{Headers: map[string]canon.Field{"Denominazione": "organization"}})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "organization") {
		t.Errorf("unknown override field: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, "a.csv", strings.NewReader("x"), 1, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context = %v", err)
	}
}

func TestHeaderScanRows(t *testing.T) {
	text := strings.Repeat("\n", 5) + "Cognome;Nome;Ente\nROSSI;Maria;ASL\n"
	if f, err := openText(t, "a.csv", text, Options{HeaderScanRows: 5}); err != nil {
		t.Fatal(err)
	} else if _, err := f.NextTable(context.Background()); !errors.Is(err, ErrNoHeader) {
		t.Errorf("header beyond the scanned rows: %v", err)
	}
	f, err := openText(t, "a.csv", text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tab, err := f.NextTable(context.Background()); err != nil || tab.HeaderRow != 6 {
		t.Errorf("NextTable = %+v, %v", tab, err)
	}
}

func ExampleOpen() {
	ctx := context.Background()
	text := "Elenco iscritti 2013\n" +
		"Cognome;Nome;Codice fiscale;Modulo;Ore frequentate\n" +
		"ROSSI;Maria;RSSMRA75D43D150D;Salute e immigrazione;16\n" +
		"\n" +
		"Totale;;;;16\n"
	f, err := Open(ctx, "cremona.csv", strings.NewReader(text), int64(len(text)), Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	tab, err := f.NextTable(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tab.Kind, "header on row", tab.HeaderRow)
	for _, c := range tab.Columns {
		fmt.Printf("%s %q → %s\n", c.Letter, c.Header, c.Field)
	}
	for {
		row, err := tab.Next(ctx)
		if err != nil {
			break // io.EOF at the end
		}
		fmt.Println("row", row.Row, row.Cells[3])
	}
	for _, s := range tab.Skipped() {
		fmt.Println("skipped row", s.Row, s.Reason)
	}
	// Output:
	// enrolments header on row 2
	// A "Cognome" → surname
	// B "Nome" → given_name
	// C "Codice fiscale" → tax_code
	// D "Modulo" → module
	// E "Ore frequentate" → hours_attended
	// row 3 Salute e immigrazione
	// skipped row 4 blank
	// skipped row 5 totals
}
