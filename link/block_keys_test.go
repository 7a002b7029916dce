package link

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lombardia-orim/correlare/demo"
)

// testGoKeys reads link_rec's records as the load stage does (link_rec as
// it is: not built again) and returns their key evaluator, with the
// default comparisons' values (withComps) or with none (every column
// numbered by goKeys itself).
func testGoKeys(t *testing.T, ctx context.Context, conn *sql.Conn, withComps bool) *goKeys {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM link_rec").Scan(&n); err != nil {
		t.Fatal(err)
	}
	p := newPlacer(n)
	if err := readRecords(ctx, conn, p); err != nil {
		t.Fatal(err)
	}
	var comps []comparer
	if withComps {
		var extras []string
		for i, c := range DefaultConfig().Comparisons {
			comps = append(comps, newComparer(c, i, &extras))
		}
	}
	return newGoKeys(p.recs, indexValues(p.recs, comps), comps, p.blank)
}

// addSounds adds the names' sounds to link_rec, as blocking does when
// DuckDB evaluates a rule reading them.
func addSounds(t *testing.T, ctx context.Context, conn *sql.Conn) {
	t.Helper()
	if err := withSounds(ctx, conn, []string{"l.surname_sound = r.surname_sound"}, nil); err != nil {
		t.Fatal(err)
	}
}

// goRules counts the rules whose keys g evaluates in Go.
func goRules(t *testing.T, ctx context.Context, conn *sql.Conn, g *goKeys, rules []string) int {
	t.Helper()
	plans, ok, err := planOnce(ctx, conn, rules, g)
	if err != nil || !ok {
		t.Fatalf("planOnce: %v %v", ok, err)
	}
	c := 0
	for _, p := range plans {
		if g.rule(p) != nil {
			c++
		}
	}
	return c
}

// TestGoKeysAllDefault: on synthetic data (no empty strings), every default
// rule's keys are evaluated in Go, with the comparisons' values and
// without; with an empty e-mail (not NULL) the e-mail rule's are not.
func TestGoKeysAllDefault(t *testing.T) {
	conn, _ := loadedSynthetic(t, 500, 5, demo.NoiseHeavy)
	ctx := context.Background()
	for _, with := range []bool{true, false} {
		if got := goRules(t, ctx, conn, testGoKeys(t, ctx, conn, with), DefaultBlocking); got != len(DefaultBlocking) {
			t.Errorf("comparisons %v: %d of %d rules in Go", with, got, len(DefaultBlocking))
		}
	}
	// Blocking in Go leaves link_rec without the sounds (nothing reads them).
	if _, _, err := blockWithMode(ctx, conn, DefaultBlocking, 10, slog.New(slog.DiscardHandler), blockInGo, testGoKeys(t, ctx, conn, true)); err != nil {
		t.Fatal(err)
	}
	var sounds int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'link_rec' AND column_name LIKE '%sound'").Scan(&sounds); err != nil {
		t.Fatal(err)
	}
	if sounds != 0 {
		t.Errorf("link_rec has %d sound columns after blocking in Go, want none", sounds)
	}
	if _, err := conn.ExecContext(ctx, "UPDATE enrolments SET email = '' WHERE enrolment_id IN (SELECT enrolment_id FROM enrolments LIMIT 2)"); err != nil {
		t.Fatal(err)
	}
	if _, err := loadRecords(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	g := testGoKeys(t, ctx, conn, true)
	if g.blank != 1<<12 {
		t.Errorf("blank columns %b, want e-mail's (bit 12)", g.blank)
	}
	if got := goRules(t, ctx, conn, g, DefaultBlocking); got != len(DefaultBlocking)-1 {
		t.Errorf("with empty e-mails: %d of %d rules in Go, want all but the e-mail rule", got, len(DefaultBlocking))
	}
	sameBlocking(t, ctx, conn, DefaultBlocking, 10)
}

// TestGoKeyFunctions: nameSound is link_records.sql's sound (every record
// of the load cases: synthetic names and the hand-made corners), leftChars
// DuckDB's left and yearOfDays DuckDB's year, on random strings and days.
func TestGoKeyFunctions(t *testing.T) {
	ctx := context.Background()
	for name, rows := range loadCases() {
		t.Run(name, func(t *testing.T) {
			w := openTest(t)
			insertEnrolments(t, w.DB, rows)
			conn, err := w.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			recs, err := loadRecords(ctx, conn, nil)
			if err != nil {
				t.Fatal(err)
			}
			addSounds(t, ctx, conn)
			q, err := conn.QueryContext(ctx, "SELECT rid, coalesce(surname_sound, ''), coalesce(given_name_sound, '') FROM link_rec")
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			n := 0
			for q.Next() {
				var rid int
				var s, g string
				if err := q.Scan(&rid, &s, &g); err != nil {
					t.Fatal(err)
				}
				if a, b := nameSound(recs[rid].surname), nameSound(recs[rid].given); a != s || b != g {
					t.Fatalf("record %d (%q, %q): sounds %q %q, SQL %q %q", rid, recs[rid].surname, recs[rid].given, a, b, s, g)
				}
				n++
			}
			if err := q.Err(); err != nil || n != len(recs) {
				t.Fatalf("%d of %d records: %v", n, len(recs), err)
			}
		})
	}
	w := openTest(t)
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"A", "B", "Z", "À", "É", "Ñ", "ß", "中", "😀", "e\u0301", " ", "'"}
	var vals []string
	var strs []string
	var lens []int
	var days []int64
	for i := range 400 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		strs, lens = append(strs, b.String()), append(lens, 1+rng.IntN(4))
		d := rng.Int64N(1<<22) - 1<<21 // about ±5,700 years
		if i%3 == 0 {
			d = rng.Int64N(200_000) - 100_000
		}
		days = append(days, d)
		vals = append(vals, fmt.Sprintf("(%d, '%s', %d, DATE '1970-01-01' + INTERVAL (%d) DAY)", i, strings.ReplaceAll(strs[i], "'", "''"), lens[i], d))
	}
	q, err := w.DB.QueryContext(ctx, "SELECT i, left(s, n), year(CAST(d AS DATE)) FROM (VALUES "+strings.Join(vals, ", ")+") AS v(i, s, n, d) ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var i int
		var l string
		var y int64
		if err := q.Scan(&i, &l, &y); err != nil {
			t.Fatal(err)
		}
		if got := leftChars(strs[i], lens[i]); got != l {
			t.Errorf("left(%q, %d): %q, DuckDB %q", strs[i], lens[i], got, l)
		}
		if got := yearOfDays(days[i]); got != y {
			t.Errorf("year of day %d: %d, DuckDB %d", days[i], got, y)
		}
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
}
