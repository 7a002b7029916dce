package sources

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// withPart returns the workbook with one part replaced (or added).
func withPart(t testing.TB, base []byte, name, body string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			found = true
			_, err = io.WriteString(w, body)
		} else {
			var rc io.ReadCloser
			if rc, err = zf.Open(); err == nil {
				_, err = io.Copy(w, rc)
				rc.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// checkOpen opens a workbook both ways: excelize.OpenReader and
// openXLSXBook must fail together, and agree on the sheets and the date
// system when they open it.
func checkOpen(t *testing.T, data []byte) *xlsxBook {
	t.Helper()
	xf, xerr := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: DefaultMaxUnzipBytes, UnzipXMLSizeLimit: xlsxXMLInMemory,
	})
	if xf != nil {
		defer xf.Close()
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := openXLSXBook(bytes.NewReader(data), int64(len(data)), zr, Options{}.withDefaults())
	switch {
	case xerr != nil && err == nil:
		t.Fatalf("excelize fails (%v), openXLSXBook does not", xerr)
	case xerr == nil && err != nil:
		t.Fatalf("openXLSXBook fails (%v), excelize does not", err)
	case err != nil:
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v, want ErrCorrupt", err)
		}
		return nil
	}
	if got, want := b.sheetNames(), xf.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %q, excelize %q", got, want)
	}
	props, err := xf.GetWorkbookProps()
	if err != nil || b.date1904 != (props.Date1904 != nil && *props.Date1904) {
		t.Fatalf("date1904 %v, excelize %+v (%v)", b.date1904, props, err)
	}
	return b
}

const workbookHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
	`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`

var workbookCases = []string{
	`<workbookPr date1904="1"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>`,
	`<workbookPr date1904="false"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1" state="hidden"/><sheet name="Altro" sheetId="2" r:id="rId9"/></sheets>`,
	`<workbookPr date1904="sì"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>`,
	`<workbookPr/><sheets><sheet name="Sheet1" sheetId="x" r:id="rId1"/></sheets>`,
	`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="sheet1" sheetId="2" r:id="rId1"/></sheets>`,
	`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets`,
	`<sheets/>`,
}

// TestWorkbookPart and FuzzWorkbookPart change xl/workbook.xml: the sheet
// list, the date system and the open error must be excelize's, and the
// rows (fast reader with fallback) too.
func TestWorkbookPart(t *testing.T) {
	base := baseWorkbook(t)
	for _, body := range workbookCases {
		t.Run(body, func(t *testing.T) { checkWorkbookPart(t, base, body) })
	}
	// Whole parts without a workbook element: excelize refuses them (io.EOF).
	for _, doc := range []string{"", "  \n", `<?xml version="1.0"?><!-- nulla -->`} {
		t.Run(fmt.Sprintf("part %q", doc), func(t *testing.T) {
			if checkOpen(t, withPart(t, base, "xl/workbook.xml", doc)) != nil {
				t.Error("opened")
			}
		})
	}
}

func FuzzWorkbookPart(f *testing.F) {
	for _, body := range workbookCases {
		f.Add(body)
	}
	base := baseWorkbook(f)
	f.Fuzz(func(t *testing.T, body string) { checkWorkbookPart(t, base, body) })
}

func checkWorkbookPart(t *testing.T, base []byte, body string) {
	data := withPart(t, base, "xl/workbook.xml", workbookHead+body+`</workbook>`)
	if b := checkOpen(t, data); b != nil {
		b.close()
		compareSheets(t, data, false)
	}
}

var relsCases = []string{
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`,
	`<Relationship Id="rId1" Type="x" Target="/xl/worksheets/sheet1.xml"/>`,
	`<Relationship Id="rId1" Target="worksheets/../worksheets/sheet1.xml"/><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>`,
	`<Relationship Id="rId2" Target="worksheets/sheet1.xml"/>`,
	`<Relationship Id="rId1" Target="worksheets/sheet9.xml"/>`,
	`<Relationship Id="rId1" Target="worksheets/sheet1.xml">`,
}

// TestWorkbookRels and FuzzWorkbookRels change the workbook's
// relationships (where the worksheets are).
func TestWorkbookRels(t *testing.T) {
	base := baseWorkbook(t)
	for _, body := range relsCases {
		t.Run(body, func(t *testing.T) { checkWorkbookRels(t, base, body) })
	}
}

func FuzzWorkbookRels(f *testing.F) {
	for _, body := range relsCases {
		f.Add(body)
	}
	base := baseWorkbook(f)
	f.Fuzz(func(t *testing.T, body string) { checkWorkbookRels(t, base, body) })
}

func checkWorkbookRels(t *testing.T, base []byte, body string) {
	data := withPart(t, base, "xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?>`+
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+body+`</Relationships>`)
	if b := checkOpen(t, data); b != nil {
		b.close()
		compareSheets(t, data, false)
	}
}

// TestRootRels changes _rels/.rels, where the workbook part is named.
func TestRootRels(t *testing.T) {
	base := baseWorkbook(t)
	for _, body := range []string{
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/>`,
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/nowhere.xml"/>`,
		`<Relationship Id="rId1" Type="x" Target="xl/workbook.xml"/>`,
		`<Relationship Id="rId1" Target="xl/workbook.xml">`,
	} {
		t.Run(body, func(t *testing.T) {
			data := withPart(t, base, "_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?>`+
				`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+body+`</Relationships>`)
			if b := checkOpen(t, data); b != nil {
				b.close()
				compareSheets(t, data, false)
			}
		})
	}
}

var sharedStringsCases = []string{
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>zero</t></si><si><t xml:space="preserve"> uno &amp; due </t></si><si><r><t>t</t></r><r><rPr><b/></rPr><t>re</t></r></si></sst>`,
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si/><si><t/></si><si><t>a_x000D_b</t></si><si><t>x</t><rPh sb="0" eb="1"><t>y</t></rPh></si></sst>`,
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="x"><si><t>a</t></si></sst>`,
	`<sst><si><t>a</t></si></sst>`,
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si><extLst/></sst>`,
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst> <si><t>b</t></si>`,
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</si></sst>`,
	`<sst xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"><si><t>a</t></si></sst>`,
	"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>r\r\nà € 中</t></si><si><t><![CDATA[<x>]]></t></si></sst>",
	``,
}

// TestSharedStrings and FuzzSharedStrings compare parseSharedStrings with
// excelize's decoding of xl/sharedStrings.xml: when it reads the part, the
// strings must be excelize's; when excelize cannot, it must refuse.
func TestSharedStrings(t *testing.T) {
	for _, body := range sharedStringsCases {
		t.Run(body, func(t *testing.T) { checkSharedStrings(t, body) })
	}
	// Through a whole workbook, read by the fast reader.
	base := baseWorkbook(t)
	data := withPart(t, base, "xl/sharedStrings.xml", sharedStringsCases[0])
	compareSheets(t, withSheetXML(t, data, sheetHead+`<sheetData><row r="1"><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row></sheetData></worksheet>`), true)
}

func FuzzSharedStrings(f *testing.F) {
	for _, body := range sharedStringsCases {
		f.Add(body)
	}
	f.Fuzz(checkSharedStrings)
}

func checkSharedStrings(t *testing.T, body string) {
	got, err := parseSharedStrings([]byte(body))
	sst := reflect.TypeOf(excelize.File{}.SharedStrings).Elem()
	v, xerr := decodeAs(sst, []byte(body))
	switch {
	case err != nil && !errors.Is(err, errUnsupported):
		t.Fatalf("error %v, want errUnsupported", err)
	case err != nil:
		return
	case xerr != nil:
		t.Fatalf("excelize fails (%v), parseSharedStrings does not", xerr)
	}
	si := v.Elem().FieldByName("SI")
	want := make([]string, si.Len())
	for i := range want {
		want[i] = si.Index(i).Interface().(interface{ String() string }).String()
	}
	if !reflect.DeepEqual(got.strs, want) && len(got.strs)+len(want) > 0 {
		t.Fatalf("strings %q, excelize %q", got.strs, want)
	}
}

var mergeCases = []string{
	`<mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="C1:C2"/></mergeCells>`,
	`<mergeCells><mergeCell ref="B2:A1"/><mergeCell ref="A1:C1"/><mergeCell ref="$D$4"/></mergeCells>`,
	`<mergeCells><mergeCell ref="A1:B1"/></mergeCells><mergeCells><mergeCell ref="C1:D1"/></mergeCells>`,
	`<mergeCells><mergeCell ref="A0:B1"/></mergeCells>`,
	`<mergeCells><mergeCell/></mergeCells>`,
	`<mergeCells count="x"><mergeCell ref="A1:B1"/></mergeCells>`,
	`<x><mergeCells><mergeCell ref="A1:B1"/></mergeCells></x>`,
	`<mergeCells><mergeCell ref="A1:B1"><x/></mergeCell></mergeCells><pageMargins left="0.7"/>`,
	``,
}

// TestMergeCells and FuzzMergeCells compare the merged ranges read by
// streaming the worksheet with excelize's GetMergeCells.
func TestMergeCells(t *testing.T) {
	base := baseWorkbook(t)
	for _, tail := range mergeCases {
		t.Run(tail, func(t *testing.T) { checkMergeCells(t, base, tail) })
	}
	// The cases the streaming reader must read itself.
	for _, tail := range mergeCases[:2] {
		data := withSheetXML(t, base, sheetHead+`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`+tail+`</worksheet>`)
		b := openTestBook(t, data)
		if _, ok := b.streamMerges("Sheet1"); !ok {
			t.Errorf("%s: left to excelize", tail)
		}
		b.close()
	}
}

func FuzzMergeCells(f *testing.F) {
	for _, tail := range mergeCases {
		f.Add(tail)
	}
	base := baseWorkbook(f)
	f.Fuzz(func(t *testing.T, tail string) { checkMergeCells(t, base, tail) })
}

func checkMergeCells(t *testing.T, base []byte, tail string) {
	data := withSheetXML(t, base, sheetHead+`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>`+tail+`</worksheet>`)
	xf := openTestWorkbook(t, data)
	defer xf.Close()
	want, werr := excelizeMerges(xf, "Sheet1")
	b := openTestBook(t, data)
	defer b.close()
	got, ok := b.streamMerges("Sheet1")
	if !ok {
		return
	}
	if werr != nil {
		t.Fatalf("excelize fails (%v), the stream does not", werr)
	}
	if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
		t.Fatalf("merges %+v, excelize %+v", got, want)
	}
	// Through the row source, as a header asks for them.
	src := &xlsxRows{b: b, sheet: "Sheet1"}
	if all, err := src.merges(); err != nil || !reflect.DeepEqual(all, got) {
		t.Fatalf("xlsxRows.merges = %+v, %v", all, err)
	}
}

// TestOpenDamaged checks damaged parts: a checksum mismatch alone is
// ignored, as excelize ignores it; a part that does not inflate fails the
// open (small parts) or, for a large worksheet (checked as it streams),
// the reading, with ErrCorrupt.
func TestOpenDamaged(t *testing.T) {
	base := baseWorkbook(t)
	var sb strings.Builder
	sb.WriteString(sheetHead + `<sheetData>`)
	for i := 1; sb.Len() < 2*deferCheckBytes; i++ {
		sb.WriteString(`<row r="` + strconv.Itoa(i) + `"><c t="inlineStr"><is><t>riga di prova ` + strconv.Itoa(i) + `</t></is></c></row>`)
	}
	sb.WriteString(`</sheetData></worksheet>`)
	large := withSheetXML(t, base, sb.String())
	for _, cut := range []bool{false, true} {
		t.Run(fmt.Sprintf("styles cut=%v", cut), func(t *testing.T) {
			b := checkOpen(t, damagePart(t, base, "xl/styles.xml", cut))
			if b == nil && !cut || b != nil && cut {
				t.Errorf("opened: %v", b != nil)
			}
		})
	}
	t.Run("large worksheet checksum", func(t *testing.T) {
		compareSheets(t, damagePart(t, large, "xl/worksheets/sheet1.xml", false), false)
	})
	t.Run("large worksheet cut", func(t *testing.T) {
		data := damagePart(t, large, "xl/worksheets/sheet1.xml", true)
		if _, err := excelize.OpenReader(bytes.NewReader(data)); err == nil {
			t.Fatal("excelize opens it")
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := openXLSXBook(bytes.NewReader(data), int64(len(data)), zr, Options{}.withDefaults())
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if _, err = wrappedRead(b, "Sheet1"); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("reading: %v, want ErrCorrupt", err)
		}
	})
}

// damagePart rewrites a workbook with one part damaged: its checksum
// changed (stored), or its compressed stream cut in half (deflated).
func damagePart(t *testing.T, base []byte, name string, cut bool) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if zf.Name != name {
			if err := zw.Copy(zf); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := zf.FileHeader
		var body []byte
		if cut {
			rc, err := zf.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(rc)
			if err != nil || h.Method != zip.Deflate {
				t.Fatalf("%v, method %d", err, h.Method)
			}
			body = raw[:len(raw)/2]
			h.CompressedSize64 = uint64(len(body))
		} else {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
			h.Method, h.CompressedSize64 = zip.Store, uint64(len(body))
			h.CRC32 ^= 0xFFFF
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
