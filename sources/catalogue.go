package sources

import (
	"context"
	"io"
	"strings"

	"github.com/lombardia-orim/correlare/canon"
)

// codeWords are the folded headers that name a catalogue's code column only
// in context: "Codice", "Cod.", "ID", "N.", "Nr.", "N°", "Numero". In an
// enrolment sheet "N." is a row counter and "Codice" may be anything, so
// they are not synonyms; in a modules catalogue whose column holds a
// different value on every module they are the module's code. They are
// listed by preference: a column headed "Codice" wins over one headed "N.".
var codeWords = []string{"codice", "cod", "id", "codid", "n", "nr", "no", "num", "numero"}

// maxCatalogueLookahead bounds how many rows of a modules sheet are read
// ahead to check that a candidate code column is unique. Catalogues list
// tens of modules; a longer one is checked on its first rows.
const maxCatalogueLookahead = 2000

// promoteCatalogueCode makes a modules table's code column its module_code
// when no header says "Codice modulo" or the like: the first column headed
// by one of codeWords, else the "Edizione" column, whose values are unique
// (case and spaces folded) and present on every module of the catalogue.
// Columns the province mapped itself (Options.Headers) are left alone. It
// reads ahead up to maxCatalogueLookahead rows into t.pending.
func (t *Table) promoteCatalogueCode(ctx context.Context, m matcher) error {
	if t.Kind != Modules {
		return nil
	}
	title := -1
	for _, c := range t.Columns {
		switch c.Field {
		case canon.FieldModuleCode:
			return nil
		case canon.FieldModule:
			title = c.Index
		}
	}
	if title < 0 {
		return nil
	}
	var candidates []int // indexes into t.Columns, by preference
	for _, w := range codeWords {
		for i, c := range t.Columns {
			if c.Field == canon.FieldNone && foldHeader(stripTrailingNote(c.Header)) == w && !m.overridden(c.Header) {
				candidates = append(candidates, i)
			}
		}
	}
	for i, c := range t.Columns {
		if c.Field == canon.FieldEdition && !m.overridden(c.Header) {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	if err := t.readAhead(ctx, maxCatalogueLookahead); err != nil {
		return err
	}
	for _, ci := range candidates {
		if uniqueCodes(t.pending, title, t.Columns[ci].Index) {
			t.Columns[ci].Field = canon.FieldModuleCode
			t.keyCols = append(t.keyCols, t.Columns[ci].Index)
			return nil
		}
	}
	return nil
}

// readAhead moves up to n more rows of the source into t.pending.
func (t *Table) readAhead(ctx context.Context, n int) error {
	for len(t.pending) < n && !t.srcEOF {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, cells, err := t.src.next()
		if err == io.EOF {
			t.srcEOF = true
			break
		}
		if err != nil {
			return t.errorf(r, "reading rows: %w", err)
		}
		t.pending = append(t.pending, scannedRow{n: r, cells: trimRow(cells)})
	}
	return nil
}

// uniqueCodes reports whether, on every row that names a module (a title
// that is not a totals label), the code column holds a value, and no two
// of them are equal once case and spaces are folded.
func uniqueCodes(rows []scannedRow, title, code int) bool {
	seen := map[string]bool{}
	for _, r := range rows {
		tt := strings.TrimSpace(cellAt(r.cells, title))
		if tt == "" || isTotalsLabel(tt) {
			continue
		}
		k := FoldCode(cellAt(r.cells, code))
		if k == "" || seen[k] {
			return false
		}
		seen[k] = true
	}
	return len(seen) > 0
}

// FoldCode folds a module code for comparison: lower case, white space
// removed ("XX - 01" and "xx-01" are one code). sql/modules_derive.sql
// folds the same way.
func FoldCode(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

// overridden reports whether the province mapped this header itself.
func (m matcher) overridden(header string) bool {
	for _, t := range [2]string{header, stripTrailingNote(header)} {
		if _, ok := m.over[foldHeader(t)]; ok {
			return true
		}
	}
	return false
}
