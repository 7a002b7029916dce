package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// odsDoc wraps table XML in a content.xml with the usual namespaces.
func odsDoc(tables string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
 office:version="1.3"><office:body><office:spreadsheet>` + tables + `</office:spreadsheet></office:body></office:document-content>`
}

// odsZip builds an .ods: mimetype stored first, as writers do.
func odsZip(t testing.TB, content string, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err == nil {
		_, err = fw.Write([]byte(odsMimeType))
	}
	parts := map[string]string{"content.xml": content, "META-INF/manifest.xml": `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`}
	for k, v := range extra {
		parts[k] = v
	}
	for _, name := range []string{"content.xml", "META-INF/manifest.xml"} {
		if err != nil {
			break
		}
		if fw, err = w.Create(name); err == nil {
			_, err = fw.Write([]byte(parts[name]))
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sheetDump is what a sheet yields: row number → cells, and its merges.
type sheetDump struct {
	name   string
	rows   map[int][]string
	merges []cellRange
}

// dumpBook reads every sheet of an opened .ods/.xls through its row
// sources, as NextTable does, without header detection.
func dumpBook(ctx context.Context, f *File) ([]sheetDump, error) {
	var out []sheetDump
	for {
		src, name, ok, err := f.nextSource(ctx)
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		d := sheetDump{name: name, rows: map[int][]string{}}
		for {
			n, cells, err := src.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return out, err
			}
			if cells = trimRow(cells); cells != nil {
				d.rows[n] = cells
			}
		}
		if ms, ok := src.(mergeSource); ok {
			d.merges, _ = ms.merges()
		}
		out = append(out, d)
	}
}

// readAllTables reads every table of a file to its end, as the pipeline
// does, and returns the first error (nil at the end of the file).
func readAllTables(f *File) error {
	ctx := context.Background()
	for {
		tab, err := f.NextTable(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for {
			if _, err := tab.Next(ctx); err == io.EOF {
				break
			} else if err != nil {
				return err
			}
		}
	}
}

func openBytes(t testing.TB, name string, data []byte, opt Options) (*File, error) {
	t.Helper()
	f, err := Open(context.Background(), name, bytes.NewReader(data), int64(len(data)), opt)
	if err == nil {
		t.Cleanup(func() { f.Close() })
	}
	return f, err
}

func TestODSCells(t *testing.T) {
	cell := func(attrs, body string) string {
		return `<table:table-cell ` + attrs + `>` + body + `</table:table-cell>`
	}
	tests := []struct {
		name  string
		xml   string
		want  map[int][]string
		spans []cellRange
	}{
		{"value types", `<table:table table:name="S"><table:table-row>` +
			cell(`office:value-type="float" office:value="12.5"`, `<text:p>12,5</text:p>`) +
			cell(`office:value-type="percentage" office:value="0.75"`, `<text:p>75%</text:p>`) +
			cell(`office:value-type="currency" office:currency="EUR" office:value="30"`, `<text:p>30 €</text:p>`) +
			cell(`office:value-type="date" office:date-value="1975-04-03"`, `<text:p>03/04/1975</text:p>`) +
			cell(`office:value-type="date" office:date-value="1975-04-03T18:00:00"`, `<text:p>x</text:p>`) +
			cell(`office:value-type="time" office:time-value="PT10H30M00S"`, `<text:p>10:30</text:p>`) +
			cell(`office:value-type="boolean" office:boolean-value="true"`, `<text:p>VERO</text:p>`) +
			cell(`office:value-type="boolean" office:boolean-value="false"`, `<text:p>FALSO</text:p>`) +
			cell(`office:value-type="string" office:string-value="dal valore"`, `<text:p>dal testo</text:p>`) +
			cell(`office:value-type="float" office:value="0" calcext:value-type="error"`, `<text:p>#DIV/0!</text:p>`) +
			cell(`office:value-type="date" office:date-value="1899-05-01"`, `<text:p>01/05/1899</text:p>`) +
			cell(`office:value-type="date" office:date-value="non una data"`, `<text:p>ieri</text:p>`) +
			`</table:table-row></table:table>`,
			map[int][]string{1: {"12.5", "0.75", "30", "27487", "27487.75", "0.4375", "1", "0", "dal valore", "#DIV/0!", "1899-05-01", "ieri"}}, nil},
		{"text", `<table:table table:name="S"><table:table-row>` +
			cell(``, `<text:p>Maria</text:p><text:p>Grazia</text:p>`) +
			cell(``, `<text:p>De<text:s/>Luca<text:s text:c="2"/>x</text:p>`) +
			cell(``, `<text:p><text:span text:style-name="T1">D'</text:span>ANGELO</text:p>`) +
			cell(``, `<text:p>a<text:tab/>b<text:line-break/>c</text:p>`) +
			cell(``, `<office:annotation><text:p>nota nascosta</text:p></office:annotation><text:p>visibile</text:p>`) +
			cell(``, `<text:p>  due   spazi
 a capo</text:p>`) +
			cell(``, `<draw:frame><draw:text-box><text:p>disegno</text:p></draw:text-box></draw:frame>`) +
			cell(``, `<text:p>link <text:a xlink:href="x" xmlns:xlink="http://www.w3.org/1999/xlink">qui</text:a></text:p>`) +
			`</table:table-row></table:table>`,
			map[int][]string{1: {"Maria\nGrazia", "De Luca  x", "D'ANGELO", "a\tb\nc", "visibile", " due spazi a capo", "", "link qui"}}, nil},
		{"repeats and gaps", `<table:table table:name="S">
			<table:table-column table:number-columns-repeated="16384"/>
			<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
			<table:table-row><table:table-cell table:number-columns-repeated="2"/>` + cell(`office:value-type="string" table:number-columns-repeated="3"`, `<text:p>x</text:p>`) +
			`<table:table-cell table:number-columns-repeated="16379"/></table:table-row>
			<table:table-row table:number-rows-repeated="2">` + cell(``, `<text:p>uguale</text:p>`) + `</table:table-row>
			<table:table-row table:number-rows-repeated="1048568"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
			<table:table-row><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
			</table:table>`,
			map[int][]string{3: {"", "", "x", "x", "x"}, 4: {"uguale"}, 5: {"uguale"}}, nil},
		{"spans and wrappers", `<table:table table:name="S"><table:table-header-rows><table:table-row>` +
			cell(`table:number-columns-spanned="3" office:value-type="string"`, `<text:p>Titolo</text:p>`) +
			`<table:covered-table-cell table:number-columns-repeated="2"/>` +
			cell(`table:number-rows-spanned="2"`, `<text:p>Esito</text:p>`) +
			`</table:table-row></table:table-header-rows><table:table-row-group><table:table-row>` +
			cell(``, `<text:p>Cognome</text:p>`) + `<table:covered-table-cell table:number-columns-repeated="2"/><table:covered-table-cell/>` +
			`</table:table-row></table:table-row-group></table:table>`,
			map[int][]string{1: {"Titolo", "", "", "Esito"}, 2: {"Cognome"}},
			[]cellRange{{c0: 0, c1: 2, r0: 1, r1: 1}, {c0: 3, c1: 3, r0: 1, r1: 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openBytes(t, "a.ods", odsZip(t, odsDoc(tc.xml), nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			sheets, err := dumpBook(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(sheets) != 1 || sheets[0].name != "S" {
				t.Fatalf("sheets %+v", sheets)
			}
			if !reflect.DeepEqual(sheets[0].rows, tc.want) {
				t.Errorf("rows\n got %#v\nwant %#v", sheets[0].rows, tc.want)
			}
			if !reflect.DeepEqual(sheets[0].merges, tc.spans) {
				t.Errorf("merges %+v, want %+v", sheets[0].merges, tc.spans)
			}
		})
	}
}

func TestODSSheets(t *testing.T) {
	row := func(v string) string {
		return `<table:table-row><table:table-cell office:value-type="string"><text:p>` + v + `</text:p></table:table-cell></table:table-row>`
	}
	doc := odsDoc(`<table:table table:name="Uno">` + row("a") + row("b") + `</table:table>` +
		`<table:table table:name="Due"><table:shapes><draw:frame/></table:shapes>` + row("c") + `</table:table>` +
		`<table:table>` + row("d") + `</table:table>`)
	f, err := openBytes(t, "a.ods", odsZip(t, doc, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The first sheet is left half read: the next one starts all the same.
	src, name, ok, err := f.nextSource(context.Background())
	if err != nil || !ok || name != "Uno" {
		t.Fatalf("first sheet %q %v %v", name, ok, err)
	}
	if n, cells, err := src.next(); n != 1 || !reflect.DeepEqual(cells, []string{"a"}) || err != nil {
		t.Fatalf("first row %d %q %v", n, cells, err)
	}
	rest, err := dumpBook(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []sheetDump{{name: "Due", rows: map[int][]string{1: {"c"}}}, {name: "Foglio3", rows: map[int][]string{1: {"d"}}}}
	if !reflect.DeepEqual(rest, want) {
		t.Errorf("sheets %+v, want %+v", rest, want)
	}
}

func TestODSRefused(t *testing.T) {
	deep := strings.Repeat("<text:span>", 300) + "x" + strings.Repeat("</text:span>", 300)
	bomb := `<table:table table:name="S"><table:table-row>` +
		`<table:table-cell><text:p>Cognome</text:p></table:table-cell><table:table-cell><text:p>Nome</text:p></table:table-cell>` +
		`<table:table-cell><text:p>Modulo</text:p></table:table-cell></table:table-row>` +
		`<table:table-row table:number-rows-repeated="1048575">` +
		`<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell>` +
		`</table:table-row></table:table>`
	tests := []struct {
		name string
		data []byte
		opt  Options
		want error
		text string
	}{
		{"encrypted", odsZip(t, "cifrato", map[string]string{"META-INF/manifest.xml": `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>`}),
			Options{}, ErrEncrypted, "protetto da password"},
		{"repeated bomb", odsZip(t, odsDoc(bomb), nil), Options{MaxUnzipBytes: 64 << 20}, ErrTooLarge, "repeated rows and cells"},
		{"beyond XFD", odsZip(t, odsDoc(`<table:table table:name="S"><table:table-row><table:table-cell table:number-columns-repeated="16384"/><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row></table:table>`), nil),
			Options{}, ErrTooLarge, "last column"},
		{"too deep", odsZip(t, odsDoc(`<table:table table:name="S"><table:table-row><table:table-cell><text:p>`+deep+`</text:p></table:table-cell></table:table-row></table:table>`), nil),
			Options{}, ErrCorrupt, "deeper"},
		{"cut short", odsZip(t, odsDoc(`<table:table table:name="S"><table:table-row>`)[:300], nil), Options{}, ErrCorrupt, "content.xml"},
		{"content over the limit", odsZip(t, odsDoc(strings.Repeat(" ", 5000)), nil), Options{MaxUnzipBytes: 4000}, ErrTooLarge, "content.xml"},
		{"no content", func() []byte {
			b := odsZip(t, odsDoc(""), nil)
			return bytes.Replace(b, []byte("content.xml"), []byte("contenuto.x"), -1)
		}(), Options{}, ErrCorrupt, "no content.xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openBytes(t, "a.ods", tc.data, tc.opt)
			if err == nil {
				err = readAllTables(f)
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v, want %v mentioning %q", err, tc.want, tc.text)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "a.ods" {
				t.Errorf("error %#v does not name the file", err)
			}
		})
	}
}

func TestODSDateSerial(t *testing.T) {
	starcalc := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in       string
		date1904 bool
		want     string
	}{
		{"1900-01-01", false, "1"}, {"1900-02-28", false, "59"}, {"1900-03-01", false, "61"}, {"1975-04-03", false, "27487"},
		{"1975-04-03T06:00:00", false, "27487.25"}, {"1975-04-03T06:00:00.5", false, "27487.25000578704"},
		{"1975-04-03T06:00:00Z", false, "27487.25"}, {"2199-12-31", false, "109574"}, {"1899-12-31", false, "1899-12-31"},
		// The 1904 system: serial 0 is 1904-01-01, 1462 days after the 1900 system's.
		{"1904-01-01", true, "0"}, {"1904-01-02T12:00:00", true, "1.5"}, {"1975-04-03", true, "26025"},
		{"2013-02-04", true, "39847"}, {"1903-12-31", true, "1903-12-31"}, {"1900-03-01", true, "1900-03-01"},
	}
	for _, tc := range tests {
		if got, ok := odsDateSerial(tc.in, tc.date1904, time.Time{}); !ok || got != tc.want {
			t.Errorf("odsDateSerial(%q, 1904 %v) = %q %v, want %q", tc.in, tc.date1904, got, ok, tc.want)
		}
	}
	// StarCalc's null date 1900-01-01: the days since it, no 29/02/1900.
	for in, want := range map[string]string{
		"1900-01-01": "0", "1900-03-01": "59", "2009-02-05T18:00:00": "39847.75", "1975-04-03": "27485", "1899-12-31": "1899-12-31",
	} {
		if got, ok := odsDateSerial(in, false, starcalc); !ok || got != want {
			t.Errorf("odsDateSerial(%q, null 1900-01-01) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "03/04/1975", "1975-13-01", "1975-04-03T25:00:00"} {
		if got, ok := odsDateSerial(bad, false, time.Time{}); ok {
			t.Errorf("odsDateSerial(%q) = %q, want not ok", bad, got)
		}
	}
	for _, tc := range []struct {
		in       string
		date1904 bool
		null     time.Time
	}{
		{"1904-01-01", true, time.Time{}}, {" 1904-01-01T00:00:00 ", true, time.Time{}}, {"1899-12-30", false, time.Time{}},
		{"", false, time.Time{}}, {"ieri", false, time.Time{}}, {"1900-01-01", false, starcalc}, {"1900-01-01T00:00:00", false, starcalc},
	} {
		if d, null := odsNullDate(tc.in); d != tc.date1904 || !null.Equal(tc.null) {
			t.Errorf("odsNullDate(%q) = %v, %v; want %v, %v", tc.in, d, null, tc.date1904, tc.null)
		}
	}
	times := []struct{ in, want string }{
		{"PT12H", "0.5"}, {"PT10H30M00S", "0.4375"}, {"P1DT6H", "1.25"}, {"-PT6H", "-0.25"}, {"PT0H0M1.5S", "0.00001736111111111111"},
	}
	for _, tc := range times {
		if got, ok := odsTimeSerial(tc.in); !ok || got != tc.want {
			t.Errorf("odsTimeSerial(%q) = %q %v, want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "10:30", "PT10X", "P1H", "PTH"} {
		if got, ok := odsTimeSerial(bad); ok {
			t.Errorf("odsTimeSerial(%q) = %q, want not ok", bad, got)
		}
	}
}

// FuzzODS feeds content.xml bodies (and whole files) to the reader: it
// must never panic, and stays within its budget.
func FuzzODS(f *testing.F) {
	for _, p := range []string{filepath.Join(samplesDir, "opendocument.ods"), "../testdata/layouts/libreoffice_title_merged.ods", "../testdata/layouts/nulldate_1900.ods"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			f.Fatal(err)
		}
		content, err := readSmallPart(zr, "content.xml", 1<<20)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(content)
	}
	f.Add([]byte(odsDoc(`<table:table table:name="S"><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-spanned="2" office:value-type="date" office:date-value="2024-01-02"><text:p>x<text:s text:c="3"/></text:p></table:table-cell></table:table-row></table:table>`)))
	f.Fuzz(func(t *testing.T, content []byte) {
		data := odsZip(t, string(content), nil)
		file, err := Open(context.Background(), "f.ods", bytes.NewReader(data), int64(len(data)), Options{MaxUnzipBytes: 4 << 20})
		if err != nil {
			return
		}
		defer file.Close()
		for {
			tab, err := file.NextTable(context.Background())
			if err != nil {
				return
			}
			for {
				if _, err := tab.Next(context.Background()); err != nil {
					break
				}
			}
		}
	})
}
