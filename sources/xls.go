package sources

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
)

// This file reads Excel 97-2003 workbooks (.xls, BIFF8). The container
// (Compound File Binary) is opened with github.com/richardlehane/mscfb; the
// BIFF8 records are read here, for the few that hold values: the shared
// string table with its CONTINUE records, LABELSST, LABEL, RSTRING, NUMBER,
// RK, MULRK, BOOLERR, FORMULA (its cached value, STRING for text results),
// MERGEDCELLS, DATEMODE, BOUNDSHEET8 and FILEPASS (a password). Values come
// out as the xlsx reader gives them: numbers and date serials as stored,
// booleans as 1/0, errors as #DIV/0! and the like; the workbook's 1904 date
// system goes to Table.Date1904. Every record scanned and every cell kept
// is charged against MaxUnzipBytes (workBudget), across sheets.

// BIFF8 record types.
const (
	biffFormula     = 0x0006
	biffEOF         = 0x000A
	biffDateMode    = 0x0022
	biffFilePass    = 0x002F
	biffContinue    = 0x003C
	biffBoundSheet  = 0x0085
	biffMulRK       = 0x00BD
	biffRString     = 0x00D6
	biffMergedCells = 0x00E5
	biffSST         = 0x00FC
	biffLabelSST    = 0x00FD
	biffNumber      = 0x0203
	biffLabel       = 0x0204
	biffBoolErr     = 0x0205
	biffString      = 0x0207
	biffRK          = 0x027E
	biffArray       = 0x0221
	biffTable       = 0x0236
	biffShrFmla     = 0x04BC
	biffBOF         = 0x0809

	biff8Version  = 0x0600
	biffWorksheet = 0x0010
	biffMaxCol    = 255 // column IV
)

// openCFB opens an Office 97-2003 container: an .xls workbook, or an
// encrypted .xlsx (which Office stores in the same container).
func (f *File) openCFB(ctx context.Context, r io.ReaderAt, size int64) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer recoverCorrupt(&err)
	doc, err := mscfb.New(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fmt.Errorf("%w: the Excel 97-2003 file cannot be read (%w); it was probably cut short while copying "+
			"or sending, ask the province to send it again", ErrCorrupt, err)
	}
	var wb *mscfb.File
	biff5, encrypted := false, false
	for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
		switch entry.Name {
		case "Workbook", "WORKBOOK":
			if wb == nil {
				wb = entry
			}
		case "Book":
			biff5 = true
		case "EncryptionInfo", "EncryptedPackage":
			encrypted = true
		}
	}
	switch {
	case encrypted:
		return fmt.Errorf("%w: %s", ErrEncrypted, encryptedMessage)
	case wb == nil && biff5:
		return fmt.Errorf("%w: this is an Excel 5.0/95 workbook; open it in Excel or LibreOffice and save it as .xlsx (Excel workbook)", ErrUnsupportedFormat)
	case wb == nil:
		return fmt.Errorf("%w: an Office 97-2003 file that is not an Excel workbook; send the spreadsheet itself, saved as .xlsx (Excel workbook)", ErrUnsupportedFormat)
	}
	stream, err := io.ReadAll(io.LimitReader(wb, size+1))
	if err != nil {
		return fmt.Errorf("%w: reading the workbook stream: %w", ErrCorrupt, err)
	}
	if int64(len(stream)) > size {
		return fmt.Errorf("%w: the workbook stream is longer than the file", ErrCorrupt)
	}
	b := &xlsBook{stream: stream, budget: &workBudget{left: f.opt.MaxUnzipBytes, limit: f.opt.MaxUnzipBytes}}
	if err := b.readGlobals(); err != nil {
		return err
	}
	f.book = b
	f.date1904 = b.date1904
	return nil
}

// biffRecord is one record of the workbook stream.
type biffRecord struct {
	typ  uint16
	data []byte
}

// record reads the record at pos and returns it with the position of the
// next one; ok false at the end of the stream.
func (b *xlsBook) record(pos int) (biffRecord, int, bool, error) {
	if pos+4 > len(b.stream) {
		return biffRecord{}, pos, false, nil
	}
	typ := binary.LittleEndian.Uint16(b.stream[pos:])
	n := int(binary.LittleEndian.Uint16(b.stream[pos+2:]))
	if pos+4+n > len(b.stream) {
		return biffRecord{}, pos, false, fmt.Errorf("%w: a record runs past the end of the workbook stream (byte %d)", ErrCorrupt, pos)
	}
	if err := b.budget.charge(int64(4 + n)); err != nil {
		return biffRecord{}, pos, false, err
	}
	return biffRecord{typ: typ, data: b.stream[pos+4 : pos+4+n]}, pos + 4 + n, true, nil
}

// xlsBook is an .xls workbook: its stream, shared strings and sheets.
type xlsBook struct {
	stream   []byte
	budget   *workBudget
	sst      []string
	sheets   []xlsSheetRef
	next     int
	date1904 bool
}

type xlsSheetRef struct {
	name string
	pos  int
}

// readGlobals reads the workbook globals substream.
func (b *xlsBook) readGlobals() error {
	rec, pos, ok, err := b.record(0)
	if err != nil {
		return err
	}
	if !ok || rec.typ != biffBOF || len(rec.data) < 4 {
		return fmt.Errorf("%w: the workbook stream does not start with a BOF record", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint16(rec.data); v != biff8Version {
		return fmt.Errorf("%w: an Excel workbook older than Excel 97 (BIFF version %#x); open it in Excel or LibreOffice "+
			"and save it as .xlsx (Excel workbook)", ErrUnsupportedFormat, v)
	}
	for {
		rec, next, ok, err := b.record(pos)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: the workbook globals have no end (EOF record)", ErrCorrupt)
		}
		switch rec.typ {
		case biffEOF:
			return nil
		case biffFilePass:
			return fmt.Errorf("%w: %s", ErrEncrypted, encryptedMessage)
		case biffDateMode:
			b.date1904 = len(rec.data) >= 2 && binary.LittleEndian.Uint16(rec.data) == 1
		case biffBoundSheet:
			if len(rec.data) < 8 {
				return fmt.Errorf("%w: a short BOUNDSHEET record", ErrCorrupt)
			}
			if rec.data[5] != 0 { // chart, macro or VB module sheet
				break
			}
			if len(b.sheets) == maxSheets {
				return fmt.Errorf("%w: more than %d sheets", ErrTooLarge, maxSheets)
			}
			name, err := shortXLString(rec.data[6:])
			if err != nil {
				return err
			}
			b.sheets = append(b.sheets, xlsSheetRef{name: name, pos: int(binary.LittleEndian.Uint32(rec.data))})
		case biffSST:
			segs := [][]byte{rec.data}
			for {
				c, after, ok, err := b.record(next)
				if err != nil {
					return err
				}
				if !ok || c.typ != biffContinue {
					break
				}
				segs = append(segs, c.data)
				next = after
			}
			if err := b.readSST(segs); err != nil {
				return err
			}
		}
		pos = next
	}
}

// shortXLString reads a ShortXLUnicodeString (sheet names).
func shortXLString(d []byte) (string, error) {
	if len(d) < 2 {
		return "", fmt.Errorf("%w: a short sheet name", ErrCorrupt)
	}
	c := &contReader{segs: [][]byte{d[2:]}}
	return c.chars(int(d[0]), d[1]&1 != 0)
}

// readSST reads the shared string table from the SST record and its
// CONTINUE records.
func (b *xlsBook) readSST(segs [][]byte) error {
	c := &contReader{segs: segs}
	hdr, err := c.bytes(8)
	if err != nil {
		return err
	}
	n := int(binary.LittleEndian.Uint32(hdr[4:]))
	total := 0
	for _, s := range segs {
		total += len(s)
	}
	b.sst = make([]string, 0, min(n, total/3))
	for range n {
		s, err := c.richString()
		if err != nil {
			return err
		}
		if err := b.budget.charge(int64(len(s) + cellCost)); err != nil {
			return err
		}
		b.sst = append(b.sst, s)
	}
	return nil
}

// contReader reads a record's data continued over CONTINUE records: a
// string's characters that cross into the next record start again with an
// option byte (compressed or UTF-16).
type contReader struct {
	segs   [][]byte
	i, pos int
}

var errShortRecord = fmt.Errorf("%w: a record is shorter than its content", ErrCorrupt)

// bytes reads n raw bytes, across records.
func (c *contReader) bytes(n int) ([]byte, error) {
	if c.i < len(c.segs) && c.pos+n <= len(c.segs[c.i]) {
		out := c.segs[c.i][c.pos : c.pos+n]
		c.pos += n
		return out, nil
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		if c.i >= len(c.segs) {
			return nil, errShortRecord
		}
		seg := c.segs[c.i]
		if c.pos >= len(seg) {
			c.i++
			c.pos = 0
			continue
		}
		k := min(n-len(out), len(seg)-c.pos)
		out = append(out, seg[c.pos:c.pos+k]...)
		c.pos += k
	}
	return out, nil
}

// skip passes n bytes, across records.
func (c *contReader) skip(n int) error {
	for n > 0 {
		if c.i >= len(c.segs) {
			return errShortRecord
		}
		k := min(n, len(c.segs[c.i])-c.pos)
		c.pos += k
		n -= k
		if c.pos >= len(c.segs[c.i]) && n > 0 {
			c.i++
			c.pos = 0
		}
	}
	return nil
}

// chars reads cch characters, compressed (Latin-1) or UTF-16LE.
func (c *contReader) chars(cch int, high bool) (string, error) {
	var b strings.Builder
	var u16 []uint16
	for cch > 0 {
		if c.i >= len(c.segs) {
			return "", errShortRecord
		}
		seg := c.segs[c.i]
		if c.pos >= len(seg) {
			c.i++
			c.pos = 0
			if c.i >= len(c.segs) || len(c.segs[c.i]) == 0 {
				return "", errShortRecord
			}
			high = c.segs[c.i][0]&1 != 0
			c.pos = 1
			continue
		}
		if high {
			k := min(cch, (len(seg)-c.pos)/2)
			if k == 0 {
				return "", errShortRecord
			}
			for j := range k {
				u16 = append(u16, binary.LittleEndian.Uint16(seg[c.pos+2*j:]))
			}
			c.pos += 2 * k
			cch -= k
			continue
		}
		k := min(cch, len(seg)-c.pos)
		if len(u16) > 0 {
			b.WriteString(string(utf16.Decode(u16)))
			u16 = u16[:0]
		}
		for _, ch := range seg[c.pos : c.pos+k] {
			b.WriteRune(rune(ch))
		}
		c.pos += k
		cch -= k
	}
	if len(u16) > 0 {
		b.WriteString(string(utf16.Decode(u16)))
	}
	return b.String(), nil
}

// richString reads an XLUnicodeRichExtendedString (shared strings).
func (c *contReader) richString() (string, error) {
	hdr, err := c.bytes(3)
	if err != nil {
		return "", err
	}
	cch, flags := int(binary.LittleEndian.Uint16(hdr)), hdr[2]
	runs, ext := 0, 0
	if flags&0x08 != 0 {
		v, err := c.bytes(2)
		if err != nil {
			return "", err
		}
		runs = int(binary.LittleEndian.Uint16(v))
	}
	if flags&0x04 != 0 {
		v, err := c.bytes(4)
		if err != nil {
			return "", err
		}
		ext = int(binary.LittleEndian.Uint32(v))
		if ext < 0 {
			return "", errShortRecord
		}
	}
	s, err := c.chars(cch, flags&0x01 != 0)
	if err != nil {
		return "", err
	}
	if err := c.skip(4*runs + ext); err != nil {
		return "", err
	}
	return s, nil
}

// xlString reads an XLUnicodeString (LABEL, RSTRING, STRING).
func xlString(segs [][]byte) (string, error) {
	c := &contReader{segs: segs}
	hdr, err := c.bytes(3)
	if err != nil {
		return "", err
	}
	return c.chars(int(binary.LittleEndian.Uint16(hdr)), hdr[2]&1 != 0)
}

func (b *xlsBook) nextSheet(ctx context.Context) (rowSource, string, bool, error) {
	if b.next >= len(b.sheets) {
		return nil, "", false, nil
	}
	ref := b.sheets[b.next]
	b.next++
	s, err := b.readSheet(ctx, ref)
	if err != nil {
		return nil, ref.name, false, err
	}
	return s, ref.name, true, nil
}

func (b *xlsBook) close() error { return nil }

// xlsCell is a value read from a worksheet.
type xlsCell struct {
	row, col int
	v        string
}

// readSheet reads a worksheet substream's values and merged ranges.
func (b *xlsBook) readSheet(ctx context.Context, ref xlsSheetRef) (*xlsSheet, error) {
	s := &xlsSheet{}
	if ref.pos < 0 || ref.pos >= len(b.stream) {
		return nil, fmt.Errorf("%w: the sheet's position is outside the workbook stream", ErrCorrupt)
	}
	rec, pos, ok, err := b.record(ref.pos)
	if err != nil {
		return nil, err
	}
	if !ok || rec.typ != biffBOF || len(rec.data) < 4 {
		return nil, fmt.Errorf("%w: the sheet does not start with a BOF record", ErrCorrupt)
	}
	if binary.LittleEndian.Uint16(rec.data[2:]) != biffWorksheet {
		return s, nil // a dialog or macro sheet: no table
	}
	var cells []xlsCell
	add := func(row, col int, v string) error {
		if col > biffMaxCol {
			return fmt.Errorf("%w: a cell beyond the last column of an Excel 97-2003 sheet (IV)", ErrCorrupt)
		}
		if v == "" {
			return nil
		}
		if err := b.budget.charge(int64(len(v) + cellCost)); err != nil {
			return err
		}
		cells = append(cells, xlsCell{row: row + 1, col: col, v: v})
		return nil
	}
	stringFor := -1 // index of the formula cell waiting for its STRING record
	depth := 0      // nested substreams (charts in the sheet)
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, next, ok, err := b.record(pos)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: the sheet has no end (EOF record)", ErrCorrupt)
		}
		d := rec.data
		switch {
		case rec.typ == biffBOF:
			depth++
		case rec.typ == biffEOF && depth > 0:
			depth--
		case rec.typ == biffEOF:
			slices.SortStableFunc(cells, func(a, b xlsCell) int {
				return cmp.Or(cmp.Compare(a.row, b.row), cmp.Compare(a.col, b.col))
			})
			s.cells = cells
			return s, nil
		case depth > 0:
		case rec.typ == biffString && stringFor >= 0:
			segs := [][]byte{d}
			for {
				c, after, ok, err := b.record(next)
				if err != nil {
					return nil, err
				}
				if !ok || c.typ != biffContinue {
					break
				}
				segs = append(segs, c.data)
				next = after
			}
			v, err := xlString(segs)
			if err != nil {
				return nil, err
			}
			if err := b.budget.charge(int64(len(v))); err != nil {
				return nil, err
			}
			cells[stringFor].v = v
			stringFor = -1
		case len(d) < 6:
		case rec.typ == biffLabelSST && len(d) >= 10:
			i := int(binary.LittleEndian.Uint32(d[6:]))
			if i >= 0 && i < len(b.sst) {
				err = add(cellPos(d, b.sst[i]))
			}
		case rec.typ == biffLabel || rec.typ == biffRString:
			var v string
			if v, err = xlString([][]byte{d[6:]}); err == nil {
				err = add(cellPos(d, v))
			}
		case rec.typ == biffNumber && len(d) >= 14:
			err = add(cellPos(d, biffNum(math.Float64frombits(binary.LittleEndian.Uint64(d[6:])))))
		case rec.typ == biffRK && len(d) >= 10:
			err = add(cellPos(d, biffNum(rkValue(binary.LittleEndian.Uint32(d[6:])))))
		case rec.typ == biffMulRK:
			row, col := int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:]))
			for i := 4; i+6 <= len(d)-2 && err == nil; i += 6 {
				err = add(row, col, biffNum(rkValue(binary.LittleEndian.Uint32(d[i+2:]))))
				col++
			}
		case rec.typ == biffBoolErr && len(d) >= 8:
			err = add(cellPos(d, boolErr(d[6], d[7] != 0)))
		case rec.typ == biffFormula && len(d) >= 14:
			stringFor = -1
			v := d[6:14]
			if v[6] != 0xFF || v[7] != 0xFF {
				err = add(cellPos(d, biffNum(math.Float64frombits(binary.LittleEndian.Uint64(v)))))
				break
			}
			switch v[0] {
			case 0: // text: the STRING record that follows
				row, col := int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:]))
				if col > biffMaxCol {
					err = fmt.Errorf("%w: a cell beyond the last column of an Excel 97-2003 sheet (IV)", ErrCorrupt)
				} else if err = b.budget.charge(cellCost); err == nil {
					cells = append(cells, xlsCell{row: row + 1, col: col})
					stringFor = len(cells) - 1
				}
			case 1:
				err = add(cellPos(d, boolErr(v[2], false)))
			case 2:
				err = add(cellPos(d, boolErr(v[2], true)))
			}
		case rec.typ == biffMergedCells:
			k := int(binary.LittleEndian.Uint16(d))
			for i := 2; i+8 <= len(d) && k > 0 && len(s.spans) < maxMerges; i, k = i+8, k-1 {
				r0, r1 := int(binary.LittleEndian.Uint16(d[i:])), int(binary.LittleEndian.Uint16(d[i+2:]))
				c0, c1 := int(binary.LittleEndian.Uint16(d[i+4:])), int(binary.LittleEndian.Uint16(d[i+6:]))
				s.spans = append(s.spans, cellRange{c0: min(c0, c1), c1: max(c0, c1), r0: min(r0, r1) + 1, r1: max(r0, r1) + 1})
			}
		}
		if err != nil {
			return nil, err
		}
		switch rec.typ {
		case biffFormula, biffString, biffContinue, biffShrFmla, biffArray, biffTable:
		default:
			stringFor = -1
		}
		pos = next
	}
}

// cellPos returns a cell record's row and column with its value.
func cellPos(d []byte, v string) (int, int, string) {
	return int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:])), v
}

// rkValue decodes an RK number.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&2 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		v /= 100
	}
	return v
}

// biffNum writes a number as an .xlsx stores it: shortest decimal form,
// exponent only for very large or very small magnitudes.
func biffNum(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "#NUM!"
	case a == 0 || a >= 1e-9 && a < 1e21:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return strconv.FormatFloat(v, 'E', -1, 64)
	}
}

// boolErr writes a BOOLERR value: 1/0 or the error's text.
func boolErr(v byte, isErr bool) string {
	if !isErr {
		if v != 0 {
			return "1"
		}
		return "0"
	}
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	default:
		return "#N/A"
	}
}

// xlsSheet yields a worksheet's rows, every row number from the first to
// the last holding a value (gaps as empty rows), as the xlsx reader does.
type xlsSheet struct {
	cells []xlsCell // sorted by row, then column
	i     int
	row   int
	spans []cellRange
}

func (s *xlsSheet) merges() ([]cellRange, error) { return s.spans, nil }

func (s *xlsSheet) close() error { return nil }

func (s *xlsSheet) next() (int, []string, error) {
	if s.i >= len(s.cells) {
		return 0, nil, io.EOF
	}
	s.row++
	if s.cells[s.i].row > s.row {
		return s.row, nil, nil
	}
	j := s.i
	for j < len(s.cells) && s.cells[j].row == s.row {
		j++
	}
	row := s.cells[s.i:j]
	s.i = j
	out := make([]string, row[len(row)-1].col+1)
	for _, c := range row {
		out[c.col] = c.v
	}
	return s.row, out, nil
}
