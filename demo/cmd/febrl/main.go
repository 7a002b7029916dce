// Command febrl converts the FEBRL4 linkage data set (two CSV files of 5,000
// records, rec-N-org in the first and rec-N-dup-0 in the second being the
// same person) into two provinces' enrolment workbooks, typed as an OPI
// would (Italian headers, one module and status per row), and writes the
// ground truth as source_file,sheet,source_row,person.
//
//	go run ./demo/cmd/febrl -in ../shared/linkage -out testdata/febrl4
//
// FEBRL4 comes from FEBRL (Christen et al., ANU) as redistributed by the
// Splink project under the MIT licence; the licence is copied beside the
// output. The values are written as they are (Australian names and
// addresses, typos included): the file's postcode, state and social
// security number land in columns correlare does not know, kept as extras.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// docTime fixes the workbooks' creation time, so that the bytes do not depend
// on the clock.
const docTime = "2013-07-01T09:00:00Z"

// header is the workbook's header row, in the order of the columns written.
var header = []string{"Cognome", "Nome", "Data di nascita", "Via", "N. civico", "Località",
	"Comune di residenza", "CAP", "Regione", "Matricola", "Modulo", "Esito"}

// part is one of the two FEBRL4 files and the province that typed it.
type part struct {
	in, out, module string
}

var parts = []part{
	{"febrl4a.csv", "MB_Iscrizioni_FEBRL4.xlsx", "Salute e immigrazione"},
	{"febrl4b.csv", "VA_Iscrizioni_FEBRL4.xlsx", "Immigrazione formato famiglia"},
}

func main() {
	in := flag.String("in", "../shared/linkage", "directory holding febrl4a.csv, febrl4b.csv and LICENSE")
	out := flag.String("out", "testdata/febrl4", "output directory")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "febrl:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	truth := [][]string{{"source_file", "sheet", "source_row", "person"}}
	for _, p := range parts {
		recs, err := readFEBRL(filepath.Join(in, p.in))
		if err != nil {
			return err
		}
		for i, r := range recs {
			truth = append(truth, []string{p.out, "Iscrizioni", fmt.Sprint(i + 2), person(r[0])})
		}
		if err := writeBook(filepath.Join(out, p.out), recs, p.module); err != nil {
			return fmt.Errorf("writing %s: %w", p.out, err)
		}
	}
	f, err := os.Create(filepath.Join(out, "truth.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(truth); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	lic, err := os.ReadFile(filepath.Join(in, "LICENSE"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "LICENSE"), lic, 0o644)
}

// person is the true person of a record id: rec-N-org and rec-N-dup-0 are rec-N.
func person(id string) string {
	parts := strings.SplitN(id, "-", 3)
	if len(parts) < 2 {
		return id
	}
	return parts[0] + "-" + parts[1]
}

// readFEBRL reads one FEBRL4 file (header, then rec_id, given_name, surname,
// street_number, address_1, address_2, suburb, postcode, state,
// date_of_birth, soc_sec_id; a space after each comma).
func readFEBRL(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.TrimLeadingSpace = true
	var out [][]string
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if len(rec) != 11 {
			return nil, fmt.Errorf("reading %s:%d: %d fields, want 11", path, line, len(rec))
		}
		if line > 1 {
			out = append(out, rec)
		}
	}
}

// italianDate writes YYYYMMDD as DD/MM/YYYY, as typed; anything else as it is.
func italianDate(s string) string {
	if len(s) != 8 {
		return s
	}
	return s[6:8] + "/" + s[4:6] + "/" + s[0:4]
}

func writeBook(path string, recs [][]string, module string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{Created: docTime, Modified: docTime,
		Creator: "OPI", LastModifiedBy: "OPI", Title: "Progetto CORRELARE - iscrizioni"}); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "Iscrizioni"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Iscrizioni")
	if err != nil {
		return err
	}
	row := func(n int, vals []string) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			if v != "" {
				cells[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, cells)
	}
	if err := row(1, header); err != nil {
		return err
	}
	for i, r := range recs {
		// rec_id, given_name, surname, street_number, address_1, address_2,
		// suburb, postcode, state, date_of_birth, soc_sec_id
		vals := []string{strings.ToUpper(r[2]), strings.ToUpper(r[1]), italianDate(r[9]), r[4], r[3], r[5],
			strings.ToUpper(r[6]), r[7], strings.ToUpper(r[8]), r[10], module, "Ammessa"}
		if err := row(i+2, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
