package link

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	queries "github.com/lombardia-orim/correlare/sql"
)

// block is the second stage: the candidate pairs of the blocking rules.
func (r *run) block(ctx context.Context) error {
	pairs, skipped, err := block(ctx, r.conn, r.cfg.Blocking, r.cfg.MaxBlockRecords, r.log)
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
	Pairs         int64        // pairs inserted (before de-duplication across rules)
	SubPairs      int64        // of Pairs, those from sub-blocks of blocks larger than MaxBlockRecords
	SkippedBlocks int64        // sub-blocks still larger than MaxBlockRecords: dropped
	SkippedPairs  int64        // the pairs those sub-blocks would have produced (ordered, approximate)
	Rules         []blockStats // all rules: each rule's own
}

// block runs the blocking rules in DuckDB and returns each candidate pair
// once, with the rules that produced it. A block (the records sharing a
// rule's key) with more than maxBlock records (for a rule comparing
// different columns on each side: whose two sides multiply to more than
// maxBlock²) is skipped and counted in the log: its pairs grow
// quadratically with the data, and a true match in it is expected to be
// found by a more selective rule.
func block(ctx context.Context, conn *sql.Conn, rules []string, maxBlock int, log *slog.Logger) ([]pairScore, blockStats, error) {
	total := blockStats{Rule: -1}
	if _, err := conn.ExecContext(ctx, queries.Query("link_pairs")); err != nil {
		return nil, total, fmt.Errorf("preparing blocking: %w", err)
	}
	for i, rule := range rules {
		bs, err := blockRule(ctx, conn, i, rule, maxBlock)
		if err != nil {
			return nil, total, err
		}
		total.Pairs += bs.Pairs
		total.SkippedBlocks += bs.SkippedBlocks
		total.SkippedPairs += bs.SkippedPairs
		total.Rules = append(total.Rules, bs)
		total.SubPairs += bs.SubPairs
		log.Debug("linkage blocking rule", "rule", i, "pairs", bs.Pairs, "sub_block_pairs", bs.SubPairs, "dropped_sub_blocks", bs.SkippedBlocks, "dropped_pairs", bs.SkippedPairs)
	}
	// Room for the pairs: HyperLogLog's estimate of the distinct pairs (a
	// count of link_pairs would count a pair once per rule).
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT CAST(approx_count_distinct((CAST(l AS BIGINT) << 32) | r) * 1.05 AS BIGINT) FROM link_pairs").Scan(&n); err != nil {
		return nil, total, fmt.Errorf("counting candidate pairs: %w", err)
	}
	pairs, err := readPairs(ctx, conn, n)
	if err != nil {
		return nil, total, fmt.Errorf("reading candidate pairs: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "DROP TABLE link_pairs"); err != nil {
		return nil, total, fmt.Errorf("dropping candidate pairs: %w", err)
	}
	return pairs, total, nil
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
