package sources

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// This file opens an .xlsx package without excelize: it checks every part
// as excelize.OpenReader would (each part inflated once, the small XML parts
// excelize decodes on open decoded with excelize's own types, so a damaged
// workbook gets the same error at the same moment), takes the sheet list,
// the date system and the worksheet paths, and keeps the zip directory for
// the fast worksheet reader (sheetxml.go). excelize itself is opened only
// when a sheet needs it (xlsxBook.excelize).

// Part names as excelize.File keeps them.
const (
	partRels          = "_rels/.rels"
	partCalcChain     = "xl/calcChain.xml"
	partStyles        = "xl/styles.xml"
	partTheme         = "xl/theme/theme1.xml"
	partSharedStrings = "xl/sharedStrings.xml"
	partContentTypes  = "[Content_Types].xml"
	// deferCheckBytes: a worksheet part larger than this is not inflated on
	// open; its checksum is verified as the fast reader streams it (a
	// damaged one then hands over to excelize, which reports it).
	deferCheckBytes = 1 << 20
)

// xlsxBook is an .xlsx package opened for reading.
type xlsxBook struct {
	r    io.ReaderAt
	size int64
	zr   *zip.Reader
	opt  Options

	parts    map[string]*zip.File // excelize's part name → last zip entry
	small    map[string][]byte    // parts inflated on open (all but large worksheets)
	wbPath   string
	sheets   []bookSheet
	rels     []bookRel
	hasRels  bool // the workbook's relationships part exists
	date1904 bool

	sst     *sharedStrings
	sstErr  error
	sstDone bool

	xf    *excelize.File // opened on first need
	xfErr error
}

type bookSheet struct{ name, rid string }
type bookRel struct{ id, typ, target string }

// flateReaders recycles klauspost's inflaters (faster than compress/flate).
var flateReaders sync.Pool

// newFlateReader is the zip decompressor: klauspost/compress/flate over a
// 64 KiB buffered reader (fewer, larger reads of the file).
func newFlateReader(r io.Reader) io.ReadCloser {
	br := bufio.NewReaderSize(r, 64<<10)
	if fr, ok := flateReaders.Get().(io.ReadCloser); ok {
		if err := fr.(flate.Resetter).Reset(br, nil); err == nil {
			return &pooledInflater{fr: fr}
		}
	}
	return &pooledInflater{fr: flate.NewReader(br)}
}

type pooledInflater struct{ fr io.ReadCloser }

func (p *pooledInflater) Read(b []byte) (int, error) {
	if p.fr == nil {
		return 0, io.ErrClosedPipe
	}
	return p.fr.Read(b)
}

func (p *pooledInflater) Close() error {
	if p.fr == nil {
		return nil
	}
	err := p.fr.Close()
	flateReaders.Put(p.fr)
	p.fr = nil
	return err
}

// excelizeTypes are excelize's own types for the parts decoded on open,
// taken by reflection so that decoding them gives excelize's results and
// errors exactly.
var excelizeTypes = sync.OnceValue(func() (t struct {
	calcChain, workbook, rels, styles, theme, si reflect.Type
	charset                                      func(string, io.Reader) (io.Reader, error)
},
) {
	ft := reflect.TypeOf(excelize.File{})
	field := func(name string) reflect.Type {
		f, _ := ft.FieldByName(name)
		return f.Type.Elem()
	}
	t.calcChain, t.workbook, t.styles, t.theme = field("CalcChain"), field("WorkBook"), field("Styles"), field("Theme")
	sst := field("SharedStrings")
	if f, ok := sst.FieldByName("SI"); ok {
		t.si = f.Type.Elem()
	}
	nf := excelize.NewFile()
	defer nf.Close()
	nf.Relationships.Range(func(_, v any) bool {
		t.rels = reflect.TypeOf(v).Elem()
		return false
	})
	t.charset = nf.CharsetReader
	return t
})

// strictNamespaces are excelize's namespaceStrictToTransitional pairs,
// longest first.
var strictNamespaces = [][2]string{
	{excelize.StrictSourceRelationshipExtendProperties, excelize.SourceRelationshipExtendProperties},
	{excelize.StrictNameSpaceDocumentPropertiesVariantTypes, excelize.NameSpaceDocumentPropertiesVariantTypes.Value},
	{excelize.StrictSourceRelationshipOfficeDocument, excelize.SourceRelationshipOfficeDocument},
	{excelize.StrictNameSpaceExtendedProperties, excelize.NameSpaceExtendedProperties},
	{excelize.StrictSourceRelationshipComments, excelize.SourceRelationshipComments},
	{excelize.StrictSourceRelationshipChart, excelize.SourceRelationshipChart},
	{excelize.StrictSourceRelationshipImage, excelize.SourceRelationshipImage},
	{excelize.StrictNameSpaceSpreadSheet, excelize.NameSpaceSpreadSheet.Value},
	{excelize.StrictNameSpaceDrawingMLMain, excelize.NameSpaceDrawingMLMain},
	{excelize.StrictSourceRelationship, excelize.SourceRelationship.Value},
}

func strictToTransitional(b []byte) []byte {
	if !bytes.Contains(b, []byte("purl.oclc.org")) {
		return b
	}
	for _, p := range strictNamespaces {
		b = bytes.ReplaceAll(b, []byte(p[0]), []byte(p[1]))
	}
	return b
}

// decodeAs decodes a part into a new value of excelize's type typ, as
// excelize's readers do (an empty part is the zero value).
func decodeAs(typ reflect.Type, data []byte) (reflect.Value, error) {
	v, err := decodeAsEOF(typ, data)
	if err == io.EOF {
		err = nil
	}
	return v, err
}

// decodeAsEOF is decodeAs with Decode's io.EOF (no element) kept.
func decodeAsEOF(typ reflect.Type, data []byte) (reflect.Value, error) {
	v := reflect.New(typ)
	d := xml.NewDecoder(bytes.NewReader(strictToTransitional(data)))
	d.CharsetReader = excelizeTypes().charset
	return v, d.Decode(v.Interface())
}

// isWorksheetPart is excelize's test for a worksheet part.
func isWorksheetPart(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "xl/worksheets/sheet")
}

// openXLSXBook reads the package's directory and small parts; zip-level
// checks (format, sizes) are done by the caller.
func openXLSXBook(r io.ReaderAt, size int64, zr *zip.Reader, opt Options) (b *xlsxBook, err error) {
	defer recoverCorrupt(&err)
	b = &xlsxBook{r: r, size: size, zr: zr, opt: opt, parts: map[string]*zip.File{}, small: map[string][]byte{}}
	for _, zf := range zr.File {
		b.parts[partName(zf)] = zf // the last of duplicates, as excelize
	}
	// The workbook part is named in _rels/.rels (excelize's getWorkbookPath,
	// which ignores a malformed one: no workbook).
	if zf := b.parts[partRels]; zf != nil {
		if data, err := readPart(zf); err == nil {
			if rels, err := decodeRels(data); err == nil {
				for _, r := range rels {
					if r.typ == excelize.SourceRelationshipOfficeDocument {
						b.wbPath = strings.TrimPrefix(r.target, "/")
						break
					}
				}
			}
		}
	}
	keep := map[string]bool{partCalcChain: true, partStyles: true, partTheme: true, partSharedStrings: true,
		b.wbPath: true, b.relsPath(): true}
	// Every part is inflated, as excelize's open does; large worksheets are
	// checked as they stream instead.
	for _, zf := range zr.File {
		name := partName(zf)
		if isWorksheetPart(name) && zf.UncompressedSize64 > deferCheckBytes && !zf.FileInfo().IsDir() {
			rc, err := zf.Open()
			if err != nil {
				return nil, fmt.Errorf("%w: opening workbook: %w", ErrCorrupt, err)
			}
			_ = rc.Close()
			continue
		}
		data, err := readPart(zf)
		if err != nil {
			return nil, fmt.Errorf("%w: opening workbook: %w", ErrCorrupt, err)
		}
		if keep[name] && b.parts[name] == zf {
			b.small[name] = data
		}
	}
	if err := b.decodeOnOpen(); err != nil {
		return nil, fmt.Errorf("%w: opening workbook: %w", ErrCorrupt, err)
	}
	b.small = map[string][]byte{partSharedStrings: b.small[partSharedStrings]} // the only one read later
	// The small parts were inflated as excelize does, with compress/flate;
	// worksheets stream through the faster inflater.
	zr.RegisterDecompressor(zip.Deflate, newFlateReader)
	return b, nil
}

// partName is the name excelize keeps a zip entry under.
func partName(zf *zip.File) string {
	name := strings.ReplaceAll(zf.Name, "\\", "/")
	switch strings.ToLower(name) {
	case "[content_types].xml":
		return partContentTypes
	case "xl/sharedstrings.xml":
		return partSharedStrings
	}
	return name
}

// readPart inflates a whole part as excelize's readFile does: a
// decompression error fails (when the inflater is closed), a checksum
// mismatch alone does not.
func readPart(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(zf.UncompressedSize64, 64<<20)))
	_, _ = io.Copy(buf, rc)
	return buf.Bytes(), rc.Close()
}

// decodeOnOpen decodes what excelize's open decodes, in its order: the
// calculation chain, the workbook and its relationships, the styles and
// the theme.
func (b *xlsxBook) decodeOnOpen() error {
	t := excelizeTypes()
	if _, err := decodeAs(t.calcChain, b.small[partCalcChain]); err != nil {
		return err
	}
	// excelize's workbookReader passes on Decode's io.EOF: a missing or
	// empty workbook part fails the open.
	wb, err := decodeAsEOF(t.workbook, b.small[b.wbPath])
	if err != nil {
		return err
	}

	wbv := wb.Elem()
	if pr := wbv.FieldByName("WorkbookPr"); !pr.IsNil() {
		b.date1904 = pr.Elem().FieldByName("Date1904").Bool()
	}
	list := wbv.FieldByName("Sheets").FieldByName("Sheet")
	for i := range list.Len() {
		s := list.Index(i)
		b.sheets = append(b.sheets, bookSheet{name: s.FieldByName("Name").String(), rid: s.FieldByName("ID").String()})
	}
	_, b.hasRels = b.parts[b.relsPath()]
	if b.rels, err = b.decodeRels(b.relsPath()); err != nil {
		return err
	}
	if _, err := decodeAs(t.styles, b.small[partStyles]); err != nil {
		return err
	}
	if _, ok := b.parts[partTheme]; ok {
		if _, err := decodeAs(t.theme, b.small[partTheme]); err != nil {
			return err
		}
	}
	return nil
}

// decodeRels decodes a relationships part that exists (excelize's
// relsReader); a missing one has no relationships.
func (b *xlsxBook) decodeRels(name string) ([]bookRel, error) {
	if _, ok := b.parts[name]; !ok {
		return nil, nil
	}
	return decodeRels(b.small[name])
}

// decodeRels decodes a relationships part with excelize's type.
func decodeRels(data []byte) ([]bookRel, error) {
	v, err := decodeAs(excelizeTypes().rels, data)
	if err != nil {
		return nil, err
	}
	list := v.Elem().FieldByName("Relationships")
	out := make([]bookRel, list.Len())
	for i := range out {
		r := list.Index(i)
		out[i] = bookRel{id: r.FieldByName("ID").String(), typ: r.FieldByName("Type").String(), target: r.FieldByName("Target").String()}
	}
	return out, nil
}

// relsPath is excelize's getWorkbookRelsPath.
func (b *xlsxBook) relsPath() string {
	dir, base := filepath.Dir(b.wbPath), filepath.Base(b.wbPath)
	if dir == "." {
		return "_rels/" + base + ".rels"
	}
	return strings.TrimPrefix(dir+"/_rels/"+base+".rels", "/")
}

// sheetNames lists the sheets in workbook order.
func (b *xlsxBook) sheetNames() []string {
	var out []string
	for _, s := range b.sheets {
		out = append(out, s.name)
	}
	return out
}

// sheetPart finds the zip entry of a worksheet the way excelize does: the
// sheet's r:id in the workbook, its target in the workbook's
// relationships. Anything ambiguous is errUnsupported.
func (b *xlsxBook) sheetPart(sheet string) (*zip.File, error) {
	if b.wbPath == "" || !b.hasRels {
		return nil, fmt.Errorf("%w: no workbook relationships", errUnsupported)
	}
	id, found := "", 0
	for _, s := range b.sheets {
		if strings.EqualFold(s.name, sheet) {
			id = s.rid
			found++
		}
	}
	if found != 1 || id == "" {
		return nil, fmt.Errorf("%w: sheet not found once in the workbook", errUnsupported)
	}
	target, found := "", 0
	for _, r := range b.rels {
		if r.id == id {
			target = r.target
			found++
		}
	}
	if found != 1 {
		return nil, fmt.Errorf("%w: sheet relationship not found once", errUnsupported)
	}
	zf := b.parts[worksheetPath(b.wbPath, target)]
	if zf == nil || zf.UncompressedSize64 == 0 {
		return nil, fmt.Errorf("%w: worksheet part missing or empty", errUnsupported)
	}
	return zf, nil
}

// excelize opens the workbook with excelize, once, for what the fast
// reader leaves to it.
func (b *xlsxBook) excelize() (xf *excelize.File, err error) {
	if b.xf != nil || b.xfErr != nil {
		return b.xf, b.xfErr
	}
	defer func() {
		if err != nil {
			b.xfErr = err
		}
	}()
	defer recoverCorrupt(&err)
	xf, err = excelize.OpenReader(io.NewSectionReader(b.r, 0, b.size), excelize.Options{
		UnzipSizeLimit:    b.opt.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(b.opt.MaxUnzipBytes, xlsxXMLInMemory),
	})
	if err != nil {
		if xf != nil {
			_ = xf.Close()
		}
		return nil, fmt.Errorf("%w: opening workbook: %w", ErrCorrupt, err)
	}
	b.xf = xf
	return xf, nil
}

func (b *xlsxBook) close() error {
	if b.xf == nil {
		return nil
	}
	err := b.xf.Close()
	b.xf = nil
	return err
}

// sharedStrings parses the shared strings once (an absent part has none).
func (b *xlsxBook) sharedStrings() (*sharedStrings, error) {
	if !b.sstDone {
		b.sstDone = true
		var data []byte
		if _, ok := b.parts[partSharedStrings]; ok {
			data = b.small[partSharedStrings]
		}
		b.sst, b.sstErr = parseSharedStrings(data)
		delete(b.small, partSharedStrings)
	}
	return b.sst, b.sstErr
}

// parseSharedStrings reads xl/sharedStrings.xml into the strings excelize
// gives for it (xlsxSI.String, in memory or from its temporary file). It
// reads <sst> in the SpreadsheetML namespace holding <si> items only;
// anything else is errUnsupported and the sheet is left to excelize.
func parseSharedStrings(data []byte) (*sharedStrings, error) {
	if len(data) == 0 {
		return &sharedStrings{}, nil // excelize: io.EOF, no strings
	}
	if bytes.Contains(data, []byte("purl.oclc.org")) {
		return nil, fmt.Errorf("%w: strict namespaces in shared strings", errUnsupported)
	}
	inl, err := newInlineDecoder()
	if err != nil {
		return nil, err
	}
	x := &sheetXML{s: xmlScanner{r: bytes.NewReader(data), buf: make([]byte, scanBufSize)}, inline: inl}
	s := &x.s
	if s.more(6) && string(s.buf[s.pos:s.pos+6]) == "<?xml " {
		if err := x.xmlDecl(); err != nil {
			return nil, err
		}
	}
	txt, kind, _, sc, err := s.content(nil)
	if err != nil {
		return nil, err
	}
	if kind != mkStart || string(s.tag) != "sst" || !isSpace(txt) || !rootAttrsOK(s, "count", "uniqueCount") {
		return nil, s.unsupported("shared strings root")
	}
	var (
		arena []byte
		ends  []int
	)
	for !sc {
		txt, kind, local, selfClose, err := s.content(x.tmp[:0])
		if err != nil {
			return nil, err
		}
		x.tmp = txt
		if kind == mkEnd {
			if string(s.tag) != "sst" {
				return nil, s.unsupported("mismatched end tag")
			}
			break
		}
		if string(s.tag[local:]) != "si" {
			return nil, s.unsupported("unexpected element in shared strings")
		}
		if !selfClose {
			if arena, err = x.inlineText(arena); err != nil {
				return nil, err
			}
		}
		ends = append(ends, len(arena))
	}
	// Only white space may follow.
	if x.tmp, err = s.text(x.tmp[:0], 0); err != nil {
		return nil, err
	}
	if _, ok := s.getc(); ok || s.rerr != io.EOF || !isSpace(x.tmp) {
		return nil, s.unsupported("content after shared strings")
	}
	all := string(arena)
	ss := &sharedStrings{strs: make([]string, len(ends))}
	lo := 0
	for i, hi := range ends {
		ss.strs[i], lo = all[lo:hi], hi
	}
	return ss, nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// rootAttrsOK checks a root start tag's attributes as encoding/xml would
// decode them into excelize's type: the default namespace is SpreadsheetML
// and the named integer attributes parse.
func rootAttrsOK(s *xmlScanner, ints ...string) bool {
	ns := false
	for _, a := range s.attrs {
		local, v := string(s.local(a)), s.value(a)
		switch {
		case local == "xmlns":
			if string(v) != excelize.NameSpaceSpreadSheet.Value {
				return false
			}
			ns = true
		case slices.Contains(ints, local) && !intAttrOK(v):
			return false
		}
	}
	return ns
}

// mergeElement collects the merged ranges of a worksheet as walk meets its
// elements outside sheetData: <mergeCell ref> children of the root's
// <mergeCells>, the root being <worksheet> in the SpreadsheetML namespace.
func (x *sheetXML) mergeElement(local int) error {
	s := &x.s
	name := string(s.tag[local:])
	switch {
	case len(x.outer) == 0:
		x.rootOK = string(s.tag) == "worksheet" && rootAttrsOK(s)
		if !x.rootOK {
			return s.unsupported("worksheet root")
		}
	case len(x.outer) == 1 && name == "mergeCells":
		x.mergesAt++
		if x.mergesAt > 1 || !attrsIntOK(s, "count") {
			return s.unsupported("merged cells")
		}
	case len(x.outer) == 2 && name == "mergeCell" && localName(x.outer[1]) == "mergeCells":
		ref := ""
		for _, a := range s.attrs {
			if string(s.local(a)) == "ref" {
				ref = string(s.value(a))
			}
		}
		*x.merges = append(*x.merges, ref)
	}
	return nil
}

// attrsIntOK reports whether the named attributes parse as integers.
func attrsIntOK(s *xmlScanner, names ...string) bool {
	for _, a := range s.attrs {
		if slices.Contains(names, string(s.local(a))) && !intAttrOK(s.value(a)) {
			return false
		}
	}
	return true
}

// intAttrOK reports whether encoding/xml decodes v into an int field.
func intAttrOK(v []byte) bool {
	return len(v) == 0 || sheetInt(bytes.TrimSpace(v))
}

func localName(tag []byte) string {
	if i := bytes.IndexByte(tag, ':'); i >= 0 {
		return string(tag[i+1:])
	}
	return string(tag)
}

// merges returns a sheet's merged ranges as excelize's GetMergeCells gives
// them (overlapping ranges joined): read by streaming the worksheet, or
// with excelize when the stream holds a construct left to it.
func (b *xlsxBook) merges(sheet string) ([]cellRange, error) {
	if out, ok := b.streamMerges(sheet); ok {
		return out, nil
	}
	xf, err := b.excelize()
	if err != nil {
		return nil, err
	}
	return excelizeMerges(xf, sheet)
}

// streamMerges reads the whole worksheet with the fast reader, collecting
// the merged ranges; ok is false when it cannot.
func (b *xlsxBook) streamMerges(sheet string) (_ []cellRange, ok bool) {
	zf, err := b.sheetPart(sheet)
	if err != nil {
		return nil, false
	}
	sst, err := b.sharedStrings()
	if err != nil {
		return nil, false
	}
	inl, err := newInlineDecoder()
	if err != nil {
		return nil, false
	}
	x, err := newSheetXML(zf, sst, inl)
	if err != nil {
		return nil, false
	}
	defer x.close()
	var refs []string
	x.merges = &refs
	for {
		if _, err := x.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, false
		}
	}
	if !x.rootOK {
		return nil, false
	}
	// excelize's mergeOverlapCells.
	var rects [][4]int
	for _, ref := range refs {
		if !strings.Contains(ref, ":") {
			ref += ":" + ref
		}
		rng := strings.Split(strings.ReplaceAll(ref, "$", ""), ":")
		c0, r0, err0 := excelize.CellNameToCoordinates(rng[0])
		c1, r1, err1 := excelize.CellNameToCoordinates(rng[1])
		if err0 != nil || err1 != nil {
			return nil, false
		}
		rects = append(rects, [4]int{c0, r0, c1, r1}) // not sorted, as excelize's Rect
	}
	for merged := true; merged; {
		merged = false
		var out [][4]int
		used := make([]bool, len(rects))
		for i := range rects {
			if used[i] {
				continue
			}
			r1 := rects[i]
			for j := i + 1; j < len(rects); j++ {
				if r2 := rects[j]; !used[j] && rectsOverlap(r1, r2) {
					r1 = [4]int{min(r1[0], r2[0]), min(r1[1], r2[1]), max(r1[2], r2[2]), max(r1[3], r2[3])}
					merged, used[j] = true, true
				}
			}
			out = append(out, r1)
		}
		rects = out
	}
	out := make([]cellRange, len(rects))
	for i, r := range rects {
		out[i] = cellRange{c0: min(r[0], r[2]) - 1, c1: max(r[0], r[2]) - 1, r0: min(r[1], r[3]), r1: max(r[1], r[3])}
	}
	return out, true
}

// rectsOverlap is excelize's isOverlap.
func rectsOverlap(a, b [4]int) bool {
	in := func(c, r int, q [4]int) bool { return c >= q[0] && c <= q[2] && r >= q[1] && r <= q[3] }
	return in(a[0], a[1], b) || in(a[2], a[1], b) || in(a[0], a[3], b) || in(a[2], a[3], b) ||
		in(b[0], b[1], a) || in(b[2], b[1], a) || in(b[0], b[3], a) || in(b[2], b[3], a)
}

// excelizeMerges is the merged ranges as excelize reads them (the whole
// sheet parsed).
func excelizeMerges(xf *excelize.File, sheet string) (out []cellRange, err error) {
	defer recoverCorrupt(&err)
	mcs, err := xf.GetMergeCells(sheet, true)
	if err != nil {
		return nil, fmt.Errorf("reading merged cells: %w", err)
	}
	for _, mc := range mcs {
		c0, r0, err0 := excelize.CellNameToCoordinates(mc.GetStartAxis())
		c1, r1, err1 := excelize.CellNameToCoordinates(mc.GetEndAxis())
		if err0 != nil || err1 != nil {
			continue
		}
		out = append(out, cellRange{c0: min(c0, c1) - 1, c1: max(c0, c1) - 1, r0: min(r0, r1), r1: max(r0, r1)})
	}
	return out, nil
}

// worksheetPath is excelize's getWorksheetPath.
func worksheetPath(wbPath, target string) string {
	if strings.HasPrefix(target, "/") {
		return filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(target), "\\", "/"), "/"))
	}
	return filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(filepath.Dir(wbPath)+"/"+target), "\\", "/"), "/"))
}
