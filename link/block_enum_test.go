package link

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEnumeratePairsChunks lists the pairs of random rules (symmetric and
// not, keys in blocks of every size, records without a key) with chunks of
// every size, so that the records' chunks, listed apart and joined, are
// checked against a plain listing of every pair: the same pairs in (l, r)
// order, each once with its rules' bits, and the same counts per rule.
func TestEnumeratePairsChunks(t *testing.T) {
	const n = 3000
	rng := rand.New(rand.NewPCG(5, 8))
	type rule struct {
		sym         bool
		left, right map[int32]uint64 // a record's key on each side; absent: NULL
	}
	var rules []rule
	for i := range 5 {
		r := rule{sym: i%2 == 0, left: map[int32]uint64{}, right: map[int32]uint64{}}
		keys := uint64(3 + rng.IntN(400)) // from a few huge blocks to many small ones
		for id := range int32(n) {
			if rng.IntN(5) > 0 {
				r.left[id] = 1 + rng.Uint64N(keys)
			}
			if !r.sym && rng.IntN(5) > 0 {
				r.right[id] = 1 + rng.Uint64N(keys)
			}
		}
		if r.sym {
			r.right = r.left
		}
		rules = append(rules, r)
	}
	list := func(m map[int32]uint64) *keyList {
		k := &keyList{}
		for _, id := range rng.Perm(n) { // in no particular order, as read
			if v, ok := m[int32(id)]; ok {
				k.keys = append(k.keys, v)
				k.ids = append(k.ids, int32(id))
			}
		}
		return k
	}
	// What every chunk size must give: each pair a < b whose keys meet.
	want := map[[2]int32]uint32{}
	var wantPairs, wantFirst [maxRules]int64
	for i, r := range rules {
		for a := range int32(n) {
			for b := a + 1; b < n; b++ {
				ka, oka := r.left[a]
				kb, okb := r.right[b]
				if oka && okb && ka == kb {
					want[[2]int32{a, b}] |= 1 << i
					wantPairs[i]++
				}
			}
		}
	}
	var wantList []candidate
	for p, m := range want {
		wantList = append(wantList, candidate{l: p[0], r: p[1], rules: m})
		wantFirst[bits.TrailingZeros32(m)]++
	}
	slices.SortFunc(wantList, func(x, y candidate) int {
		if x.l != y.l {
			return int(x.l - y.l)
		}
		return int(x.r - y.r)
	})
	if len(wantList) < 10000 {
		t.Fatalf("only %d pairs: the test's rules pair too little", len(wantList))
	}
	var idx []*ruleIndex
	sc := &blockScratch{}
	for i, r := range rules {
		idx = append(idx, indexRule(n, i, list(r.left), list(r.right), r.sym, nil, nil, 0, sc))
	}
	for _, chunk := range []int{blockChunk, n, n - 1, 1000, 7, 1} {
		t.Run(fmt.Sprint("chunk ", chunk), func(t *testing.T) {
			got, stats, err := enumeratePairs(context.Background(), n, idx, nil, chunk)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, wantList) {
				t.Fatalf("%d pairs, want %d; first difference at %d", len(got), len(wantList), firstDiff(got, wantList))
			}
			for i := range rules {
				if stats[i].Pairs != wantPairs[i] || stats[i].FirstPairs != wantFirst[i] {
					t.Errorf("rule %d: %d pairs, %d first; want %d, %d", i, stats[i].Pairs, stats[i].FirstPairs, wantPairs[i], wantFirst[i])
				}
			}
		})
	}
}

func firstDiff(a, b []candidate) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
