package link

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lombardia-orim/correlare/demo"
)

// TestSortByKey: records in any order come out sorted by key and, among
// equal keys, by rid (what indexRule's groups need), at sizes under and
// over the insertion sort's and with few or many distinct keys.
func TestSortByKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	sc := &blockScratch{}
	for _, n := range []int{0, 1, 2, 31, 33, 500, 20_000} {
		for _, distinct := range []int{1, 3, 50, 1 << 30} {
			var k keyList
			for _, id := range rng.Perm(n) {
				// Keys like hashes (spread over the top bits), some equal.
				k.keys = append(k.keys, uint64(rng.IntN(distinct))*0x9E3779B97F4A7C15)
				k.ids = append(k.ids, int32(id))
			}
			want := make([]subRec, n)
			for x := range k.keys {
				want[x] = subRec{k.keys[x], k.ids[x]}
			}
			slices.SortFunc(want, func(a, b subRec) int {
				if a.sub != b.sub {
					if a.sub < b.sub {
						return -1
					}
					return 1
				}
				return int(a.id - b.id)
			})
			sc.sortByKey(&k)
			for x := range want {
				if k.keys[x] != want[x].sub || k.ids[x] != want[x].id {
					t.Fatalf("n %d, %d keys: position %d is (%x, %d), want (%x, %d)", n, distinct, x, k.keys[x], k.ids[x], want[x].sub, want[x].id)
				}
			}
		}
	}
}

// TestBlockGoUnsorted: link_rec is not in rid order (its table order is
// the enrolments'), and blockGo's pairs, bits and counts are blockOnce's
// and the union's whatever order link_rec is in.
func TestBlockGoUnsorted(t *testing.T) {
	conn, _ := loadedSynthetic(t, 2000, 9, demo.NoiseHeavy)
	ctx := context.Background()
	for _, order := range []string{"", "hash(rid * 7919)", "rid DESC", "rid"} {
		if order != "" {
			if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE link_rec AS SELECT * FROM link_rec ORDER BY "+order); err != nil {
				t.Fatal(err)
			}
		}
		var inOrder bool
		if err := conn.QueryRowContext(ctx, "SELECT bool_and(rid = rn) FROM (SELECT rid, row_number() OVER () - 1 AS rn FROM link_rec)").Scan(&inOrder); err != nil {
			t.Fatal(err)
		}
		if inOrder != (order == "rid") {
			t.Fatalf("link_rec ordered by %q: in rid order %v", order, inOrder)
		}
		t.Run(fmt.Sprintf("order by %q", order), func(t *testing.T) {
			sameBlocking(t, ctx, conn, DefaultBlocking, 10)
		})
	}
}
