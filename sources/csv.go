package sources

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// csvSniffLines is how many lines the delimiter detection looks at.
const csvSniffLines = 30

// openCSV reads a text export into memory, decoded to UTF-8, and detects
// its delimiter.
func (f *File) openCSV(ctx context.Context, r io.ReaderAt, size int64) error {
	data, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fmt.Errorf("reading file: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	text, err := decodeText(data)
	if err != nil {
		return err
	}
	f.csvText = text
	f.csvDelim = detectDelimiter(text)
	return nil
}

// decodeText returns a text file's content as UTF-8: UTF-8 with or without
// a byte-order mark, UTF-16 with a mark ("Unicode text" from Excel), else
// Windows-1252. Binary content is refused.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%w: undecodable UTF-16 text: %w", ErrUnsupportedFormat, err)
		}
		data = out
	case bytes.IndexByte(data, 0) >= 0:
		return "", fmt.Errorf("%w: neither a workbook nor a CSV text file; save the spreadsheet as .xlsx (Excel workbook)", ErrUnsupportedFormat)
	}
	if !utf8.Valid(data) {
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%w: undecodable text: %w", ErrUnsupportedFormat, err)
		}
		data = out
	}
	s := string(data)
	if !strings.Contains(s, "\n") && strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r", "\n") // classic Mac line ends
	}
	return s, nil
}

// detectDelimiter picks ',', ';' or tab: the one that occurs, outside
// quotes, the same number of times on the most of the first lines (ties:
// the larger count, then that order). Default ','.
func detectDelimiter(text string) rune {
	cands := []rune{',', ';', '\t'}
	counts := make([][]int, len(cands)) // per candidate, count per line
	cur := make([]int, len(cands))
	inQuote := false
	lines := 0
	endLine := func() {
		for i := range cands {
			counts[i] = append(counts[i], cur[i])
			cur[i] = 0
		}
		lines++
	}
	for _, r := range text {
		if lines >= csvSniffLines {
			break
		}
		switch {
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '\n':
			endLine()
		default:
			for i, c := range cands {
				if r == c {
					cur[i]++
				}
			}
		}
	}
	if lines < csvSniffLines {
		endLine()
	}
	best, bestLines, bestCount := ',', 0, 0
	for i, c := range cands {
		freq := map[int]int{}
		for _, n := range counts[i] {
			if n > 0 {
				freq[n]++
			}
		}
		for n, k := range freq {
			if k > bestLines || (k == bestLines && n > bestCount) {
				best, bestLines, bestCount = c, k, n
			}
		}
	}
	return best
}

// csvRows yields a CSV file's records numbered as a spreadsheet program
// shows them: each record one row, an empty line an empty row.
type csvRows struct {
	r        *csv.Reader
	row      int // row number of the last record returned
	endLine  int // file line on which the last record ended
	blanks   int // empty rows still to return before held
	held     []string
	heldLine int
}

func newCSVRows(text string, delim rune) *csvRows {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	return &csvRows{r: r}
}

func (c *csvRows) next() (int, []string, error) {
	if c.blanks > 0 {
		c.blanks--
		c.row++
		return c.row, nil, nil
	}
	if c.held != nil {
		rec := c.held
		c.held = nil
		c.row++
		c.endLine = c.heldLine
		return c.row, rec, nil
	}
	rec, err := c.r.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		return c.row + 1, nil, fmt.Errorf("parsing CSV: %w", err)
	}
	start, _ := c.r.FieldPos(0)
	last, _ := c.r.FieldPos(len(rec) - 1)
	end := last + strings.Count(rec[len(rec)-1], "\n")
	if gap := start - c.endLine - 1; gap > 0 {
		c.blanks = gap - 1
		c.held, c.heldLine = rec, end
		c.row++
		return c.row, nil, nil
	}
	c.row++
	c.endLine = end
	return c.row, rec, nil
}

func (c *csvRows) close() error { return nil }
