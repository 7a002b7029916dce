package demo

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// NightSummary says what Night wrote.
type NightSummary struct {
	Files   []NightFile // in the partners' order, Bergamo's two halves one after the other
	Rows    int         // application rows in all files
	Persons int         // distinct people behind them
}

// NightFile is one workbook written by Night.
type NightFile struct {
	Province string // sigla
	Path     string // relative to the output directory, slash-separated
	Rows     int    // application rows (header, title and total rows not counted)
}

// nightFile is one workbook being streamed.
type nightFile struct {
	province string
	layout   fileLayout
	b        *book
	sw       *excelize.StreamWriter
	row      int // the next sheet row to write, 1-based
	n        int // application rows written
	hours    float64
	vals     []any
}

// nightLayouts are a province's files for Night: the demo's layouts, with
// Como's CSV written as a workbook (a night of 10^6 rows comes in workbooks).
func nightLayouts(sigla string) []fileLayout {
	ls := layoutsFor(sigla)
	for i := range ls {
		if ls[i].csv {
			ls[i].csv = false
			ls[i].name = ls[i].name[:len(ls[i].name)-len(filepath.Ext(ls[i].name))] + ".xlsx"
			ls[i].data.name = "Iscritti"
		}
	}
	return ls
}

// Night writes n application rows for the end-to-end benchmark (`make
// bench`): ten workbooks under dir/<SIGLA>/ in the nine partner provinces'
// layouts (Bergamo's in two halves by module, as in the demo), with the
// synthetic generator's repeat participants, homonyms and typing noise, a
// few spoiled values the way real sheets have them, and dir/truth.csv
// labelling every row with its person. Rows are streamed, so memory stays
// flat in n. The same n and seed give the same bytes.
func Night(ctx context.Context, dir string, n int, seed int64) (NightSummary, error) {
	if n < 0 {
		return NightSummary{}, fmt.Errorf("writing a night of %d rows: %w", n, ErrBadSize)
	}
	if seed == 0 {
		seed = 1
	}
	g := newSynth(seed, NoiseNormal)
	// Spoiled values come from their own stream, so the rows' people do not
	// depend on them.
	bad := rand.New(rand.NewPCG(uint64(seed), streamNoise+0x6e))
	files := make([][]*nightFile, len(partners))
	var all []*nightFile
	defer func() {
		for _, f := range all {
			f.b.f.Close()
		}
	}()
	for i := range partners {
		pi := &partners[i]
		for _, fl := range nightLayouts(pi.code) {
			f, err := openNightFile(pi, fl)
			if err != nil {
				return NightSummary{}, err
			}
			files[i] = append(files[i], f)
			all = append(all, f)
		}
	}
	modIndex := map[*module]int{}
	for _, mods := range g.modules {
		for j, m := range mods {
			modIndex[m] = j
		}
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return NightSummary{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	tf, err := os.Create(filepath.Join(dir, TruthFile))
	if err != nil {
		return NightSummary{}, fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	defer tf.Close()
	tb := bufio.NewWriterSize(tf, 1<<16)
	tw := csv.NewWriter(tb)
	if err := tw.Write([]string{"source_file", "sheet", "source_row", "person"}); err != nil {
		return NightSummary{}, fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	rec := make([]string, 4)
	persons := 0
	for i := 0; i < n; i++ {
		if i%10000 == 0 {
			if err := ctx.Err(); err != nil {
				return NightSummary{}, err
			}
		}
		sr := g.next()
		if sr.a.p.occ == 1 {
			persons++
		}
		spoilNight(bad, &sr.a)
		fs := files[sr.prov]
		f := fs[0]
		if len(fs) > 1 {
			f = fs[modIndex[sr.a.m]*len(fs)/len(g.modules[sr.prov])]
		}
		if err := f.write(g.r, &sr); err != nil {
			return NightSummary{}, err
		}
		rec[0], rec[1], rec[2], rec[3] = f.layout.name, f.layout.data.name, strconv.Itoa(f.row-1), sr.a.p.id
		if err := tw.Write(rec); err != nil {
			return NightSummary{}, fmt.Errorf("writing %s: %w", TruthFile, err)
		}
	}
	tw.Flush()
	if err := tw.Error(); err != nil {
		return NightSummary{}, fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	if err := tb.Flush(); err != nil {
		return NightSummary{}, fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	if err := tf.Close(); err != nil {
		return NightSummary{}, fmt.Errorf("writing %s: %w", TruthFile, err)
	}

	sum := NightSummary{Rows: n, Persons: persons}
	for i, fs := range files {
		for _, f := range fs {
			if err := ctx.Err(); err != nil {
				return NightSummary{}, err
			}
			rel := partners[i].code + "/" + f.layout.name
			if err := f.close(filepath.Join(dir, filepath.FromSlash(rel)), g.modules[i]); err != nil {
				return NightSummary{}, err
			}
			sum.Files = append(sum.Files, NightFile{Province: partners[i].code, Path: rel, Rows: f.n})
		}
	}
	return sum, nil
}

// spoilNight gives about 2% of rows a value typed the way real sheets have them
// (no surname, a broken e-mail, hours as "12h" or "12,5", satisfaction "4/5").
func spoilNight(r *rand.Rand, a *application) {
	switch n := r.IntN(1000); {
	case n < 3:
		a.bad = badNoSurname
	case n < 10:
		a.bad = badEmail
	case n < 14 && a.hasHours:
		a.bad = badHoursH
	case n < 18 && a.hasHours:
		a.bad = badHoursComma
	case n < 20 && a.sat > 0:
		a.bad = badSatFraction
	}
}

func openNightFile(pi *provinceInfo, fl fileLayout) (*nightFile, error) {
	wrap := func(err error) error { return fmt.Errorf("writing workbook %s: %w", fl.name, err) }
	b, err := newBook("OPI " + pi.name)
	if err != nil {
		return nil, wrap(err)
	}
	f := &nightFile{province: pi.code, layout: fl, b: b, row: 1, vals: make([]any, len(fl.data.cols))}
	s := &f.layout.data
	first := s.name
	if fl.instructions != nil {
		first = "Istruzioni"
	}
	if err := b.f.SetSheetName("Sheet1", first); err != nil {
		b.f.Close()
		return nil, wrap(err)
	}
	if fl.instructions != nil {
		for i, line := range fl.instructions {
			if err := b.set(first, 1, i+1, text(line)); err != nil {
				b.f.Close()
				return nil, wrap(err)
			}
		}
		if _, err := b.f.NewSheet(s.name); err != nil {
			b.f.Close()
			return nil, wrap(err)
		}
	}
	if f.sw, err = b.f.NewStreamWriter(s.name); err != nil {
		b.f.Close()
		return nil, wrap(err)
	}
	header := make([]any, len(s.cols))
	for j, c := range s.cols {
		header[j] = c.header
		width := 14.0
		switch c.kind {
		case kModuleTitle, kOrg:
			width = 40
		case kTaxCode, kEmail:
			width = 24
		}
		if err := f.sw.SetColWidth(j+1, j+1, width); err != nil {
			b.f.Close()
			return nil, wrap(err)
		}
	}
	if s.title != "" {
		if err := f.sw.SetRow("A1", []any{excelize.Cell{StyleID: b.bold, Value: s.title}}); err != nil {
			b.f.Close()
			return nil, wrap(err)
		}
	}
	f.row = s.headerRow()
	if err := f.setRow(header, excelize.RowOpts{StyleID: b.header}); err != nil {
		b.f.Close()
		return nil, wrap(err)
	}
	return f, nil
}

// setRow streams vals as the next row.
func (f *nightFile) setRow(vals []any, opts ...excelize.RowOpts) error {
	ref, err := excelize.CoordinatesToCellName(1, f.row)
	if err != nil {
		return err
	}
	f.row++
	return f.sw.SetRow(ref, vals, opts...)
}

// write streams one application row.
func (f *nightFile) write(r *rand.Rand, sr *synthRow) error {
	s := &f.layout.data
	f.n++
	for j, c := range s.cols {
		v := s.rowCell(r, &sr.a, &sr.t, c, f.n)
		switch v.kind {
		case cNumber:
			f.vals[j] = v.n
		case cDate:
			f.vals[j] = excelize.Cell{StyleID: f.b.date, Value: excelSerial(v.t)}
		default:
			if v.s == "" {
				f.vals[j] = nil
			} else {
				f.vals[j] = v.s
			}
		}
	}
	if sr.a.hasHours {
		f.hours += sr.a.hours
	}
	if err := f.setRow(f.vals); err != nil {
		return fmt.Errorf("writing workbook %s row %d: %w", f.layout.name, f.row-1, err)
	}
	return nil
}

// close writes the total row and the modules sheet where the layout has
// them, and saves the workbook at path.
func (f *nightFile) close(path string, mods []*module) error {
	wrap := func(err error) error { return fmt.Errorf("writing workbook %s: %w", f.layout.name, err) }
	s := &f.layout.data
	if s.total {
		tot := make([]any, len(s.cols))
		tot[0], tot[1] = "Totale", float64(f.n)
		for j, c := range s.cols {
			if c.kind == kHours {
				tot[j] = f.hours
			}
		}
		if err := f.setRow(tot); err != nil {
			return wrap(err)
		}
	}
	if err := f.sw.Flush(); err != nil {
		return wrap(err)
	}
	if ms := f.layout.modules; ms != nil {
		if _, err := f.b.f.NewSheet(ms.name); err != nil {
			return wrap(err)
		}
		mrows := make([][]cell, len(mods))
		for i, m := range mods {
			for _, c := range ms.cols {
				mrows[i] = append(mrows[i], moduleCell(m, c.kind, s.axisPrefix))
			}
		}
		if err := f.b.table(ms.name, 1, ms.cols, mrows); err != nil {
			return wrap(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return wrap(err)
	}
	out, err := os.Create(path)
	if err != nil {
		return wrap(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if _, err := f.b.f.WriteTo(bw); err != nil {
		out.Close()
		return wrap(err)
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return wrap(err)
	}
	if err := out.Close(); err != nil {
		return wrap(err)
	}
	return nil
}
