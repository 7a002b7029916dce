package link

import (
	"context"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
)

func personIDs(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT enrolment_id, person_id FROM enrolments")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e string
		var p sql.NullString
		if err := rows.Scan(&e, &p); err != nil {
			t.Fatal(err)
		}
		if !p.Valid {
			t.Fatalf("enrolment %s has no person", e)
		}
		out[e] = p.String
	}
	return out
}

func recordKeys(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT enrolment_id, record_key FROM person_members")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, k string
		if err := rows.Scan(&e, &k); err != nil {
			t.Fatal(err)
		}
		out[e] = k
	}
	return out
}

func eventKinds(t *testing.T, db *sql.DB, run string) map[string]int {
	t.Helper()
	rows, err := db.Query("SELECT kind, count(*) FROM person_events WHERE run_id = ? GROUP BY kind", run)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

func mustLink(t *testing.T, db *sql.DB, run string, cfg Config) Stats {
	t.Helper()
	st, err := Link(context.Background(), db, run, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func writeDecisions(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "decisions.csv")
	if err := os.WriteFile(p, []byte("left,right,decision,analyst,date,note\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStableIDs links the same warehouse over several runs: unchanged rows
// keep their ids, a re-sent file and a new row of a known person keep them
// too, and analyst decisions merge and split persons with logged events.
func TestStableIDs(t *testing.T) {
	w := openTest(t)
	rows, _ := demo.Synthetic(1000, 3, demo.NoiseNormal)
	insertEnrolments(t, w.DB, rows)
	cfg := DefaultConfig()
	cfg.USamplePairs = 50_000
	st1 := mustLink(t, w.DB, "r1", cfg)
	ids1 := personIDs(t, w.DB)
	if ev := eventKinds(t, w.DB, "r1"); ev["new"] != st1.Persons {
		t.Fatalf("run 1 events %v, want %d new", ev, st1.Persons)
	}

	t.Run("unchanged", func(t *testing.T) {
		st2 := mustLink(t, w.DB, "r2", cfg)
		if st2.Persons != st1.Persons {
			t.Errorf("persons %d, then %d", st1.Persons, st2.Persons)
		}
		for e, p := range personIDs(t, w.DB) {
			if ids1[e] != p {
				t.Fatalf("enrolment %s moved from %s to %s", e, ids1[e], p)
			}
		}
		if ev := eventKinds(t, w.DB, "r2"); len(ev) != 0 {
			t.Errorf("events %v on an unchanged run", ev)
		}
	})

	// Pick, deterministically, a person with two rows of different content,
	// the first with a tax code, and a person with one row.
	byPerson := map[string][]string{}
	for e, p := range ids1 {
		byPerson[p] = append(byPerson[p], e)
	}
	persons := make([]string, 0, len(byPerson))
	for p := range byPerson {
		persons = append(persons, p)
	}
	slices.Sort(persons)
	keys1 := recordKeys(t, w.DB)
	var twoRows, oneRow []string
	for _, p := range persons {
		es := byPerson[p]
		slices.Sort(es)
		if len(es) == 2 && twoRows == nil && keys1[es[0]] != keys1[es[1]] {
			var tax string
			if err := w.DB.QueryRow("SELECT coalesce(tax_code, '') FROM enrolments WHERE enrolment_id = ?", es[0]).Scan(&tax); err != nil {
				t.Fatal(err)
			}
			if tax != "" {
				twoRows = es
			}
		}
		if len(es) == 1 && oneRow == nil {
			oneRow = es
		}
	}
	if twoRows == nil || oneRow == nil {
		t.Fatal("fixture has no two-row or one-row person")
	}

	t.Run("resent file and new row", func(t *testing.T) {
		// The province re-sends its file: new hash, new enrolment ids, person_id lost.
		if _, err := w.DB.Exec(`UPDATE enrolments SET source_sha256 = 'resent', enrolment_id = 'x' || enrolment_id, person_id = NULL
			WHERE enrolment_id = ?`, oneRow[0]); err != nil {
			t.Fatal(err)
		}
		// A new row of the two-row person, in another module.
		var e canon.Enrolment
		if err := w.DB.QueryRow(`SELECT province_code, surname, given_name, surname_fold, given_name_fold, coalesce(tax_code, ''), tax_code_status
			FROM enrolments WHERE enrolment_id = ?`, twoRows[0]).Scan(&e.ProvinceCode, &e.Surname, &e.GivenName,
			&e.SurnameFold, &e.GivenNameFold, &e.TaxCode, &e.TaxCodeStatus); err != nil {
			t.Fatal(err)
		}
		e.SourceFile, e.SourceSHA256, e.Sheet, e.SourceRow = "new.xlsx", "sha-new", "Iscritti", 2
		e.DisplayName, e.ModuleTitle, e.ModuleFold, e.Status = e.Surname+" "+e.GivenName, "Nuovo", "NUOVO", canon.StatusAccepted
		insertEnrolments(t, w.DB, []canon.Enrolment{e})
		mustLink(t, w.DB, "r3", cfg)
		ids3 := personIDs(t, w.DB)
		if got := ids3["x"+oneRow[0]]; got != ids1[oneRow[0]] {
			t.Errorf("re-sent row got %s, want %s", got, ids1[oneRow[0]])
		}
		if got := ids3[canon.EnrolmentID("sha-new", "Iscritti", 2)]; got != ids1[twoRows[0]] {
			t.Errorf("new row got %s, want %s", got, ids1[twoRows[0]])
		}
		if ev := eventKinds(t, w.DB, "r3"); ev["merge"]+ev["split"]+ev["new"] != 0 {
			t.Errorf("events %v", ev)
		}
	})

	keys := recordKeys(t, w.DB)
	ids := personIDs(t, w.DB)
	t.Run("analyst split", func(t *testing.T) {
		cfg := cfg
		cfg.Decisions = writeDecisions(t, keys[twoRows[0]]+","+keys[twoRows[1]]+",different,anna,2025-01-01,")
		mustLink(t, w.DB, "r4", cfg)
		got := personIDs(t, w.DB)
		if got[twoRows[0]] == got[twoRows[1]] {
			t.Fatal("analyst 'different' did not split the person")
		}
		if got[twoRows[0]] != ids[twoRows[0]] && got[twoRows[1]] != ids[twoRows[1]] {
			t.Error("neither part kept the id")
		}
		if ev := eventKinds(t, w.DB, "r4"); ev["split"] != 1 || len(ev) != 1 {
			t.Errorf("events %v, want one split", ev)
		}
	})
	t.Run("analyst merge", func(t *testing.T) {
		cfg := cfg
		// The split of the previous run stands; the merge is new. The row
		// added above is a copy of twoRows[0]: the analyst keeps it with it
		// (else the hard rule may send it to the other part, as the merged
		// person holds two valid tax codes).
		added := canon.EnrolmentID("sha-new", "Iscritti", 2)
		cfg.Decisions = writeDecisions(t, keys[twoRows[0]]+","+keys[twoRows[1]]+",different,anna,2025-01-01,",
			keys[twoRows[0]]+","+keys[added]+",same,anna,2025-01-01,",
			keys[twoRows[0]]+","+keys["x"+oneRow[0]]+",same,anna,2025-01-02,")
		mustLink(t, w.DB, "r5", cfg)
		got := personIDs(t, w.DB)
		if got[twoRows[0]] != got["x"+oneRow[0]] {
			t.Fatal("analyst 'same' did not merge the persons")
		}
		if ev := eventKinds(t, w.DB, "r5"); ev["merge"] != 1 || ev["retired"] != 1 {
			t.Errorf("events %v, want one merge and one retired", ev)
		}
	})
}

// TestHardTaxCodeRule: identical rows but for two different valid tax codes
// stay two persons, unless an analyst says they are one.
func TestHardTaxCodeRule(t *testing.T) {
	w := openTest(t)
	rows, _ := demo.Synthetic(800, 5, demo.NoiseNormal)
	a := enrolment(rowSpec{file: "hard.xlsx", row: 2, surname: "Quadrelli", given: "Ornella", tax: "QDRRLL70A41D150H",
		sex: "F", birth: "1970-01-01", email: "o.quadrelli@example.it", org: "Comune di Cremona"})
	b := enrolment(rowSpec{file: "hard.xlsx", row: 3, surname: "Quadrelli", given: "Ornella", tax: "QDRRLL70A41D150H",
		sex: "F", birth: "1970-01-01", email: "o.quadrelli@example.it", org: "Comune di Cremona", module: "Altro"})
	b.TaxCode, _ = canon.TaxCodeFor("QUADRELLI", "ORNELLA", "F", *b.BirthDate, "F205")
	a.TaxCode, _ = canon.TaxCodeFor("QUADRELLI", "ORNELLA", "F", *a.BirthDate, "D150")
	a.TaxCodeStatus, b.TaxCodeStatus = canon.TaxCodeValid, canon.TaxCodeValid
	insertEnrolments(t, w.DB, append(rows, a, b))
	ida, idb := idOf(a), idOf(b)

	cfg := DefaultConfig()
	cfg.USamplePairs = 50_000
	mustLink(t, w.DB, "r1", cfg)
	ids := personIDs(t, w.DB)
	if ids[ida] == ids[idb] {
		t.Fatal("two different valid tax codes merged")
	}
	var source string
	if err := w.DB.QueryRow(`SELECT source FROM person_links WHERE left_enrolment_id IN (?, ?) AND right_enrolment_id IN (?, ?)`,
		ida, idb, ida, idb).Scan(&source); err != nil {
		t.Fatal(err)
	}
	if source != "hard_rule" {
		t.Errorf("link source %q, want hard_rule", source)
	}
	keys := recordKeys(t, w.DB)
	cfg.Decisions = writeDecisions(t, keys[ida]+","+keys[idb]+",same,anna,2025-01-01,verified")
	mustLink(t, w.DB, "r2", cfg)
	ids = personIDs(t, w.DB)
	if ids[ida] != ids[idb] {
		t.Fatal("analyst 'same' did not override the tax-code rule")
	}
}

// reviewWarehouse links 1,500 heavily noised synthetic enrolments with the
// review threshold near 0, so that pairs wait for review; match is the match
// threshold (0: the default).
func reviewWarehouse(t *testing.T, match float64) (*warehouse, Stats) {
	t.Helper()
	w := openTest(t)
	rows, _ := demo.Synthetic(1500, 2, demo.NoiseHeavy)
	insertEnrolments(t, w.DB, rows)
	cfg := DefaultConfig()
	cfg.USamplePairs = 50_000
	cfg.ReviewThreshold = 1e-9
	cfg.LinkThreshold = 1e-9
	if match != 0 {
		cfg.MatchThreshold = match
	}
	return w, mustLink(t, w.DB, "r1", cfg)
}

// TestWriteReview writes the review workbook and reads it back.
func TestWriteReview(t *testing.T) {
	w, st := reviewWarehouse(t, 0)
	path := filepath.Join(t.TempDir(), "review.xlsx")
	n, err := WriteReview(context.Background(), w.DB, path)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != st.ReviewPairs {
		t.Fatalf("wrote %d pairs, stats say %d review pairs", n, st.ReviewPairs)
	}
	got := reviewSheet(t, path)
	if len(got) != n+1 || got[0][0] != "left" || !strings.Contains(strings.Join(got[0], "|"), ReviewDecisionHeader) {
		t.Fatalf("workbook has %d rows, header %v", len(got), got[0])
	}
	keys := map[string]bool{}
	for _, k := range recordKeys(t, w.DB) {
		keys[k] = true
	}
	if !keys[got[1][0]] || !keys[got[1][1]] {
		t.Errorf("review keys %q %q are not record keys", got[1][0], got[1][1])
	}
}

// TestWriteReviewBounded: with more pairs in review than the bound, the
// workbook holds the most probable ones, in order, and a "Leggimi" sheet
// says how many there are in all and where the rest are.
func TestWriteReviewBounded(t *testing.T) {
	w, st := reviewWarehouse(t, 1-1e-12) // nearly every candidate pair waits for review
	if st.ReviewPairs <= 10 {
		t.Fatalf("only %d review pairs: the bound is not exercised", st.ReviewPairs)
	}
	path := filepath.Join(t.TempDir(), "review.xlsx")
	total, written, err := writeReview(context.Background(), w.DB, path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != st.ReviewPairs || written != 10 {
		t.Fatalf("total %d written %d, want %d and 10", total, written, st.ReviewPairs)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows("Revisione")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 11 {
		t.Fatalf("Revisione has %d rows, want header + 10", len(got))
	}
	prev := 2.0
	for _, r := range got[1:] {
		p, err := strconv.ParseFloat(r[2], 64)
		if err != nil || p > prev {
			t.Fatalf("probabilities not most probable first: %v after %v (%v)", r[2], prev, err)
		}
		prev = p
	}
	var wantMin float64
	if err := w.DB.QueryRow("SELECT probability FROM person_links WHERE decision = 'review' ORDER BY probability DESC LIMIT 1 OFFSET 9").Scan(&wantMin); err != nil {
		t.Fatal(err)
	}
	if math.Abs(prev-wantMin) > 1e-12 { // the cell shows 15 significant digits
		t.Errorf("10th pair's probability %v, the warehouse's 10th %v", prev, wantMin)
	}
	note, err := f.GetCellValue("Leggimi", "A1")
	if err != nil || !strings.Contains(note, strconv.Itoa(total)) || !strings.Contains(note, "10") {
		t.Errorf("Leggimi A1 = %q (%v), want the total %d and the 10 shown", note, err, total)
	}
	// Under the bound there is no note sheet.
	if _, _, err := writeReview(context.Background(), w.DB, path, total); err != nil {
		t.Fatal(err)
	}
	f2, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if idx, _ := f2.GetSheetIndex("Leggimi"); idx != -1 {
		t.Error("a Leggimi sheet although every pair is written")
	}
}

func TestEvaluateBadTruth(t *testing.T) {
	w := openTest(t)
	for _, tc := range []struct{ name, in string }{
		{"header", "file,sheet,row,person\n"},
		{"row", "source_file,sheet,source_row,person\nf.xlsx,S,two,P1\n"},
		{"short", "source_file,sheet,source_row,person\nf.xlsx,S\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evaluate(context.Background(), w.DB, strings.NewReader(tc.in)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestWriteReviewTiesOrdered: pairs tied on probability and both keys (the
// same records typed in several rows) come out in one order, by their
// enrolments, whatever order DuckDB's sort leaves ties in: the workbook is
// the same every night for the same warehouse.
func TestWriteReviewTiesOrdered(t *testing.T) {
	w, _ := reviewWarehouse(t, 1-1e-12) // nearly every candidate pair waits for review
	// Twenty review pairs tied with the first: its probability and keys.
	if _, err := w.DB.Exec(`
		WITH first AS (SELECT left_key, right_key, probability FROM person_links WHERE decision = 'review'
		               ORDER BY left_enrolment_id, right_enrolment_id LIMIT 1),
		     tied AS (SELECT left_enrolment_id, right_enrolment_id FROM person_links WHERE decision = 'review'
		              ORDER BY right_enrolment_id DESC LIMIT 20)
		UPDATE person_links AS pl SET left_key = first.left_key, right_key = first.right_key, probability = first.probability
		FROM first, tied
		WHERE pl.left_enrolment_id = tied.left_enrolment_id AND pl.right_enrolment_id = tied.right_enrolment_id`); err != nil {
		t.Fatal(err)
	}
	var want []string
	rows, err := w.DB.Query(`
		SELECT l.source_file || '!' || l.sheet || '!' || CAST(l.source_row AS VARCHAR) || ' ' ||
		       r.source_file || '!' || r.sheet || '!' || CAST(r.source_row AS VARCHAR)
		FROM person_links AS pl
		JOIN enrolments AS l ON l.enrolment_id = pl.left_enrolment_id
		JOIN enrolments AS r ON r.enrolment_id = pl.right_enrolment_id
		WHERE pl.decision = 'review'
		ORDER BY pl.probability DESC, pl.left_key, pl.right_key, pl.left_enrolment_id, pl.right_enrolment_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		want = append(want, s)
	}
	if err := rows.Err(); err != nil || len(want) < 21 {
		t.Fatalf("%d review pairs (%v)", len(want), err)
	}
	path := filepath.Join(t.TempDir(), "review.xlsx")
	if _, err := WriteReview(context.Background(), w.DB, path); err != nil {
		t.Fatal(err)
	}
	got := reviewSheet(t, path)
	if len(got) != len(want)+1 {
		t.Fatalf("%d rows, want %d", len(got)-1, len(want))
	}
	for i, r := range got[1:] {
		if s := r[12] + " " + r[20]; s != want[i] {
			t.Fatalf("row %d: %s, want %s (ties out of order)", i+2, s, want[i])
		}
	}
}

// reviewSheet is the rows of the review workbook's sheet at path.
func reviewSheet(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Revisione")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
