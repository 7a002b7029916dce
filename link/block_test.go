package link

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/demo"
	queries "github.com/lombardia-orim/correlare/sql"
)

func TestBlockKeys(t *testing.T) {
	cases := []struct {
		rule         string
		lkeys, rkeys []string
		exact, ok    bool
	}{
		{"l.tax_key = r.tax_key", []string{"l.tax_key"}, []string{"r.tax_key"}, true, true},
		{"l.surname_fold = r.given_name_fold AND l.given_name_fold = r.surname_fold",
			[]string{"l.surname_fold", "l.given_name_fold"}, []string{"r.given_name_fold", "r.surname_fold"}, true, true},
		{"r.email = l.email", []string{"l.email"}, []string{"r.email"}, true, true},
		{"left(l.surname_fold, 2) = left(r.surname_fold, 2) and l.birth_date = r.birth_date",
			[]string{"left(l.surname_fold, 2)", "l.birth_date"}, []string{"left(r.surname_fold, 2)", "r.birth_date"}, true, true},
		{"l.phone = r.phone AND l.sex <> r.sex", []string{"l.phone"}, []string{"r.phone"}, false, true},
		{"l.phone = r.phone AND (l.sex = 'F' OR r.sex = 'F')", []string{"l.phone"}, []string{"r.phone"}, false, true},
		{"l.email = r.email AND l.province_code = 'AND'", []string{"l.email"}, []string{"r.email"}, false, true},
		{"l.birth_date >= r.birth_date", nil, nil, false, false},
		{"jaro_winkler_similarity(l.surname_fold, r.surname_fold) > 0.9", nil, nil, false, false},
		{"l.surname_fold = l.given_name_fold", nil, nil, false, false},
		{"coalesce(l.tax_key, r.tax_key) = 'X'", nil, nil, false, false},
		{"l.a = r.a OR r.b > 1", nil, nil, false, false},
		{"l.email = r.email AND l.a = r.a OR r.b = 1", nil, nil, false, false},
		{"l.email = r.email AND (l.a = r.a OR r.b = 1)", []string{"l.email"}, []string{"r.email"}, false, true},
		{"l.origin = r.origin", []string{"l.origin"}, []string{"r.origin"}, true, true},
		{"l.a = r.a IS NOT NULL", nil, nil, false, false},
		{"l.a = r.a and l.x in ('A', 'B')", []string{"l.a"}, []string{"r.a"}, false, true},
		{"l.brand = r.brand", []string{"l.brand"}, []string{"r.brand"}, true, true}, // "and" inside a word
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			lk, rk, exact, ok := blockKeys(tc.rule)
			if !slices.Equal(lk, tc.lkeys) || !slices.Equal(rk, tc.rkeys) || exact != tc.exact || ok != tc.ok {
				t.Errorf("blockKeys = %q %q exact %v ok %v, want %q %q %v %v", lk, rk, exact, ok, tc.lkeys, tc.rkeys, tc.exact, tc.ok)
			}
		})
	}
}

// TestMaxBlockRecords: a block larger than the bound yields no pairs from
// its rule (other rules still pair its records); a rule with a residual
// condition and a rule without an equality give the same pairs as a plain
// join; no bound gives every pair.
func TestMaxBlockRecords(t *testing.T) {
	w := openTest(t)
	var rows []rowSpec
	for i := range 6 { // six ROSSI MARIO, two of them with one tax code
		tax := ""
		if i < 2 {
			tax = "RSSMRA80A01H501U"
		}
		rows = append(rows, rowSpec{file: "a.xlsx", row: i + 2, surname: "Rossi", given: "Mario", tax: tax, sex: "M"})
	}
	rows = append(rows, rowSpec{file: "a.xlsx", row: 20, surname: "Bianchi", given: "Anna", sex: "F"},
		rowSpec{file: "a.xlsx", row: 21, surname: "Bianchi", given: "Anna", sex: "F"})
	for _, r := range rows {
		insertEnrolmentSpec(t, w, r)
	}
	ctx := context.Background()
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := loadRecords(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	names := "l.surname_fold = r.surname_fold AND l.given_name_fold = r.given_name_fold"
	cases := []struct {
		name    string
		rules   []string
		max     int
		want    int
		skipped int64
	}{
		{"bounded", []string{names}, 5, 1, 1},                                   // BIANCHI ANNA only
		{"bounded plus tax", []string{names, "l.tax_key = r.tax_key"}, 5, 2, 1}, // and the two codes
		{"roomy", []string{names}, 6, 16, 0},
		{"unbounded", []string{names}, -1, 16, 0},
		{"residual", []string{names + " AND l.sex = 'F'"}, 6, 1, 0},
		{"residual bounded", []string{names + " AND l.sex = 'M'"}, 5, 0, 1},
		{"no equality", []string{"l.surname_fold <> r.surname_fold"}, 2, 12, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pairs, bs, err := block(ctx, conn, tc.rules, tc.max, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if len(pairs) != tc.want {
				t.Errorf("%d pairs, want %d", len(pairs), tc.want)
			}
			if bs.SkippedBlocks != tc.skipped {
				t.Errorf("%d blocks skipped, want %d", bs.SkippedBlocks, tc.skipped)
			}
			for i := 1; i < len(pairs); i++ {
				if pairs[i-1].l > pairs[i].l || pairs[i-1].l == pairs[i].l && pairs[i-1].r >= pairs[i].r {
					t.Fatalf("pairs out of order at %d: %v", i, pairs[i-1:i+1])
				}
			}
			for _, p := range pairs {
				if p.l >= p.r || p.rules == 0 {
					t.Fatalf("bad pair %+v", p)
				}
			}
		})
	}
}

func insertEnrolmentSpec(t *testing.T, w *warehouse, s rowSpec) {
	t.Helper()
	insertEnrolments(t, w.DB, []canon.Enrolment{enrolment(s)})
}

// FuzzBlockKeys: any rule splits without panicking, every key reads only its
// side, and a rule without keys is not exact.
func FuzzBlockKeys(f *testing.F) {
	for _, r := range DefaultBlocking {
		f.Add(r)
	}
	f.Add("l.a = r.b AND (l.c = 'x AND y' OR r.d = \"q\")")
	f.Add("l.a == r.a AND l.b <= r.b AND l.c != r.c")
	f.Add("((l.a = r.a)) AND")
	f.Fuzz(func(t *testing.T, rule string) {
		lk, rk, exact, ok := blockKeys(rule)
		if len(lk) != len(rk) || ok != (len(lk) > 0) || exact && !ok {
			t.Fatalf("blockKeys(%q) = %q %q %v %v", rule, lk, rk, exact, ok)
		}
		for i := range lk {
			if !readsSide(lk[i], "l") || readsSide(lk[i], "r") || !readsSide(rk[i], "r") || readsSide(rk[i], "l") {
				t.Fatalf("blockKeys(%q): key %q = %q reads the wrong side", rule, lk[i], rk[i])
			}
		}
	})
}

// TestRuleOverLines: a rule written over several lines (YAML "|") is put on
// one line before it reaches the SQL templates, so it blocks like the same
// rule on one line; a rule holding ";", "--" or "/*" is refused.
func TestRuleOverLines(t *testing.T) {
	var cfg Config
	src := "blocking:\n  - |\n    l.surname_fold = r.surname_fold\n    AND l.given_name_fold = r.given_name_fold -- same names\ntraining: [l.tax_key = r.tax_key]\n"
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	if errs := cfg.Validate(); len(errs) != 2 || !errors.Is(errs[0], ErrRuleStatement) || !errors.Is(errs[1], ErrTrainingRule) {
		t.Fatalf("rule with --: %v, want ErrRuleStatement", errs)
	}
	for _, bad := range []string{"l.a = r.a; DROP TABLE enrolments", "l.a = r.a /* x */"} {
		if errs := (Config{Blocking: []string{bad}, Training: []string{bad}}).Validate(); len(errs) != 1 || !errors.Is(errs[0], ErrRuleStatement) {
			t.Errorf("%q: %v, want ErrRuleStatement", bad, errs)
		}
	}
	src = "blocking:\n  - |\n    l.surname_fold = r.surname_fold\n    AND\tl.given_name_fold = 'A  B'\n    AND l.given_name_fold = r.given_name_fold\ntraining:\n  - l.surname_fold = r.surname_fold AND l.given_name_fold = 'A  B'  AND l.given_name_fold = r.given_name_fold\n"
	cfg = Config{}
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	if errs := cfg.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	want := "l.surname_fold = r.surname_fold AND l.given_name_fold = 'A  B' AND l.given_name_fold = r.given_name_fold"
	if got := cfg.withDefaults().Blocking[0]; got != want {
		t.Fatalf("normalised rule %q, want %q", got, want)
	}
	// Every template keeps its placeholders out of its comments.
	for _, name := range []string{"link_block", "link_block_keyed", "link_block_big", "link_block_sub", "link_block_sub_dropped",
		"link_block_once_keys", "link_block_once_big", "link_block_once_exc", "link_block_once_ekeys", "link_block_once", "link_block_go_keys"} {
		for i, line := range strings.Split(queries.Query(name), "\n") {
			if c, ok := strings.CutPrefix(strings.TrimSpace(line), "--"); ok && strings.Contains(c, "{{") {
				t.Errorf("%s.sql:%d: placeholder in a comment", name, i+1)
			}
		}
	}
	// The rule over two lines blocks: two BIANCHI ANNA give one pair.
	w := openTest(t)
	insertEnrolmentSpec(t, w, rowSpec{file: "a.xlsx", row: 2, surname: "Bianchi", given: "Anna", sex: "F"})
	insertEnrolmentSpec(t, w, rowSpec{file: "a.xlsx", row: 3, surname: "Bianchi", given: "Anna", sex: "F"})
	cfg.Blocking = []string{"l.surname_fold = r.surname_fold\n  AND l.given_name_fold = r.given_name_fold"}
	cfg.Training = []string{"l.surname_fold = r.surname_fold\nAND l.given_name_fold = r.given_name_fold"}
	for _, max := range []int{-1, 40} {
		cfg.MaxBlockRecords = max
		st, err := Link(context.Background(), w.DB, "run1", cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.CandidatePairs != 1 {
			t.Errorf("max %d: %d candidate pairs, want 1", max, st.CandidatePairs)
		}
	}
}

// TestBlockOnce: producing each pair once, by its first rule, in DuckDB
// (blockOnce) and in Go (blockGo), gives the same candidate pairs, with the
// same rules' bits, as running every rule on its own and de-duplicating the
// union, and the same counts per rule (pairs, pairs from sub-blocks, dropped
// sub-blocks and their pairs; and, between the two once paths, the pairs
// each rule is first for), on 3,000 synthetic enrolments with the default
// rules, a budget small enough to cut and drop blocks, without a budget,
// and with rules in another order.
func TestBlockOnce(t *testing.T) {
	conn, _ := loadedSynthetic(t, 3000, 5, demo.NoiseHeavy)
	ctx := context.Background()
	reversed := slices.Clone(DefaultBlocking)
	slices.Reverse(reversed)
	for _, tc := range []struct {
		name  string
		rules []string
		max   int
	}{
		{"default", DefaultBlocking, 40},
		{"small budget", DefaultBlocking, 2},
		{"no budget", DefaultBlocking, -1},
		{"reversed", reversed, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, st := sameBlocking(t, ctx, conn, tc.rules, tc.max)
			var dropped int64
			for _, bs := range st.Rules {
				dropped += bs.SkippedBlocks
			}
			if (dropped > 0) != (tc.max == 2) {
				t.Errorf("%d sub-blocks dropped with a budget of %d", dropped, tc.max)
			}
		})
	}
}

// sameBlocking blocks in the three modes and fails unless they give the
// same pairs and counts; it returns blockGo's.
func sameBlocking(t *testing.T, ctx context.Context, conn *sql.Conn, rules []string, max int) ([]candidate, blockStats) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	modes := []blockMode{blockInGo, blockOnceDB, blockUnion, blockInGo, blockInGo}
	names := []string{"go", "once in DuckDB", "union", "go, keys in Go", "go, keys in Go without comparisons"}
	keys := []*goKeys{nil, nil, nil, testGoKeys(t, ctx, conn, true), testGoKeys(t, ctx, conn, false)}
	got := make([][]candidate, len(modes))
	st := make([]blockStats, len(modes))
	for m, mode := range modes {
		var err error
		if got[m], st[m], err = blockWithMode(ctx, conn, rules, max, log, mode, keys[m]); err != nil {
			t.Fatal(err)
		}
	}
	if len(got[0]) == 0 {
		t.Fatal("no pairs")
	}
	for m := 1; m < len(modes); m++ {
		if len(got[0]) != len(got[m]) {
			t.Fatalf("%d pairs in Go, %d %s", len(got[0]), len(got[m]), names[m])
		}
		for i := range got[0] {
			if got[0][i] != got[m][i] {
				t.Fatalf("pair %d: Go %+v, %s %+v", i, got[0][i], names[m], got[m][i])
			}
		}
		if len(st[m].Rules) != len(rules) || len(st[0].Rules) != len(rules) {
			t.Fatalf("%d and %d rules' counts (%s), want %d", len(st[0].Rules), len(st[m].Rules), names[m], len(rules))
		}
		for i, bs := range st[0].Rules {
			u := st[m].Rules[i]
			if m == 2 {
				u.FirstPairs = bs.FirstPairs // the union does not know its rules' first pairs
			}
			if bs.Rule != u.Rule || bs.Pairs != u.Pairs || bs.FirstPairs != u.FirstPairs || bs.SubPairs != u.SubPairs || bs.SkippedBlocks != u.SkippedBlocks || bs.SkippedPairs != u.SkippedPairs {
				t.Errorf("rule %d: Go %+v, %s %+v", i, bs, names[m], u)
			}
		}
		if a, b := st[0], st[m]; a.Pairs != b.Pairs || a.SubPairs != b.SubPairs || a.SkippedBlocks != b.SkippedBlocks || a.SkippedPairs != b.SkippedPairs {
			t.Errorf("totals: Go %+v, %s %+v", a, names[m], b)
		}
	}
	var first int64
	for _, bs := range st[0].Rules {
		first += bs.FirstPairs
	}
	if first != int64(len(got[0])) {
		t.Errorf("first pairs add up to %d, want %d", first, len(got[0]))
	}
	return got[0], st[0]
}

// TestBlockGoLargeBlocksAndNulls: blockGo gives blockOnce's and the
// union's pairs, bits and counts on 1,200 enrolments drawn from a tiny
// vocabulary (blocks of hundreds, sub-blocks over the budget) with NULL
// keys everywhere (no birth date, municipality, organisation or email; a
// surname of vowels has no sound; nullif makes an empty name NULL), by
// rules that compare one column with another (asymmetric: l's surname
// with r's given name) as well as symmetric ones, several keys a rule,
// in two orders, at several budgets.
func TestBlockGoLargeBlocksAndNulls(t *testing.T) {
	w := openTest(t)
	rng := rand.New(rand.NewPCG(11, 3))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	var es []canon.Enrolment
	for i := range 1200 {
		s := rowSpec{file: "a.xlsx", row: i + 2, surname: pick("Rossi", "Rossi", "Mario", "Aie", "", "Bianchi", "Anna"),
			given: pick("Mario", "Anna", "Rossi", "", "Luca"), sex: pick("M", "F"),
			email: pick("", "", "", "a@x.it", "b@x.it"), org: pick("", "Scuola", "Ente")}
		if rng.IntN(4) > 0 {
			s.birth = fmt.Sprintf("19%02d-0%d-1%d", 80+rng.IntN(3), 1+rng.IntN(2), rng.IntN(2))
		}
		e := enrolment(s)
		e.Municipality = pick("", "Cremona", "Crema")
		e.MunicipalityFold = canon.Fold(e.Municipality)
		es = append(es, e)
	}
	insertEnrolments(t, w.DB, es)
	ctx := context.Background()
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := loadRecords(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	addSounds(t, ctx, conn)
	var nulls [5]int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FILTER (birth_date IS NULL), count(*) FILTER (municipality_fold IS NULL), "+
		"count(*) FILTER (email IS NULL), count(*) FILTER (surname_sound IS NULL), count(*) FILTER (surname_fold = '') FROM link_rec").
		Scan(&nulls[0], &nulls[1], &nulls[2], &nulls[3], &nulls[4]); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(nulls[:], 0) {
		t.Fatalf("NULL keys (birth date, municipality, email, sound, empty surname): %v, want some of each", nulls)
	}
	rules := []string{
		"l.surname_fold = r.given_name_fold",
		"nullif(l.surname_fold, '') = nullif(r.surname_fold, '') AND l.municipality_fold = r.municipality_fold",
		"l.birth_date = r.birth_date AND left(l.surname_fold, 1) = left(r.given_name_fold, 1)",
		"l.email = r.email",
		"l.surname_sound = r.surname_sound AND l.organisation_fold = r.organisation_fold",
		"l.given_name_fold = r.surname_fold AND l.surname_fold = r.given_name_fold",
		"l.surname_fold = r.surname_fold",
		"l.municipality_fold = r.municipality_fold AND r.sex = l.sex",
	}
	reversed := slices.Clone(rules)
	slices.Reverse(reversed)
	for _, rs := range [][]string{rules, reversed} {
		for _, max := range []int{3, 12, 60, -1} {
			t.Run(fmt.Sprintf("%s max %d", rs[0], max), func(t *testing.T) {
				_, st := sameBlocking(t, ctx, conn, rs, max)
				if max == 12 && (st.SkippedBlocks == 0 || st.SubPairs == 0) {
					t.Errorf("budget 12: %d sub-block pairs, %d dropped sub-blocks; want some of both", st.SubPairs, st.SkippedBlocks)
				}
			})
		}
	}
}
