package canon_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/sources"
)

// TestNormaliserFiles reads every workbook and CSV file under testdata
// (demo, samples, layouts, hostile files…) and checks, table by table,
// that a Normaliser gives for every row what NormaliseRow gave before the
// Normaliser, and that the Arrow records built from its enrolments equal
// the earlier Batch's.
func TestNormaliserFiles(t *testing.T) {
	var paths []string
	err := filepath.WalkDir(filepath.Join("..", "testdata"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".xlsx", ".xlsm", ".xls", ".ods", ".csv":
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	rowsSeen := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := sources.Open(ctx, filepath.Base(p), strings.NewReader(string(data)), int64(len(data)), sources.Options{})
		if err != nil {
			continue // a file the reader refuses (the hostile ones): no rows to normalise
		}
		for {
			tab, err := f.NextTable(ctx)
			if err != nil {
				break // io.EOF, or a table the reader refuses
			}
			rc := &canon.RowContext{ProvinceCode: "CR", SourceFile: filepath.Base(p), SourceSHA256: "sha", Sheet: tab.Sheet,
				Date1904: tab.Date1904, Columns: tab.Columns, Now: now}
			n := canon.NewNormaliser(rc)
			var rows []canon.RawRow
			var got []canon.Enrolment
			for {
				row, err := tab.Next(ctx)
				if errors.Is(err, io.EOF) || err != nil {
					break
				}
				rows = append(rows, row)
				if tab.Kind == sources.Modules {
					m, is, rej := n.Module(row)
					wm, wis, wrej := canon.RefNormaliseModule(rc, row)
					if !reflect.DeepEqual(m, wm) || !reflect.DeepEqual(is, wis) || !reflect.DeepEqual(rej, wrej) {
						t.Errorf("%s:%s row %d: Module differs from before", p, tab.Sheet, row.Row)
					}
					continue
				}
				e, is, rej := n.Row(row)
				we, wis, wrej := canon.RefNormaliseRow(rc, row)
				if !reflect.DeepEqual(e, we) || !reflect.DeepEqual(is, wis) || !reflect.DeepEqual(rej, wrej) {
					t.Errorf("%s:%s row %d: Row =\n%+v %+v %+v\nwant\n%+v %+v %+v", p, tab.Sheet, row.Row, e, is, rej, we, wis, wrej)
				}
				if rej == nil {
					got = append(got, e)
				}
			}
			rowsSeen += len(rows)
			// Built from the enrolments kept since the first row: still intact.
			b, rb := canon.NewBatch(memory.DefaultAllocator, "run"), canon.RefNewBatch(memory.DefaultAllocator, "run")
			var recs, refRecs []arrow.RecordBatch
			i := 0
			for _, row := range rows {
				we, _, wrej := canon.RefNormaliseRow(rc, row)
				if wrej != nil || tab.Kind == sources.Modules {
					continue
				}
				b.Append(&got[i])
				rb.Append(&we)
				i++
				if b.Len() == 100 {
					recs, refRecs = append(recs, b.NewRecord()), append(refRecs, rb.NewRecord())
				}
			}
			recs, refRecs = append(recs, b.NewRecord()), append(refRecs, rb.NewRecord())
			for j := range recs {
				if !array.RecordEqual(recs[j], refRecs[j]) {
					t.Errorf("%s:%s: record %d differs from the earlier Batch's", p, tab.Sheet, j)
				}
				recs[j].Release()
				refRecs[j].Release()
			}
			b.Release()
			rb.Release()
		}
		f.Close()
	}
	if len(paths) < 20 || rowsSeen < 1000 {
		t.Fatalf("%d files, %d rows: the test data is missing", len(paths), rowsSeen)
	}
	t.Logf("%d files, %d rows", len(paths), rowsSeen)
}
