package link

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	queries "github.com/lombardia-orim/correlare/sql"
)

// keyList is one hashed key of the records whose key is not NULL (a NULL
// key value never matches): keys[k] the key of ids[k], in the order read
// (link_rec's, not rid order) until sortByKey sorts them by key and rid.
type keyList struct {
	keys []uint64
	ids  []int32
}

// ruleIndex is what one rule pairs, per record a as the left (lower) side:
// its partners b > a are members[start[a]:] up to the next -1, in rid order
// (members[0] is -1: start 0 is no partner).
type ruleIndex struct {
	members       []int32
	start         []int32
	skippedBlocks int64
	skippedPairs  int64
}

// keyPool hands out the key lists of blockGo, so that the rules' keys reuse
// the memory of the rules done (fresh pages cost more than the sort).
type keyPool struct {
	n    int
	free chan *keyList
}

func (p *keyPool) get() *keyList {
	select {
	case k := <-p.free:
		return k
	default:
		return &keyList{keys: make([]uint64, 0, p.n), ids: make([]int32, 0, p.n)}
	}
}

func (p *keyPool) put(k *keyList) {
	k.keys, k.ids = k.keys[:0], k.ids[:0]
	select {
	case p.free <- k:
	default:
	}
}

// blockScratch is an indexing goroutine's working memory, kept between rules.
type blockScratch struct {
	tmp   keyList
	count []int
	subs  []subRec
}

type subRec struct {
	sub uint64
	id  int32
}

// blockGo is blockOnce done in Go: DuckDB evaluates each rule's keys once
// per record and hashes them exactly as blockOnce does (hashKey, the same
// link_rec, the same hash function: two records share a block here exactly
// when they share it there), and Go groups the records by key (a radix
// sort per rule), cuts the blocks over the budget into sub-blocks by the
// sub key's hash, and lists for each record its partners of higher rid
// under every rule. A pair's rules are those that list it, its first rule
// the lowest of them: the candidates, their bits and the counts per rule are
// blockOnce's, read off per record in (l, r) order without any join.
//
// One difference, in blockOnce's favour of being wrong: blockOnce gives a
// record of a sub-block the key hash(block hash, sub hash), which can
// collide with another block's hash; here a sub-block is the pair (block
// hash, sub hash) itself, which is how both count the sub-blocks. So this
// path has every hash collision blockOnce has (two different key values
// with one 64-bit hash) and none more.
//
// gk (nil: none) evaluates in Go, from the loaded records, the keys it can
// (goKeys: the default rules' all) and the sub key: no query for those.
func blockGo(ctx context.Context, conn *sql.Conn, plans []oncePlan, maxBlock int, log *slog.Logger, gk *goKeys) ([]candidate, []blockStats, error) {
	start, cpu := time.Now(), cpuSeconds()
	lap := func(step string) {
		log.Debug("linkage blocking step", "step", step, "seconds", time.Since(start).Seconds(), "cpu_seconds", cpuSeconds()-cpu)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM link_rec").Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("blocking, counting records: %w", err)
	}
	if gk != nil && len(gk.recs) != n {
		return nil, nil, fmt.Errorf("blocking: %d records loaded, %d in link_rec", len(gk.recs), n)
	}
	goRules := make([]*goRule, len(plans))
	for i, p := range plans {
		goRules[i] = gk.rule(p)
	}
	nw := max(runtime.GOMAXPROCS(0), 1)
	pool := &keyPool{n: n, free: make(chan *keyList, 2*nw+2*blockKeysPerQuery)}
	var bound int64
	var sub []uint64
	var subMask []uint32 // bit i: the record's left key of rule i is in a sub-block kept
	if maxBlock > 0 && gk != nil {
		sub = make([]uint64, n)
		if !goSubKeys(gk.recs, sub) {
			sub = nil
		}
	}
	if maxBlock > 0 {
		bound = int64(maxBlock) * int64(maxBlock)
		subMask = make([]uint32, n)
	}
	if maxBlock > 0 && sub == nil {
		sk := pool.get()
		if err := readKeys(ctx, conn, blockKeysQuery("hash("+subKey("l")+")"), n, []*keyList{sk}); err != nil {
			return nil, nil, fmt.Errorf("blocking, sub keys: %w", err)
		}
		if len(sk.ids) != n {
			return nil, nil, fmt.Errorf("blocking, sub keys: %d of %d", len(sk.ids), n)
		}
		sub = make([]uint64, n)
		for k, id := range sk.ids {
			sub[id] = sk.keys[k]
		}
		pool.put(sk)
	}
	lap("sub keys")
	// DuckDB evaluates the next rules' keys while Go indexes the rules read
	// (at most GOMAXPROCS rules indexed at once, each goroutine with its
	// scratch memory). A query evaluates the keys of a few rules: one
	// query a rule costs DuckDB more, one for all keeps them all in memory.
	idx := make([]*ruleIndex, len(plans))
	scr := make(chan *blockScratch, nw)
	for range nw {
		scr <- &blockScratch{}
	}
	var wg sync.WaitGroup
	for i, gr := range goRules {
		if gr == nil {
			continue
		}
		sym, sc := plans[i].sym, <-scr
		wg.Go(func() {
			kl, kr := pool.get(), (*keyList)(nil)
			gr.keys(n, false, kl)
			if kr = kl; !sym {
				kr = pool.get()
				gr.keys(n, true, kr)
			}
			idx[i] = indexRule(n, i, kl, kr, sym, sub, subMask, bound, sc)
			pool.put(kl)
			if !sym {
				pool.put(kr)
			}
			scr <- sc
		})
	}
	var readErr error
	var sqlRules []int
	for i, gr := range goRules {
		if gr == nil {
			sqlRules = append(sqlRules, i)
		}
	}
	for f := 0; f < len(sqlRules) && readErr == nil; {
		var keys []string
		var lists [][]*keyList
		var rules []int
		for ; f < len(sqlRules) && len(keys) < blockKeysPerQuery; f++ {
			p := plans[sqlRules[f]]
			rules = append(rules, sqlRules[f])
			keys = append(keys, hashKey(p.lkeys))
			kl := []*keyList{pool.get()}
			if !p.sym {
				keys = append(keys, hashKey(p.rkeys))
				kl = append(kl, pool.get())
			}
			lists = append(lists, kl)
		}
		if err := readKeys(ctx, conn, blockKeysQuery(strings.Join(keys, ", ")), n, slices.Concat(lists...)); err != nil {
			readErr = fmt.Errorf("blocking rules %v, keys: %w", rules, err)
			break
		}
		for x, i := range rules {
			p, kl, sc := plans[i], lists[x], <-scr
			wg.Go(func() {
				idx[i] = indexRule(n, i, kl[0], kl[len(kl)-1], p.sym, sub, subMask, bound, sc)
				for _, k := range kl {
					pool.put(k)
				}
				scr <- sc
			})
		}
	}
	wg.Wait()
	if readErr != nil {
		return nil, nil, readErr
	}
	lap("keys and blocks")
	pairs, stats, err := enumeratePairs(ctx, n, idx, subMask, blockChunk)
	if err != nil {
		return nil, nil, err
	}
	lap("pairs")
	return pairs, stats, nil
}

// blockKeysPerQuery is how many keys a query of blockGo evaluates (at
// least; a rule's keys are never split): at 1M records, 8 a query cost
// DuckDB and the reading 1.8 CPU-s, one a query 3.2, all 22 in one 3.5.
const blockKeysPerQuery = 8

// blockKeysQuery is link_block_go_keys with its columns.
func blockKeysQuery(cols string) string {
	return strings.ReplaceAll(queries.Query("link_block_go_keys"), "{{keys}}", cols)
}

// indexRule groups the records by rule i's keys: kl on the left side, kr
// on the right (the same list when sym); both are sorted here. bound > 0
// is the budget on a block's pairs (left records times right records): a
// block over it is cut by the sub key into sub-blocks, those still over it
// dropped and counted, the records of those kept marked in subMask.
func indexRule(n, i int, kl, kr *keyList, sym bool, sub []uint64, subMask []uint32, bound int64, sc *blockScratch) *ruleIndex {
	ix := &ruleIndex{start: make([]int32, n), members: make([]int32, 1, len(kr.ids)+len(kr.ids)/2+1)}
	ix.members[0] = -1
	sc.sortByKey(kl)
	lk, li := kl.keys, kl.ids
	cut := func(lrun, rrun []int32) bool {
		if bound <= 0 || int64(len(lrun))*int64(len(rrun)) <= bound {
			return false
		}
		ix.subBlocks(i, lrun, rrun, sub, subMask, bound, sym, sc)
		return true
	}
	if sym {
		for s := 0; s < len(li); {
			e := s + 1
			for e < len(li) && lk[e] == lk[s] {
				e++
			}
			if run := li[s:e]; !cut(run, run) {
				ix.group(run, run, true)
			}
			s = e
		}
		return ix
	}
	sc.sortByKey(kr)
	rk, ri := kr.keys, kr.ids
	j := 0
	for s := 0; s < len(li); {
		e := s + 1
		for e < len(li) && lk[e] == lk[s] {
			e++
		}
		for j < len(ri) && rk[j] < lk[s] {
			j++
		}
		f := j
		for f < len(ri) && rk[f] == lk[s] {
			f++
		}
		if f > j {
			if lrun, rrun := li[s:e], ri[j:f]; !cut(lrun, rrun) {
				ix.group(lrun, rrun, false)
			}
		}
		j, s = f, e
	}
	return ix
}

// subBlocks cuts a block of rule i over the budget (its left and right
// records, the same slice when sym) by the sub key: a sub-block within the
// budget pairs as a block, one over it is dropped.
func (ix *ruleIndex) subBlocks(i int, lrun, rrun []int32, sub []uint64, subMask []uint32, bound int64, sym bool, sc *blockScratch) {
	sc.sortBySub(lrun, sub)
	if !sym {
		sc.sortBySub(rrun, sub)
	}
	j := 0
	for s := 0; s < len(lrun); {
		h := sub[lrun[s]]
		e := s + 1
		for e < len(lrun) && sub[lrun[e]] == h {
			e++
		}
		f := e
		if sym {
			j = s
		} else {
			for j < len(rrun) && sub[rrun[j]] < h {
				j++
			}
			for f = j; f < len(rrun) && sub[rrun[f]] == h; f++ {
			}
		}
		if f > j {
			ls, rs := lrun[s:e], rrun[j:f]
			if p := int64(len(ls)) * int64(len(rs)); p > bound {
				ix.skippedBlocks++
				ix.skippedPairs += p
			} else {
				for _, a := range ls {
					atomic.OrUint32(&subMask[a], 1<<i)
				}
				ix.group(ls, rs, sym)
			}
		}
		j, s = f, e
	}
}

// group records the pairs of one block (or sub-block): each left record
// pairs with the right records of higher rid. Both are in rid order.
func (ix *ruleIndex) group(lrun, rrun []int32, sym bool) {
	if sym && len(rrun) < 2 {
		return
	}
	base := int32(len(ix.members))
	ix.members = append(ix.members, rrun...)
	ix.members = append(ix.members, -1)
	if sym {
		for k, a := range lrun[:len(lrun)-1] {
			ix.start[a] = base + int32(k) + 1
		}
		return
	}
	k := 0
	for _, a := range lrun {
		for k < len(rrun) && rrun[k] <= a {
			k++
		}
		if k == len(rrun) {
			return
		}
		ix.start[a] = base + int32(k)
	}
}

// sortBySub sorts records in rid order by their sub key, keeping rid order
// among equal sub keys.
func (sc *blockScratch) sortBySub(run []int32, sub []uint64) {
	sc.subs = sc.subs[:0]
	for _, a := range run {
		sc.subs = append(sc.subs, subRec{sub[a], a})
	}
	slices.SortFunc(sc.subs, func(x, y subRec) int {
		if x.sub != y.sub {
			if x.sub < y.sub {
				return -1
			}
			return 1
		}
		return int(x.id - y.id)
	})
	for k, r := range sc.subs {
		run[k] = r.id
	}
}

// sortByKey sorts k by key, and by rid among equal keys: the records, in
// any order (link_rec is not in rid order), are spread by the top bits of
// their key (hashes: the buckets are small and even) and each bucket is
// sorted by key and rid.
func (sc *blockScratch) sortByKey(k *keyList) {
	n := len(k.keys)
	if n < 2 {
		return
	}
	b := max(min(bits.Len(uint(n/8)), 20), 4)
	shift := 64 - uint(b)
	if cap(sc.count) < 1<<b+1 {
		sc.count = make([]int, 1<<b+1)
	}
	count := sc.count[:1<<b+1]
	clear(count)
	for _, v := range k.keys {
		count[v>>shift+1]++
	}
	for d := 1; d < len(count); d++ {
		count[d] += count[d-1]
	}
	if cap(sc.tmp.keys) < n {
		sc.tmp.keys, sc.tmp.ids = make([]uint64, n), make([]int32, n)
	}
	tk, ti := sc.tmp.keys[:n], sc.tmp.ids[:n]
	pos := count[:1<<b]
	for x, v := range k.keys {
		d := v >> shift
		tk[pos[d]], ti[pos[d]] = v, k.ids[x]
		pos[d]++
	}
	// pos[d] is now the end of bucket d, pos[d-1] its start.
	lo := 0
	for d := range pos {
		hi := pos[d]
		if hi-lo > 1 {
			sortKeyList(tk[lo:hi], ti[lo:hi])
		}
		lo = hi
	}
	// The sorted lists become k's, k's memory the blockScratch.
	k.keys, sc.tmp.keys = tk, k.keys[:cap(k.keys)]
	k.ids, sc.tmp.ids = ti, k.ids[:cap(k.ids)]
}

// sortKeyList sorts keys, and ids along with them, by key and then id
// (insertion sort for a few, else a sort of the pairs).
func sortKeyList(keys []uint64, ids []int32) {
	less := func(x, y int) bool { return keys[x] < keys[y] || keys[x] == keys[y] && ids[x] < ids[y] }
	if len(keys) <= 32 {
		for x := 1; x < len(keys); x++ {
			for y := x; y > 0 && less(y, y-1); y-- {
				keys[y], keys[y-1] = keys[y-1], keys[y]
				ids[y], ids[y-1] = ids[y-1], ids[y]
			}
		}
		return
	}
	recs := make([]subRec, len(keys))
	for x := range keys {
		recs[x] = subRec{keys[x], ids[x]}
	}
	slices.SortFunc(recs, func(x, y subRec) int {
		if x.sub != y.sub {
			if x.sub < y.sub {
				return -1
			}
			return 1
		}
		return int(x.id - y.id)
	})
	for x, r := range recs {
		keys[x], ids[x] = r.sub, r.id
	}
}

// blockChunk is how many records an enumerating goroutine takes at a time.
const blockChunk = 1 << 13

// enumeratePairs lists the candidate pairs in (l, r) order, each once with
// the bits of the rules that pair it, on every core, and counts per rule
// its pairs, those it is the first rule of, and those from its sub-blocks
// (subMask), chunk records at a time (blockChunk in use). A first pass
// counts each chunk's pairs, so that the second writes them in place; the
// result does not depend on the schedule. (Listing each chunk's pairs apart
// and joining them, one pass, was tried on 2026-12-02: 13.0 against 9.0
// CPU-s at 1M, the chunks' growing copies and the join cost more fresh
// memory than the second reading of the partners.)
func enumeratePairs(ctx context.Context, n int, idx []*ruleIndex, subMask []uint32, chunk int) ([]candidate, []blockStats, error) {
	chunks := (n + chunk - 1) / chunk
	nw := workers(n, chunk)
	// Pass 1: the distinct partners of each chunk's records (mark[b] = a+1
	// once b is counted for a).
	sizes := make([]int, chunks+1)
	marks := make([][]int32, nw)
	parallelChunks(ctx, n, chunk, func(w, lo, hi int) {
		if marks[w] == nil {
			marks[w] = make([]int32, n)
		}
		mark, c := marks[w], 0
		for a := lo; a < hi; a++ {
			for _, ix := range idx {
				for _, b := range ix.members[ix.start[a]:] {
					if b < 0 {
						break
					}
					if mark[b] != int32(a)+1 {
						mark[b] = int32(a) + 1
						c++
					}
				}
			}
		}
		sizes[lo/chunk+1] = c
	})
	marks = nil
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	for c := range chunks {
		sizes[c+1] += sizes[c]
	}
	pairs := make([]candidate, sizes[chunks])
	// Pass 2: each record's partners under every rule, sorted, their bits
	// together.
	type counts struct{ pairs, first, sub [maxRules]int64 }
	cnt := make([]counts, nw)
	bufs := make([][]uint64, nw)
	parallelChunks(ctx, n, chunk, func(w, lo, hi int) {
		c, buf := &cnt[w], bufs[w]
		res := pairs[sizes[lo/chunk]:sizes[lo/chunk+1]]
		at := 0
		for a := lo; a < hi; a++ {
			buf = buf[:0]
			for i, ix := range idx {
				for _, b := range ix.members[ix.start[a]:] {
					if b < 0 {
						break
					}
					buf = append(buf, uint64(b)<<32|1<<i)
				}
			}
			if len(buf) == 0 {
				continue
			}
			slices.Sort(buf)
			var subs uint32
			if subMask != nil {
				subs = subMask[a]
			}
			for k := 0; k < len(buf); {
				b, m := buf[k]>>32, uint32(buf[k])
				for k++; k < len(buf) && buf[k]>>32 == b; k++ {
					m |= uint32(buf[k])
				}
				res[at] = candidate{l: int32(a), r: int32(b), rules: m}
				at++
				c.first[bits.TrailingZeros32(m)]++
				for x := m; x != 0; x &= x - 1 {
					c.pairs[bits.TrailingZeros32(x)]++
				}
				for x := m & subs; x != 0; x &= x - 1 {
					c.sub[bits.TrailingZeros32(x)]++
				}
			}
		}
		bufs[w] = buf
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	stats := make([]blockStats, len(idx))
	for i, ix := range idx {
		stats[i] = blockStats{Rule: i, SkippedBlocks: ix.skippedBlocks, SkippedPairs: ix.skippedPairs}
		for _, c := range cnt {
			stats[i].Pairs += c.pairs[i]
			stats[i].FirstPairs += c.first[i]
			stats[i].SubPairs += c.sub[i]
		}
	}
	return pairs, stats, nil
}
