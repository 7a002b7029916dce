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
	"time"

	queries "github.com/lombardia-orim/correlare/sql"
)

// keyCol is one hashed key per record (indexed by rid): ok[rid] false when
// the key is NULL (a NULL key value never matches). ok nil: none is NULL.
type keyCol struct {
	v  []uint64
	ok []bool
}

func (k keyCol) valid(i int) bool { return k.ok == nil || k.ok[i] }

// ruleIndex is what one rule pairs, per record a as the left (lower) side:
// its partners b > a are members[start[a]:end[a]], in rid order.
type ruleIndex struct {
	members    []int32
	start, end []int32
	// sub marks the records whose left key is in a block over the budget
	// and in a sub-block kept: their pairs of this rule are sub-block pairs.
	sub           []bool
	skippedBlocks int64
	skippedPairs  int64
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
func blockGo(ctx context.Context, conn *sql.Conn, plans []oncePlan, maxBlock int, log *slog.Logger) ([]candidate, []blockStats, error) {
	start, cpu := time.Now(), cpuSeconds()
	lap := func(step string) {
		log.Debug("linkage blocking step", "step", step, "seconds", time.Since(start).Seconds(), "cpu_seconds", cpuSeconds()-cpu)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM link_rec").Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("blocking, counting records: %w", err)
	}
	var bound int64
	var sub []uint64
	if maxBlock > 0 {
		bound = int64(maxBlock) * int64(maxBlock)
		cols, err := readKeys(ctx, conn, blockKeysQuery("hash("+subKey("l")+")"), n, 1)
		if err != nil {
			return nil, nil, fmt.Errorf("blocking, sub keys: %w", err)
		}
		sub = cols[0].v
	}
	lap("sub keys")
	// DuckDB evaluates rule i+1's keys while Go indexes rule i (at most
	// GOMAXPROCS rules indexed at once).
	idx := make([]*ruleIndex, len(plans))
	sem := make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	var wg sync.WaitGroup
	var readErr error
	for i, p := range plans {
		keys := []string{hashKey(p.lkeys)}
		if !p.sym {
			keys = append(keys, hashKey(p.rkeys))
		}
		cols, err := readKeys(ctx, conn, blockKeysQuery(strings.Join(keys, ", ")), n, len(keys))
		if err != nil {
			readErr = fmt.Errorf("blocking rule %d, keys: %w", i, err)
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			kr := cols[0]
			if !p.sym {
				kr = cols[1]
			}
			idx[i] = indexRule(n, cols[0], kr, p.sym, sub, bound)
		})
	}
	wg.Wait()
	if readErr != nil {
		return nil, nil, readErr
	}
	lap("keys and blocks")
	pairs, stats, err := enumeratePairs(ctx, n, idx)
	if err != nil {
		return nil, nil, err
	}
	lap("pairs")
	return pairs, stats, nil
}

// blockKeysQuery is link_block_go_keys with its columns.
func blockKeysQuery(cols string) string {
	return strings.ReplaceAll(queries.Query("link_block_go_keys"), "{{keys}}", cols)
}

// indexRule groups the records by the rule's keys: kl on the left side, kr
// on the right (the same column when sym). bound > 0 is the budget on a
// block's pairs (left records times right records): a block over it is cut
// by the sub key into sub-blocks, those still over it dropped and counted.
func indexRule(n int, kl, kr keyCol, sym bool, sub []uint64, bound int64) *ruleIndex {
	ix := &ruleIndex{start: make([]int32, n), end: make([]int32, n)}
	if bound > 0 {
		ix.sub = make([]bool, n)
	}
	lk, li := sortedKeys(kl)
	if sym {
		for s := 0; s < len(li); {
			e := s + 1
			for e < len(li) && lk[e] == lk[s] {
				e++
			}
			run := li[s:e]
			if m := int64(len(run)); bound > 0 && m*m > bound {
				ix.subBlocks(run, run, sub, bound, true)
			} else {
				ix.group(run, run, true)
			}
			s = e
		}
		return ix
	}
	rk, ri := sortedKeys(kr)
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
			lrun, rrun := li[s:e], ri[j:f]
			if bound > 0 && int64(len(lrun))*int64(len(rrun)) > bound {
				ix.subBlocks(lrun, rrun, sub, bound, false)
			} else {
				ix.group(lrun, rrun, false)
			}
		}
		j, s = f, e
	}
	return ix
}

// subBlocks cuts a block over the budget (its left and right records,
// the same slice when sym) by the sub key: a sub-block within the budget
// pairs as a block, one over it is dropped.
func (ix *ruleIndex) subBlocks(lrun, rrun []int32, sub []uint64, bound int64, sym bool) {
	sortBySub(lrun, sub)
	if !sym {
		sortBySub(rrun, sub)
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
					ix.sub[a] = true
				}
				ix.group(ls, rs, sym)
			}
		}
		j, s = f, e
	}
}

// sortBySub sorts records in rid order by their sub key, keeping rid order
// among equal sub keys.
func sortBySub(run []int32, sub []uint64) {
	keys := make([]uint64, len(run))
	for k, a := range run {
		keys[k] = sub[a]
	}
	radixSort(keys, run)
}

// group records the pairs of one block (or sub-block): each left record
// pairs with the right records of higher rid. Both are in rid order.
func (ix *ruleIndex) group(lrun, rrun []int32, sym bool) {
	if sym && len(rrun) < 2 {
		return
	}
	base := int32(len(ix.members))
	ix.members = append(ix.members, rrun...)
	end := base + int32(len(rrun))
	if sym {
		for k, a := range lrun {
			ix.start[a], ix.end[a] = base+int32(k)+1, end
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
		ix.start[a], ix.end[a] = base+int32(k), end
	}
}

// sortedKeys returns the records with a key (not NULL), sorted by key and
// then rid (a stable radix sort of the records in rid order).
func sortedKeys(k keyCol) ([]uint64, []int32) {
	keys := make([]uint64, 0, len(k.v))
	ids := make([]int32, 0, len(k.v))
	for i, v := range k.v {
		if k.valid(i) {
			keys = append(keys, v)
			ids = append(ids, int32(i))
		}
	}
	radixSort(keys, ids)
	return keys, ids
}

// radixSort sorts keys, and ids along with them, by key: a least
// significant digit radix sort, stable, a byte at a time.
func radixSort(keys []uint64, ids []int32) {
	n := len(keys)
	if n < 2 {
		return
	}
	tk, ti := make([]uint64, n), make([]int32, n)
	src, dst := keys, tk
	srcI, dstI := ids, ti
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, v := range src {
			count[byte(v>>shift)]++
		}
		if count[byte(src[0]>>shift)] == n {
			continue // every key has this byte: the order stays
		}
		pos := 0
		for d := range count {
			count[d], pos = pos, pos+count[d]
		}
		for i, v := range src {
			d := byte(v >> shift)
			dst[count[d]], dstI[count[d]] = v, srcI[i]
			count[d]++
		}
		src, dst = dst, src
		srcI, dstI = dstI, srcI
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
		copy(ids, srcI)
	}
}

// blockChunk is how many records an enumerating goroutine takes at a time.
const blockChunk = 1 << 13

// enumeratePairs lists the candidate pairs in (l, r) order, each once with
// the bits of the rules that pair it, on every core, and counts per rule
// its pairs, those it is the first rule of, and those from its sub-blocks.
// A first pass counts each chunk's pairs, so that the second writes them
// in place; the result does not depend on the schedule.
func enumeratePairs(ctx context.Context, n int, idx []*ruleIndex) ([]candidate, []blockStats, error) {
	chunks := (n + blockChunk - 1) / blockChunk
	nw := workers(n, blockChunk)
	// Pass 1: the distinct partners of each chunk's records (mark[b] = a+1
	// once b is counted for a).
	sizes := make([]int, chunks+1)
	marks := make([][]int32, nw)
	parallelChunks(ctx, n, blockChunk, func(w, lo, hi int) {
		if marks[w] == nil {
			marks[w] = make([]int32, n)
		}
		mark, c := marks[w], 0
		for a := lo; a < hi; a++ {
			for _, ix := range idx {
				for _, b := range ix.members[ix.start[a]:ix.end[a]] {
					if mark[b] != int32(a)+1 {
						mark[b] = int32(a) + 1
						c++
					}
				}
			}
		}
		sizes[lo/blockChunk+1] = c
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
	parallelChunks(ctx, n, blockChunk, func(w, lo, hi int) {
		c, buf := &cnt[w], bufs[w]
		res := pairs[sizes[lo/blockChunk]:sizes[lo/blockChunk+1]]
		at := 0
		for a := lo; a < hi; a++ {
			buf = buf[:0]
			var subs uint32
			for i, ix := range idx {
				for _, b := range ix.members[ix.start[a]:ix.end[a]] {
					buf = append(buf, uint64(b)<<32|1<<i)
				}
				if ix.sub != nil && ix.sub[a] {
					subs |= 1 << i
				}
			}
			slices.Sort(buf)
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
