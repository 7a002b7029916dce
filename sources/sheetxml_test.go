package sources

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// readRow is one row as a reader returns it.
type readRow struct {
	N     int
	Cells []string
}

// openTestWorkbook opens a workbook with excelize, as sources did before
// it opened packages itself.
func openTestWorkbook(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	xf, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: DefaultMaxUnzipBytes, UnzipXMLSizeLimit: xlsxXMLInMemory,
	})
	if err != nil {
		t.Skipf("excelize cannot open the workbook: %v", err) // only reached for fuzzed input
	}
	return xf
}

// openTestBook opens a workbook as sources does.
func openTestBook(t testing.TB, data []byte) *xlsxBook {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("unzipping: %v", err)
	}
	b, err := openXLSXBook(bytes.NewReader(data), int64(len(data)), zr, Options{}.withDefaults())
	if err != nil {
		t.Fatalf("opening a workbook excelize opens: %v", err)
	}
	return b
}

// excelizeRead reads a sheet with excelize's Rows/Columns(RawCellValue), as
// sources did before the fast reader.
func excelizeRead(xf *excelize.File, sheet string) (out []readRow, err error) {
	defer recoverCorrupt(&err)
	rows, err := xf.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return out, err
		}
		out = append(out, readRow{n, cells})
	}
	return out, rows.Error()
}

// fastRead reads a sheet with the fast reader alone.
func fastRead(b *xlsxBook, sheet string) (out []readRow, err error) {
	x, err := openSheetXML(b, sheet)
	if err != nil {
		return nil, err
	}
	defer x.close()
	for n := 1; ; n++ {
		cells, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, readRow{n, cells})
	}
}

// wrappedRead reads a sheet through sources' rowSource (fast reader with
// fallback to excelize).
func wrappedRead(b *xlsxBook, sheet string) (out []readRow, err error) {
	defer b.close()
	f := &File{xb: b, opt: Options{}.withDefaults()}
	src, err := f.sheetRows(sheet)
	if err != nil {
		return nil, err
	}
	defer src.close()
	for {
		n, cells, err := src.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, readRow{n, cells})
	}
}

// compareSheets checks every sheet of a workbook: the fast reader must read
// it without falling back (when strict) and agree with excelize.
func compareSheets(t *testing.T, data []byte, strict bool) {
	t.Helper()
	xf := openTestWorkbook(t, data)
	defer xf.Close()
	b := openTestBook(t, data)
	defer b.close()
	if got, want := b.sheetNames(), xf.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Errorf("sheets %q, excelize %q", got, want)
	}
	if props, err := xf.GetWorkbookProps(); err != nil || b.date1904 != (props.Date1904 != nil && *props.Date1904) {
		t.Errorf("date1904 %v, excelize %+v (%v)", b.date1904, props, err)
	}
	for _, sheet := range xf.GetSheetList() {
		want, werr := excelizeRead(xf, sheet)
		got, gerr := fastRead(b, sheet)
		switch {
		case errors.Is(gerr, errUnsupported):
			if strict {
				t.Errorf("sheet %q: fast reader: %v", sheet, gerr)
			}
		case gerr != nil && werr == nil:
			t.Errorf("sheet %q: fast reader fails (%v), excelize does not", sheet, gerr)
		case gerr == nil && werr != nil:
			t.Errorf("sheet %q: excelize fails (%v), the fast reader does not", sheet, werr)
		case !reflect.DeepEqual(got, want):
			t.Errorf("sheet %q: fast reader differs from excelize (errors %v, %v)\n got: %+v\nwant: %+v", sheet, gerr, werr, got, want)
		}
		// Merged ranges: streamed when the stream can, as excelize gives them.
		mb := openTestBook(t, data)
		gotM, ok := mb.streamMerges(sheet)
		mb.close()
		wantM, merr := excelizeMerges(xf, sheet)
		switch {
		case !ok && strict && gerr == nil:
			t.Errorf("sheet %q: merged cells left to excelize", sheet)
		case ok && merr != nil:
			t.Errorf("sheet %q: excelize fails on merged cells (%v), the stream does not", sheet, merr)
		case ok && !reflect.DeepEqual(gotM, wantM) && len(gotM)+len(wantM) > 0:
			t.Errorf("sheet %q: merged cells %+v, excelize %+v", sheet, gotM, wantM)
		}
		// The wrapper must always agree (it falls back when needed).
		wrapped, err := wrappedRead(openTestBook(t, data), sheet)
		if werr == nil {
			if err != nil {
				t.Errorf("sheet %q: wrapped reader: %v", sheet, err)
			} else if !reflect.DeepEqual(wrapped, want) {
				t.Errorf("sheet %q: wrapped reader differs from excelize\n got: %+v\nwant: %+v", sheet, wrapped, want)
			}
		}
	}
}

func TestSheetXMLFiles(t *testing.T) {
	var paths []string
	for _, pat := range []string{"../testdata/samples/*.xlsx", "../testdata/demo/*/*.xlsx", "../testdata/demo-heavy/*/*.xlsx",
		"../testdata/demo-indep/*/*.xlsx", "../testdata/layouts/*.xlsx", "../testdata/febrl4/*.xlsx",
		"../testdata/nulls/*/*.xlsx", "../testdata/ops/*.xlsx"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 10 {
		t.Fatalf("found only %d workbooks", len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := excelize.OpenReader(bytes.NewReader(data)); err != nil {
				t.Skipf("not a workbook excelize opens (%v): covered by the readers' own tests", err)
			}
			compareSheets(t, data, true)
		})
	}
}

// generatedWorkbook writes a workbook with excelize covering the cell kinds.
func generatedWorkbook(t testing.TB, stream bool) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	date := time.Date(2013, 3, 14, 0, 0, 0, 0, time.UTC)
	rich := []excelize.RichTextRun{{Text: "Ros", Font: &excelize.Font{Bold: true}}, {Text: "si & <C>"}}
	rows := [][]any{
		{"Cognome", "Nome", "Data", "Ore", "Iscritto", "Note"},
		{"D'Amico & <figli>", "\"Anna\"", date, 12.5, true, "  spazi  "},
		{"riga\r\ncon a capo", nil, 41234, -3, false, "_x000D_ letterale"},
		{nil, nil, nil, nil, nil, "solo l'ultima"},
		{"Ünïcödé €", "中文", 1e-7, 123456789012345678, "", "tab\there"},
		{excelize.Cell{Formula: "1+1", Value: 2}, excelize.Cell{Formula: `"a"&"b"`, Value: "ab"}, excelize.Cell{Formula: "1/0"}, rich},
	}
	if stream {
		sw, err := x.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		rowNums := []int{1, 2, 3, 7, 8, 12}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, rowNums[i])
			if err := sw.SetRow(cell, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.SetRow("C20", []any{"sparso", nil, nil, "fine"}); err != nil {
			t.Fatal(err)
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	} else {
		for i, r := range rows {
			for j, v := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i*2+1)
				var err error
				switch v := v.(type) {
				case excelize.Cell:
					err = x.SetCellFormula("Sheet1", cell, v.Formula)
				case []excelize.RichTextRun:
					err = x.SetCellRichText("Sheet1", cell, v)
				default:
					err = x.SetCellValue("Sheet1", cell, v)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := x.SetCellValue("Sheet1", "AB40", "lontano"); err != nil {
			t.Fatal(err)
		}
		if _, err := x.NewSheet("Seconda"); err != nil {
			t.Fatal(err)
		}
		if err := x.SetCellValue("Seconda", "B2", "x"); err != nil {
			t.Fatal(err)
		}
		if err := x.SetCellBool("Seconda", "C2", true); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSheetXMLGenerated(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			compareSheets(t, generatedWorkbook(t, stream), true)
		})
	}
}

// withSheetXML returns the workbook with xl/worksheets/sheet1.xml replaced.
func withSheetXML(t testing.TB, base []byte, sheet string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == "xl/worksheets/sheet1.xml" {
			_, err = io.WriteString(w, sheet)
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
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// baseWorkbook has three shared strings (one rich, one with a phonetic run).
func baseWorkbook(t testing.TB) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, v := range []string{"zero", "uno & due", "tre"} {
		if err := x.SetCellValue("Sheet1", fmt.Sprintf("A%d", i+1), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.SetCellRichText("Sheet1", "A4", []excelize.RichTextRun{{Text: "ric"}, {Text: "co", Font: &excelize.Font{Italic: true}}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`

// sheetXMLCases are hand-written worksheets; fast says whether the fast
// reader must read them itself (false: it may leave them to excelize).
var sheetXMLCases = []struct {
	name, body string
	fast       bool
}{
	{"shared strings", `<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="D1" t="s"><v>3</v></c></row></sheetData>`, true},
	{"gaps and rows without r", `<sheetData><row r="2"><c r="B2"><v>1</v></c></row><row><c><v>2</v></c><c><v>3</v></c></row><row r="9"/><row r="11"><c r="A11" t="b"><v>1</v></c></row></sheetData>`, true},
	{"namespace prefix", `<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>ciao</x:t></x:is></x:c><x:c r="B1" t="s"><x:v>2</x:v></x:c></x:row></x:sheetData>`, true},
	{"entities and references", `<sheetData><row r="1"><c r="A1" t="str"><v>a &lt;&amp;&gt; &quot;b&apos; &#233;&#x20AC; &#13;</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">  x&#10;y  </t></is></c></row></sheetData>`, true},
	{"CDATA and line ends", "<sheetData><row r=\"1\"><c r=\"A1\" t=\"str\"><v><![CDATA[<non> & \r\n]]>z\r\nw\rq</v></c></row></sheetData>", true},
	{"rich inline", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/><sz val="11"/></rPr><t>Ro</t></r><r><t xml:space="preserve">ssi </t></r><rPh sb="0" eb="1"><t>ロ</t></rPh></is></c></row></sheetData>`, true},
	{"escapes in inline", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b_x005F_x0041_</t></is></c></row></sheetData>`, true},
	{"formulas and errors", `<sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C1"><f t="shared" ref="C1:C3" si="0"/></c><c r="D1" t="str"><f>""</f><v></v></c></row></sheetData>`, true},
	{"self-closing and empty", `<sheetData><row r="1"><c r="A1"/><c r="B1" s="3"/><c r="C1"><v/></c><c r="D1" t="inlineStr"><is/></c><c r="E1" t="inlineStr"><is><t/></is></c><c r="F1"><v>5</v></c></row><row r="2" spans="1:3"></row></sheetData>`, true},
	{"types", `<sheetData><row r="1"><c r="A1" t="n"><v>1.50</v></c><c r="B1" t="d"><v>2013-03-14T00:00:00Z</v></c><c r="C1" t="b"><v>0</v></c><c r="D1" t="s"><v> 1 </v></c><c r="E1" t="s"><v>99</v></c><c r="F1" t="s"><v>x</v></c><c r="G1" t="inlineStr"><v>vv</v></c></row></sheetData>`, true},
	{"decreasing rows and columns", `<sheetData><row r="5"><c r="C5"><v>1</v></c><c r="A5"><v>2</v></c></row><row r="3"><c r="B3"><v>3</v></c></row><row r="6"><c r="A6"><v>4</v></c></row></sheetData>`, true},
	{"attributes and whitespace", "<sheetData>\n  <row r = '1'  ht=\"15\" >\n    <c r=\"A1\"\tt='str'><v>x</v></c>\n  </row >\n</sheetData >", true},
	{"no sheetData", `<dimension ref="A1"/>`, true},
	{"empty sheetData", `<sheetData/>`, true},
	{"bad cell reference", `<sheetData><row r="1"><c r="1A"><v>1</v></c></row></sheetData>`, true},
	{"bad row number", `<sheetData><row r="x"><c r="A1"><v>1</v></c></row></sheetData>`, true},
	{"row over the limit", `<sheetData><row r="1048577"><c><v>1</v></c></row></sheetData>`, true},
	{"writers' shapes", `<sheetData><row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" s="2" t="s"><v>2</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve"> à € 中 </t></is></c><c r="C1" s="0" t="n"><v>41234.5</v></c><c r="D1" t='inlineStr'><is><t>a	b
c</t></is></c></row><row r="2" customFormat="false" ht="15" hidden="false"><c r="A2" s="1"/><c r="B2"></c><c r="C2"><v></v></c></row><row r="3"/></sheetData>`, true},
	{"near the writers' shapes", `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="default">x</t></is></c><c r="B1" t="inlineStr"><is><t>a_x0041_]b</t></is></c><c r="C1"><v>1]2</v></c><c r="D1" t="inlineStr"><is><t>&amp;</t></is></c><c r="E1" t = "str"><v>e</v></c><c r="F1" t="str"><v>tab	lf
cr` + "\r" + `</v></c></row ><row r="2"  ><c r="A2" t="str" ><v>x</v></c ></row></sheetData >`, true},
	{"bad style on a plain cell", `<sheetData><row r="1"><c r="A1" s="x"><v>1</v></c></row></sheetData>`, false},
	{"comment", `<sheetData><row r="1"><!-- c --><c r="A1"><v>1</v></c></row></sheetData>`, false},
	{"unknown element in cell", `<sheetData><row r="1"><c r="A1"><extLst/><v>1</v></c></row><row r="2"><c><v>2</v></c></row></sheetData>`, false},
	{"row after sheetData", `<sheetData><row r="1"><c><v>1</v></c></row></sheetData><row r="4"><c><v>4</v></c></row>`, false},
	{"malformed", `<sheetData><row r="1"><c><v>1</v></c></row><row r="2"><c><v>2</x></c></row></sheetData>`, false},
	{"bad entity", `<sheetData><row r="1"><c><v>1</v></c></row><row r="2"><c t="str"><v>&nbsp;</v></c></row></sheetData>`, false},
	{"truncated", `<sheetData><row r="1"><c><v>1</v></c></row><row r="2"><c><v>2`, false},
}

func TestSheetXMLCases(t *testing.T) {
	base := baseWorkbook(t)
	for _, tc := range sheetXMLCases {
		t.Run(tc.name, func(t *testing.T) {
			data := withSheetXML(t, base, sheetHead+tc.body+`</worksheet>`)
			if strings.HasSuffix(tc.name, "truncated") {
				data = withSheetXML(t, base, sheetHead+tc.body)
			}
			compareSheets(t, data, tc.fast)
			if !tc.fast {
				b := openTestBook(t, data)
				defer b.close()
				if _, err := fastRead(b, "Sheet1"); !errors.Is(err, errUnsupported) {
					t.Errorf("fast reader: %v, want errUnsupported", err)
				}
			}
		})
	}
}

// FuzzSheetXML compares the readers on mutated worksheet XML: when excelize
// reads the sheet, sources' reader (fast, or falling back) must give the
// same rows; the fast reader alone may only refuse or agree.
func FuzzSheetXML(f *testing.F) {
	for _, tc := range sheetXMLCases {
		f.Add(tc.body)
	}
	base := baseWorkbook(f)
	f.Fuzz(func(t *testing.T, body string) { checkSheetXML(t, base, body) })
}

// checkSheetXML is FuzzSheetXML's comparison for one worksheet body.
func checkSheetXML(t *testing.T, base []byte, body string) {
	data := withSheetXML(t, base, sheetHead+body+`</worksheet>`)
	xf := openTestWorkbook(t, data)
	defer xf.Close()
	b := openTestBook(t, data)
	defer b.close()
	want, werr := excelizeRead(xf, "Sheet1")
	got, gerr := fastRead(b, "Sheet1")
	if gerr == nil && werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("fast reader differs\n got: %+v\nwant: %+v", got, want)
	}
	if gerr == nil && werr != nil {
		t.Fatalf("excelize fails (%v), the fast reader does not", werr)
	}
	if werr == nil && gerr != nil && !errors.Is(gerr, errUnsupported) {
		t.Fatalf("fast reader fails (%v), excelize does not", gerr)
	}
	if werr != nil {
		return
	}
	wrapped, err := wrappedRead(openTestBook(t, data), "Sheet1")
	if err != nil || !reflect.DeepEqual(wrapped, want) {
		t.Fatalf("wrapped reader: %v\n got: %+v\nwant: %+v", err, wrapped, want)
	}
}

// BenchmarkSheetXML200k compares excelize's raw row stream with the fast
// reader on the workbook named by $CORRELARE_BENCH_XLSX, else the pipeline
// benchmark's (cached by pipeline.BenchmarkIngest200k under
// $TMPDIR/correlare-bench), else writeBigXLSX's. Both include opening the workbook as
// sources does.
func BenchmarkSheetXML200k(b *testing.B) {
	path := os.Getenv("CORRELARE_BENCH_XLSX")
	if path == "" {
		path = filepath.Join(os.TempDir(), "correlare-bench", "large-200000-seed1.xlsx")
	}
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(b.TempDir(), "big.xlsx")
		writeBigXLSX(b, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	sheet := openTestBook(b, data).sheetNames()[0]
	for _, r := range []struct {
		name string
		read func([]byte, string) ([]readRow, error)
	}{
		{"excelize-raw", func(data []byte, s string) ([]readRow, error) {
			xf := openTestWorkbook(b, data)
			defer xf.Close()
			return excelizeRead(xf, s)
		}},
		{"fast-raw", func(data []byte, s string) ([]readRow, error) {
			bk := openTestBook(b, data)
			defer bk.close()
			return fastRead(bk, s)
		}},
	} {
		b.Run(r.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				rows, err := r.read(data, sheet)
				if err != nil {
					b.Fatal(err)
				}
				n = len(rows)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
