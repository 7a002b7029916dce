package link

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	queries "github.com/lombardia-orim/correlare/sql"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// assignIDs is the seventh stage: the components become persons with
// stable ids (see the package doc), and the pairs left apart that deserve
// an analyst's look are counted.
func (r *run) assignIDs(ctx context.Context) error {
	r.members = r.cl.members()
	previous, err := loadPrevious(ctx, r.conn)
	if err != nil {
		return err
	}
	r.previous = previous
	r.ids, r.events = assignIDs(r.recs, r.members, previous)
	r.personOf = make([]int32, len(r.recs))
	for ci, ms := range r.members {
		for _, m := range ms {
			r.personOf[m] = int32(ci)
		}
		if len(ms) > 1 {
			r.st.PersonsMulti++
		}
	}
	r.st.Persons = len(r.members)
	for _, e := range r.events {
		switch e.kind {
		case "new":
			r.st.New++
		case "merge":
			r.st.Merges++
		case "split":
			r.st.Splits++
		case "retired":
			r.st.Retired++
		}
	}
	for i := range r.scored {
		p := &r.scored[i]
		if r.personOf[p.l] != r.personOf[p.r] && p.analyst == 0 && (p.blocked != 0 && p.blocked != reasonCode("tax_code") ||
			p.prob >= r.cfg.ReviewThreshold && p.prob < r.cfg.MatchThreshold) {
			r.st.ReviewPairs++
		}
	}
	releaseMemory()
	r.log.Debug("linkage clustered", "persons", r.st.Persons, "multi", r.st.PersonsMulti, "merges", r.st.Merges, "splits", r.st.Splits, "seconds", r.elapsed())
	return nil
}

// event is a row of person_events.
type event struct {
	kind     string
	personID string
	ids      []string
	detail   string
}

// assignIDs gives each component (members by rid) its person_id following the
// stable-id rule of the package doc. previous lists the previous run's
// person ids oldest first. It returns the id of each component and the events.
func assignIDs(recs []record, comps [][]int32, previous []string) ([]string, []event) {
	age := make(map[string]int, len(previous))
	for i, p := range previous {
		age[p] = i
	}
	ageOf := func(p string) int {
		if a, ok := age[p]; ok {
			return a
		}
		return len(previous) // unknown ids rank as the newest
	}
	type claim struct {
		comp  int
		id    string
		count int
		age   int // ageOf(id), once: the sort compares it n log n times
	}
	var claims []claim
	prevComps := map[string][]int{} // previous id → components holding its rows
	for ci, members := range comps {
		counts := map[string]int{}
		for _, m := range members {
			if p := recs[m].prev; p != "" {
				counts[p]++
			}
		}
		for p, n := range counts {
			claims = append(claims, claim{ci, p, n, ageOf(p)})
			prevComps[p] = append(prevComps[p], ci)
		}
	}
	slices.SortFunc(claims, func(a, b claim) int { // a total order: any sort gives the same
		if a.count != b.count {
			return cmp.Compare(b.count, a.count)
		}
		if a.age != b.age {
			return cmp.Compare(a.age, b.age)
		}
		if a.id != b.id {
			return strings.Compare(a.id, b.id)
		}
		return cmp.Compare(a.comp, b.comp)
	})
	ids := make([]string, len(comps))
	used := make(map[string]bool, len(previous)+len(comps)) // sized once: it holds every id
	for _, p := range previous {
		used[p] = true
	}
	for p := range prevComps {
		used[p] = true
	}
	kept := map[string]bool{}
	for _, c := range claims {
		if ids[c.comp] != "" || kept[c.id] {
			continue
		}
		ids[c.comp] = c.id
		kept[c.id] = true
	}
	fresh := 0 // components without a previous id: each gets a new one, most a "new" event
	for _, id := range ids {
		if id == "" {
			fresh++
		}
	}
	var events []event
	if fresh > 0 {
		events = make([]event, 0, fresh)
	}
	for ci, members := range comps {
		if ids[ci] != "" {
			continue
		}
		minKey := recs[members[0]].key
		for _, m := range members {
			minKey = min(minKey, recs[m].key)
		}
		for salt := 0; ; salt++ {
			sum := sha256.Sum256([]byte(minKey + "#" + strconv.Itoa(salt)))
			id := "P" + hex.EncodeToString(sum[:6])[:11] // 11 hex digits: 6 bytes encoded, not 32
			if !used[id] {
				ids[ci] = id
				used[id] = true
				break
			}
		}
		if len(prevIDs(recs, members)) == 0 {
			events = append(events, event{kind: "new", personID: ids[ci], ids: []string{ids[ci]}})
		}
	}
	for ci, members := range comps {
		if ps := prevIDs(recs, members); len(ps) > 1 {
			events = append(events, event{kind: "merge", personID: ids[ci], ids: ps,
				detail: strconv.Itoa(len(ps)) + " previous persons joined"})
		}
	}
	var splitIDs []string
	for p, cs := range prevComps {
		if len(cs) > 1 {
			splitIDs = append(splitIDs, p)
		}
	}
	sort.Strings(splitIDs)
	for _, p := range splitIDs {
		var parts []string
		for _, ci := range prevComps[p] {
			parts = append(parts, ids[ci])
		}
		sort.Strings(parts)
		events = append(events, event{kind: "split", personID: p, ids: parts,
			detail: strconv.Itoa(len(parts)) + " parts"})
	}
	retired := map[string]bool{}
	for _, p := range previous {
		retired[p] = !kept[p]
	}
	for p := range prevComps {
		retired[p] = !kept[p]
	}
	var gone []string
	for p, r := range retired {
		if r {
			gone = append(gone, p)
		}
	}
	sort.Strings(gone)
	for _, p := range gone {
		e := event{kind: "retired", personID: p, ids: []string{p}, detail: "no rows left"}
		if cs := prevComps[p]; len(cs) > 0 {
			e.ids = nil
			for _, ci := range cs {
				e.ids = append(e.ids, ids[ci])
			}
			sort.Strings(e.ids)
			e.detail = "rows now in other persons"
		}
		events = append(events, e)
	}
	return ids, events
}

// prevIDs lists the distinct previous person ids of members, sorted.
func prevIDs(recs []record, members []int32) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range members {
		if p := recs[m].prev; p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func loadPrevious(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("link_previous"))
	if err != nil {
		return nil, fmt.Errorf("reading previous persons: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, first string
		if err := rows.Scan(&id, &first); err != nil {
			return nil, fmt.Errorf("reading previous persons: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
