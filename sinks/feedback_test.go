package sinks

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
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
	exec(quar, "CR", "iscrizioni_CR.xlsx", "Iscritti", 9, "A9", "surname", canon.ReasonMissingSurname, "surname missing")
	exec(issue, "CR", "iscrizioni_CR.xlsx", "Iscritti", 5, "G5", "email", "mario.rossi@", canon.FlagEmailInvalid)
	exec(issue, "LO", "lodi.csv", "", 2, "C2", "status", "boh", canon.FlagStatusUnreadable)

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
		{"iscrizioni_CR.xlsx", "Iscritti", "5", "G5", "mario.rossi@", canon.FlagTextIT[canon.FlagEmailInvalid]},
		{"iscrizioni_CR.xlsx", "Iscritti", "9", "A9", "Cognome:  | Nome: Ornella | Modulo: Salute e immigrazione", canon.ReasonTextIT[canon.ReasonMissingSurname]},
		{"iscrizioni_CR.xlsx", "Iscritti", "12", "F12", "ZZQ000K50A01X000W", canon.FlagTextIT[canon.FlagTaxCodeBadCheck]},
		{"iscrizioni_CR.xlsx", "Iscritti", "12", "AB12", "7", canon.FlagTextIT[canon.FlagSatisfactionOutOfRange]},
		{"iscrizioni_CR.xlsx", "Iscritti", "450", "", "A: Totale | F: 437", skippedTextIT["totals"]},
		{"moduli_CR.xlsx", "Moduli", "3", "E3", "sedici", canon.FlagTextIT[canon.FlagNumberUnreadable]},
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
			if !reflect.DeepEqual(got[:6], w) {
				t.Errorf("row %d\n got %q\nwant %q", i+2, got[:6], w)
			}
			if got[5] == "" || got[6] == "" {
				t.Errorf("row %d lacks the Italian explanation: %q", i+2, got)
			}
		})
	}
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
		if dn := f.GetDefinedName(); len(dn) == 0 || dn[0].Name != "_xlnm._FilterDatabase" {
			t.Errorf("no autofilter: %+v", dn)
		}
	})
	t.Run("private file", func(t *testing.T) {
		fi, err := os.Stat(paths[0])
		if err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, %v", fi.Mode().Perm(), err)
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
