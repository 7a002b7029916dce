package sources

import (
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
