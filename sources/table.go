package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lombardia-orim/correlare/canon"
)

// TableKind says what a table lists.
type TableKind int

// The kinds of table.
const (
	Enrolments TableKind = iota + 1 // one row per application: a name column and at least two more fields
	Modules                         // a modules catalogue: module title plus axis, hours, sessions or site; no names
)

// String returns "enrolments" or "modules".
func (k TableKind) String() string {
	switch k {
	case Enrolments:
		return "enrolments"
	case Modules:
		return "modules"
	default:
		return "TableKind(" + strconv.Itoa(int(k)) + ")"
	}
}

// Reasons a row is skipped (SkippedRow.Reason).
const (
	SkipBlank  = "blank"  // every cell empty or white space (or only a pre-typed row number)
	SkipTotals = "totals" // "Totale …", or names empty and only numbers
	SkipNote   = "note"   // a single cell of text after the totals, or a sentence alone on its row
)

// SkippedRow is a row below the header that Table.Next did not return.
type SkippedRow struct {
	Row    int      // 1-based row number
	Reason string   // Skip* constant
	Cells  []string // the raw cells; nil for blank rows
}

// Table is one table found in a sheet (or a CSV file): where its header is,
// what its columns mean, and a stream of its data rows.
type Table struct {
	File      string // file name as given to Open
	Sheet     string // "" for CSV
	Kind      TableKind
	HeaderRow int // 1-based; the lower row of a two-level header
	Columns   []canon.Column
	Date1904  bool // the workbook counts date serials from 1904
	// NullDate, when not zero, is the day date serials count from: an .ods
	// whose null date is neither Excel system's (canon.DateSystem).
	NullDate time.Time

	src         rowSource
	pending     []scannedRow // rows read while looking for the header
	keyCols     []int        // name columns (Enrolments) or module columns (Modules)
	numCols     map[int]bool // columns of numeric fields
	afterTotals bool
	srcEOF      bool // the source returned io.EOF (readAhead)
	blankFrom   int  // current run of blank rows, 0 when none
	blankTo     int
	skipped     []SkippedRow
	closed      bool
}

var errTableClosed = errors.New("table read after File.NextTable or File.Close")

// Next returns the next data row, or io.EOF after the last one. Blank,
// totals and note rows are not returned (see Skipped); trailing empty cells
// are trimmed. Blank rows at the very end of a sheet are not listed.
func (t *Table) Next(ctx context.Context) (canon.RawRow, error) {
	if t.closed {
		return canon.RawRow{}, t.errorf(0, "%w", errTableClosed)
	}
	for {
		if err := ctx.Err(); err != nil {
			return canon.RawRow{}, err
		}
		r, err := t.pull()
		if err == io.EOF {
			t.blankFrom, t.blankTo = 0, 0
			return canon.RawRow{}, io.EOF
		}
		if err != nil {
			return canon.RawRow{}, t.errorf(r.n, "reading rows: %w", err)
		}
		if isBlankRow(r.cells) {
			if t.blankFrom > 0 && r.n != t.blankTo+1 {
				t.flushBlanks()
			}
			if t.blankFrom == 0 {
				t.blankFrom = r.n
			}
			t.blankTo = r.n
			continue
		}
		t.flushBlanks()
		if reason := t.classify(r.cells); reason != "" {
			t.skipped = append(t.skipped, SkippedRow{Row: r.n, Reason: reason, Cells: r.cells})
			continue
		}
		return canon.RawRow{Row: r.n, Cells: r.cells}, nil
	}
}

// Skipped returns every row skipped so far below the header.
func (t *Table) Skipped() []SkippedRow { return t.skipped }

func (t *Table) errorf(row int, format string, args ...any) error {
	return &Error{File: t.File, Sheet: t.Sheet, Row: row, Err: fmt.Errorf(format, args...)}
}

func (t *Table) pull() (scannedRow, error) {
	if len(t.pending) > 0 {
		r := t.pending[0]
		t.pending = t.pending[1:]
		return r, nil
	}
	if t.srcEOF {
		return scannedRow{}, io.EOF
	}
	n, cells, err := t.src.next()
	return scannedRow{n: n, cells: trimRow(cells)}, err
}

func (t *Table) flushBlanks() {
	if t.blankFrom == 0 {
		return
	}
	for n := t.blankFrom; n <= t.blankTo; n++ {
		t.skipped = append(t.skipped, SkippedRow{Row: n, Reason: SkipBlank})
	}
	t.blankFrom, t.blankTo = 0, 0
}

func (t *Table) close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	t.pending = nil
	if err := t.src.close(); err != nil {
		return t.errorf(0, "closing sheet: %w", err)
	}
	return nil
}

// classify returns the Skip* reason of a non-blank row, or "" for data.
func (t *Table) classify(cells []string) string {
	nonEmpty, first, firstIdx := 0, "", -1
	allNumeric := true
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		nonEmpty++
		if firstIdx < 0 {
			first, firstIdx = c, i
		}
		if allNumeric && !isNumeric(c) {
			allNumeric = false
		}
	}
	if isTotalsLabel(first) {
		t.afterTotals = true
		return SkipTotals
	}
	if nonEmpty == 1 && !allNumeric && (t.afterTotals || isNoteText(first)) {
		return SkipNote
	}
	keyEmpty := true
	for _, i := range t.keyCols {
		if i < len(cells) && strings.TrimSpace(cells[i]) != "" {
			keyEmpty = false
			break
		}
	}
	if keyEmpty && allNumeric {
		if nonEmpty == 1 && !t.numCols[firstIdx] && isRowNumber(first) {
			return SkipBlank // a template row with only its progressive number
		}
		t.afterTotals = true
		return SkipTotals
	}
	return ""
}

// rowSource streams a sheet's rows: next returns the 1-based row number
// and the cells, io.EOF after the last row.
type rowSource interface {
	next() (row int, cells []string, err error)
	close() error
}

// scannedRow is a row as read: its 1-based number and trimmed cells.
type scannedRow struct {
	n     int
	cells []string
}

// scan reads the top of a sheet, finds its header and returns the table.
func (f *File) scan(ctx context.Context, src rowSource, sheet string) (*Table, error) {
	var rows []scannedRow
	ended := false
	for len(rows) < f.opt.HeaderScanRows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, cells, err := src.next()
		if err == io.EOF {
			ended = true
			break
		}
		if err != nil {
			return nil, &Error{File: f.name, Sheet: sheet, Row: n, Err: fmt.Errorf("reading rows: %w", err)}
		}
		rows = append(rows, scannedRow{n: n, cells: trimRow(cells)})
	}
	hit, ok := findHeader(rows, f.m)
	if !ok {
		empty := true
		for _, r := range rows {
			if !isBlankRow(r.cells) {
				empty = false
				break
			}
		}
		if empty && ended {
			return nil, &Error{File: f.name, Sheet: sheet, Err: ErrEmptySheet}
		}
		return nil, &Error{File: f.name, Sheet: sheet, Err: fmt.Errorf("%w in the first %d rows: "+
			"expected column titles such as Cognome, Nome, Codice fiscale, Modulo", ErrNoHeader, f.opt.HeaderScanRows)}
	}
	var merges func() ([]cellRange, error)
	if ms, ok := src.(mergeSource); ok {
		merges = ms.merges
	}
	cols, err := buildColumns(rows, hit, f.m, merges)
	if err != nil {
		return nil, &Error{File: f.name, Sheet: sheet, Row: rows[hit.idx].n, Err: err}
	}
	t := &Table{
		File:      f.name,
		Sheet:     sheet,
		Kind:      hit.kind,
		HeaderRow: rows[hit.idx].n,
		Columns:   cols,
		Date1904:  f.date1904,
		NullDate:  f.nullDate,
		src:       src,
		pending:   rows[hit.idx+1:],
		numCols:   map[int]bool{},
	}
	for _, c := range cols {
		switch c.Field {
		case canon.FieldSurname, canon.FieldGivenName, canon.FieldFullName:
			if t.Kind == Enrolments {
				t.keyCols = append(t.keyCols, c.Index)
			}
		case canon.FieldModule, canon.FieldModuleCode:
			if t.Kind == Modules {
				t.keyCols = append(t.keyCols, c.Index)
			}
		case canon.FieldHoursAttended, canon.FieldPlannedHours, canon.FieldSessions, canon.FieldSatisfaction:
			t.numCols[c.Index] = true
		}
	}
	if err := t.promoteCatalogueCode(ctx, f.m); err != nil {
		return nil, err
	}
	return t, nil
}

// headerHit is the row chosen as header.
type headerHit struct {
	idx   int // index into the scanned rows
	kind  TableKind
	score int // cells that match a field
}

// findHeader picks the header among the scanned rows: the row with the most
// cells matching a field, among rows with at least 3 matches one of which
// is a name field (Enrolments), or with a module and an axis, planned
// hours, sessions or site but no name (Modules). A blank cell counts the
// cell above it, as a title merged down over a two-row header shows. Ties
// go to the upper row.
func findHeader(rows []scannedRow, m matcher) (headerHit, bool) {
	best := headerHit{idx: -1}
	for i, r := range rows {
		if isBlankRow(r.cells) {
			continue
		}
		var above []string
		if i > 0 && rows[i-1].n == r.n-1 {
			above = rows[i-1].cells
		}
		score := 0
		var hasName, hasModule, hasModuleDetail bool
		for j := range max(len(r.cells), len(above)) {
			c := cellAt(r.cells, j)
			if strings.TrimSpace(c) == "" {
				c = cellAt(above, j) // a title merged down over two header rows
			}
			switch m.match(c) {
			case canon.FieldNone:
				continue
			case canon.FieldSurname, canon.FieldGivenName, canon.FieldFullName:
				hasName = true
			case canon.FieldModule, canon.FieldModuleCode:
				hasModule = true
			case canon.FieldAxis, canon.FieldPlannedHours, canon.FieldSessions, canon.FieldSite:
				hasModuleDetail = true
			}
			score++
		}
		var kind TableKind
		switch {
		case hasName && score >= 3:
			kind = Enrolments
		case !hasName && hasModule && hasModuleDetail:
			kind = Modules
		default:
			continue
		}
		if score > best.score {
			best = headerHit{idx: i, kind: kind, score: score}
		}
	}
	return best, best.idx >= 0
}

// buildColumns names the header's columns. When the row right above holds
// group labels, headers become "Group / Leaf" (fields still matched on the
// leaf). Merged cells are looked up, via merges, only when the header has a
// blank cell between named ones or a group row: a header cell left blank
// under a merge takes the merged text. Later duplicates of a header get
// " (2)", " (3)"…; a field claimed by an earlier column leaves later ones
// as extras.
func buildColumns(rows []scannedRow, hit headerHit, m matcher, merges func() ([]cellRange, error)) ([]canon.Column, error) {
	hdr := rows[hit.idx].cells
	hdrRow := rows[hit.idx].n
	var above, grp []string
	grpRow := 0
	if i := hit.idx - 1; i >= 0 && rows[i].n == hdrRow-1 {
		above = rows[i].cells
		if isGroupRow(above, hdr) {
			grp, grpRow = above, rows[i].n
		}
	}
	var ranges []cellRange
	if merges != nil && (grp != nil || hasInnerBlank(hdr)) {
		var err error
		all, err := merges()
		if err != nil {
			return nil, err
		}
		top := hdrRow
		if grp != nil {
			top = grpRow
		}
		for _, c := range all { // keep those over the header rows
			if c.r0 <= hdrRow && c.r1 >= top {
				ranges = append(ranges, c)
			}
		}
	}
	valueAt := func(row, col int) string {
		for _, r := range rows {
			if r.n == row {
				return cellAt(r.cells, col)
			}
		}
		return ""
	}
	merged := func(row, col int) string {
		for _, c := range ranges {
			if c.contains(row, col) {
				return valueAt(c.r0, c.c0)
			}
		}
		return ""
	}
	width := len(hdr)
	for _, c := range ranges {
		if c.contains(hdrRow, c.c0) && c.c0 < len(hdr) && strings.TrimSpace(hdr[c.c0]) != "" {
			width = max(width, c.c1+1)
		}
	}
	width = min(width, maxColumns)
	if grp != nil && singleLabelSpansAll(grp, hdr, ranges, grpRow) {
		grp = nil // a title merged across the whole table, not a group
	}

	cols := make([]canon.Column, 0, width)
	seen := map[string]int{}
	used := map[canon.Field]bool{}
	for c := 0; c < width; c++ {
		leaf := normSpace(cellAt(hdr, c))
		if leaf == "" && ranges != nil {
			leaf = normSpace(merged(hdrRow, c))
		}
		g := ""
		if grp != nil {
			if g = normSpace(cellAt(grp, c)); g == "" && ranges != nil {
				g = normSpace(merged(grpRow, c))
			}
		}
		if leaf == "" {
			leaf, g = g, ""
		}
		if leaf == "" {
			// A field name above a blank header cell: findHeader counted it.
			if a := normSpace(cellAt(above, c)); m.match(a) != canon.FieldNone {
				leaf = a
			}
		}
		if leaf == "" {
			continue
		}
		header := leaf
		if g != "" && foldHeader(g) != foldHeader(leaf) {
			header = g + " / " + leaf
		}
		seen[header]++
		if k := seen[header]; k > 1 {
			header = fmt.Sprintf("%s (%d)", header, k)
		}
		field := m.match(leaf)
		if field != canon.FieldNone {
			if used[field] {
				field = canon.FieldNone
			}
			used[field] = true
		}
		cols = append(cols, canon.Column{Index: c, Letter: columnLetters(c), Header: header, Field: field})
	}
	return cols, nil
}

// maxColumns is the widest sheet Excel allows (XFD).
const maxColumns = 16384

// isGroupRow reports whether the row above a header looks like group
// labels over it: two labels or more, or one that does not start at the
// header's first column (a title usually sits in the first column).
func isGroupRow(above, hdr []string) bool {
	first := -1
	for i, c := range hdr {
		if strings.TrimSpace(c) != "" {
			first = i
			break
		}
	}
	labels, at := 0, -1
	for i, c := range above {
		if strings.TrimSpace(c) != "" {
			labels++
			if at < 0 {
				at = i
			}
		}
	}
	return labels >= 2 || (labels == 1 && at > first)
}

// singleLabelSpansAll reports whether a one-label group row is a merged
// title covering every header column.
func singleLabelSpansAll(grp, hdr []string, ranges []cellRange, grpRow int) bool {
	at, labels := -1, 0
	for i, c := range grp {
		if strings.TrimSpace(c) != "" {
			labels++
			at = i
		}
	}
	if labels != 1 {
		return false
	}
	first, last := -1, -1
	for i, c := range hdr {
		if strings.TrimSpace(c) != "" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for _, r := range ranges {
		if r.contains(grpRow, at) && r.c0 <= first && r.c1 >= last {
			return true
		}
	}
	return false
}

// hasInnerBlank reports a blank header cell between two named ones.
func hasInnerBlank(hdr []string) bool {
	seenNamed, blankAfter := false, false
	for _, c := range hdr {
		if strings.TrimSpace(c) == "" {
			blankAfter = seenNamed
			continue
		}
		if blankAfter {
			return true
		}
		seenNamed = true
	}
	return false
}

func cellAt(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// normSpace trims a header and collapses its white space (line breaks
// typed with Alt+Enter included).
func normSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// trimRow drops trailing empty or white-space cells.
func trimRow(cells []string) []string {
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	if n == 0 {
		return nil
	}
	return cells[:n]
}

func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// isTotalsLabel: "Totale…", "Totali…", "Total…", "TOT." or "TOT:" at the
// start of the text, as a word (not "Totaro").
func isTotalsLabel(s string) bool {
	if len(s) < 3 || !strings.EqualFold(s[:3], "tot") {
		return false
	}
	rest := s[3:]
	if rest != "" && (rest[0] == '.' || rest[0] == ':') {
		return true
	}
	if len(rest) < 2 || !strings.EqualFold(rest[:2], "al") {
		return false
	}
	rest = rest[2:]
	if rest != "" && strings.IndexByte("eEiIsS", rest[0]) >= 0 {
		rest = rest[1:]
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || !unicode.IsLetter(r)
}

// noteWords open a note: "Note: …", "N.B. …", "Fonte: …".
var noteWords = map[string]bool{
	"note": true, "nota": true, "notes": true, "nb": true, "legenda": true,
	"fonte": true, "source": true, "aggiornato": true, "aggiornata": true,
	"aggiornamento": true, "updated": true, "elenco": true, "dati": true,
}

// isNoteText reports a sentence rather than a value: it opens with a note
// word ("Note:", "N.B."), or an asterisk, or runs to six words or more.
func isNoteText(s string) bool {
	if strings.HasPrefix(s, "*") {
		return true
	}
	words := strings.Fields(s)
	if len(words) >= 6 {
		return true
	}
	l := strings.ToLower(s)
	end := strings.IndexFunc(l, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(l)
	}
	if word := l[:end]; noteWords[word] {
		return end < len(l) && strings.IndexByte(":.-", l[end]) >= 0 || len(words) >= 3
	}
	return strings.HasPrefix(l, "n.b.") || strings.HasPrefix(l, "n.b:")
}

// isNumeric reports a number as stored or typed ("12", "12,5", "75%") or a
// formula's error value ("#DIV/0!").
func isNumeric(s string) bool {
	if len(s) > 1 && s[0] == '#' {
		return true
	}
	s = strings.TrimSuffix(s, "%")
	if s == "" {
		return false
	}
	if c := s[0]; !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' && c != ',' {
		return false
	}
	_, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	return err == nil
}

// isRowNumber reports a small positive integer, such as a template's
// progressive number ("1", "12.", "N. 3" is not).
func isRowNumber(s string) bool {
	s = strings.TrimSuffix(s, ".")
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n < 1_000_000
}
