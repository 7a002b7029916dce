package link

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// refComponents is how the components were listed before members(): a map
// by root, its roots sorted, each one's members appended in rid order.
func refComponents(c *clusterer) [][]int32 {
	byRoot := make(map[int32][]int32)
	for i := range c.parent {
		r := c.find(int32(i))
		byRoot[r] = append(byRoot[r], int32(i))
	}
	roots := make([]int32, 0, len(byRoot))
	for root := range byRoot {
		roots = append(roots, root)
	}
	sort.Slice(roots, func(a, b int) bool { return roots[a] < roots[b] })
	out := make([][]int32, len(roots))
	for i, root := range roots {
		out[i] = byRoot[root]
	}
	return out
}

// TestMembersSameAsRef: members() lists the components, and their members,
// in the order the map by root did, for random unions (some refused by
// conflicting tax codes), and appending to one component leaves the next
// one alone.
func TestMembersSameAsRef(t *testing.T) {
	for _, n := range []int{0, 1, 2, 17, 1000, 20000} {
		rng := rand.New(rand.NewPCG(uint64(n), 3))
		recs := make([]record, n)
		for i := range recs {
			if rng.IntN(3) == 0 {
				recs[i].taxValid, recs[i].taxKey = true, []string{"A", "B", "C"}[rng.IntN(3)]
			}
		}
		c := newClusterer(recs)
		for k := 0; k < n*3/4; k++ {
			c.union(int32(rng.IntN(n)), int32(rng.IntN(n)), rng.IntN(10) == 0)
		}
		got, want := c.members(), refComponents(c)
		if n > 2 && len(want) == n {
			t.Fatalf("n=%d: no union held: the comparison would prove little", n)
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("n=%d: members differ from the reference", n)
		}
		if len(got) > 1 {
			next := append([]int32(nil), got[1]...)
			got[0] = append(got[0], -1)
			if !reflect.DeepEqual(got[1], next) {
				t.Fatalf("n=%d: appending to a component changed the next", n)
			}
		}
	}
}
