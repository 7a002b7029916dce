package sources

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors of the spreadsheet readers, returned wrapped in an [*Error]
// that says where. Match them with errors.Is.
var (
	// ErrUnsupportedFormat: not a workbook we read (.xlsb, an Excel 5.0/95
	// workbook, a zip or an Office file of something else, a binary file).
	// The message tells the province to save the file as .xlsx.
	ErrUnsupportedFormat = errors.New("unsupported file format")
	// ErrEncrypted: a password-protected workbook (.xlsx, .xls or .ods).
	// The message, in Italian and English, asks for the file without a
	// password.
	ErrEncrypted = errors.New("password-protected file")
	// ErrCorrupt: a damaged or truncated workbook (broken zip, unreadable
	// parts).
	ErrCorrupt = errors.New("damaged or incomplete file")
	// ErrEmptySheet: a sheet (or CSV file) with no values at all.
	ErrEmptySheet = errors.New("empty sheet")
	// ErrNoHeader: a sheet with values but no row that looks like an
	// enrolment or modules header in the rows scanned.
	ErrNoHeader = errors.New("no recognisable header row")
	// ErrNoTable: a workbook none of whose sheets holds a table.
	ErrNoTable = errors.New("no enrolment table in any sheet")
	// ErrTooLarge: the file, or a part of the workbook once unzipped, is over
	// the configured limit.
	ErrTooLarge = errors.New("file too large")
)

// Error is the one error type of the readers: a cause with the position it
// concerns. Unknown parts are left zero and omitted from the message, which
// never quotes cell values (they may be personal data).
type Error struct {
	File  string // file name as received
	Sheet string // worksheet name; "" for CSV or for the whole file
	Row   int    // 1-based row (CSV: record line); 0 when unknown
	Col   string // column letters; "" when unknown
	Err   error  // the cause; often wraps one of the Err* sentinels
}

// Error formats the error as "file:sheet!B7: cause", "file:sheet: cause",
// "file: cause" or, for CSV, "file:7: cause".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	switch {
	case e.Sheet != "":
		b.WriteString(":")
		b.WriteString(e.Sheet)
		if e.Row > 0 || e.Col != "" {
			b.WriteString("!")
			b.WriteString(e.Col)
			if e.Row > 0 {
				b.WriteString(strconv.Itoa(e.Row))
			}
		}
	case e.Row > 0:
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Row))
		if e.Col != "" {
			b.WriteString(":")
			b.WriteString(e.Col)
		}
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
