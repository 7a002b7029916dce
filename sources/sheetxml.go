package sources

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// This file is a byte-level reader of one worksheet's sheetData, streamed
// straight from the zip entry. It yields the rows excelize's
// Rows/Columns(RawCellValue) would, many times faster: the cells and rows
// spreadsheet writers emit take a quick path (quick) that reads them from
// the scan buffer without allocating, everything else goes through the
// general tokenizer (content, markup, cell). It reads only the
// subset of XML that spreadsheet writers emit; on anything else (comments,
// DOCTYPE, unexpected elements in a row or a cell, malformed XML, non-UTF-8
// encodings) it stops with errUnsupported and the caller falls back to
// excelize, which then decides. Being stricter than encoding/xml is what
// keeps the two in step: every row this reader returns has been read through
// the start of the next row, as far as excelize reads before returning it.

// errUnsupported reports a construct the fast reader leaves to excelize.
var errUnsupported = errors.New("worksheet XML construct left to excelize")

// unsupported wraps errUnsupported with a byte offset and a reason.
func (s *xmlScanner) unsupported(why string) error {
	return fmt.Errorf("%w: %s at byte %d", errUnsupported, why, s.off+int64(s.pos))
}

// excelize's limits; the scanner's buffer and nesting limit.
const (
	sheetMaxRows  = excelize.TotalRows
	sheetMaxCols  = excelize.MaxColumns
	scanBufSize   = 64 << 10
	maxSheetDepth = 64
)

// zipPart returns the last zip entry named name, with backslashes read as
// slashes (excelize keeps the last of duplicate names).
func zipPart(zr *zip.Reader, name string) *zip.File {
	var out *zip.File
	for _, zf := range zr.File {
		if strings.ReplaceAll(zf.Name, "\\", "/") == name {
			out = zf
		}
	}
	return out
}

// readSmallPart reads a whole (small) part: workbook.xml and its rels.
func readSmallPart(zr *zip.Reader, name string, limit int64) ([]byte, error) {
	zf := zipPart(zr, name)
	if zf == nil {
		return nil, fmt.Errorf("%w: no part %s", errUnsupported, name)
	}
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%w: part %s too large", errUnsupported, name)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %w", errUnsupported, name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", errUnsupported, name, err)
	}
	return b, nil
}

// sharedStrings are the workbook's shared strings as excelize gives them
// (xlsxSI.String), all cut from one string.
type sharedStrings struct{ strs []string }

func (ss *sharedStrings) get(i int) (string, bool) {
	if ss == nil || i < 0 || i >= len(ss.strs) {
		return "", false
	}
	return ss.strs[i], true
}

// inlineDecoder decodes a rich <is> or <si> element with excelize's own
// string-item type, so that runs, phonetic runs and escapes come out
// exactly as excelize gives them.
type inlineDecoder struct{ typ reflect.Type }

func newInlineDecoder() (inlineDecoder, error) {
	typ := excelizeTypes().si
	if typ == nil {
		return inlineDecoder{}, fmt.Errorf("%w: no shared string type", errUnsupported)
	}
	if _, ok := reflect.New(typ).Interface().(fmt.Stringer); !ok {
		return inlineDecoder{}, fmt.Errorf("%w: string item without String", errUnsupported)
	}
	return inlineDecoder{typ: typ}, nil
}

func (d inlineDecoder) decode(raw []byte) (string, error) {
	v := reflect.New(d.typ)
	if err := xml.Unmarshal(raw, v.Interface()); err != nil {
		return "", fmt.Errorf("%w: inline string: %w", errUnsupported, err)
	}
	return v.Interface().(fmt.Stringer).String(), nil
}

// xmlScanner is a strict, minimal XML tokenizer over a byte stream.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	rerr     error
	off      int64 // stream offset of buf[0]

	capOn    bool // capturing raw bytes into capBuf
	capStart int
	capBuf   []byte

	name  []byte // last name read (tag or attribute)
	tag   []byte // last tag's name
	abuf  []byte // attribute arena
	attrs []xmlAttr
}

// xmlAttr is an attribute: local name and decoded value, as offsets in abuf.
type xmlAttr struct{ ls, le, vs, ve int }

func (s *xmlScanner) local(a xmlAttr) []byte { return s.abuf[a.ls:a.le] }
func (s *xmlScanner) value(a xmlAttr) []byte { return s.abuf[a.vs:a.ve] }

// more reads until at least n bytes are buffered past pos, or the stream ends.
func (s *xmlScanner) more(n int) bool {
	for s.end-s.pos < n {
		if s.rerr != nil {
			return false
		}
		if s.capOn {
			s.capBuf = append(s.capBuf, s.buf[s.capStart:s.pos]...)
			s.capStart = 0
		}
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.off += int64(s.pos)
		s.pos = 0
		k, err := s.r.Read(s.buf[s.end:])
		s.end += k
		if err != nil {
			s.rerr = err
		}
	}
	return true
}

func (s *xmlScanner) getc() (byte, bool) {
	if s.pos >= s.end && !s.more(1) {
		return 0, false
	}
	b := s.buf[s.pos]
	s.pos++
	return b, true
}

func (s *xmlScanner) peekc() (byte, bool) {
	if s.pos >= s.end && !s.more(1) {
		return 0, false
	}
	return s.buf[s.pos], true
}

func (s *xmlScanner) eofErr() error {
	if s.rerr != nil && s.rerr != io.EOF {
		return fmt.Errorf("%w: reading worksheet: %w", errUnsupported, s.rerr)
	}
	return s.unsupported("unexpected end of worksheet")
}

func (s *xmlScanner) space() {
	for {
		b, ok := s.peekc()
		if !ok || (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
			return
		}
		s.pos++
	}
}

// readName reads an ASCII XML name into s.name and returns the offset of its
// local part. Names with more than one colon, or an empty prefix or local
// part, are errUnsupported.
func (s *xmlScanner) readName() (int, error) {
	s.name = s.name[:0]
	colon := -1
	for {
		b, ok := s.peekc()
		if !ok {
			return 0, s.eofErr()
		}
		isAlpha := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'
		switch {
		case isAlpha:
		case len(s.name) > 0 && (b >= '0' && b <= '9' || b == '-' || b == '.'):
		case b == ':' && colon < 0 && len(s.name) > 0:
			colon = len(s.name)
		case b >= 0x80 || b == ':':
			return 0, s.unsupported("unusual name")
		default:
			if len(s.name) == 0 || colon == len(s.name)-1 {
				return 0, s.unsupported("bad name")
			}
			return colon + 1, nil
		}
		s.name = append(s.name, b)
		s.pos++
	}
}

// readAttrs reads a start tag's attributes up to '>' or '/>'.
func (s *xmlScanner) readAttrs() (selfClose bool, err error) {
	s.abuf, s.attrs = s.abuf[:0], s.attrs[:0]
	for {
		s.space()
		b, ok := s.getc()
		if !ok {
			return false, s.eofErr()
		}
		if b == '/' {
			if b, ok = s.getc(); !ok || b != '>' {
				return false, s.unsupported("bad empty-element tag")
			}
			return true, nil
		}
		if b == '>' {
			return false, nil
		}
		s.pos--
		lo, err := s.readName()
		if err != nil {
			return false, err
		}
		var a xmlAttr
		a.ls = len(s.abuf)
		s.abuf = append(s.abuf, s.name[lo:]...)
		a.le = len(s.abuf)
		s.space()
		if b, ok = s.getc(); !ok || b != '=' {
			return false, s.unsupported("attribute without value")
		}
		s.space()
		q, ok := s.getc()
		if !ok || (q != '"' && q != '\'') {
			return false, s.unsupported("unquoted attribute")
		}
		a.vs = len(s.abuf)
		if s.abuf, err = s.text(s.abuf, q); err != nil {
			return false, err
		}
		a.ve = len(s.abuf)
		s.attrs = append(s.attrs, a)
	}
}

// text appends decoded character data to dst up to the closing quote q
// (consumed) or, with q == 0, up to the next '<' (not consumed), decoding
// the five entities and character references, normalising line ends and
// checking characters as encoding/xml does.
func (s *xmlScanner) text(dst []byte, q byte) ([]byte, error) {
	for {
		if s.pos >= s.end && !s.more(1) {
			if q != 0 {
				return dst, s.eofErr()
			}
			return dst, nil
		}
		i := s.pos
		for i < s.end {
			c := s.buf[i]
			if c < 0x20 || c >= 0x80 || c == '<' || c == '&' || c == q || c == ']' && q == 0 {
				break
			}
			i++
		}
		dst = append(dst, s.buf[s.pos:i]...)
		s.pos = i
		if i == s.end {
			continue
		}
		c := s.buf[i]
		switch {
		case c == q && q != 0:
			s.pos++
			return dst, nil
		case c == '<':
			if q != 0 {
				return dst, s.unsupported("'<' in attribute")
			}
			return dst, nil
		case c == '&':
			s.pos++
			var err error
			if dst, err = s.entity(dst); err != nil {
				return dst, err
			}
		case c == '\r':
			s.pos++
			dst = append(dst, '\n')
			if b, ok := s.peekc(); ok && b == '\n' {
				s.pos++
			}
		case c == ']':
			if s.more(3) && s.buf[s.pos+1] == ']' && s.buf[s.pos+2] == '>' {
				return dst, s.unsupported("]]> in text")
			}
			s.pos++
			dst = append(dst, c)
		case c == '\n' || c == '\t':
			s.pos++
			dst = append(dst, c)
		case c < 0x20:
			return dst, s.unsupported("control character")
		default:
			var err error
			if dst, err = s.utf8Char(dst); err != nil {
				return dst, err
			}
		}
	}
}

// utf8Char appends one multi-byte character after checking it.
func (s *xmlScanner) utf8Char(dst []byte) ([]byte, error) {
	s.more(utf8.UTFMax)
	r, size := utf8.DecodeRune(s.buf[s.pos:s.end])
	if r == utf8.RuneError && size <= 1 || !xmlChar(r) {
		return dst, s.unsupported("invalid character")
	}
	dst = append(dst, s.buf[s.pos:s.pos+size]...)
	s.pos += size
	return dst, nil
}

// xmlChar is encoding/xml's isInCharacterRange for non-ASCII runes.
func xmlChar(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// entity decodes an entity or character reference after '&'.
func (s *xmlScanner) entity(dst []byte) ([]byte, error) {
	var nb [12]byte
	n := 0
	for {
		b, ok := s.getc()
		if !ok {
			return dst, s.eofErr()
		}
		if b == ';' {
			break
		}
		if n == len(nb) {
			return dst, s.unsupported("entity")
		}
		nb[n] = b
		n++
	}
	name := nb[:n]
	switch string(name) {
	case "lt":
		return append(dst, '<'), nil
	case "gt":
		return append(dst, '>'), nil
	case "amp":
		return append(dst, '&'), nil
	case "apos":
		return append(dst, '\''), nil
	case "quot":
		return append(dst, '"'), nil
	}
	if len(name) < 2 || name[0] != '#' {
		return dst, s.unsupported("entity")
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	for _, c := range digits {
		if !(c >= '0' && c <= '9' || base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
			return dst, s.unsupported("character reference")
		}
	}
	v, err := strconv.ParseUint(string(digits), base, 64)
	if err != nil || v > unicode.MaxRune {
		return dst, s.unsupported("character reference")
	}
	r := rune(v)
	if r >= 0xD800 && r <= 0xDFFF {
		r = utf8.RuneError // string(rune(n)) in encoding/xml
	}
	if !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r < 0x80 || xmlChar(r)) {
		return dst, s.unsupported("character reference")
	}
	return utf8.AppendRune(dst, r), nil
}

// Kinds of markup after '<'.
const (
	mkStart = iota + 1
	mkEnd
	mkCDATA
)

// markup reads a tag after '<' (already consumed). For mkStart the name is in
// s.tag (local part from the returned offset) and attributes in s.attrs.
// Processing instructions other than the XML declaration, comments and
// DOCTYPE are errUnsupported.
func (s *xmlScanner) markup() (kind, local int, selfClose bool, err error) {
	b, ok := s.peekc()
	if !ok {
		return 0, 0, false, s.eofErr()
	}
	switch b {
	case '/':
		s.pos++
		if local, err = s.readName(); err != nil {
			return 0, 0, false, err
		}
		s.tag = append(s.tag[:0], s.name...)
		s.space()
		if b, ok = s.getc(); !ok || b != '>' {
			return 0, 0, false, s.unsupported("bad end tag")
		}
		return mkEnd, local, false, nil
	case '!':
		if !s.more(8) || string(s.buf[s.pos:s.pos+8]) != "![CDATA[" {
			return 0, 0, false, s.unsupported("comment or declaration")
		}
		s.pos += 8
		return mkCDATA, 0, false, nil
	case '?':
		return 0, 0, false, s.unsupported("processing instruction")
	}
	if local, err = s.readName(); err != nil {
		return 0, 0, false, err
	}
	s.tag = append(s.tag[:0], s.name...)
	selfClose, err = s.readAttrs()
	return mkStart, local, selfClose, err
}

// cdata appends a CDATA section's text (after "<![CDATA[") to dst.
func (s *xmlScanner) cdata(dst []byte) ([]byte, error) {
	for {
		if s.pos >= s.end && !s.more(1) {
			return dst, s.eofErr()
		}
		c := s.buf[s.pos]
		switch {
		case c == ']':
			if s.more(3) && s.buf[s.pos+1] == ']' && s.buf[s.pos+2] == '>' {
				s.pos += 3
				return dst, nil
			}
			s.pos++
			dst = append(dst, c)
		case c == '\r':
			s.pos++
			dst = append(dst, '\n')
			if b, ok := s.peekc(); ok && b == '\n' {
				s.pos++
			}
		case c >= 0x20 && c < 0x80 || c == '\n' || c == '\t':
			s.pos++
			dst = append(dst, c)
		case c < 0x20:
			return dst, s.unsupported("control character")
		default:
			var err error
			if dst, err = s.utf8Char(dst); err != nil {
				return dst, err
			}
		}
	}
}

// content appends the character data (text and CDATA) up to the next tag,
// and returns that tag.
func (s *xmlScanner) content(dst []byte) (_ []byte, kind, local int, selfClose bool, err error) {
	for {
		if dst, err = s.text(dst, 0); err != nil {
			return dst, 0, 0, false, err
		}
		if _, ok := s.getc(); !ok { // '<'
			return dst, 0, 0, false, s.eofErr()
		}
		if kind, local, selfClose, err = s.markup(); err != nil {
			return dst, 0, 0, false, err
		}
		if kind != mkCDATA {
			return dst, kind, local, selfClose, nil
		}
		if dst, err = s.cdata(dst); err != nil {
			return dst, 0, 0, false, err
		}
	}
}

// sheetXML reads one worksheet's rows. Its state machine is excelize's
// Rows.Next + Rows.Columns (v2.11.1) run over the rows and cells the
// scanner finds, so row numbering, gaps, rows without r and cells without
// r come out as excelize gives them.
type sheetXML struct {
	rc     io.Closer
	s      xmlScanner
	sst    *sharedStrings
	inline inlineDecoder

	phase     int      // phaseProlog, phaseData, phaseTail, phaseDone
	outer     [][]byte // open elements around sheetData
	sheetData []byte   // raw name of <sheetData>, for its end tag
	inRow     bool
	rowName   []byte
	cName     []byte
	vName     []byte
	tmp       []byte

	// excelize Rows state.
	curRow, seekRow int
	pending         bool // a row start read by next but not yet by columns
	pendingAttrs    []xmlAttr
	pendingBuf      []byte
	failed          error

	// current cell: its r and t attributes, <v> and <is> text. The
	// general path (cell) copies them into cellR … isBuf; the quick path
	// leaves them in the scan buffer, where they stay until the scanner
	// reads on, and notes where (scanned, offsets of s.buf: no pointers
	// written per cell).
	cellR, cellT []byte
	cellV        []byte
	cellF, hasIS bool
	isBuf        []byte // the inline string's text
	scanned      bool
	qr, qt       [2]int
	qv, qis      [2]int

	// merged ranges, collected when merges is non-nil (xlsxBook.merges).
	merges   *[]string
	rootOK   bool // the root is <worksheet> in the SpreadsheetML namespace
	mergesAt int  // mergeCells elements seen

	// row output: values built in vbuf, then cut from one string.
	vbuf      []byte
	vals      []cellVal
	cellBlock []string // rowCells cuts the rows' cells from it
}

// cellBlockSize is the number of cells in one block of rowCells.
const cellBlockSize = 512

// Reading phases.
const (
	phaseProlog = iota
	phaseData
	phaseTail
	phaseDone
)

// cellVal is an output cell: a slice of vbuf, or a string.
type cellVal struct {
	s      string
	lo, hi int
	inBuf  bool
}

// openSheetXML opens the worksheet part of sheet for fast reading.
func openSheetXML(b *xlsxBook, sheet string) (*sheetXML, error) {
	zf, err := b.sheetPart(sheet)
	if err != nil {
		return nil, err
	}
	sst, err := b.sharedStrings()
	if err != nil {
		return nil, err
	}
	inl, err := newInlineDecoder()
	if err != nil {
		return nil, err
	}
	return newSheetXML(zf, sst, inl)
}

// newSheetXML starts reading a worksheet part.
func newSheetXML(zf *zip.File, sst *sharedStrings, inl inlineDecoder) (*sheetXML, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: opening worksheet: %w", errUnsupported, err)
	}
	return &sheetXML{rc: rc, s: xmlScanner{r: rc, buf: make([]byte, scanBufSize)}, sst: sst, inline: inl}, nil
}

func (x *sheetXML) close() error { return x.rc.Close() }

// Events from the scanner.
const (
	evEnd = iota
	evRow
	evCell
)

// walk checks the XML outside sheetData: before it (stopping at its start
// tag) or after it (to the end, where a <row> would still be read by
// excelize and is left to it).
func (x *sheetXML) walk(tail bool) error {
	s := &x.s
	for {
		var err error
		if x.tmp, err = s.text(x.tmp[:0], 0); err != nil {
			return err
		}
		if _, ok := s.getc(); !ok {
			if s.rerr != io.EOF || (len(x.outer) > 0 && !tail) {
				return s.eofErr()
			}
			return nil
		}
		kind, local, selfClose, err := s.markup()
		if err != nil {
			return err
		}
		switch kind {
		case mkCDATA:
			if x.tmp, err = s.cdata(x.tmp[:0]); err != nil {
				return err
			}
		case mkEnd:
			if len(x.outer) == 0 || !bytes.Equal(x.outer[len(x.outer)-1], s.tag) {
				return s.unsupported("mismatched end tag")
			}
			x.outer = x.outer[:len(x.outer)-1]
		case mkStart:
			if x.merges != nil {
				if err := x.mergeElement(local); err != nil {
					return err
				}
			}
			switch string(s.tag[local:]) {
			case "row":
				return s.unsupported("row outside sheetData")
			case "sheetData":
				if tail {
					return s.unsupported("second sheetData")
				}
				x.sheetData = append([]byte(nil), s.tag...)
				x.phase = phaseData
				if selfClose {
					x.phase = phaseDone
				}
				return nil
			}
			if !selfClose {
				if len(x.outer) == maxSheetDepth {
					return s.unsupported("deep nesting")
				}
				x.outer = append(x.outer, append([]byte(nil), s.tag...))
			}
		}
	}
}

// xmlDecl accepts the usual XML declaration: version 1.0, UTF-8.
func (x *sheetXML) xmlDecl() error {
	s := &x.s
	s.pos += 5
	var decl []byte
	for {
		b, ok := s.getc()
		if !ok {
			return s.eofErr()
		}
		if b == '>' && len(decl) > 0 && decl[len(decl)-1] == '?' {
			break
		}
		if len(decl) > 200 {
			return s.unsupported("XML declaration")
		}
		decl = append(decl, b)
	}
	fields := strings.Fields(strings.TrimSuffix(string(decl), "?"))
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || len(v) < 2 || (v[0] != '"' && v[0] != '\'') || v[len(v)-1] != v[0] {
			return s.unsupported("XML declaration")
		}
		v = v[1 : len(v)-1]
		switch {
		case i == 0 && k == "version" && v == "1.0":
		case i > 0 && k == "encoding" && strings.EqualFold(v, "utf-8"):
		case i > 0 && k == "standalone" && (v == "yes" || v == "no"):
		default:
			return s.unsupported("XML declaration")
		}
	}
	if len(fields) == 0 {
		return s.unsupported("XML declaration")
	}
	return nil
}

// event reads the next row start or cell inside sheetData; evEnd at its end.
func (x *sheetXML) event() (int, error) {
	s := &x.s
	switch x.phase {
	case phaseProlog:
		if s.more(6) && string(s.buf[s.pos:s.pos+6]) == "<?xml " {
			if err := x.xmlDecl(); err != nil {
				return 0, err
			}
		}
		if err := x.walk(false); err != nil {
			return 0, err
		}
		if x.phase == phaseProlog { // no sheetData
			x.phase = phaseDone
		}
		return x.event()
	case phaseTail:
		x.phase = phaseDone
		if err := x.walk(true); err != nil {
			return 0, err
		}
		return evEnd, nil
	case phaseDone:
		return evEnd, nil
	}
	for {
		switch q := x.quick(); q {
		case quickRowEnd:
			continue
		case quickEnd:
			x.phase = phaseTail
			return evEnd, nil
		case evRow, evCell:
			return q, nil
		}
		var err error
		var kind, local int
		var selfClose bool
		if x.tmp, kind, local, selfClose, err = s.content(x.tmp[:0]); err != nil {
			return 0, err
		}
		switch {
		case kind == mkEnd && x.inRow && bytes.Equal(s.tag, x.rowName):
			x.inRow = false
		case kind == mkEnd && !x.inRow && bytes.Equal(s.tag, x.sheetData):
			x.phase = phaseTail
			return evEnd, nil
		case kind == mkStart && !x.inRow && string(s.tag[local:]) == "row":
			if !selfClose {
				x.inRow = true
				x.rowName = append(x.rowName[:0], s.tag...)
			}
			return evRow, nil
		case kind == mkStart && x.inRow && string(s.tag[local:]) == "c":
			if err := x.cell(selfClose); err != nil {
				return 0, err
			}
			return evCell, nil
		default:
			return 0, s.unsupported("unexpected element in sheetData")
		}
	}
}

// cell reads a <c> element: attributes as excelize's cellXMLAttrHandler,
// then <v>, <f> and <is>.
func (x *sheetXML) cell(selfClose bool) error {
	s := &x.s
	x.cellR, x.cellT, x.cellV = x.cellR[:0], x.cellT[:0], x.cellV[:0]
	x.cellF, x.hasIS, x.isBuf = false, false, x.isBuf[:0]
	for _, a := range s.attrs {
		switch string(s.local(a)) {
		case "r":
			x.cellR = append(x.cellR[:0], s.value(a)...)
		case "s":
			if !sheetInt(s.value(a)) {
				return s.unsupported("cell style")
			}
		case "t":
			x.cellT = append(x.cellT[:0], s.value(a)...)
		}
	}
	x.scanned = false
	if selfClose {
		return nil
	}
	x.cName = append(x.cName[:0], s.tag...)
	for {
		var err error
		var kind, local int
		var sc bool
		if x.tmp, kind, local, sc, err = s.content(x.tmp[:0]); err != nil {
			return err
		}
		if kind == mkEnd {
			if !bytes.Equal(s.tag, x.cName) {
				return s.unsupported("mismatched end tag")
			}
			return nil
		}
		switch string(s.tag[local:]) {
		case "v":
			x.cellV = x.cellV[:0]
			if !sc {
				if x.cellV, err = x.textOnly(x.cellV); err != nil {
					return err
				}
			}
		case "f":
			x.cellF = true
			for _, a := range s.attrs {
				if !formulaAttrOK(string(s.local(a)), s.value(a)) {
					return s.unsupported("formula attribute")
				}
			}
			if !sc {
				if x.tmp, err = x.textOnly(x.tmp[:0]); err != nil {
					return err
				}
			}
		case "is":
			if x.hasIS {
				return s.unsupported("two inline strings")
			}
			x.hasIS = true
			if !sc {
				if x.isBuf, err = x.inlineText(x.isBuf[:0]); err != nil {
					return err
				}
			}
		default:
			return s.unsupported("unexpected element in cell")
		}
	}
}

// textOnly appends an element's text to dst up to its end tag; a child
// element is errUnsupported.
func (x *sheetXML) textOnly(dst []byte) ([]byte, error) {
	s := &x.s
	x.vName = append(x.vName[:0], s.tag...)
	dst, kind, _, _, err := s.content(dst)
	if err != nil {
		return dst, err
	}
	if kind != mkEnd || !bytes.Equal(s.tag, x.vName) {
		return dst, s.unsupported("element inside a value")
	}
	return dst, nil
}

// inlineText appends an <is> (or <si>) element's text to dst. The common
// <is><t>…</t></is> is decoded here; anything richer (runs, phonetic runs,
// _xHHHH_ escapes) is captured and decoded with excelize's own type.
func (x *sheetXML) inlineText(dst []byte) ([]byte, error) {
	s := &x.s
	isName := append([]byte(nil), s.tag...)
	base := len(dst)
	s.capOn, s.capStart, s.capBuf = true, s.pos, s.capBuf[:0]
	defer func() { s.capOn = false }()
	var (
		stack       [][]byte
		tCount      int
		other, inT  bool
		tHasChild   bool
		chunk       []byte
		err         error
		kind, local int
		sc          bool
	)
	for {
		if chunk, kind, local, sc, err = s.content(x.tmp[:0]); err != nil {
			return dst, err
		}
		x.tmp = chunk
		if inT && len(stack) == 1 {
			dst = append(dst, chunk...)
		}
		if kind == mkEnd {
			if len(stack) > 0 {
				if !bytes.Equal(s.tag, stack[len(stack)-1]) {
					return dst, s.unsupported("mismatched end tag")
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					inT = false
				}
				continue
			}
			if !bytes.Equal(s.tag, isName) {
				return dst, s.unsupported("mismatched end tag")
			}
			if tCount == 1 && !other && !tHasChild && !bytes.Contains(dst[base:], []byte("_x")) {
				return dst, nil
			}
			dst = dst[:base]
			// The content ends at the '<' of "</is>".
			s.capBuf = append(s.capBuf, s.buf[s.capStart:s.pos]...)
			s.capStart = s.pos
			raw := s.capBuf[:bytes.LastIndexByte(s.capBuf, '<')]
			doc := make([]byte, 0, len(raw)+9)
			doc = append(append(append(doc, "<is>"...), raw...), "</is>"...)
			v, err := x.inline.decode(doc)
			return append(dst, v...), err
		}
		switch {
		case len(stack) == 0 && string(s.tag[local:]) == "t":
			tCount++
			inT = !sc
		case len(stack) == 0:
			other = true
		case inT:
			tHasChild = true
		}
		if !sc {
			if len(stack) == maxSheetDepth {
				return dst, s.unsupported("deep nesting")
			}
			stack = append(stack, append([]byte(nil), s.tag...))
		}
	}
}

// sheetInt reports whether a style attribute parses as excelize's
// strconv.ParseInt(…, 10, 64) would.
func sheetInt(v []byte) bool {
	if len(v) > 0 && len(v) < 19 {
		ok := true
		for _, c := range v {
			if c < '0' || c > '9' {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	_, err := strconv.ParseInt(string(v), 10, 64)
	return err == nil
}

// formulaAttrOK reports whether an <f> attribute decodes into excelize's
// xlsxF without error (ints and bools are parsed by encoding/xml).
func formulaAttrOK(local string, v []byte) bool {
	if len(v) == 0 {
		return true
	}
	switch local {
	case "si":
		_, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		return err == nil
	case "aca", "dt2D", "dtr", "del1", "del2", "ca", "bx":
		_, err := strconv.ParseBool(strings.TrimSpace(string(v)))
		return err == nil
	}
	return true
}

// attrInt is excelize's attrValToInt over the scanner's attributes.
func attrInt(attrs []xmlAttr, abuf []byte, name string) (val int, err error) {
	for _, a := range attrs {
		if string(abuf[a.ls:a.le]) == name {
			val, err = strconv.Atoi(string(abuf[a.vs:a.ve]))
			if err != nil {
				return
			}
		}
	}
	return
}

// next returns the next row's cells, io.EOF after the last row. It is
// excelize's Rows.Next followed by Rows.Columns.
func (x *sheetXML) next() ([]string, error) {
	if x.failed != nil {
		return nil, x.failed
	}
	// Rows.Next
	x.seekRow++
	if x.curRow < x.seekRow {
		for {
			ev, err := x.event()
			if err != nil {
				x.failed = err
				return nil, err
			}
			if ev == evEnd {
				return nil, io.EOF
			}
			if ev != evRow {
				continue
			}
			x.curRow++
			rowNum, _ := attrInt(x.s.attrs, x.s.abuf, "r")
			if rowNum > sheetMaxRows {
				x.failed = excelize.ErrMaxRows
				return nil, x.failed
			}
			if rowNum != 0 {
				x.curRow = rowNum
			}
			x.pending = true
			x.pendingBuf = append(x.pendingBuf[:0], x.s.abuf...)
			x.pendingAttrs = append(x.pendingAttrs[:0], x.s.attrs...)
			break
		}
	}
	// Rows.Columns
	if x.curRow > x.seekRow {
		return nil, nil
	}
	x.vbuf, x.vals = x.vbuf[:0], x.vals[:0]
	cellCol := 0
	for {
		ev := evRow
		attrs, abuf := x.pendingAttrs, x.pendingBuf
		if !x.pending {
			var err error
			if ev, err = x.event(); err != nil {
				x.failed = err
				return nil, err
			}
			attrs, abuf = x.s.attrs, x.s.abuf
		}
		switch ev {
		case evEnd:
			return x.rowCells(), nil
		case evRow:
			rowNum, rerr := attrInt(attrs, abuf, "r")
			if rowNum > sheetMaxRows {
				x.failed = excelize.ErrMaxRows
				x.pending = false
				return nil, x.failed
			} else if rowNum != 0 {
				x.curRow = rowNum
			} else if !x.pending {
				x.curRow++
			}
			if x.curRow > x.seekRow {
				x.pending = false
				return x.rowCells(), rerr
			}
			x.pending = false
			if rerr != nil {
				return x.rowCells(), rerr
			}
		case evCell:
			cellCol++
			if r := x.cellRef(); len(r) > 0 {
				col, err := cellColumn(r)
				if err != nil {
					return x.rowCells(), err
				}
				cellCol = col
			}
			blank := cellCol - len(x.vals)
			v, ok := x.cellValue()
			if ok || x.cellF {
				for i := 1; i < blank; i++ {
					x.vals = append(x.vals, cellVal{})
				}
				x.vals = append(x.vals, v)
			}
		}
	}
}

// cellRef, cellType, cellText and cellInline are the current cell's r
// and t attributes, <v> and <is> text, wherever they are.
func (x *sheetXML) cellRef() []byte {
	if x.scanned {
		return x.s.buf[x.qr[0]:x.qr[1]]
	}
	return x.cellR
}

func (x *sheetXML) cellType() []byte {
	if x.scanned {
		return x.s.buf[x.qt[0]:x.qt[1]]
	}
	return x.cellT
}

func (x *sheetXML) cellText() []byte {
	if x.scanned {
		return x.s.buf[x.qv[0]:x.qv[1]]
	}
	return x.cellV
}

func (x *sheetXML) cellInline() []byte {
	if x.scanned {
		return x.s.buf[x.qis[0]:x.qis[1]]
	}
	return x.isBuf
}

// cellValue is excelize's getValueFrom with raw values; ok when non-empty.
func (x *sheetXML) cellValue() (cellVal, bool) {
	v := x.cellText()
	switch string(x.cellType()) {
	case "s":
		if len(v) == 0 {
			return cellVal{}, false
		}
		i, ok := plainIndex(v)
		if !ok {
			i, _ = strconv.Atoi(strings.TrimSpace(string(v)))
		}
		v, _ := x.sst.get(i)
		return cellVal{s: v}, v != ""
	case "inlineStr":
		if x.hasIS {
			is := x.cellInline()
			if len(is) == 0 {
				return cellVal{}, false
			}
			lo := len(x.vbuf)
			x.vbuf = append(x.vbuf, is...)
			return cellVal{lo: lo, hi: len(x.vbuf), inBuf: true}, true
		}
	}
	if len(v) == 0 {
		return cellVal{}, false
	}
	lo := len(x.vbuf)
	x.vbuf = append(x.vbuf, v...)
	return cellVal{lo: lo, hi: len(x.vbuf), inBuf: true}, true
}

// rowCells turns the row's values into strings, one allocation for all the
// values built in vbuf.
func (x *sheetXML) rowCells() []string {
	if len(x.vals) == 0 {
		return nil
	}
	all := string(x.vbuf)
	// The cells are cut from a block of strings: one allocation for many
	// rows. A block is never written again once handed out.
	n := len(x.vals)
	if cap(x.cellBlock)-len(x.cellBlock) < n {
		x.cellBlock = make([]string, 0, max(cellBlockSize, n))
	}
	i := len(x.cellBlock)
	x.cellBlock = x.cellBlock[:i+n]
	cells := x.cellBlock[i : i+n : i+n]
	for i, v := range x.vals {
		if v.inBuf {
			cells[i] = all[v.lo:v.hi]
		} else {
			cells[i] = v.s
		}
	}
	return cells
}

// plainIndex reads a shared string index of plain digits (as
// strconv.Atoi would, without a string); ok false for anything else.
func plainIndex(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// cellColumn is excelize.CellNameToCoordinates' column, with a fast path
// for plain references such as "B7".
func cellColumn(r []byte) (int, error) {
	i, col := 0, 0
	for i < len(r) && i < 3 && r[i] >= 'A' && r[i] <= 'Z' {
		col = col*26 + int(r[i]-'A'+1)
		i++
	}
	if i > 0 && i < len(r) && len(r)-i <= 7 && r[i] >= '1' && r[i] <= '9' && col <= sheetMaxCols {
		row := 0
		j := i
		for ; j < len(r) && r[j] >= '0' && r[j] <= '9'; j++ {
			row = row*10 + int(r[j]-'0')
		}
		if j == len(r) && row <= sheetMaxRows {
			return col, nil
		}
	}
	col, _, err := excelize.CellNameToCoordinates(string(r))
	if err != nil {
		return 0, err
	}
	return col, nil
}

// Results of quick besides evRow and evCell.
const (
	quickNone   = -1 // not read: the general path reads the next item
	quickRowEnd = -2 // a </row> was read
	quickEnd    = -3 // </sheetData> was read
)

// quickWindow is how much of the stream quick looks at: an item that does
// not fit is read by the general path.
const quickWindow = 4 << 10

// quick reads the next item of sheetData when it has one of the shapes
// spreadsheet writers emit (openpyxl, Excel, LibreOffice): </row>, a row
// start tag, </sheetData>, or a cell of the forms <c …/>, <c …></c>,
// <c …><v>text</v></c> and <c …><is><t>text</t></is></c> (also with
// xml:space="preserve" on <t>), with plain names, attribute values without
// references or control characters and text without references, "]",
// control characters or excelize's _x escapes. It leaves the scanner and
// the cell exactly as the general path (content, markup, cell) would, and
// reads nothing when the item has any other shape.
func (x *sheetXML) quick() int {
	s := &x.s
	if s.end-s.pos < quickWindow && s.rerr == nil {
		s.more(quickWindow)
	}
	b := s.buf[s.pos:s.end]
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	if i+3 >= len(b) || b[i] != '<' {
		return quickNone
	}
	rest := b[i+1:]
	switch {
	case rest[0] == '/':
		switch {
		case x.inRow && bytes.HasPrefix(rest, []byte("/row>")) && string(x.rowName) == "row":
			s.pos += i + 6
			x.inRow = false
			return quickRowEnd
		case !x.inRow && bytes.HasPrefix(rest, []byte("/sheetData>")) && string(x.sheetData) == "sheetData":
			s.pos += i + 12
			return quickEnd
		}
		return quickNone
	case !x.inRow && rest[0] == 'r' && rest[1] == 'o' && rest[2] == 'w':
		j, selfClose, ok := x.quickAttrs(b, i+4)
		if !ok {
			return quickNone
		}
		s.tag = append(s.tag[:0], "row"...)
		s.pos += j
		if !selfClose {
			x.inRow = true
			x.rowName = append(x.rowName[:0], "row"...)
		}
		return evRow
	case x.inRow && rest[0] == 'c':
		if j, ok := x.quickCell(b, i+2); ok {
			s.tag = append(s.tag[:0], 'c')
			s.pos += j
			return evCell
		}
	}
	return quickNone
}

// Results of quickAttr.
const (
	attrBad       = iota // not a plain attribute: left to the general path
	attrOne              // an attribute was read
	attrEnd              // '>' was read
	attrSelfClose        // "/>" was read
)

// quickAttr reads, from b[j:], the next attribute of a start tag (local
// name in b[ls:le], value in b[vs:ve]) or the tag's end. It takes names of
// ASCII letters, digits, '_', '-' and '.' with at most one inner colon, as
// readName, and values without references, '<', control characters or
// non-ASCII bytes, which readAttrs would copy as they are.
func quickAttr(b []byte, j int) (next, ls, le, vs, ve, st int) {
	for j < len(b) && (b[j] == ' ' || b[j] == '\n' || b[j] == '\t' || b[j] == '\r') {
		j++
	}
	if j+1 >= len(b) {
		return 0, 0, 0, 0, 0, attrBad
	}
	switch b[j] {
	case '>':
		return j + 1, 0, 0, 0, 0, attrEnd
	case '/':
		if b[j+1] != '>' {
			return 0, 0, 0, 0, 0, attrBad
		}
		return j + 2, 0, 0, 0, 0, attrSelfClose
	}
	start, colon := j, -1
	for ; j < len(b); j++ {
		c := b[j]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
			continue
		}
		if j > start && (c >= '0' && c <= '9' || c == '-' || c == '.') {
			continue
		}
		if c == ':' && colon < 0 && j > start {
			colon = j
			continue
		}
		break
	}
	if j == start || colon == j-1 || j+2 >= len(b) || b[j] != '=' {
		return 0, 0, 0, 0, 0, attrBad
	}
	ls, le = max(start, colon+1), j
	q := b[j+1]
	if q != '"' && q != '\'' {
		return 0, 0, 0, 0, 0, attrBad
	}
	j += 2
	vs = j
	for j < len(b) && plainValue[b[j]] && b[j] != q {
		j++
	}
	if j == len(b) || b[j] != q {
		return 0, 0, 0, 0, 0, attrBad
	}
	return j + 1, ls, le, vs, j, attrOne
}

// tagNameEnds reports whether b[j] may follow a tag's name.
func tagNameEnds(b []byte, j int) bool {
	return j < len(b) && (b[j] == ' ' || b[j] == '>' || b[j] == '/' || b[j] == '\n' || b[j] == '\t' || b[j] == '\r')
}

// quickAttrs reads a start tag's attributes from b[j:], just after its
// name, into s.attrs as readAttrs does; it returns the offset after the
// tag.
func (x *sheetXML) quickAttrs(b []byte, j int) (next int, selfClose, ok bool) {
	s := &x.s
	if !tagNameEnds(b, j) {
		return 0, false, false
	}
	s.abuf, s.attrs = s.abuf[:0], s.attrs[:0]
	for {
		next, ls, le, vs, ve, st := quickAttr(b, j)
		switch st {
		case attrBad:
			return 0, false, false
		case attrEnd, attrSelfClose:
			return next, st == attrSelfClose, true
		}
		var a xmlAttr
		a.ls = len(s.abuf)
		s.abuf = append(s.abuf, b[ls:le]...)
		a.le = len(s.abuf)
		a.vs = len(s.abuf)
		s.abuf = append(s.abuf, b[vs:ve]...)
		a.ve = len(s.abuf)
		s.attrs = append(s.attrs, a)
		j = next
	}
}

// plainText and plainValue are the bytes quickText and quickAttr take as
// they are: printable ASCII but for the markup characters, and in text tab
// and line feed.
var plainText, plainValue = func() (t, v [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '<' && c != '&' && c != ']'
		v[c] = c != '<' && c != '&'
	}
	t['\t'], t['\n'] = true, true
	return t, v
}()

// quickText returns the length of plain text at the start of b, up to the
// next '<', and whether it is plain: no references, "]", control
// characters (but tab and line feed), invalid UTF-8 or non-characters.
func quickText(b []byte) (int, bool) {
	for j := 0; j < len(b); {
		for j < len(b) && plainText[b[j]] {
			j++
		}
		if j == len(b) {
			break
		}
		c := b[j]
		switch {
		case c == '<':
			return j, true
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size <= 1 || !xmlChar(r) {
				return 0, false
			}
			j += size
		default:
			return 0, false
		}
	}
	return 0, false
}

// quickCell reads a cell from b[j:], just after "<c".
func (x *sheetXML) quickCell(b []byte, j int) (int, bool) {
	if !tagNameEnds(b, j) {
		return 0, false
	}
	base := x.s.pos // b[i] is s.buf[base+i]
	x.scanned, x.qr, x.qt, x.qv, x.qis = true, [2]int{}, [2]int{}, [2]int{}, [2]int{}
	x.cellF, x.hasIS = false, false
	selfClose := false
attrs:
	for {
		next, ls, le, vs, ve, st := quickAttr(b, j)
		j = next
		switch st {
		case attrBad:
			return 0, false
		case attrEnd, attrSelfClose:
			selfClose = st == attrSelfClose
			break attrs
		}
		if le-ls != 1 {
			continue
		}
		switch b[ls] {
		case 'r':
			x.qr = [2]int{base + vs, base + ve}
		case 's':
			if !sheetInt(b[vs:ve]) {
				return 0, false
			}
		case 't':
			x.qt = [2]int{base + vs, base + ve}
		}
	}
	if selfClose {
		return j, true
	}
	rest := b[j:]
	switch {
	case bytes.HasPrefix(rest, []byte("</c>")):
		return j + 4, true
	case bytes.HasPrefix(rest, []byte("<v>")):
		n, ok := quickText(rest[3:])
		if !ok || !bytes.HasPrefix(rest[3+n:], []byte("</v></c>")) {
			return 0, false
		}
		x.qv = [2]int{base + j + 3, base + j + 3 + n}
		return j + 3 + n + 8, true
	case bytes.HasPrefix(rest, []byte("<is><t")):
		k := 6
		switch {
		case bytes.HasPrefix(rest[k:], []byte(">")):
			k++
		case bytes.HasPrefix(rest[k:], []byte(` xml:space="preserve">`)):
			k += 22
		default:
			return 0, false
		}
		n, ok := quickText(rest[k:])
		if !ok || !bytes.HasPrefix(rest[k+n:], []byte("</t></is></c>")) || bytes.IndexByte(rest[k:k+n], '_') >= 0 && bytes.Contains(rest[k:k+n], []byte("_x")) {
			return 0, false
		}
		x.hasIS = true
		x.qis = [2]int{base + j + k, base + j + k + n}
		return j + k + n + 13, true
	}
	return 0, false
}
