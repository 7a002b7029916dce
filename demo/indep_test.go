package demo

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// indepOpt are the options of the committed set testdata/demo-indep.
var indepOpt = Options{Seed: 3, Noise: NoiseIndep}

// TestIndepDeterministic generates the independent set twice and compares
// the bytes, and checks that the committed testdata/demo-indep is what the
// generator writes (run `make demo-data` after changing the model).
func TestIndepDeterministic(t *testing.T) {
	a, _ := generate(t, indepOpt)
	b := t.TempDir()
	if _, err := Generate(context.Background(), b, indepOpt); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "testdata", "demo-indep")
	fa := readTree(t, a)
	for _, other := range []struct{ name, dir string }{{"second run", b}, {"testdata/demo-indep", committed}} {
		fb := readTree(t, other.dir)
		if len(fa) != len(fb) {
			t.Errorf("%s: %d files vs %d", other.name, len(fb), len(fa))
		}
		for name, data := range fa {
			if !bytes.Equal(data, fb[name]) {
				t.Errorf("%s: %s differs", other.name, name)
			}
		}
	}
}

// TestIndepTruthCoversEveryRow checks that every truth row is a data row of
// the written files and every data row has a truth label.
func TestIndepTruthCoversEveryRow(t *testing.T) {
	dir, sum := generate(t, indepOpt)
	sheets := readAll(t, dir, sum)
	truth := readTruth(t, dir)
	labelled := map[string]bool{}
	persons := map[string]bool{}
	for _, tr := range truth {
		k := fmt.Sprintf("%s|%s|%d", tr.file, tr.sheet, tr.row)
		if labelled[k] {
			t.Errorf("%s labelled twice", k)
		}
		labelled[k], persons[tr.person] = true, true
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
	if len(persons) != sum.Persons || sum.Persons < 1000 || sum.Persons > 2000 {
		t.Errorf("%d persons in truth, summary says %d, want 1,000–2,000", len(persons), sum.Persons)
	}
	if len(sum.Provinces) != len(indepProvinces) || sum.Applications < 2500 || sum.Applications > 5000 {
		t.Errorf("%d provinces, %d rows; want %d provinces, a few thousand rows", len(sum.Provinces), sum.Applications, len(indepProvinces))
	}
}
