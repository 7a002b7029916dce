package link

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// loadDecisions reads the analysts' decisions file (path "" = none).
func loadDecisions(path string) ([]Decision, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening decisions %s: %w", path, err)
	}
	defer f.Close()
	ds, err := ReadDecisions(f)
	if err != nil {
		var pe *PosError
		if errors.As(err, &pe) {
			pe.File = path
		}
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	return ds, nil
}

// decide applies the analysts' decisions, by record key, before the model's
// pairs: "same" unites the two records whatever the model says, "different"
// forbids them in one person. A decided pair that blocking did not produce
// is compared and scored too, for person_links.
func (r *run) decide(ctx context.Context) error {
	r.cl = newClusterer(r.recs)
	decisions := latestDecisions(r.decisions)
	byKey := map[string][]int32{}
	if len(decisions) > 0 {
		for i := range r.recs {
			byKey[r.recs[i].key] = append(byKey[r.recs[i].key], int32(i))
		}
	}
	analyst := map[[2]int32]int8{}
	var order [][2]int32 // in decision order: the same run unites the same way
	for _, d := range decisions {
		ls, rs := byKey[d.Left], byKey[d.Right]
		if len(ls) == 0 || len(rs) == 0 {
			continue
		}
		r.st.Decisions++
		for _, a := range ls {
			for _, b := range rs {
				k := [2]int32{min(a, b), max(a, b)}
				v := int8(-1)
				if d.Same {
					v = 1
				} else {
					r.cl.forbid(a, b)
				}
				if _, ok := analyst[k]; !ok {
					order = append(order, k)
				}
				analyst[k] = v
			}
		}
	}
	for _, k := range order {
		if analyst[k] == 1 {
			r.cl.union(k[0], k[1], true)
		}
	}
	seen := make(map[[2]int32]bool, len(analyst))
	if len(analyst) > 0 {
		for i := range r.scored {
			p := &r.scored[i]
			if v, ok := analyst[[2]int32{p.l, p.r}]; ok {
				p.analyst = v
				seen[[2]int32{p.l, p.r}] = true
			}
		}
	}
	// A decided pair that fit did not keep (blocking did not produce it, or
	// the model gave it less than keepAt) is compared and scored now.
	var s *scratch
	for _, k := range order {
		if !seen[k] {
			if s == nil {
				s = newScratch(r.vals, r.comps)
			}
			p := r.sc.score(s, k[0], k[1])
			p.analyst = analyst[k]
			r.scored = append(r.scored, p)
		}
	}
	return ctx.Err()
}

// Decision is an analyst's verdict on a pair of records, keyed by the record
// keys (content fingerprints) shown in the review workbook, so that it
// survives a province re-sending its file. It wins over the model and over
// the tax-code hard rule.
type Decision struct {
	Left, Right string // record keys
	Same        bool   // "same" (true) or "different" (false)
	Analyst     string
	Date        string // as typed; later dates win when a pair is decided twice
	Note        string
	Line        int // 1-based line in the decisions file
}

// decisionHeader is the decisions file's header, in order.
var decisionHeader = []string{"left", "right", "decision", "analyst", "date", "note"}

// ReadDecisions parses a decisions CSV: a header
// left,right,decision,analyst,date,note then one row per decision; decision
// is same or different (also stessa/stesso, diversa/diverso), in any case.
// Blank lines are skipped; a comma or semicolon separates fields.
func ReadDecisions(r io.Reader) ([]Decision, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading decisions: %w", err)
	}
	text := strings.TrimPrefix(string(b), "\ufeff")
	cr := csv.NewReader(strings.NewReader(text))
	first, _, _ := strings.Cut(text, "\n")
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	var out []Decision
	header := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 1
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = max(pe.StartLine, 1)
			}
			return nil, &PosError{Line: line, Err: fmt.Errorf("%w: %w", ErrBadDecision, err)}
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			if len(rec) < 3 {
				return nil, &PosError{Line: line, Err: fmt.Errorf("%w: want %s", ErrBadHeader, strings.Join(decisionHeader, ","))}
			}
			for i, h := range rec {
				if i < len(decisionHeader) && strings.ToLower(strings.TrimSpace(h)) != decisionHeader[i] {
					return nil, &PosError{Line: line, Err: fmt.Errorf("%w: column %d is not %q", ErrBadHeader, i+1, decisionHeader[i])}
				}
			}
			continue
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		d := Decision{Left: get(0), Right: get(1), Analyst: get(3), Date: get(4), Note: get(5), Line: line}
		if d.Left == "" || d.Right == "" || d.Left == d.Right {
			return nil, &PosError{Line: line, Err: fmt.Errorf("%w: need two different record keys", ErrBadDecision)}
		}
		switch strings.ToLower(get(2)) {
		case "same", "stessa", "stesso", "stessa persona":
			d.Same = true
		case "different", "diversa", "diverso", "diverse":
		default:
			return nil, &PosError{Line: line, Err: fmt.Errorf("%w: decision must be same or different", ErrBadDecision)}
		}
		out = append(out, d)
	}
	if header {
		return nil, &PosError{Line: 1, Err: fmt.Errorf("%w: empty file", ErrBadHeader)}
	}
	return out, nil
}

// latestDecisions keeps, for each unordered pair, the decision with the
// latest date (ties: the later line).
func latestDecisions(ds []Decision) []Decision {
	type pair struct{ a, b string }
	best := map[pair]int{}
	for i, d := range ds {
		k := pair{min(d.Left, d.Right), max(d.Left, d.Right)}
		if j, ok := best[k]; !ok || ds[j].Date <= d.Date {
			best[k] = i
		}
	}
	var out []Decision
	for i, d := range ds {
		k := pair{min(d.Left, d.Right), max(d.Left, d.Right)}
		if best[k] == i {
			out = append(out, d)
		}
	}
	return out
}
