package link

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// refAssignIDs is assignIDs as it was before the claims carried their age
// (main at b47ff24), for TestAssignIDsSameAsRef.
func refAssignIDs(recs []record, comps [][]int32, previous []string) ([]string, []event) {
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
			claims = append(claims, claim{ci, p, n})
			prevComps[p] = append(prevComps[p], ci)
		}
	}
	sort.Slice(claims, func(i, j int) bool {
		a, b := claims[i], claims[j]
		if a.count != b.count {
			return a.count > b.count
		}
		if ageOf(a.id) != ageOf(b.id) {
			return ageOf(a.id) < ageOf(b.id)
		}
		if a.id != b.id {
			return a.id < b.id
		}
		return a.comp < b.comp
	})
	ids := make([]string, len(comps))
	used := map[string]bool{}
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
	var events []event
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
			id := "P" + hex.EncodeToString(sum[:])[:11]
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
// TestAssignIDsSameAsRef: the ids and events of random components whose
// records hold previous person ids (merged, split, retired, unknown ids,
// ties in count and age) are the reference's.
func TestAssignIDsSameAsRef(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 9))
		n := 50 + rng.IntN(2000)
		recs := make([]record, n)
		for i := range recs {
			recs[i].key = fmt.Sprintf("k%06d", rng.IntN(n))
			if rng.IntN(4) > 0 {
				recs[i].prev = fmt.Sprintf("P%03d", rng.IntN(n/3+1))
			}
		}
		perm := rng.Perm(n)
		var comps [][]int32
		for i := 0; i < n; {
			k := min(n-i, 1+rng.IntN(4))
			var c []int32
			for _, m := range perm[i : i+k] {
				c = append(c, int32(m))
			}
			sort.Slice(c, func(a, b int) bool { return c[a] < c[b] })
			comps = append(comps, c)
			i += k
		}
		var previous []string
		for _, p := range rng.Perm(n/3 + 5) {
			previous = append(previous, fmt.Sprintf("P%03d", p))
		}
		gotIDs, gotEv := assignIDs(recs, comps, previous)
		wantIDs, wantEv := refAssignIDs(recs, comps, previous)
		if !reflect.DeepEqual(gotIDs, wantIDs) || !reflect.DeepEqual(gotEv, wantEv) {
			t.Fatalf("seed %d: ids or events differ from the reference", seed)
		}
		kinds := map[string]int{}
		for _, e := range gotEv {
			kinds[e.kind]++
		}
		if seed == 0 && (kinds["merge"] == 0 || kinds["split"] == 0 || kinds["new"] == 0) {
			t.Fatalf("events %v: the comparison would prove little", kinds)
		}
	}
}
