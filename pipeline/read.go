package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/sources"
)

// Counts are one file's row counts: Read = Loaded + Quarantined + Skipped.
type Counts struct {
	Read, Loaded, Quarantined, Skipped, Issues int64
	Modules                                    int64 // modules catalogue rows
}

// Rejected is a quarantined row: its position, the reason and its raw cells.
type Rejected struct {
	Sheet     string
	Row       int
	Rejection canon.Rejection
	Raw       map[string]string // header → raw value, non-empty cells only
}

// rowSink receives what reading one file produces. enrolment must not keep
// e after it returns: readFile reuses it for the next row.
type rowSink interface {
	table(t *sources.Table) error
	enrolment(ctx context.Context, e *canon.Enrolment) error
	module(m *canon.Module) error
	reject(r Rejected) error
	issue(sheet string, is canon.Issue) error
	skipped(sheet string, s sources.SkippedRow, cols []canon.Column) error
}

// fileMeta is what a file's rows inherit.
type fileMeta struct {
	Province string
	Name     string
	SHA256   string
	Values   canon.ValueMap // the province's value mappings (config values:)
}

// readFile reads every table of f, normalises every row and hands the results
// to sink. A file-level problem (unreadable, no table) is returned as an
// error; row-level problems go to the sink.
func readFile(ctx context.Context, f *sources.File, meta fileMeta, sink rowSink) (Counts, error) {
	var c Counts
	tables := 0
	for {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		t, err := f.NextTable(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, err
		}
		tables++
		if err := sink.table(t); err != nil {
			return c, err
		}
		rc := &canon.RowContext{
			ProvinceCode: meta.Province, SourceFile: meta.Name, SourceSHA256: meta.SHA256,
			Sheet: t.Sheet, Date1904: t.Date1904, NullDate: t.NullDate, Columns: t.Columns, Values: meta.Values,
		}
		norm := canon.NewNormaliser(rc)
		var e canon.Enrolment // one for every row: the sink does not keep it
		for {
			row, err := t.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return c, err
			}
			c.Read++
			if t.Kind == sources.Modules {
				m, issues, rej := norm.Module(row)
				if rej != nil {
					c.Quarantined++
					if err := sink.reject(Rejected{Sheet: t.Sheet, Row: row.Row, Rejection: *rej, Raw: rawMap(t.Columns, row)}); err != nil {
						return c, err
					}
					continue
				}
				c.Modules++
				c.Loaded++
				for _, is := range issues {
					c.Issues++
					if err := sink.issue(t.Sheet, is); err != nil {
						return c, err
					}
				}
				if err := sink.module(&m); err != nil {
					return c, err
				}
				continue
			}
			var issues []canon.Issue
			var rej *canon.Rejection
			e, issues, rej = norm.Row(row)
			if rej != nil {
				c.Quarantined++
				if err := sink.reject(Rejected{Sheet: t.Sheet, Row: row.Row, Rejection: *rej, Raw: rawMap(t.Columns, row)}); err != nil {
					return c, err
				}
				continue
			}
			c.Loaded++
			for _, is := range issues {
				c.Issues++
				if err := sink.issue(t.Sheet, is); err != nil {
					return c, err
				}
			}
			if err := sink.enrolment(ctx, &e); err != nil {
				return c, err
			}
		}
		for _, s := range t.Skipped() {
			c.Read++
			c.Skipped++
			if err := sink.skipped(t.Sheet, s, t.Columns); err != nil {
				return c, err
			}
		}
	}
	if tables == 0 {
		return c, &sources.Error{File: meta.Name, Err: sources.ErrNoTable}
	}
	return c, nil
}

// rawMap keeps every non-empty cell of a row under its header (or its
// column letters when the header is blank).
func rawMap(cols []canon.Column, row canon.RawRow) map[string]string {
	m := make(map[string]string)
	named := make(map[int]bool, len(cols))
	for _, c := range cols {
		named[c.Index] = true
		if v := row.Cell(c.Index); v != "" {
			key := c.Header
			if key == "" {
				key = c.Letter
			}
			m[key] = v
		}
	}
	for i, v := range row.Cells {
		if !named[i] && v != "" {
			m[columnLetters(i)] = v
		}
	}
	return m
}

// columnLetters turns a 0-based index into spreadsheet letters.
func columnLetters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// cellRef names a cell like B7, or just the row when the column is unknown.
func cellRef(col string, row int) string {
	if col == "" {
		return strconv.Itoa(row)
	}
	return col + strconv.Itoa(row)
}

// Problem is one finding of `correlare validate`.
type Problem struct {
	File, Sheet string
	Row         int
	Column      string
	Code        string
	Message     string // Italian, for the province
	Quarantine  bool   // the row would not be loaded
}

// String prints file:sheet!B7: message [code].
func (p Problem) String() string {
	pos := p.File
	if p.Sheet != "" {
		pos += ":" + p.Sheet
		if p.Row > 0 {
			pos += "!" + cellRef(p.Column, p.Row)
		}
	} else if p.Row > 0 {
		pos += ":" + cellRef(p.Column, p.Row)
	}
	return fmt.Sprintf("%s: %s [%s]", pos, p.Message, p.Code)
}
