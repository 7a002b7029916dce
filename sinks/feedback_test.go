package sinks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
)

func TestWriteFeedback(t *testing.T) {
	ctx := context.Background()
	db, _ := newFixture(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const (
		issue = `INSERT INTO issues VALUES ('r1', ?, ?, 'ab', ?, ?, ?, ?, ?, ?)`
		quar  = `INSERT INTO quarantine VALUES ('r1', ?, ?, 'ab', ?, ?, ?, ?, ?, ?, MAP {'Cognome': '', 'Nome': 'Ornella', 'Modulo': 'Salute e immigrazione'})`
		skip  = `INSERT INTO skipped_rows VALUES ('r1', ?, ?, 'ab', ?, ?, ?, MAP {'A': 'Totale', 'F': '437'})`
	)
	// Inserted out of order on purpose.
	exec(issue, "CR", "moduli_CR.xlsx", "Moduli", 3, "E3", "planned_hours", "sedici", canon.FlagNumberUnreadable)
	exec(skip, "CR", "iscrizioni_CR.xlsx", "Iscritti", 450, "totals")
	exec(issue, "CR", "iscrizioni_CR.xlsx", "Iscritti", 12, "F12", "tax_code", "ZZQ000K50A01X000W", canon.FlagTaxCodeBadCheck)
	exec(issue, "CR", "iscrizioni_CR.xlsx", "Iscritti", 12, "AB12", "satisfaction", "7", canon.FlagSatisfactionOutOfRange)
	exec(quar, "CR", "iscrizioni_CR.xlsx", "Iscritti", 9, "A9", "surname", canon.ReasonMissingIdentity, "no identity")
	exec(issue, "CR", "iscrizioni_CR.xlsx", "Iscritti", 5, "G5", "email", "mario.rossi@", canon.FlagEmailInvalid)
	exec(issue, "LO", "lodi.csv", "", 2, "C2", "status", "boh", canon.FlagStatusUnreadable)
	// A column-level problem on three rows of column C: one line.
	for _, r := range []int{7, 8, 10} {
		exec(issue, "CR", "iscrizioni_CR.xlsx", "Iscritti", r, fmt.Sprintf("C%d", r), "full_name", "ROSSI Maria", canon.FlagNameSplitGuessed)
	}
	exec(`INSERT INTO source_files VALUES ('CR', 'slot1', 'iscrizioni_CR.xlsx', 'ab', '/l/ab', 'r1', now(), 2),
		('CR', 'slot2', 'moduli_CR.xlsx', 'ab2', '/l/ab2', 'r1', now(), 2)`)
	exec(`INSERT INTO run_files (run_id, province_code, source, source_file, source_sha256, status, rows_read, rows_loaded, rows_quarantined, rows_skipped)
		VALUES ('r1', 'CR', 'g', 'iscrizioni_CR.xlsx', 'ab', 'loaded', 452, 440, 1, 11), ('r1', 'CR', 'g', 'moduli_CR.xlsx', 'ab2', 'loaded', 12, 12, 0, 0)`)

	dir := t.TempDir()
	outdated := filepath.Join(dir, "feedback_MI.xlsx")
	if err := os.WriteFile(outdated, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	paths, err := WriteFeedback(ctx, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "feedback_CR.xlsx"), filepath.Join(dir, "feedback_LO.xlsx")}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("paths %v, want %v", paths, want)
	}
	if _, err := os.Stat(outdated); !os.IsNotExist(err) {
		t.Errorf("outdated feedback_MI.xlsx kept: %v", err)
	}

	f, err := excelize.OpenFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(feedbackSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], FeedbackHeader) {
		t.Errorf("header %v", rows[0])
	}
	want := [][]string{
		{"iscrizioni_CR.xlsx", "Iscritti", "5", "G5", "", "mario.rossi@", canon.FlagTextIT[canon.FlagEmailInvalid]},
		{"iscrizioni_CR.xlsx", "Iscritti", "7–10", "C", "3", "", canon.FlagTextIT[canon.FlagNameSplitGuessed]},
		{"iscrizioni_CR.xlsx", "Iscritti", "9", "A9", "", "Cognome:  | Nome: Ornella | Modulo: Salute e immigrazione", canon.ReasonTextIT[canon.ReasonMissingIdentity]},
		{"iscrizioni_CR.xlsx", "Iscritti", "12", "F12", "", "ZZQ000K50A01X000W", canon.FlagTextIT[canon.FlagTaxCodeBadCheck]},
		{"iscrizioni_CR.xlsx", "Iscritti", "12", "AB12", "", "7", canon.FlagTextIT[canon.FlagSatisfactionOutOfRange]},
		{"iscrizioni_CR.xlsx", "Iscritti", "450", "", "", "A: Totale | F: 437", skippedTextIT["totals"]},
		{"moduli_CR.xlsx", "Moduli", "3", "E3", "", "sedici", canon.FlagTextIT[canon.FlagNumberUnreadable]},
	}
	if len(rows)-1 != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows)-1, len(want), rows)
	}
	for i, w := range want {
		t.Run(w[3]+w[2], func(t *testing.T) {
			got := rows[i+1]
			if len(got) != len(FeedbackHeader) {
				t.Fatalf("row %d: %v", i+2, got)
			}
			if !reflect.DeepEqual(got[:7], w) {
				t.Errorf("row %d\n got %q\nwant %q", i+2, got[:7], w)
			}
			if got[6] == "" || got[7] == "" {
				t.Errorf("row %d lacks the Italian explanation: %q", i+2, got)
			}
		})
	}
	t.Run("summary", func(t *testing.T) {
		if f.GetSheetName(0) != summarySheet || f.GetActiveSheetIndex() != 0 {
			t.Errorf("first sheet %q (active %d), want %s", f.GetSheetName(0), f.GetActiveSheetIndex(), summarySheet)
		}
		sum, err := f.GetRows(summarySheet)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"Segnalazioni sui file della provincia di Cremona (CR)"},
			{sum[1][0]},
			nil,
			{"Le tre cose più utili da correggere"},
			{"Problema", "Righe", "", "", "", "Cosa fare"},
			{"1. " + canon.FlagTextIT[canon.FlagNameSplitGuessed], "3", "", "", "", actionIT[canon.FlagNameSplitGuessed]},
			{"2. " + canon.ReasonTextIT[canon.ReasonMissingIdentity], "1", "", "", "", actionIT[canon.ReasonMissingIdentity]},
			{"3. " + canon.FlagTextIT[canon.FlagEmailInvalid], "1", "", "", "", actionIT[canon.FlagEmailInvalid]},
			nil,
			{"File ricevuti"},
			{"File", "Righe lette", "Caricate", "In quarantena (non caricate)", "Ignorate (vuote, totali, note)"},
			{"iscrizioni_CR.xlsx", "452", "440", "1", "11"},
			{"moduli_CR.xlsx", "12", "12", "0", "0"},
			nil,
			{"Problemi per tipo"},
			{"Problema", "Righe", "Tipo", "", "", "Cosa fare"},
		}
		if len(sum) != len(want)+7 {
			t.Fatalf("summary has %d rows, want %d: %q", len(sum), len(want)+7, sum)
		}
		for i, w := range want {
			if !reflect.DeepEqual(sum[i], w) {
				t.Errorf("summary row %d\n got %q\nwant %q", i+1, sum[i], w)
			}
		}
		// 7 kinds: name split (3 rows) first, then one row each: the quarantined
		// row, the flagged values by code, the totals row.
		kinds := sum[len(want):]
		if kinds[0][0] != canon.FlagTextIT[canon.FlagNameSplitGuessed] || kinds[0][1] != "3" || kinds[0][2] != "Valore da controllare" {
			t.Errorf("first kind %q", kinds[0])
		}
		if kinds[1][2] != "Riga non caricata" {
			t.Errorf("second kind %q", kinds[1])
		}
		if last := kinds[6]; last[0] != skippedTextIT["totals"] || last[1] != "1" || last[2] != "Riga ignorata" {
			t.Errorf("last kind %q", last)
		}
	})
	t.Run("print setup", func(t *testing.T) {
		for _, sheet := range []string{summarySheet, feedbackSheet} {
			pl, err := f.GetPageLayout(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 ||
				pl.FitToHeight == nil || *pl.FitToHeight != 0 {
				t.Errorf("%s: page layout %+v", sheet, pl)
			}
			props, err := f.GetSheetProps(sheet)
			if err != nil || props.FitToPage == nil || !*props.FitToPage {
				t.Errorf("%s: not fitted to the page: %+v %v", sheet, props, err)
			}
			found := false
			for _, dn := range f.GetDefinedName() {
				if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet {
					found = true
					if dn.RefersTo != "'"+sheet+"'!$1:$1" {
						t.Errorf("%s: print titles %q", sheet, dn.RefersTo)
					}
				}
			}
			if !found {
				t.Errorf("%s: no _xlnm.Print_Titles: %+v", sheet, f.GetDefinedName())
			}
		}
	})
	t.Run("row numbers are numbers", func(t *testing.T) {
		if typ, _ := f.GetCellType(feedbackSheet, "C2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Error("row number stored as text")
		}
	})
	t.Run("header frozen and filtered", func(t *testing.T) {
		panes, err := f.GetPanes(feedbackSheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes %+v, %v", panes, err)
		}
		found := false
		for _, dn := range f.GetDefinedName() {
			found = found || dn.Name == "_xlnm._FilterDatabase" && dn.Scope == feedbackSheet && dn.RefersTo == "'"+feedbackSheet+"'!$A$1:$H$8"
		}
		if !found {
			t.Errorf("no autofilter over A1:H8: %+v", f.GetDefinedName())
		}
	})
	t.Run("private file", func(t *testing.T) {
		fi, err := os.Stat(paths[0])
		if err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, %v", fi.Mode().Perm(), err)
		}
	})
	// One province's workbook that cannot be written (its path is a
	// directory, so the rename fails) stops neither the others nor the
	// removal of outdated workbooks, and the error names it.
	t.Run("one province fails", func(t *testing.T) {
		dir := t.TempDir()
		blocked := filepath.Join(dir, "feedback_CR.xlsx")
		if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
		outdated := filepath.Join(dir, "feedback_MI.xlsx")
		if err := os.WriteFile(outdated, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		paths, err := WriteFeedback(ctx, db, dir)
		if err == nil || !strings.Contains(err.Error(), "feedback_CR.xlsx") {
			t.Fatalf("error %v, want one naming feedback_CR.xlsx", err)
		}
		if want := []string{filepath.Join(dir, "feedback_LO.xlsx")}; !reflect.DeepEqual(paths, want) {
			t.Errorf("paths %v, want %v", paths, want)
		}
		if f, err := excelize.OpenFile(filepath.Join(dir, "feedback_LO.xlsx")); err != nil {
			t.Errorf("Lodi's workbook: %v", err)
		} else {
			f.Close()
		}
		if _, err := os.Stat(outdated); !os.IsNotExist(err) {
			t.Errorf("outdated feedback_MI.xlsx kept: %v", err)
		}
		if fi, err := os.Stat(blocked); err != nil || !fi.IsDir() {
			t.Errorf("Cremona's path removed: %v", err)
		}
	})
}

func TestExplainFallbacks(t *testing.T) {
	tests := []struct {
		name, kind, code string
	}{
		{"known flag", "issue", canon.FlagPhoneInvalid},
		{"unknown flag", "issue", "brand_new_flag"},
		{"unknown reason", "quarantine", "brand_new_reason"},
		{"note", "skipped", "note"},
		{"unknown skip", "skipped", "banner"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, a := explain(tc.kind, tc.code)
			if p == "" || a == "" || p == tc.code {
				t.Errorf("explain(%s, %s) = %q, %q", tc.kind, tc.code, p, a)
			}
		})
	}
}

// BenchmarkWriteFeedback200k writes the workbook of a province with 200,000
// flagged values (`go test -tags=duckdb_arrow -run '^$' -bench WriteFeedback200k -benchtime 1x ./sinks/`).
func BenchmarkWriteFeedback200k(b *testing.B) {
	fb := &Feedback{Province: "CR", Name: "Cremona", Files: []FeedbackFile{{File: "iscrizioni.xlsx", Read: 200001, Loaded: 200000, Skipped: 1}}}
	for i := range 200000 {
		fb.Rows = append(fb.Rows, FeedbackRow{File: "iscrizioni.xlsx", Sheet: "Iscritti", Row: i + 2, Cell: fmt.Sprintf("F%d", i+2), Rows: 1,
			Value: "RSSMRA75D43D150X", Kind: "issue", Code: canon.FlagTaxCodeBadCheck,
			Problem: canon.FlagTextIT[canon.FlagTaxCodeBadCheck], Action: actionIT[canon.FlagTaxCodeBadCheck]})
	}
	fb.Kinds = []FeedbackKind{{Kind: "issue", Code: canon.FlagTaxCodeBadCheck, Rows: 200000,
		Problem: canon.FlagTextIT[canon.FlagTaxCodeBadCheck], Action: actionIT[canon.FlagTaxCodeBadCheck]}}
	dir := b.TempDir()
	b.ResetTimer()
	for range b.N {
		if err := writeFeedbackWorkbook(filepath.Join(dir, "feedback_CR.xlsx"), fb); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWrappedLines(t *testing.T) {
	tests := []struct {
		text  string
		width float64
		want  int
	}{
		{"", 30, 1},
		{"Riga", 30, 1},
		{"Mettere cognome e nome in due colonne separate", 60, 1},
		{"Mettere cognome e nome in due colonne separate", 20, 3},
		{"una\ndue", 60, 2},
		{strings.Repeat("x", 100), 20, 1}, // a word longer than the column is not split
	}
	for _, tc := range tests {
		if got := wrappedLines(tc.text, tc.width); got != tc.want {
			t.Errorf("wrappedLines(%q, %v) = %d, want %d", tc.text, tc.width, got, tc.want)
		}
	}
}
