package link

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	queries "github.com/lombardia-orim/correlare/sql"
)

// block is the second stage: the candidate pairs of the blocking rules.
func (r *run) block(ctx context.Context) error {
	gk := newGoKeys(r.recs, r.vals, r.comps, r.blank)
	pairs, skipped, err := blockWithMode(ctx, r.conn, r.cfg.Blocking, r.cfg.MaxBlockRecords, r.log, blockInGo, gk)
	if err != nil {
		return err
	}
	r.pairs = pairs
	r.rules = skipped.Rules
	r.st.CandidatePairs = len(pairs)
	r.st.SkippedBlocks, r.st.SkippedPairs = skipped.SkippedBlocks, skipped.SkippedPairs
	r.st.SubBlockPairs = skipped.SubPairs
	releaseMemory()
	r.log.Debug("linkage candidate pairs", "pairs", len(pairs), "sub_block_pairs", r.st.SubBlockPairs, "dropped_sub_blocks", r.st.SkippedBlocks, "dropped_pairs", r.st.SkippedPairs, "seconds", r.elapsed())
	return nil
}

// blockKeys splits a blocking rule into the equalities that key its blocks:
// each top-level conjunct "A = B" where A reads only l. and B only r. (or
// the reverse) gives a key, lkeys[i] evaluated on l and rkeys[i] on r. exact
// says the keys are the whole rule (no other conjunct to check afterwards).
// ok is false when the rule has no such equality.
func blockKeys(rule string) (lkeys, rkeys []string, exact, ok bool) {
	if hasTopLevelOr(rule) {
		return nil, nil, false, false // not a conjunction
	}
	exact = true
	for _, c := range splitTopLevel(rule) {
		a, b, isEq := splitEquality(c)
		la, ra := readsSide(a, "l"), readsSide(a, "r")
		lb, rb := readsSide(b, "l"), readsSide(b, "r")
		switch {
		case isEq && la && !ra && rb && !lb:
			lkeys, rkeys = append(lkeys, a), append(rkeys, b)
		case isEq && ra && !la && lb && !rb:
			lkeys, rkeys = append(lkeys, b), append(rkeys, a)
		default:
			exact = false
		}
	}
	return lkeys, rkeys, exact && len(lkeys) > 0, len(lkeys) > 0
}

// hasTopLevelOr says whether s has an OR keyword outside parentheses and quotes.
func hasTopLevelOr(s string) bool { return len(topLevelKeyword(s, "OR")) > 0 }

// splitTopLevel splits s on the AND keywords outside parentheses and quotes.
func splitTopLevel(s string) []string {
	var out []string
	start := 0
	for _, i := range topLevelKeyword(s, "AND") {
		out = append(out, strings.TrimSpace(s[start:i]))
		start = i + len("AND")
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// topLevelKeyword returns the offsets of the keyword kw (upper case, matched
// case-insensitively as a whole word) outside parentheses and quotes in s.
func topLevelKeyword(s, kw string) []int {
	var at []int
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case depth == 0 && i+len(kw) <= len(s) && strings.EqualFold(s[i:i+len(kw)], kw) &&
			(i == 0 || !isIdent(s[i-1])) && (i+len(kw) == len(s) || !isIdent(s[i+len(kw)])):
			at = append(at, i)
			i += len(kw) - 1
		}
	}
	return at
}

// lowerThanEquals are the keywords that bind less tightly than "=" (or as
// tightly): outside parentheses they make "A = B" something else.
var lowerThanEquals = map[string]bool{"OR": true, "NOT": true, "IS": true, "IN": true, "LIKE": true,
	"ILIKE": true, "BETWEEN": true, "SIMILAR": true, "GLOB": true, "AND": true}

// splitEquality splits "A = B" at its top-level "=" (not <=, >=, !=, ==);
// ok is false unless s is one equality of two expressions.
func splitEquality(s string) (a, b string, ok bool) {
	depth := 0
	var quote byte
	at := -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case depth != 0:
		case ch == '<' || ch == '>' || ch == '!':
			return "", "", false
		case ch == '=':
			if (i+1 < len(s) && s[i+1] == '=') || at >= 0 {
				return "", "", false
			}
			at = i
		case isIdent(ch) && (i == 0 || !isIdent(s[i-1])):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			if lowerThanEquals[strings.ToUpper(s[i:j])] {
				return "", "", false
			}
		}
	}
	if at < 0 {
		return "", "", false
	}
	a, b = strings.TrimSpace(s[:at]), strings.TrimSpace(s[at+1:])
	return a, b, a != "" && b != ""
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var sideRef = map[string]*regexp.Regexp{
	"l": regexp.MustCompile(`(^|[^A-Za-z0-9_."])l\.`),
	"r": regexp.MustCompile(`(^|[^A-Za-z0-9_."])r\.`),
}

// readsSide says whether expression e reads a column of alias side.
func readsSide(e, side string) bool { return sideRef[side].MatchString(e) }

// blockStats is what one blocking rule produced.
type blockStats struct {
	Rule          int          // the rule's index (-1: all rules)
	Pairs         int64        // the rule's pairs (those other rules also produce included)
	FirstPairs    int64        // of Pairs, those no earlier rule produces (blockOnce only)
	SubPairs      int64        // of Pairs, those from sub-blocks of blocks larger than MaxBlockRecords
	SkippedBlocks int64        // sub-blocks still larger than MaxBlockRecords: dropped
	SkippedPairs  int64        // the pairs those sub-blocks would have produced (ordered, approximate)
	Rules         []blockStats // all rules: each rule's own
}

// block runs the blocking rules and returns each candidate pair once, with
// the rules that produce it. A block (the records sharing a rule's key)
// with more than maxBlock records (for a rule comparing different columns
// on each side: whose two sides multiply to more than maxBlock²) is cut
// into sub-blocks by a second key (subKey); a sub-block still too large is
// dropped and counted. When every rule is a conjunction of equalities (the
// default rules, and the extras rules), each rule's keys are evaluated once
// per record (by DuckDB, hashed; in the linkage run by Go from the loaded
// records where it can: goKeys) and Go groups the records and lists the
// pairs, each once with the bits of its rules (blockGo; it gives what
// blockOnce, the same in SQL, gives); otherwise each rule inserts its own
// pairs in DuckDB and the union is de-duplicated.
func block(ctx context.Context, conn *sql.Conn, rules []string, maxBlock int, log *slog.Logger) ([]candidate, blockStats, error) {
	return blockWith(ctx, conn, rules, maxBlock, log, true)
}

// blockWith is block; once false runs every rule on its own and
// de-duplicates the union even when blockGo could run.
func blockWith(ctx context.Context, conn *sql.Conn, rules []string, maxBlock int, log *slog.Logger, once bool) ([]candidate, blockStats, error) {
	mode := blockUnion
	if once {
		mode = blockInGo
	}
	return blockWithMode(ctx, conn, rules, maxBlock, log, mode, nil)
}

// blockMode is how blockWithMode produces the pairs of rules that are all
// conjunctions of equalities (other rules always run as blockUnion).
type blockMode int

const (
	blockInGo   blockMode = iota // blockGo: keys hashed by DuckDB, pairs listed in Go
	blockOnceDB                  // blockOnce: each pair once, by its first rule, in DuckDB
	blockUnion                   // each rule on its own, the union de-duplicated
)

// blockWithMode is block in the given mode (the tests compare the three);
// in blockInGo, gk (nil: none) evaluates the keys it can in Go, from the
// loaded records, and DuckDB the others.
func blockWithMode(ctx context.Context, conn *sql.Conn, rules []string, maxBlock int, log *slog.Logger, mode blockMode, gk *goKeys) ([]candidate, blockStats, error) {
	total := blockStats{Rule: -1}
	if mode != blockInGo {
		gk = nil
	}
	if err := withSounds(ctx, conn, rules, gk); err != nil {
		return nil, total, err
	}
	plans, ok, err := planOnce(ctx, conn, rules, gk)
	if err != nil {
		return nil, total, err
	}
	if !ok {
		mode = blockUnion
		if err := withSounds(ctx, conn, rules, nil); err != nil {
			return nil, total, err
		}
	}
	if mode == blockInGo {
		pairs, stats, err := blockGo(ctx, conn, plans, maxBlock, log, gk)
		if err != nil {
			return nil, total, err
		}
		total.Rules = stats
		total.add(log)
		return pairs, total, nil
	}
	if _, err := conn.ExecContext(ctx, queries.Query("link_pairs")); err != nil {
		return nil, total, fmt.Errorf("preparing blocking: %w", err)
	}
	once := mode == blockOnceDB
	if once {
		if total.Rules, err = blockOnce(ctx, conn, plans, maxBlock, log); err != nil {
			return nil, total, err
		}
	} else {
		for i, rule := range rules {
			bs, err := blockRule(ctx, conn, i, rule, maxBlock)
			if err != nil {
				return nil, total, err
			}
			total.Rules = append(total.Rules, bs)
		}
		if _, err := conn.ExecContext(ctx, queries.Query("link_block_distinct")); err != nil {
			return nil, total, fmt.Errorf("de-duplicating candidate pairs: %w", err)
		}
	}
	total.add(log)
	// Room for the pairs: produced once each, or HyperLogLog's estimate of
	// the distinct pairs (a count of link_pairs would count a pair once per
	// rule).
	count := "SELECT count(*) FROM link_cand"
	if !once {
		count = "SELECT CAST(approx_count_distinct((CAST(l AS BIGINT) << 32) | r) * 1.05 AS BIGINT) FROM link_pairs"
	}
	var n int
	if err := conn.QueryRowContext(ctx, count).Scan(&n); err != nil {
		return nil, total, fmt.Errorf("counting candidate pairs: %w", err)
	}
	pairs, err := readPairs(ctx, conn, n)
	if err != nil {
		return nil, total, fmt.Errorf("reading candidate pairs: %w", err)
	}
	for _, q := range []string{"DROP VIEW link_cand", "DROP TABLE link_pairs"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, total, fmt.Errorf("dropping candidate pairs: %w", err)
		}
	}
	return pairs, total, nil
}

// add sums the rules' counts into total and logs each rule's.
func (total *blockStats) add(log *slog.Logger) {
	for _, bs := range total.Rules {
		total.Pairs += bs.Pairs
		total.SkippedBlocks += bs.SkippedBlocks
		total.SkippedPairs += bs.SkippedPairs
		total.SubPairs += bs.SubPairs
		log.Debug("linkage blocking rule", "rule", bs.Rule, "pairs", bs.Pairs, "first_pairs", bs.FirstPairs, "sub_block_pairs", bs.SubPairs, "dropped_sub_blocks", bs.SkippedBlocks, "dropped_pairs", bs.SkippedPairs)
	}
}

// oncePlan is a rule of blockOnce: the expressions of its equality keys on
// the left side, and on the right side read as left-side columns (so both
// are evaluated on one record); sym when they are the same.
type oncePlan struct {
	lkeys, rkeys []string
	sym          bool
}

// planOnce splits each rule into its keys for blockOnce; ok is false when a
// rule is not a conjunction of equalities, or when an equality's two sides
// have different types (their hashes would differ where SQL's = holds; the
// keys gk evaluates compare values of one kind: not checked).
func planOnce(ctx context.Context, conn *sql.Conn, rules []string, gk *goKeys) ([]oncePlan, bool, error) {
	plans := make([]oncePlan, len(rules))
	var checks []string
	for i, rule := range rules {
		p, ok := planRule(rule)
		if !ok {
			return nil, false, nil
		}
		if gk.rule(p) == nil {
			for k := range p.rkeys {
				if p.rkeys[k] != p.lkeys[k] {
					checks = append(checks, "typeof("+p.lkeys[k]+") = typeof("+p.rkeys[k]+")")
				}
			}
		}
		plans[i] = p
	}
	if len(checks) == 0 {
		return plans, true, nil
	}
	var same bool
	err := conn.QueryRowContext(ctx, "SELECT coalesce(bool_and("+strings.Join(checks, " AND ")+"), true) FROM (SELECT * FROM link_rec LIMIT 1) AS l").Scan(&same)
	if err != nil {
		return nil, false, fmt.Errorf("checking blocking keys: %w", err)
	}
	return plans, same, nil
}

// planRule is one rule's oncePlan; ok false when it is not a conjunction of
// equalities.
func planRule(rule string) (oncePlan, bool) {
	lkeys, rkeys, exact, ok := blockKeys(rule)
	if !ok || !exact {
		return oncePlan{}, false
	}
	p := oncePlan{lkeys: lkeys, sym: true}
	for k := range rkeys {
		p.rkeys = append(p.rkeys, sideRef["r"].ReplaceAllString(rkeys[k], "${1}l."))
		p.sym = p.sym && p.rkeys[k] == lkeys[k]
	}
	return p, true
}

// soundRef finds a rule reading a name's sound.
var soundRef = regexp.MustCompile(`(?i)(surname|given_name)_sound`)

// withSounds adds the names' sounds to link_rec (link_block_sounds.sql)
// when DuckDB is to evaluate a rule that reads them: a rule that is not
// an equality conjunction, or whose keys gk (nil: none) does not evaluate.
// Once: link_rec keeps them.
func withSounds(ctx context.Context, conn *sql.Conn, rules []string, gk *goKeys) error {
	need := false
	for _, rule := range rules {
		if !soundRef.MatchString(rule) {
			continue
		}
		if p, ok := planRule(rule); !ok || gk.rule(p) == nil {
			need = true
		}
	}
	if !need {
		return nil
	}
	var has bool
	if err := conn.QueryRowContext(ctx, "SELECT count(*) > 0 FROM duckdb_columns() WHERE table_name = 'link_rec' AND column_name = 'surname_sound' AND database_name = 'temp'").Scan(&has); err != nil {
		return fmt.Errorf("blocking, names' sounds: %w", err)
	}
	if has {
		return nil
	}
	if _, err := conn.ExecContext(ctx, queries.Query("link_block_sounds")); err != nil {
		return fmt.Errorf("blocking, names' sounds: %w", err)
	}
	return nil
}

// blockOnce inserts into link_pairs each candidate pair once, by the first
// rule that produces it, with the bit mask of all the rules that produce it
// (Splink's way: rule i joins on its key and keeps the pairs on which no
// earlier rule's key agrees). The keys of every rule are evaluated once per
// record and hashed (link_bkeys); the records of blocks too large to compare
// whole get their sub-block's key instead, or none when the sub-block is
// dropped (link_bexc, link_ekeys), so that "an earlier rule produces this
// pair" is one comparison of two integers.
func blockOnce(ctx context.Context, conn *sql.Conn, plans []oncePlan, maxBlock int, log *slog.Logger) ([]blockStats, error) {
	start := time.Now()
	lap := func(step string) {
		log.Debug("linkage blocking step", "step", step, "seconds", time.Since(start).Seconds())
	}
	stats := make([]blockStats, len(plans))
	var keys []string
	for i, p := range plans {
		stats[i].Rule = i
		keys = append(keys, hashKey(p.lkeys)+" AS kl"+strconv.Itoa(i))
		if !p.sym {
			keys = append(keys, hashKey(p.rkeys)+" AS kr"+strconv.Itoa(i))
		}
	}
	q := strings.NewReplacer("{{keys}}", strings.Join(keys, ", "), "{{sub}}", subKey("l")).Replace(queries.Query("link_block_once_keys"))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("blocking keys: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE link_bexc (rule INTEGER, side VARCHAR, rid INTEGER, e UBIGINT)"); err != nil {
		return nil, fmt.Errorf("blocking keys: %w", err)
	}
	lap("keys")
	// Blocks too large: their records' effective keys.
	exc := make([]bool, len(plans))
	bound := int64(maxBlock) * int64(maxBlock)
	for i, p := range plans {
		if maxBlock <= 0 {
			break
		}
		kl, kr := col("kl", i), col("kl", i)
		if !p.sym {
			kr = col("kr", i)
		}
		q := strings.NewReplacer("{{kl}}", kl, "{{kr}}", kr).Replace(queries.Query("link_block_once_big"))
		if _, err := conn.ExecContext(ctx, q, bound); err != nil {
			return nil, fmt.Errorf("blocking rule %d, large blocks: %w", i, err)
		}
		var subs int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*), count(*) FILTER (WHERE pairs > $1), coalesce(sum(pairs) FILTER (WHERE pairs > $1), 0) FROM link_bsub", bound).
			Scan(&subs, &stats[i].SkippedBlocks, &stats[i].SkippedPairs); err != nil {
			return nil, fmt.Errorf("blocking rule %d, large blocks: %w", i, err)
		}
		if subs == 0 {
			continue
		}
		exc[i] = true
		sides := [][2]string{{"l", kl}}
		if !p.sym {
			sides = append(sides, [2]string{"r", kr})
		}
		for _, s := range sides {
			q := strings.ReplaceAll(queries.Query("link_block_once_exc"), "{{k}}", s[1])
			if _, err := conn.ExecContext(ctx, q, i, s[0], bound); err != nil {
				return nil, fmt.Errorf("blocking rule %d, sub-blocks: %w", i, err)
			}
		}
	}
	lap("large blocks")
	// Effective keys.
	var pivot, cols []string
	for i, p := range plans {
		sides := []string{"l"}
		if !p.sym {
			sides = append(sides, "r")
		}
		for _, s := range sides {
			k, e := col("k"+s, i), col("e"+s, i)
			if !exc[i] {
				cols = append(cols, "b."+k+" AS "+e)
				continue
			}
			cond := "rule = " + strconv.Itoa(i) + " AND side = '" + s + "'"
			has, x := col("h"+s, i), col("x"+s, i)
			pivot = append(pivot, "bool_or("+cond+") AS "+has, "max(e) FILTER (WHERE "+cond+") AS "+x)
			cols = append(cols, "CASE WHEN x."+has+" THEN x."+x+" ELSE b."+k+" END AS "+e)
		}
	}
	if len(pivot) == 0 {
		pivot = []string{"count(*) AS n"}
	}
	q = strings.NewReplacer("{{pivot}}", strings.Join(pivot, ", "), "{{cols}}", strings.Join(cols, ", ")).Replace(queries.Query("link_block_once_ekeys"))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("blocking, effective keys: %w", err)
	}
	for _, t := range []string{"link_bkeys", "link_bsub"} {
		if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return nil, fmt.Errorf("blocking: %w", err)
		}
	}
	lap("effective keys")
	// Each rule's new pairs.
	eq := func(j int) string {
		er := col("el", j)
		if !plans[j].sym {
			er = col("er", j)
		}
		return "l." + col("el", j) + " = r." + er
	}
	for i, p := range plans {
		var first, mask []string
		for j := range i {
			first = append(first, "NOT coalesce("+eq(j)+", false)")
		}
		if len(first) == 0 {
			first = []string{"true"}
		}
		mask = append(mask, strconv.FormatInt(int64(1)<<i, 10))
		for j := i + 1; j < len(plans); j++ {
			mask = append(mask, "CASE WHEN "+eq(j)+" THEN "+strconv.FormatInt(int64(1)<<j, 10)+" ELSE 0 END")
		}
		er := col("el", i)
		if !p.sym {
			er = col("er", i)
		}
		q := strings.NewReplacer("{{mask}}", "CAST("+strings.Join(mask, " + ")+" AS BIGINT)", "{{el}}", col("el", i), "{{er}}", er,
			"{{first}}", strings.Join(first, " AND ")).Replace(queries.Query("link_block_once"))
		res, err := conn.ExecContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("blocking rule %d: %w", i, err)
		}
		stats[i].FirstPairs, _ = res.RowsAffected()
		lap("rule " + strconv.Itoa(i))
	}
	// Each rule's pairs (those of earlier rules included) and, for a rule
	// with sub-blocks, those from its sub-blocks.
	var counts []string
	for i := range plans {
		counts = append(counts, "count(*) FILTER (WHERE rules & "+strconv.FormatInt(int64(1)<<i, 10)+" <> 0)")
	}
	args := make([]any, len(plans))
	for i := range plans {
		args[i] = &stats[i].Pairs
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(counts, ", ")+" FROM link_pairs").Scan(args...); err != nil {
		return nil, fmt.Errorf("counting pairs per rule: %w", err)
	}
	rows, err := conn.QueryContext(ctx, "SELECT x.rule, count(*) FROM link_pairs AS p JOIN link_bexc AS x ON x.rid = p.l AND x.side = 'l' AND x.e IS NOT NULL "+
		"WHERE p.rules & (CAST(1 AS BIGINT) << x.rule) <> 0 GROUP BY x.rule")
	if err != nil {
		return nil, fmt.Errorf("counting sub-block pairs: %w", err)
	}
	for rows.Next() {
		var i int
		var n int64
		if err := rows.Scan(&i, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("counting sub-block pairs: %w", err)
		}
		stats[i].SubPairs = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting sub-block pairs: %w", err)
	}
	for _, t := range []string{"link_bexc", "link_ekeys"} {
		if _, err := conn.ExecContext(ctx, "DROP TABLE "+t); err != nil {
			return nil, fmt.Errorf("blocking: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, queries.Query("link_block_once_cand")); err != nil {
		return nil, fmt.Errorf("blocking: %w", err)
	}
	return stats, nil
}

func col(prefix string, i int) string { return prefix + strconv.Itoa(i) }

// hashKey is the hash of a rule's key expressions on one record, NULL when
// one of them is NULL.
func hashKey(keys []string) string {
	var notNull []string
	for _, k := range keys {
		notNull = append(notNull, "("+k+") IS NOT NULL")
	}
	return "CASE WHEN " + strings.Join(notNull, " AND ") + " THEN hash(" + strings.Join(keys, ", ") + ") END"
}

// blockRule inserts the pairs of rule i into link_pairs.
func blockRule(ctx context.Context, conn *sql.Conn, i int, rule string, maxBlock int) (blockStats, error) {
	bs := blockStats{Rule: i}
	lkeys, rkeys, exact, ok := blockKeys(rule)
	var q string
	if !ok || maxBlock <= 0 {
		q = strings.ReplaceAll(queries.Query("link_block"), "{{condition}}", rule)
	} else {
		var lsel, rsel, names []string
		for k := range lkeys {
			name := "k" + strconv.Itoa(k)
			lsel = append(lsel, lkeys[k]+" AS "+name)
			rsel = append(rsel, rkeys[k]+" AS "+name)
			names = append(names, name)
		}
		keys := strings.Join(names, ", ")
		cap := strconv.FormatInt(int64(maxBlock)*int64(maxBlock), 10)
		bigQ := strings.NewReplacer("{{lkeys}}", strings.Join(lsel, ", "), "{{rkeys}}", strings.Join(rsel, ", "),
			"{{keys}}", keys, "{{max}}", cap).Replace(queries.Query("link_block_big"))
		if _, err := conn.ExecContext(ctx, bigQ); err != nil {
			return bs, fmt.Errorf("blocking rule %d: %w", i, err)
		}
		var big int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM link_big").Scan(&big); err != nil {
			return bs, fmt.Errorf("blocking rule %d: %w", i, err)
		}
		from := "p"
		if !exact {
			from = "p JOIN link_rec AS l ON l.rid = p.l JOIN link_rec AS r ON r.rid = p.r WHERE " + rule
		}
		rep := strings.NewReplacer("{{lkeys}}", strings.Join(lsel, ", "), "{{rkeys}}", strings.Join(rsel, ", "),
			"{{keys}}", keys, "{{from}}", from, "{{lsub}}", subKey("l"), "{{rsub}}", subKey("r"))
		q = rep.Replace(queries.Query("link_block_keyed"))
		if big > 0 {
			bound := int64(maxBlock) * int64(maxBlock)
			res, err := conn.ExecContext(ctx, rep.Replace(queries.Query("link_block_sub")), i, bound)
			if err != nil {
				return bs, fmt.Errorf("blocking rule %d, sub-blocks: %w", i, err)
			}
			bs.SubPairs, _ = res.RowsAffected()
			if err := conn.QueryRowContext(ctx, rep.Replace(queries.Query("link_block_sub_dropped")), bound).Scan(&bs.SkippedBlocks, &bs.SkippedPairs); err != nil {
				return bs, fmt.Errorf("blocking rule %d, sub-blocks: %w", i, err)
			}
		}
	}
	res, err := conn.ExecContext(ctx, q, i)
	if err != nil {
		return bs, fmt.Errorf("blocking rule %d: %w", i, err)
	}
	bs.Pairs, _ = res.RowsAffected()
	bs.Pairs += bs.SubPairs
	return bs, nil
}

// subKey is the second key that cuts a large block into sub-blocks, on side
// alias: the birth year and the two name initials in either order ("" for a
// missing one).
func subKey(alias string) string {
	s := "left(coalesce(" + alias + ".surname_fold, ''), 1)"
	g := "left(coalesce(" + alias + ".given_name_fold, ''), 1)"
	return "concat_ws('|', coalesce(CAST(year(" + alias + ".birth_date) AS VARCHAR), ''), least(" + s + ", " + g + "), greatest(" + s + ", " + g + "))"
}
