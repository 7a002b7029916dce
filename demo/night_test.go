package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestNight writes a small night twice: the same bytes both times, ten
// workbooks in the nine provinces holding every row, and truth.csv pointing
// at rows under each layout's header.
func TestNight(t *testing.T) {
	ctx := context.Background()
	const n = 3000
	a, b := t.TempDir(), t.TempDir()
	sum, err := Night(ctx, a, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Night(ctx, b, n, 7); err != nil {
		t.Fatal(err)
	}
	if len(sum.Files) != 10 {
		t.Fatalf("files = %d, want 10", len(sum.Files))
	}
	rows, provs := 0, map[string]bool{}
	for _, f := range sum.Files {
		rows += f.Rows
		provs[f.Province] = true
		if f.Rows == 0 {
			t.Errorf("%s: no rows", f.Path)
		}
		x, err := os.ReadFile(filepath.Join(a, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: the same seed gave different bytes", f.Path)
		}
	}
	if rows != n || sum.Rows != n || len(provs) != 9 {
		t.Errorf("rows = %d (summary %d) in %d provinces, want %d in 9", rows, sum.Rows, len(provs), n)
	}
	if sum.Persons <= 0 || sum.Persons >= n {
		t.Errorf("persons = %d: want repeaters among %d rows", sum.Persons, n)
	}

	tf, err := os.Open(filepath.Join(a, TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	truth, err := csv.NewReader(tf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(truth) != n+1 {
		t.Fatalf("truth.csv has %d lines, want %d", len(truth), n+1)
	}
	// The first and last rows of Lecco's file: under the header, above the total.
	var lc NightFile
	for _, f := range sum.Files {
		if f.Province == "LC" {
			lc = f
		}
	}
	f, err := excelize.OpenFile(filepath.Join(a, lc.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var first, last int
	for _, r := range truth[1:] {
		if r[0] == filepath.Base(lc.Path) {
			row, err := strconv.Atoi(r[2])
			if err != nil {
				t.Fatal(err)
			}
			if first == 0 {
				first = row
			}
			last = row
		}
	}
	for _, c := range []struct {
		cell, want string
	}{
		{"A1", "Cognome"},
		{"A" + strconv.Itoa(last+1), "Totale"},
		{"B" + strconv.Itoa(last+1), strconv.Itoa(lc.Rows)},
	} {
		got, err := f.GetCellValue("Partecipanti", c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("LC %s = %q, want %q", c.cell, got, c.want)
		}
	}
	if first != 2 || last != lc.Rows+1 {
		t.Errorf("truth rows of LC: %d..%d, want 2..%d", first, last, lc.Rows+1)
	}
}
