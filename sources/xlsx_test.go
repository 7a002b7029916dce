package sources

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// benchRows is the size of the generated workbook: a big province's year.
const benchRows = 200_000

// writeBigXLSX writes a benchRows-row, 11-column enrolment sheet with
// excelize's StreamWriter.
func writeBigXLSX(b *testing.B, path string) {
	b.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	head := []any{"Cognome", "Nome", "Sesso", "Data di nascita", "Codice fiscale", "Ente di appartenenza",
		"Modulo", "Esito", "Ore frequentate", "Gradimento", "E-mail"}
	if err := sw.SetRow("A1", head); err != nil {
		b.Fatal(err)
	}
	sexes := []string{"F", "M"}
	outcomes := []string{"ammessa", "non ammessa", "ritirato"}
	for i := range benchRows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{
			fmt.Sprintf("COGNOME%d", i), fmt.Sprintf("Nome%d", i%977), sexes[i%2], 20000 + i%15000,
			fmt.Sprintf("XXXYYY%02dA%02dZ%03dQ", i%100, 1+i%28, i%1000), fmt.Sprintf("Comune di Ente %d", i%300),
			fmt.Sprintf("Modulo %d", i%12), outcomes[i%3], float64(i%33) / 2, 1 + i%5, fmt.Sprintf("p%d@example.org", i),
		}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkXLSX200k compares excelize's raw row stream with the readers
// (Open + NextTable + Next) on the same 200,000-row workbook.
func BenchmarkXLSX200k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.xlsx")
	writeBigXLSX(b, path)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("workbook: %d rows, %d bytes", benchRows, fi.Size())

	b.Run("excelize", func(b *testing.B) {
		for b.Loop() {
			x, err := excelize.OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			rows, err := x.Rows("Sheet1")
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				if _, err := rows.Columns(excelize.Options{RawCellValue: true}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
			if err := x.Close(); err != nil {
				b.Fatal(err)
			}
			if n != benchRows+1 {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})

	b.Run("sources", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			fh, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			f, err := Open(ctx, "big.xlsx", fh, fi.Size(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			tab, err := f.NextTable(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, err := tab.Next(ctx)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			fh.Close()
			if n != benchRows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// handWorkbook is a minimal SpreadsheetML package written by hand, the way
// small tools write it: no r attributes on rows and cells, an inline
// string, a formula string result, a boolean, an error value, a rich-text
// shared string, a row gap and the 1904 date system spelled "true".
var handWorkbook = map[string]string{
	"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>`,
	"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>`,
	"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr date1904="true"/><sheets><sheet name="Dati" sheetId="1" r:id="rId1"/></sheets></workbook>`,
	"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>`,
	"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">
<si><t>Cognome</t></si><si><r><rPr><b/></rPr><t>DE</t></r><r><t xml:space="preserve"> LUCA</t></r></si></sst>`,
	"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row><c t="s"><v>0</v></c><c t="inlineStr"><is><t>Nome</t></is></c><c t="inlineStr"><is><t>Ammesso/a</t></is></c><c t="inlineStr"><is><t>Ore frequentate</t></is></c><c t="inlineStr"><is><t>Data di nascita</t></is></c></row>
<row><c t="s"><v>1</v></c><c t="str"><f>"Maria"&amp;" Grazia"</f><v>Maria Grazia</v></c><c t="b"><v>1</v></c><c t="e"><f>1/0</f><v>#DIV/0!</v></c><c><v>23937</v></c></row>
<row r="4"><c r="A4" t="inlineStr"><is><t>ROSSI</t></is></c><c r="B4" t="inlineStr"><is><t>Anna</t></is></c></row>
</sheetData></worksheet>`,
}

func TestHandWrittenWorkbook(t *testing.T) {
	data := zipOf(t, handWorkbook)
	f, err := Open(context.Background(), "hand.xlsx", bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := f.NextTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Date1904 || tab.HeaderRow != 1 || len(tab.Columns) != 5 {
		t.Errorf("table %+v", tab)
	}
	rows := readTable(t, tab)
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	want := []string{"DE LUCA", "Maria Grazia", "1", "#DIV/0!", "23937"} // booleans as stored
	for i, w := range want {
		if got := rows[0].Cell(i); got != w {
			t.Errorf("row 2 cell %d = %q, want %q", i, got, w)
		}
	}
	if rows[0].Row != 2 || rows[1].Row != 4 || rows[1].Cell(0) != "ROSSI" {
		t.Errorf("rows %+v", rows)
	}
	if s := tab.Skipped(); len(s) != 1 || s[0].Row != 3 || s[0].Reason != SkipBlank {
		t.Errorf("skipped %+v", s)
	}
}
