package link

import (
	"cmp"
	"context"
	"slices"
)

// cluster is the sixth stage: the pairs at or above MatchThreshold that no
// analyst decided are united strongest first, so that a chain's weakest
// pair is the one refused when a component would break a constraint.
func (r *run) cluster(ctx context.Context) error {
	pairs, comps := r.scored, r.comps
	taxIdx := -1
	for k, c := range comps {
		if c.Kind == KindTaxCode {
			taxIdx = k
		}
	}
	order := make([]int32, 0, len(pairs))
	for i := range pairs {
		if pairs[i].prob >= r.cfg.MatchThreshold && pairs[i].analyst == 0 {
			order = append(order, int32(i))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(pairs[b].weight, pairs[a].weight); c != 0 {
			return c
		}
		return cmp.Compare(a, b) // ties in pair order: the same run links the same way
	})
	for _, i := range order {
		p := &pairs[i]
		if taxIdx >= 0 {
			if levelAt(p.levels, taxIdx) == comps[taxIdx].idxConflict {
				p.blocked = reasonCode("tax_code")
				continue
			}
		}
		if why := r.cl.union(p.l, p.r, false); why != "" {
			p.blocked = reasonCode(why)
			continue
		}
		p.accepted = true
	}
	r.st.AcceptedPairs = len(order)
	return ctx.Err()
}

// compInfo is what a multi-record component must stay consistent with.
type compInfo struct {
	taxKeys   []string // distinct de-omocoded valid tax codes
	forbidden []int32  // records an analyst said are different from a member
}

// clusterer builds persons as connected components of accepted pairs under
// constraints: a component never holds two different valid tax codes (the
// only hard rule; birth dates, names and the rest are evidence the model
// weighs) or two records an analyst said are different.
// Analyst "same" decisions are applied first and override every constraint.
type clusterer struct {
	recs      []record
	parent    []int32
	size      []int32
	info      []*compInfo // by root; nil for a singleton (read from the record)
	forbidden map[int32][]int32
}

func newClusterer(recs []record) *clusterer {
	c := &clusterer{
		recs:      recs,
		parent:    make([]int32, len(recs)),
		size:      make([]int32, len(recs)),
		info:      make([]*compInfo, len(recs)),
		forbidden: map[int32][]int32{},
	}
	for i := range c.parent {
		c.parent[i] = int32(i)
		c.size[i] = 1
	}
	return c
}

func (c *clusterer) find(x int32) int32 {
	for c.parent[x] != x {
		c.parent[x] = c.parent[c.parent[x]]
		x = c.parent[x]
	}
	return x
}

// forbid records an analyst "different" between records a and b.
func (c *clusterer) forbid(a, b int32) {
	c.forbidden[a] = append(c.forbidden[a], b)
	c.forbidden[b] = append(c.forbidden[b], a)
}

func (c *clusterer) infoOf(root int32) *compInfo {
	if in := c.info[root]; in != nil {
		return in
	}
	r := &c.recs[root]
	in := &compInfo{forbidden: c.forbidden[root]}
	if r.taxValid && r.taxKey != "" {
		in.taxKeys = []string{r.taxKey}
	}
	return in
}

// conflict says why components ra and rb may not merge ("" if they may).
func (c *clusterer) conflict(ra, rb int32) string {
	a, b := c.infoOf(ra), c.infoOf(rb)
	for _, f := range a.forbidden {
		if c.find(f) == rb {
			return "analyst"
		}
	}
	for _, f := range b.forbidden {
		if c.find(f) == ra {
			return "analyst"
		}
	}
	for _, x := range a.taxKeys {
		for _, y := range b.taxKeys {
			if x != y {
				return "tax_code"
			}
		}
	}
	return ""
}

// union merges the components of a and b unless force is false and they
// conflict; it returns the conflict that prevented it, "" when merged.
func (c *clusterer) union(a, b int32, force bool) string {
	ra, rb := c.find(a), c.find(b)
	if ra == rb {
		return ""
	}
	if !force {
		if why := c.conflict(ra, rb); why != "" {
			return why
		}
	}
	ia, ib := c.infoOf(ra), c.infoOf(rb)
	if c.size[ra] < c.size[rb] {
		ra, rb = rb, ra
		ia, ib = ib, ia
	}
	merged := &compInfo{
		taxKeys:   unionStrings(ia.taxKeys, ib.taxKeys),
		forbidden: append(append([]int32(nil), ia.forbidden...), ib.forbidden...),
	}
	c.parent[rb] = ra
	c.size[ra] += c.size[rb]
	c.info[ra] = merged
	c.info[rb] = nil
	return ""
}

func unionStrings(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, y := range b {
		seen := false
		for _, x := range out {
			seen = seen || x == y
		}
		if !seen {
			out = append(out, y)
		}
	}
	return out
}

// members returns the members of each component: the components in the
// order of their roots, each one's members in rid order, in one backing
// array (a map by root cost a slice per component and a sort of the roots).
func (c *clusterer) members() [][]int32 {
	n := len(c.parent)
	root := make([]int32, n)
	comp := make([]int32, n) // by root: members, then the component's index
	for i := range root {
		root[i] = c.find(int32(i))
		comp[root[i]]++
	}
	k := 0
	for _, m := range comp {
		if m > 0 {
			k++
		}
	}
	out := make([][]int32, 0, k)
	flat := make([]int32, n)
	off := int32(0)
	for r, m := range comp {
		if m > 0 {
			comp[r] = int32(len(out))
			out = append(out, flat[off:off:off+m])
			off += m
		}
	}
	for i, r := range root {
		ci := comp[r]
		out[ci] = append(out[ci], int32(i))
	}
	return out
}
