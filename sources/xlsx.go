package sources

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxXMLInMemory is, when excelize opens a workbook (a sheet left to it),
// the largest worksheet it keeps in memory once unzipped; larger ones go to
// a temporary file.
const xlsxXMLInMemory = 16 << 20

// openWorkbook checks a zip container and opens it as an .xlsx/.xlsm
// workbook or an OpenDocument spreadsheet (ods.go), refusing other
// OpenDocument files and binary workbooks.
func (f *File) openWorkbook(ctx context.Context, r io.ReaderAt, size int64) (err error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("%w: the workbook cannot be unzipped (%w); it was probably cut short while copying or "+
			"sending, ask the province to send it again", ErrCorrupt, err)
	}
	if isODS(zr) {
		return f.openODS(ctx, zr)
	}
	var (
		isWorkbook, isBinary bool
		total                uint64
	)
	for _, zf := range zr.File {
		part := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		switch part {
		case "mimetype":
			if isODF(zf) {
				return fmt.Errorf("%w: this is an OpenDocument file but not a spreadsheet; send the spreadsheet itself, "+
					"saved as .xlsx (Excel workbook) or .ods", ErrUnsupportedFormat)
			}
		case "xl/workbook.xml":
			isWorkbook = true
		case "xl/workbook.bin":
			isBinary = true
		}
		if zf.UncompressedSize64 > uint64(f.opt.MaxUnzipBytes) {
			return fmt.Errorf("%w: part %s unzips to %d bytes, the limit is %d", ErrTooLarge, zf.Name, zf.UncompressedSize64, f.opt.MaxUnzipBytes)
		}
		total += zf.UncompressedSize64
	}
	switch {
	case isBinary && !isWorkbook:
		return fmt.Errorf("%w: this is an Excel binary workbook (.xlsb); open it in Excel and save it as .xlsx (Excel workbook)", ErrUnsupportedFormat)
	case !isWorkbook:
		return fmt.Errorf("%w: a zip archive that is not an Excel workbook; send the spreadsheet itself, saved as .xlsx (Excel workbook)", ErrUnsupportedFormat)
	case total > uint64(f.opt.MaxUnzipBytes):
		return fmt.Errorf("%w: the workbook unzips to %d bytes, the limit is %d", ErrTooLarge, total, f.opt.MaxUnzipBytes)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := openXLSXBook(r, size, zr, f.opt)
	if err != nil {
		return err
	}
	f.xb = b
	f.date1904 = b.date1904
	f.sheets = b.sheetNames()
	return nil
}

// isODF reports whether an OpenDocument "mimetype" part names a document.
func isODF(zf *zip.File) bool {
	rc, err := zf.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	buf := make([]byte, 64)
	n, _ := io.ReadFull(rc, buf)
	return strings.HasPrefix(string(buf[:n]), "application/vnd.oasis.opendocument")
}

// recoverCorrupt turns a panic inside excelize on a malformed part into
// ErrCorrupt: the files come from outside and must not stop the batch.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: malformed workbook (%v)", ErrCorrupt, r)
	}
}

// sheetRows starts streaming one worksheet: with the fast reader
// (sheetxml.go) when it can read the sheet, otherwise with excelize.
func (f *File) sheetRows(sheet string) (src rowSource, err error) {
	x := &xlsxRows{b: f.xb, sheet: sheet, raw: excelize.Options{RawCellValue: true}}
	if fast, err := openSheetXML(f.xb, sheet); err == nil {
		x.fast = fast
		return x, nil
	}
	if err := x.openExcelize(); err != nil {
		return nil, err
	}
	return x, nil
}

// xlsxRows streams a worksheet's rows; every row number comes out, gaps
// in the XML as empty rows. It reads with the fast reader while it can and
// hands over to excelize's Rows, at the same row, when the fast reader meets
// a construct it leaves to excelize.
type xlsxRows struct {
	b     *xlsxBook
	sheet string
	fast  *sheetXML
	rows  *excelize.Rows
	raw   excelize.Options
	n     int
}

func (x *xlsxRows) openExcelize() (err error) {
	xf, err := x.b.excelize()
	if err != nil {
		return err
	}
	defer recoverCorrupt(&err)
	rows, err := xf.Rows(x.sheet)
	if err != nil {
		return fmt.Errorf("%w: opening sheet: %w", ErrCorrupt, err)
	}
	x.rows = rows
	return nil
}

// merges returns the sheet's merged ranges (mergeSource). It reads the
// whole sheet, so it is called only when a header needs it.
func (x *xlsxRows) merges() ([]cellRange, error) { return x.b.merges(x.sheet) }

func (x *xlsxRows) next() (n int, cells []string, err error) {
	if x.fast != nil {
		cells, err := x.fast.next()
		switch {
		case err == nil:
			x.n++
			return x.n, cells, nil
		case err == io.EOF:
			return 0, nil, io.EOF
		case !errors.Is(err, errUnsupported):
			return x.n + 1, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if err := x.fallBack(); err != nil {
			return x.n + 1, nil, err
		}
	}
	return x.nextExcelize()
}

// fallBack closes the fast reader and opens excelize's Rows on the same
// sheet, reading past the rows already returned.
func (x *xlsxRows) fallBack() (err error) {
	_ = x.fast.close()
	x.fast = nil
	if err := x.openExcelize(); err != nil {
		return err
	}
	defer recoverCorrupt(&err)
	for i := 0; i < x.n; i++ {
		if !x.rows.Next() {
			return fmt.Errorf("%w: worksheet ended early on a second reading", ErrCorrupt)
		}
		if _, err := x.rows.Columns(x.raw); err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	return nil
}

func (x *xlsxRows) nextExcelize() (n int, cells []string, err error) {
	defer recoverCorrupt(&err)
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return x.n + 1, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return 0, nil, io.EOF
	}
	x.n++
	cells, err = x.rows.Columns(x.raw)
	if err != nil {
		return x.n, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return x.n, cells, nil
}

func (x *xlsxRows) close() error {
	if x.fast != nil {
		return x.fast.close()
	}
	if x.rows == nil {
		return nil
	}
	if err := x.rows.Close(); err != nil && err != x.rows.Error() {
		return err
	}
	return nil
}

// cellRange is a merged range: columns 0-based, rows 1-based, inclusive.
type cellRange struct{ c0, r0, c1, r1 int }

func (c cellRange) contains(row, col int) bool {
	return row >= c.r0 && row <= c.r1 && col >= c.c0 && col <= c.c1
}

// columnLetters returns the spreadsheet letters of a 0-based column index.
func columnLetters(i int) string {
	s, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return ""
	}
	return s
}
