package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// docTime is the fixed creation and modification time written into every
// workbook, so that the bytes do not depend on the clock.
const docTime = "2013-07-01T09:00:00Z"

// excelEpoch is day 0 of Excel's 1900 date system as used for dates after
// 1 March 1900.
var excelEpoch = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)

// excelSerial returns the Excel serial number of a date.
func excelSerial(t time.Time) float64 {
	return float64(t.Sub(excelEpoch) / (24 * time.Hour))
}

// book wraps an excelize file with the styles every generated workbook uses.
type book struct {
	f                  *excelize.File
	date, bold, header int
}

func newBook(creator string) (*book, error) {
	f := excelize.NewFile()
	b := &book{f: f}
	var err error
	fmtDate := "dd/mm/yyyy"
	if b.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate}); err != nil {
		return nil, err
	}
	if b.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}); err != nil {
		return nil, err
	}
	if b.header, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	}); err != nil {
		return nil, err
	}
	err = f.SetDocProps(&excelize.DocProperties{
		Created: docTime, Modified: docTime,
		Creator: creator, LastModifiedBy: creator,
		Title: "Progetto CORRELARE - iscrizioni",
	})
	return b, err
}

// set writes one cell at (col, row), both 1-based.
func (b *book) set(sheet string, col, row int, c cell) error {
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	switch c.kind {
	case cNumber:
		return b.f.SetCellFloat(sheet, ref, c.n, -1, 64)
	case cDate:
		if err := b.f.SetCellFloat(sheet, ref, excelSerial(c.t), -1, 64); err != nil {
			return err
		}
		return b.f.SetCellStyle(sheet, ref, ref, b.date)
	}
	if c.s == "" {
		return nil
	}
	return b.f.SetCellStr(sheet, ref, c.s)
}

// table writes a header at row h and the rows under it.
func (b *book) table(sheet string, h int, cols []col, rows [][]cell) error {
	for j, c := range cols {
		if err := b.set(sheet, j+1, h, text(c.header)); err != nil {
			return err
		}
		width := float64(max(10, min(45, utf8.RuneCountInString(c.header)+4)))
		switch c.kind {
		case kModuleTitle, kOrg:
			width = 40
		case kTaxCode, kEmail:
			width = 24
		}
		name, err := excelize.ColumnNumberToName(j + 1)
		if err != nil {
			return err
		}
		if err := b.f.SetColWidth(sheet, name, name, width); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(cols), h)
	if err != nil {
		return err
	}
	first, _ := excelize.CoordinatesToCellName(1, h)
	if err := b.f.SetCellStyle(sheet, first, last, b.header); err != nil {
		return err
	}
	for i, row := range rows {
		for j, c := range row {
			if err := b.set(sheet, j+1, h+1+i, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeWorkbook writes one province workbook: instructions, data, modules.
func writeWorkbook(ctx context.Context, path string, pf *placedFile, rows [][]cell) error {
	fl := pf.layout
	wrap := func(err error) error {
		return fmt.Errorf("writing workbook %s: %w", fl.name, err)
	}
	b, err := newBook("OPI " + pf.province.info.name)
	if err != nil {
		return wrap(err)
	}
	defer b.f.Close()
	first := fl.data.name
	if fl.instructions != nil {
		first = "Istruzioni"
	}
	if err := b.f.SetSheetName("Sheet1", first); err != nil {
		return wrap(err)
	}
	if fl.instructions != nil {
		for i, line := range fl.instructions {
			if err := b.set(first, 1, i+1, text(line)); err != nil {
				return wrap(err)
			}
		}
		if err := b.f.SetColWidth(first, "A", "A", 100); err != nil {
			return wrap(err)
		}
		if _, err := b.f.NewSheet(fl.data.name); err != nil {
			return wrap(err)
		}
	}
	s := &fl.data
	if s.title != "" {
		if err := b.set(s.name, 1, 1, text(s.title)); err != nil {
			return wrap(err)
		}
		if err := b.f.SetCellStyle(s.name, "A1", "A1", b.bold); err != nil {
			return wrap(err)
		}
	}
	h := s.headerRow()
	if err := b.table(s.name, h, s.cols, rows); err != nil {
		return wrap(err)
	}
	if s.total {
		if err := b.totalRow(s, h+1+len(rows), pf.apps); err != nil {
			return wrap(err)
		}
	}
	if ms := fl.modules; ms != nil {
		if _, err := b.f.NewSheet(ms.name); err != nil {
			return wrap(err)
		}
		mrows := make([][]cell, len(pf.modules))
		for i, m := range pf.modules {
			for _, c := range ms.cols {
				mrows[i] = append(mrows[i], moduleCell(m, c.kind, s.axisPrefix))
			}
		}
		if err := b.table(ms.name, 1, ms.cols, mrows); err != nil {
			return wrap(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return wrap(err)
	}
	buf, err := b.f.WriteToBuffer()
	if err != nil {
		return wrap(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return wrap(err)
	}
	return nil
}

// totalRow writes "Totale" with the row count and the hours' sum under the data.
func (b *book) totalRow(s *sheetLayout, row int, apps []*application) error {
	if err := b.set(s.name, 1, row, text("Totale")); err != nil {
		return err
	}
	if err := b.set(s.name, 2, row, number(float64(len(apps)))); err != nil {
		return err
	}
	hours := 0.0
	for _, a := range apps {
		if a.hasHours {
			hours += a.hours
		}
	}
	for j, c := range s.cols {
		if c.kind == kHours {
			return b.set(s.name, j+1, row, number(hours))
		}
	}
	return nil
}

// writeCSV writes a ';'-separated file in Windows-1252 with CRLF line ends,
// the way Excel saves "CSV (separato dal separatore di elenco)".
func writeCSV(ctx context.Context, path string, fl *fileLayout, rows [][]cell) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = ';', true
	rec := make([]string, len(fl.data.cols))
	for j, c := range fl.data.cols {
		rec[j] = c.header
	}
	if err := w.Write(rec); err != nil {
		return fmt.Errorf("writing %s header: %w", fl.name, err)
	}
	for i, row := range rows {
		for j, c := range row {
			rec[j] = c.csvText()
		}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("writing %s line %d: %w", fl.name, i+2, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("writing %s: %w", fl.name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.WriteFile(path, toWindows1252(buf.String()), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", fl.name, err)
	}
	return nil
}

// toWindows1252 encodes s, writing letters the code page lacks (ș, ț…)
// without their accents, as Excel's "save as CSV" does.
func toWindows1252(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if b, ok := charmap.Windows1252.EncodeRune(r); ok {
			out = append(out, b)
			continue
		}
		c := foldRune(r)
		if c == 0 {
			c = '?'
		} else if strings.ToLower(string(r)) == string(r) {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return out
}

// writeTruth writes source_file,sheet,source_row,person for every application row.
func writeTruth(ctx context.Context, path string, rows [][4]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"source_file", "sheet", "source_row", "person"}); err != nil {
		return fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	for _, r := range rows {
		if err := w.Write(r[:]); err != nil {
			return fmt.Errorf("writing %s: %w", TruthFile, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", TruthFile, err)
	}
	return nil
}
