package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lombardia-orim/correlare/canon"
)

// Default limits and scan depth, used where Options leaves a field zero.
const (
	DefaultHeaderScanRows       = 30
	DefaultMaxFileBytes   int64 = 100 << 20 // 100 MiB
	DefaultMaxUnzipBytes  int64 = 1 << 30   // 1 GiB
)

// Options tune reading. The zero value gives the defaults.
type Options struct {
	// Headers are this province's own header wordings: header text
	// (compared folded, like the built-in synonyms) → field. They win over
	// the synonyms; canon.FieldNone keeps a column as an extra. Open rejects
	// a field that is not in canon.Fields.
	Headers map[string]canon.Field
	// HeaderScanRows is how many rows at the top of each sheet are searched
	// for the header row. Default DefaultHeaderScanRows (30).
	HeaderScanRows int
	// MaxFileBytes refuses larger files with ErrTooLarge. Default
	// DefaultMaxFileBytes (100 MiB).
	MaxFileBytes int64
	// MaxUnzipBytes is the zip-bomb guard: the largest size any part of a
	// workbook, and all parts together, may have once unzipped. Default
	// DefaultMaxUnzipBytes (1 GiB).
	MaxUnzipBytes int64
}

func (o Options) withDefaults() Options {
	if o.HeaderScanRows <= 0 {
		o.HeaderScanRows = DefaultHeaderScanRows
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxUnzipBytes <= 0 {
		o.MaxUnzipBytes = DefaultMaxUnzipBytes
	}
	return o
}

func (o Options) validate() error {
	var bad []string
	for h, f := range o.Headers {
		if f == canon.FieldNone {
			continue
		}
		if _, ok := canon.ParseField(string(f)); !ok {
			bad = append(bad, fmt.Sprintf("%q → %q", h, f))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("header overrides name unknown fields: %s", strings.Join(bad, ", "))
	}
	return nil
}

// File is an opened workbook or CSV file. Its tables are read one at a time
// with NextTable; a File is not safe for concurrent use.
type File struct {
	name string
	opt  Options
	m    matcher

	// .xlsx workbook (xb != nil), .ods or .xls (book != nil) or CSV (csvText).
	xb        *xlsxBook
	book      book
	sheets    []string
	nextSheet int
	date1904  bool
	nullDate  time.Time // an .ods's null date outside Excel's systems
	csvText   string
	csvDelim  rune
	csvDone   bool

	cur     *Table
	tables  int
	skipped []SheetNote
	done    bool
}

// SheetNote says why a sheet yielded no table: Err wraps ErrEmptySheet or
// ErrNoHeader (an instructions sheet, a lookup list, an empty sheet).
type SheetNote struct {
	Sheet string
	Err   error
}

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipMagic = [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06")}
)

// Open recognises a file by its content (not its extension) and prepares it
// for reading: an .xlsx/.xlsm workbook, an OpenDocument spreadsheet (.ods),
// an Excel 97-2003 workbook (.xls) or a CSV/text export. name is used in
// error messages only. .xlsb and Excel 5.0/95 files are refused with
// ErrUnsupportedFormat, a password-protected workbook with ErrEncrypted, a
// damaged one with ErrCorrupt, a file over the limits with ErrTooLarge;
// every error is an *Error naming the file.
func Open(ctx context.Context, name string, r io.ReaderAt, size int64, opt Options) (*File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	if err := opt.validate(); err != nil {
		return nil, &Error{File: name, Err: err}
	}
	if size < 0 {
		return nil, &Error{File: name, Err: fmt.Errorf("negative file size %d", size)}
	}
	if size > opt.MaxFileBytes {
		return nil, &Error{File: name, Err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, size, opt.MaxFileBytes)}
	}
	head := make([]byte, min(size, 8))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return nil, &Error{File: name, Err: fmt.Errorf("reading file: %w", err)}
	}
	f := &File{name: name, opt: opt, m: newMatcher(opt.Headers)}
	var err error
	switch {
	case bytes.HasPrefix(head, oleMagic):
		err = f.openCFB(ctx, r, size)
	case bytes.HasPrefix(head, zipMagic[0]) || bytes.HasPrefix(head, zipMagic[1]):
		err = f.openWorkbook(ctx, r, size)
	default:
		err = f.openCSV(ctx, r, size)
	}
	if err != nil {
		if f.xb != nil {
			_ = f.xb.close()
		}
		if f.book != nil {
			_ = f.book.close()
		}
		var e *Error
		if errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, &Error{File: name, Err: err}
	}
	return f, nil
}

// NextTable finds the next table: for a workbook, the next sheet (in
// workbook order) whose header row is found; for CSV, the file itself. It
// closes the previous table. Sheets without a table are listed by
// SkippedSheets. When the file yields no table at all, NextTable returns an
// *Error: for a single sheet (or CSV) wrapping ErrEmptySheet or ErrNoHeader,
// otherwise wrapping ErrNoTable; after that, and after the last table, it
// returns io.EOF.
func (f *File) NextTable(ctx context.Context) (*Table, error) {
	if f.cur != nil {
		if err := f.cur.close(); err != nil {
			return nil, err
		}
		f.cur = nil
	}
	for !f.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, sheet, ok, err := f.nextSource(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			f.done = true
			break
		}
		t, err := f.scan(ctx, src, sheet)
		if err != nil {
			if cerr := src.close(); cerr != nil && !errors.Is(cerr, io.EOF) {
				err = errors.Join(err, cerr)
			}
			if errors.Is(err, ErrEmptySheet) || errors.Is(err, ErrNoHeader) {
				f.skipped = append(f.skipped, SheetNote{Sheet: sheet, Err: err})
				continue
			}
			return nil, err
		}
		f.tables++
		f.cur = t
		return t, nil
	}
	if f.tables == 0 {
		f.tables = -1 // report once
		switch len(f.skipped) {
		case 0:
			return nil, &Error{File: f.name, Err: ErrNoTable}
		case 1:
			return nil, f.skipped[0].Err
		default:
			why := make([]string, len(f.skipped))
			for i, s := range f.skipped {
				why[i] = s.Sheet + ": " + sheetReason(s.Err)
			}
			return nil, &Error{File: f.name, Err: fmt.Errorf("%w (%s)", ErrNoTable, strings.Join(why, "; "))}
		}
	}
	return nil, io.EOF
}

func sheetReason(err error) string {
	switch {
	case errors.Is(err, ErrEmptySheet):
		return "empty"
	case errors.Is(err, ErrNoHeader):
		return "no header"
	default:
		return "unreadable"
	}
}

// nextSource returns the row source of the next sheet, or ok false when
// there is none left.
func (f *File) nextSource(ctx context.Context) (src rowSource, sheet string, ok bool, err error) {
	if f.book != nil {
		src, sheet, ok, err = f.book.nextSheet(ctx)
		if err != nil {
			return nil, sheet, false, &Error{File: f.name, Sheet: sheet, Err: err}
		}
		return src, sheet, ok, nil
	}
	if f.xb == nil {
		if f.csvDone {
			return nil, "", false, nil
		}
		f.csvDone = true
		return newCSVRows(f.csvText, f.csvDelim), "", true, nil
	}
	if f.nextSheet >= len(f.sheets) {
		return nil, "", false, nil
	}
	sheet = f.sheets[f.nextSheet]
	f.nextSheet++
	src, err = f.sheetRows(sheet)
	if err != nil {
		return nil, sheet, false, &Error{File: f.name, Sheet: sheet, Err: err}
	}
	return src, sheet, true, nil
}

// SkippedSheets lists the sheets (so far) that held no table, and why.
func (f *File) SkippedSheets() []SheetNote { return f.skipped }

// Close releases the file: the current table's stream and the workbook's
// temporary files.
func (f *File) Close() error {
	var errs []error
	if f.cur != nil {
		errs = append(errs, f.cur.close())
		f.cur = nil
	}
	if f.xb != nil {
		errs = append(errs, f.xb.close())
		f.xb = nil
	}
	if f.book != nil {
		errs = append(errs, f.book.close())
		f.book = nil
	}
	f.done = true
	if err := errors.Join(errs...); err != nil {
		return &Error{File: f.name, Err: fmt.Errorf("closing: %w", err)}
	}
	return nil
}
