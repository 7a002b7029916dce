package sources

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
)

// BIFF8 record builders.
func u16(v int) []byte     { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v uint32) []byte  { return binary.LittleEndian.AppendUint32(nil, v) }
func f64(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }

func rec(typ int, parts ...[]byte) []byte {
	data := bytes.Join(parts, nil)
	return append(append(u16(typ), u16(len(data))...), data...)
}

func bof(dt int) []byte { return rec(biffBOF, u16(biff8Version), u16(dt), make([]byte, 12)) }

func cellHdr(row, col int) []byte { return append(append(u16(row), u16(col)...), u16(15)...) }

// xlString8 is a compressed XLUnicodeString.
func xlString8(s string) []byte { return append(append(u16(len(s)), 0), s...) }

// biffBook assembles a workbook stream: globals (with one BOUNDSHEET per
// sheet name, all pointing at the sheets in order) and the sheets.
func biffBook(globals [][]byte, names []string, sheets [][][]byte) []byte {
	bound := func(pos int, name string) []byte {
		return rec(biffBoundSheet, u32(uint32(pos)), []byte{0, 0, byte(len(name)), 0}, []byte(name))
	}
	size := len(bof(5)) + len(rec(biffEOF))
	for _, g := range globals {
		size += len(g)
	}
	for _, n := range names {
		size += len(bound(0, n))
	}
	var out []byte
	out = append(out, bof(5)...)
	pos := size
	var bodies []byte
	for i, n := range names {
		out = append(out, bound(pos, n)...)
		body := bof(biffWorksheet)
		if i < len(sheets) {
			for _, r := range sheets[i] {
				body = append(body, r...)
			}
		}
		body = append(body, rec(biffEOF)...)
		bodies = append(bodies, body...)
		pos += len(body)
	}
	for _, g := range globals {
		out = append(out, g...)
	}
	out = append(out, rec(biffEOF)...)
	return append(out, bodies...)
}

// readBIFF reads every sheet of a workbook stream.
func readBIFF(stream []byte, limit int64) (*xlsBook, []sheetDump, error) {
	b := &xlsBook{stream: stream, budget: &workBudget{left: limit, limit: limit}}
	if err := b.readGlobals(); err != nil {
		return b, nil, err
	}
	var out []sheetDump
	for {
		src, name, ok, err := b.nextSheet(context.Background())
		if err != nil || !ok {
			return b, out, err
		}
		d := sheetDump{name: name, rows: map[int][]string{}}
		for {
			n, cells, err := src.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return b, out, err
			}
			if cells = trimRow(cells); cells != nil {
				d.rows[n] = cells
			}
		}
		d.merges, _ = src.(mergeSource).merges()
		out = append(out, d)
	}
}

func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

func TestBIFFCells(t *testing.T) {
	// Shared strings over an SST and two CONTINUE records: "Nicolò" breaks
	// after "Nic" and goes on in UTF-16; a rich string's formatting runs
	// cross into the second CONTINUE.
	sst := rec(biffSST, u32(5), u32(4),
		xlString8("Rossi"),
		u16(6), []byte{0}, []byte("Nic"))
	cont1 := rec(biffContinue, []byte{1}, utf16le("olò"),
		u16(2), []byte{0x08}, u16(1), []byte("ab"), []byte{0, 0})
	cont2 := rec(biffContinue, []byte{0, 0}, xlString8("z"))
	rk := func(v uint32) []byte { return u32(v) }
	sheet := [][]byte{
		rec(biffLabelSST, cellHdr(0, 0), u32(0)),
		rec(biffLabelSST, cellHdr(0, 1), u32(1)),
		rec(biffLabelSST, cellHdr(0, 2), u32(2)),
		rec(biffLabelSST, cellHdr(0, 3), u32(3)),
		rec(biffLabelSST, cellHdr(0, 4), u32(99)), // no such string
		rec(biffNumber, cellHdr(1, 0), f64(12.5)),
		rec(biffRK, cellHdr(1, 1), rk(27487<<2|2)),
		rec(biffRK, cellHdr(1, 2), rk(1250<<2|3)),
		rec(biffRK, cellHdr(1, 3), rk(0x3FE00000)),
		rec(biffNumber, cellHdr(1, 4), f64(3331234567)),
		rec(biffMulRK, u16(2), u16(1), u16(15), rk(7<<2|3), u16(15), rk(negRK(-3)), u16(2)),
		rec(biffBoolErr, cellHdr(3, 0), []byte{1, 0}),
		rec(biffBoolErr, cellHdr(3, 1), []byte{0x07, 1}),
		rec(biffFormula, cellHdr(4, 0), f64(42), make([]byte, 6)),
		rec(biffFormula, cellHdr(4, 1), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		rec(biffShrFmla, make([]byte, 8)),
		rec(biffString, u16(5), []byte{0}, []byte("tes")), rec(biffContinue, []byte{0}, []byte("to")),
		rec(biffFormula, cellHdr(4, 2), []byte{1, 0, 1, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		rec(biffFormula, cellHdr(4, 3), []byte{2, 0, 0x2A, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		rec(biffFormula, cellHdr(4, 4), []byte{3, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		rec(biffLabel, cellHdr(6, 0), xlString8("etichetta")),
		rec(biffRString, cellHdr(6, 1), append(u16(3), append([]byte{1}, utf16le("àèì")...)...), u16(0)),
		rec(biffLabelSST, cellHdr(8, 1), u32(0)), // out of order
		rec(biffNumber, cellHdr(7, 0), f64(1e-12)),
		rec(biffBOF, u16(biff8Version), u16(0x20), make([]byte, 12)), // a chart inside the sheet
		rec(biffNumber, cellHdr(9, 0), f64(999)),
		rec(biffEOF),
		rec(biffMergedCells, u16(1), u16(0), u16(1), u16(0), u16(2)),
		rec(biffString, xlString8("orfana")), // a STRING with no formula before it
	}
	stream := biffBook([][]byte{rec(biffDateMode, u16(1)), sst, cont1, cont2}, []string{"Iscritti"}, [][][]byte{sheet})
	b, sheets, err := readBIFF(stream, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !b.date1904 || !reflect.DeepEqual(b.sst, []string{"Rossi", "Nicolò", "ab", "z"}) {
		t.Errorf("date1904 %v, sst %q", b.date1904, b.sst)
	}
	want := map[int][]string{
		1: {"Rossi", "Nicolò", "ab", "z"},
		2: {"12.5", "27487", "12.5", "0.5", "3331234567"},
		3: {"", "0.07", "-3"},
		4: {"1", "#DIV/0!"},
		5: {"42", "testo", "1", "#N/A"},
		7: {"etichetta", "àèì"},
		8: {"1E-12"},
		9: {"", "Rossi"},
	}
	if len(sheets) != 1 || sheets[0].name != "Iscritti" || !reflect.DeepEqual(sheets[0].rows, want) {
		t.Errorf("sheets %+v\nwant rows %+v", sheets, want)
	}
	if len(sheets) == 1 && !reflect.DeepEqual(sheets[0].merges, []cellRange{{c0: 0, c1: 2, r0: 1, r1: 2}}) {
		t.Errorf("merges %+v", sheets[0].merges)
	}
}

func TestBIFFRefused(t *testing.T) {
	many := make([]string, maxSheets+1)
	for i := range many {
		many[i] = "S"
	}
	big := make([][]byte, 2000)
	for i := range big {
		big[i] = rec(biffNumber, cellHdr(i, 0), f64(float64(i)))
	}
	same := make([]string, 50)
	for i := range same {
		same[i] = "S"
	}
	sameBook := biffBook(nil, same, [][][]byte{big})
	// Every BOUNDSHEET points at the first sheet: read 50 times over.
	first := binary.LittleEndian.Uint32(sameBook[len(bof(5))+4:])
	for i := range same {
		binary.LittleEndian.PutUint32(sameBook[len(bof(5))+i*len(rec(biffBoundSheet, make([]byte, 9)))+4:], first)
	}
	tests := []struct {
		name   string
		stream []byte
		want   error
		text   string
	}{
		{"password", biffBook([][]byte{rec(biffFilePass, u16(1), make([]byte, 52))}, []string{"S"}, nil), ErrEncrypted, "protetto da password"},
		{"BIFF5", append(rec(biffBOF, u16(0x0500), u16(5), make([]byte, 4)), rec(biffEOF)...), ErrUnsupportedFormat, "older than Excel 97"},
		{"no BOF", rec(biffEOF), ErrCorrupt, "BOF"},
		{"cut short", biffBook(nil, []string{"S"}, nil)[:30], ErrCorrupt, "record"},
		{"column beyond IV", biffBook(nil, []string{"S"}, [][][]byte{{rec(biffNumber, cellHdr(0, 256), f64(1))}}), ErrCorrupt, "column"},
		{"sheet outside the stream", func() []byte {
			s := biffBook(nil, []string{"S"}, nil)
			binary.LittleEndian.PutUint32(s[len(bof(5))+4:], 1<<30)
			return s
		}(), ErrCorrupt, "outside"},
		{"too many sheets", biffBook(nil, many, nil), ErrTooLarge, "sheets"},
		{"a sheet read over and over", sameBook, ErrTooLarge, "expand"},
		{"SST cut short", biffBook([][]byte{rec(biffSST, u32(2), u32(2), xlString8("uno"), u16(40), []byte{0}, []byte("du"))}, nil, nil), ErrCorrupt, "shorter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readBIFF(tc.stream, 1<<20)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v, want %v mentioning %q", err, tc.want, tc.text)
			}
		})
	}
}

// xlsStreams returns the workbook streams of the committed .xls files.
func xlsStreams(t testing.TB) [][]byte {
	var out [][]byte
	for _, p := range []string{filepath.Join(samplesDir, "legacy_format.xls"), filepath.Join(layoutsDir, "libreoffice_title_merged.xls"), filepath.Join(layoutsDir, "protetto.xls")} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := mscfb.New(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for e, err := doc.Next(); err == nil; e, err = doc.Next() {
			if e.Name == "Workbook" {
				b, err := io.ReadAll(e)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, b)
			}
		}
	}
	return out
}

// FuzzXLS feeds workbook streams to the BIFF8 reader: no panic, bounded
// work, whatever the records say.
func FuzzXLS(f *testing.F) {
	for _, s := range xlsStreams(f) {
		f.Add(s)
	}
	f.Add(biffBook([][]byte{rec(biffSST, u32(1), u32(1), u16(4), []byte{0}, []byte("ab")), rec(biffContinue, []byte{1}, utf16le("cd"))},
		[]string{"S"}, [][][]byte{{rec(biffLabelSST, cellHdr(0, 0), u32(0)), rec(biffMulRK, u16(0), u16(1), u16(0), u32(2), u16(1))}}))
	f.Fuzz(func(t *testing.T, stream []byte) {
		_, _, _ = readBIFF(stream, 4<<20)
	})
}

// FuzzXLSFile feeds whole files (container included) through Open.
func FuzzXLSFile(f *testing.F) {
	for _, p := range []string{filepath.Join(samplesDir, "legacy_format.xls"), filepath.Join(layoutsDir, "libreoffice_title_merged.xls"), filepath.Join(layoutsDir, "protetto.xlsx")} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Open(context.Background(), "f.xls", bytes.NewReader(data), int64(len(data)), Options{MaxUnzipBytes: 4 << 20})
		if err != nil {
			return
		}
		defer file.Close()
		_ = readAllTables(file)
	})
}

// negRK is the RK form of a negative integer.
func negRK(v int32) uint32 { return uint32(v<<2) | 2 }
