package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// This file reads OpenDocument spreadsheets (.ods): content.xml is streamed
// from the zip with encoding/xml, one table:table per sheet, and every row
// comes out as the xlsx reader gives it: raw values (numbers as stored,
// dates as Excel serials of the workbook's date system, booleans as 1/0), gaps and
// repeated rows expanded, trailing blank rows dropped. Repeats are counted
// against MaxUnzipBytes (see workBudget), so a row repeated a million times
// costs nothing when it is blank and stops the file when it is not.
//
// The date system is the spreadsheet's null date (table:null-date in
// table:calculation-settings, before the first sheet): 1904-01-01, as a Mac
// Excel file opened in LibreOffice keeps it, is Excel's 1904 system (the
// Table's Date1904, so that a date typed as a bare number counts from 1904);
// date cells come out as serials of that system, as the same workbook saved
// as .xlsx stores them. LibreOffice's default 1899-12-30 (or none) is Excel's
// 1900 system. Any other null date (the old StarCalc 1900-01-01) goes to the
// Table's NullDate: date cells come out as days since it, and a date typed as
// a bare number counts from it, as LibreOffice shows it (canon.DateSystem).

// OpenDocument namespaces.
const (
	odfOffice   = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	odfTable    = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	odfText     = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	odfDraw     = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
	odfCalcext  = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
	odsMimeType = "application/vnd.oasis.opendocument.spreadsheet"
)

// Bounds of the .ods and .xls readers.
const (
	maxXMLDepth = 256   // deeper content.xml is refused as corrupt
	maxSheets   = 1000  // more sheets are refused as too large
	maxMerges   = 10000 // merged ranges kept per sheet (header lookups)
	cellCost    = 32    // bytes charged per cell or row produced, besides its text
)

// workBudget is the zip-bomb guard of the .ods and .xls readers: every cell
// and row they produce (repeats expanded), and every .xls record they scan,
// is charged against MaxUnzipBytes, over the whole file.
type workBudget struct{ left, limit int64 }

func (b *workBudget) charge(n int64) error {
	b.left -= n
	if b.left < 0 {
		return fmt.Errorf("%w: the sheets expand to more than %d bytes once repeated rows and cells are counted",
			ErrTooLarge, b.limit)
	}
	return nil
}

// encryptedMessage is the refusal of a password-protected workbook, in
// Italian (for the province) and English.
const encryptedMessage = "il file è protetto da password: salvalo di nuovo senza password " +
	"(Excel: File > Informazioni > Proteggi cartella di lavoro; LibreOffice: File > Salva con nome, senza " +
	"\"Salva con password\") e invialo ancora / save it again without a password and send it again"

// book is a workbook read by our own readers (.ods, .xls): its sheets in
// workbook order.
type book interface {
	// nextSheet returns the next sheet's rows, or ok false after the last.
	nextSheet(ctx context.Context) (src rowSource, sheet string, ok bool, err error)
	close() error
}

// mergeSource is a rowSource that knows the merged ranges it has read so
// far; the header rows are always among them.
type mergeSource interface {
	merges() ([]cellRange, error)
}

// isODS reports whether a zip holds an OpenDocument spreadsheet: by its
// mimetype part, or, without one, by a manifest and content.xml.
func isODS(zr *zip.Reader) bool {
	if zf := zipPart(zr, "mimetype"); zf != nil {
		b, err := readSmallPart(zr, "mimetype", 256)
		return err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), odsMimeType) // templates too
	}
	return zipPart(zr, "content.xml") != nil && zipPart(zr, "META-INF/manifest.xml") != nil &&
		zipPart(zr, "xl/workbook.xml") == nil
}

// openODS opens an OpenDocument spreadsheet: it refuses an encrypted one and
// starts streaming content.xml.
func (f *File) openODS(ctx context.Context, zr *zip.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if man, err := readSmallPart(zr, "META-INF/manifest.xml", 4<<20); err == nil &&
		bytes.Contains(man, []byte("encryption-data")) {
		return fmt.Errorf("%w: %s", ErrEncrypted, encryptedMessage)
	}
	zf := zipPart(zr, "content.xml")
	if zf == nil {
		return fmt.Errorf("%w: the spreadsheet has no content.xml; ask the province to save it again and send it", ErrCorrupt)
	}
	if zf.UncompressedSize64 > uint64(f.opt.MaxUnzipBytes) {
		return fmt.Errorf("%w: content.xml unzips to %d bytes, the limit is %d", ErrTooLarge, zf.UncompressedSize64, f.opt.MaxUnzipBytes)
	}
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("%w: opening content.xml: %w", ErrCorrupt, err)
	}
	lim := &limitReader{r: rc, left: f.opt.MaxUnzipBytes}
	f.book = &odsBook{
		rc:       rc,
		dec:      xml.NewDecoder(lim),
		budget:   &workBudget{left: f.opt.MaxUnzipBytes, limit: f.opt.MaxUnzipBytes},
		date1904: &f.date1904,
		nullDate: &f.nullDate,
	}
	return nil
}

// limitReader fails, rather than ending, past its limit.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("%w: content.xml is longer than the limit", ErrTooLarge)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// odsBook streams content.xml; its sheets share the decoder, so a sheet is
// read (or skipped) to its end before the next one starts.
type odsBook struct {
	rc     io.Closer
	dec    *xml.Decoder
	depth  int
	budget *workBudget
	sheets int
	cur    *odsSheet
	err    error
	// date1904 and nullDate are the File's date system, set from
	// table:null-date.
	date1904 *bool
	nullDate *time.Time
}

// token returns the next token, tracking depth; errors are ErrCorrupt (or
// ErrTooLarge from the limit reader), io.EOF at the end.
func (b *odsBook) token() (xml.Token, error) {
	if b.err != nil {
		return nil, b.err
	}
	tok, err := b.dec.Token()
	if err != nil {
		if err != io.EOF || b.depth != 0 {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if !errors.Is(err, ErrTooLarge) {
				err = fmt.Errorf("%w: reading content.xml at byte %d: %w", ErrCorrupt, b.dec.InputOffset(), err)
			}
		}
		b.err = err
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		b.depth++
		if b.depth > maxXMLDepth {
			b.err = fmt.Errorf("%w: content.xml nests elements deeper than %d", ErrCorrupt, maxXMLDepth)
			return nil, b.err
		}
	case xml.EndElement:
		b.depth--
	}
	return tok, nil
}

// skip reads to the end of the element whose start was just read.
func (b *odsBook) skip() error {
	for d := b.depth; b.depth >= d; {
		if _, err := b.token(); err != nil {
			return err
		}
	}
	return nil
}

func (b *odsBook) nextSheet(ctx context.Context) (rowSource, string, bool, error) {
	if s := b.cur; s != nil && !s.ended {
		s.ended = true
		for b.depth >= s.depth {
			if err := ctx.Err(); err != nil {
				return nil, "", false, err
			}
			if _, err := b.token(); err != nil {
				return nil, "", false, err
			}
		}
	}
	b.cur = nil
	for {
		tok, err := b.token()
		if err == io.EOF {
			return nil, "", false, nil
		}
		if err != nil {
			return nil, "", false, err
		}
		se, ok := tok.(xml.StartElement)
		if ok && se.Name.Space == odfTable && se.Name.Local == "null-date" && b.sheets == 0 {
			*b.date1904, *b.nullDate = odsNullDate(attr(se, odfTable, "date-value"))
		}
		if !ok || se.Name.Space != odfTable || se.Name.Local != "table" {
			continue
		}
		b.sheets++
		if b.sheets > maxSheets {
			return nil, "", false, fmt.Errorf("%w: more than %d sheets", ErrTooLarge, maxSheets)
		}
		name := attr(se, odfTable, "name")
		if name == "" {
			name = "Foglio" + strconv.Itoa(b.sheets)
		}
		b.cur = &odsSheet{b: b, name: name, depth: b.depth}
		return b.cur, name, true, nil
	}
}

func (b *odsBook) close() error { return b.rc.Close() }

func attr(se xml.StartElement, space, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// repeatAttr reads a number-*-repeated or -spanned attribute: 1 when absent
// or unreadable, at most max.
func repeatAttr(se xml.StartElement, local string, max int) int {
	v := attr(se, odfTable, local)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, max)
}

// odsSheet yields one table:table's rows.
type odsSheet struct {
	b      *odsBook
	name   string
	depth  int // depth of the table:table element
	ended  bool
	row    int // last row number returned
	blanks int // blank rows read and not yet returned
	rep    []string
	repN   int // copies of rep still to return
	spans  []cellRange
}

func (s *odsSheet) merges() ([]cellRange, error) { return s.spans, nil }

func (s *odsSheet) close() error { return nil }

func (s *odsSheet) next() (int, []string, error) {
	for {
		if s.repN > 0 {
			if s.blanks > 0 {
				s.blanks--
				s.row++
				return s.row, nil, s.b.budget.charge(cellCost)
			}
			s.repN--
			s.row++
			return s.row, s.rep, s.b.budget.charge(int64(cellCost * (len(s.rep) + 1)))
		}
		if s.ended {
			return 0, nil, io.EOF
		}
		if err := s.readRow(); err != nil {
			return s.row + s.blanks + 1, nil, err
		}
	}
}

// readRow reads up to the next table-row (a blank one adds to s.blanks, a
// filled one sets s.rep) or the end of the table.
func (s *odsSheet) readRow() error {
	b := s.b
	for {
		tok, err := b.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if b.depth < s.depth {
				s.ended = true
				return nil
			}
		case xml.StartElement:
			switch {
			case t.Name.Space == odfTable && t.Name.Local == "table-row":
				return s.rowElement(t)
			case t.Name.Space == odfTable && (t.Name.Local == "table-header-rows" || t.Name.Local == "table-row-group" ||
				t.Name.Local == "table-rows"):
				// rows inside: read on
			default:
				if err := b.skip(); err != nil {
					return err
				}
			}
		}
	}
}

// rowElement reads a table-row's cells.
func (s *odsSheet) rowElement(se xml.StartElement) error {
	b := s.b
	reps := repeatAttr(se, "number-rows-repeated", sheetMaxRows)
	rowNum := s.row + s.blanks + 1
	var cells []string
	col := 0
	for {
		tok, err := b.token()
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if t.Name.Space != odfTable || (t.Name.Local != "table-cell" && t.Name.Local != "covered-table-cell") {
			if err := b.skip(); err != nil {
				return err
			}
			continue
		}
		n := repeatAttr(t, "number-columns-repeated", maxColumns+1)
		cs := repeatAttr(t, "number-columns-spanned", maxColumns)
		rs := repeatAttr(t, "number-rows-spanned", sheetMaxRows)
		v, err := s.cellValue(t)
		if err != nil {
			return err
		}
		if (cs > 1 || rs > 1) && len(s.spans) < maxMerges && col < maxColumns {
			s.spans = append(s.spans, cellRange{c0: col, c1: col + cs - 1, r0: rowNum, r1: rowNum + rs - 1})
		}
		if v != "" {
			if col+n > maxColumns {
				return fmt.Errorf("%w: a value beyond the last column (XFD)", ErrTooLarge)
			}
			if err := b.budget.charge(int64(n) * int64(len(v)+cellCost)); err != nil {
				return err
			}
			for len(cells) < col {
				cells = append(cells, "")
			}
			for range n {
				cells = append(cells, v)
			}
		}
		col = min(col+n, maxColumns+1)
	}
	if len(cells) == 0 {
		s.blanks = min(s.blanks+reps, sheetMaxRows-s.row)
		return nil
	}
	if s.row+s.blanks+reps > sheetMaxRows {
		return fmt.Errorf("%w: values below the last row a sheet may hold (%d)", ErrTooLarge, sheetMaxRows)
	}
	s.rep, s.repN = cells, reps
	return nil
}

// cellValue reads a cell element and returns its value as the xlsx reader
// would give it.
func (s *odsSheet) cellValue(se xml.StartElement) (string, error) {
	text, err := s.cellText()
	if err != nil {
		return "", err
	}
	if attr(se, odfCalcext, "value-type") == "error" {
		return text, nil
	}
	switch attr(se, odfOffice, "value-type") {
	case "float", "percentage", "currency":
		if v := strings.TrimSpace(attr(se, odfOffice, "value")); v != "" {
			return v, nil
		}
	case "date":
		if v, ok := odsDateSerial(attr(se, odfOffice, "date-value"), *s.b.date1904, *s.b.nullDate); ok {
			return v, nil
		}
	case "time":
		if v, ok := odsTimeSerial(attr(se, odfOffice, "time-value")); ok {
			return v, nil
		}
	case "boolean":
		switch strings.TrimSpace(strings.ToLower(attr(se, odfOffice, "boolean-value"))) {
		case "true", "1":
			return "1", nil
		case "false", "0":
			return "0", nil
		}
	case "string":
		for _, a := range se.Attr {
			if a.Name.Space == odfOffice && a.Name.Local == "string-value" {
				return a.Value, nil
			}
		}
	}
	return text, nil
}

// cellText reads a cell's content: its paragraphs joined by line breaks,
// text:s as spaces, text:tab and text:line-break as such; annotations,
// notes and drawings left out.
func (s *odsSheet) cellText() (string, error) {
	b := s.b
	var (
		out   []byte
		paras int
		inP   int // depth of the open text:p or text:h, 0 outside

		lastSpace bool // the last byte came from white space in the XML
	)
	cell := b.depth
	for {
		tok, err := b.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if b.depth < cell {
				return string(out), nil
			}
			if b.depth < inP {
				inP = 0
			}
		case xml.CharData:
			if inP > 0 {
				// ODF white space: runs of spaces, tabs and line ends are one
				// space (text:s, text:tab and text:line-break are the typed ones).
				for _, c := range t {
					if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
						if lastSpace {
							continue
						}
						c, lastSpace = ' ', true
					} else {
						lastSpace = false
					}
					out = append(out, c)
				}
			}
		case xml.StartElement:
			lastSpace = false
			switch {
			case t.Name.Space == odfOffice && t.Name.Local == "annotation",
				t.Name.Space == odfText && (t.Name.Local == "note" || t.Name.Local == "ruby-text"),
				t.Name.Space == odfDraw:
				if err := b.skip(); err != nil {
					return "", err
				}
			case t.Name.Space == odfText && (t.Name.Local == "p" || t.Name.Local == "h") && inP == 0:
				if paras > 0 {
					out = append(out, '\n')
				}
				paras++
				inP = b.depth
			case inP > 0 && t.Name.Space == odfText && t.Name.Local == "s":
				n := 1
				if c := attr(t, odfText, "c"); c != "" {
					if k, err := strconv.Atoi(c); err == nil && k > 0 {
						n = min(k, 1<<16)
					}
				}
				out = append(out, strings.Repeat(" ", n)...)
			case inP > 0 && t.Name.Space == odfText && t.Name.Local == "tab":
				out = append(out, '\t')
			case inP > 0 && t.Name.Space == odfText && t.Name.Local == "line-break":
				out = append(out, '\n')
			}
		}
	}
}

// excelEpoch is the day before serial 1 of Excel's 1900 date system;
// excel1904 is serial 0 of the 1904 system.
var (
	excelEpoch = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	excel1904  = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// odsNullDate reads a table:null-date's date-value ("1904-01-01", possibly
// with a time): Excel's 1904 system, Excel's 1900 system for LibreOffice's
// default 1899-12-30 or a value that is not a date, any other day as the
// null date serials count from.
func odsNullDate(v string) (date1904 bool, null time.Time) {
	d, _, _ := strings.Cut(strings.TrimSpace(v), "T")
	switch d {
	case "1904-01-01":
		return true, time.Time{}
	case "", "1899-12-30":
		return false, time.Time{}
	}
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return false, time.Time{}
	}
	return false, t
}

// odsDateSerial turns an office:date-value ("1975-04-03",
// "1975-04-03T10:30:00") into the Excel serial an .xlsx would store, in the
// 1900 system or, with date1904, the 1904 one; with a null date (not zero),
// the days since it. Dates before the system's first day are kept as ISO
// text.
func odsDateSerial(v string, date1904 bool, null time.Time) (string, bool) {
	v = strings.TrimSpace(v)
	var t time.Time
	var err error
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02Z07:00", "2006-01-02"} {
		if t, err = time.Parse(layout, v); err == nil {
			break
		}
	}
	if err != nil {
		return "", false
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	var days int64
	switch {
	case !null.IsZero():
		if days = (day.Unix() - null.Unix()) / 86400; days < 0 {
			return day.Format(time.DateOnly), true
		}
	case date1904:
		if days = (day.Unix() - excel1904.Unix()) / 86400; days < 0 {
			return day.Format(time.DateOnly), true
		}
	default:
		if days = (day.Unix() - excelEpoch.Unix()) / 86400; days < 1 {
			return day.Format(time.DateOnly), true
		}
		if days >= 60 {
			days++ // Excel counts a 29 February 1900
		}
	}
	secs := float64(t.Hour()*3600+t.Minute()*60+t.Second()) + float64(t.Nanosecond())/1e9
	return strconv.FormatFloat(float64(days)+secs/86400, 'f', -1, 64), true
}

// odsTimeSerial turns an office:time-value duration ("PT10H30M00S") into a
// fraction of a day, as Excel stores a time.
func odsTimeSerial(v string) (string, bool) {
	v = strings.TrimSpace(v)
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	if !strings.HasPrefix(v, "P") {
		return "", false
	}
	v = v[1:]
	var secs float64
	inTime, any := false, false
	for v != "" {
		if v[0] == 'T' {
			inTime = true
			v = v[1:]
			continue
		}
		i := 0
		for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
			i++
		}
		if i == 0 || i == len(v) {
			return "", false
		}
		n, err := strconv.ParseFloat(v[:i], 64)
		if err != nil {
			return "", false
		}
		switch {
		case v[i] == 'D' && !inTime:
			secs += n * 86400
		case v[i] == 'H' && inTime:
			secs += n * 3600
		case v[i] == 'M' && inTime:
			secs += n * 60
		case v[i] == 'S' && inTime:
			secs += n
		default:
			return "", false
		}
		any = true
		v = v[i+1:]
	}
	if !any {
		return "", false
	}
	if neg {
		secs = -secs
	}
	return strconv.FormatFloat(secs/86400, 'f', -1, 64), true
}
