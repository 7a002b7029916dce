package canon

import (
	"strings"
	"time"
)

// Normaliser normalises the rows of one table, as NormaliseRow and
// NormaliseModule do, with the same results, reusing its scratch space from
// row to row: folded keys that recur (module titles, organisations, roles,
// names) are made once, and the pointers, flags and issues it returns are
// cut from larger blocks instead of being allocated one by one. A
// Normaliser is not safe for concurrent use; what it returns stays valid
// after later calls.
type Normaliser struct {
	rc    *RowContext
	slots []int // the slot of each of rc.Columns' fields (columnSlots)
	cells rowCells
	ar    arena
	fo    folder
}

// NewNormaliser returns a Normaliser for the rows of the table rc
// describes. rc is only read, and must not change while it is in use.
func NewNormaliser(rc *RowContext) *Normaliser {
	n := &Normaliser{rc: rc, slots: columnSlots(rc.Columns)}
	n.fo = newFolder()
	return n
}

// Row is NormaliseRow(rc, row).
func (n *Normaliser) Row(row RawRow) (Enrolment, []Issue, *Rejection) {
	c := &n.cells
	c.cells = [numSlots]cell{}
	c.row, c.issues, c.flags = row.Row, c.issues[:0], c.flags[:0]
	c.ar, c.fo = &n.ar, &n.fo
	return normaliseRow(n.rc, n.slots, c, row)
}

// Module is NormaliseModule(rc, row).
func (n *Normaliser) Module(row RawRow) (Module, []Issue, *Rejection) {
	return NormaliseModule(n.rc, row)
}

// arenaBlock is the number of values in one block of an arena.
const arenaBlock = 256

// arena hands out pointers to values and copies of small slices, cut from
// blocks of arenaBlock values. A block is never written again once a part
// of it is handed out, so what it gave stays valid; a block lives as long
// as any part of it does. A nil *arena allocates each value on its own.
type arena struct {
	times   []time.Time
	floats  []float64
	int32s  []int32
	strs    []string
	issueSl []Issue
}

func (a *arena) time(t time.Time) *time.Time {
	if a == nil {
		p := new(time.Time) // not &t: t would then be moved to the heap on every call
		*p = t
		return p
	}
	if len(a.times) == cap(a.times) {
		a.times = make([]time.Time, 0, arenaBlock)
	}
	a.times = append(a.times, t)
	return &a.times[len(a.times)-1]
}

func (a *arena) float(f float64) *float64 {
	if a == nil {
		p := new(float64) // not &f: f would then be moved to the heap on every call
		*p = f
		return p
	}
	if len(a.floats) == cap(a.floats) {
		a.floats = make([]float64, 0, arenaBlock)
	}
	a.floats = append(a.floats, f)
	return &a.floats[len(a.floats)-1]
}

func (a *arena) int32(v int32) *int32 {
	if a == nil {
		p := new(int32) // not &v: v would then be moved to the heap on every call
		*p = v
		return p
	}
	if len(a.int32s) == cap(a.int32s) {
		a.int32s = make([]int32, 0, arenaBlock)
	}
	a.int32s = append(a.int32s, v)
	return &a.int32s[len(a.int32s)-1]
}

// strings returns a copy of ss whose capacity is its length (an append
// to it cannot reach the arena's next values); nil for none. A nil arena
// returns ss itself.
func (a *arena) strings(ss []string) []string {
	if a == nil {
		return ss
	}
	if len(ss) == 0 {
		return nil
	}
	if len(ss) > arenaBlock/4 {
		return append([]string(nil), ss...)
	}
	if cap(a.strs)-len(a.strs) < len(ss) {
		a.strs = make([]string, 0, arenaBlock)
	}
	i := len(a.strs)
	a.strs = append(a.strs, ss...)
	return a.strs[i:len(a.strs):len(a.strs)]
}

// issues is strings for issues.
func (a *arena) issues(is []Issue) []Issue {
	if a == nil {
		return is
	}
	if len(is) == 0 {
		return nil
	}
	if len(is) > arenaBlock/4 {
		return append([]Issue(nil), is...)
	}
	if cap(a.issueSl)-len(a.issueSl) < len(is) {
		a.issueSl = make([]Issue, 0, arenaBlock)
	}
	i := len(a.issueSl)
	a.issueSl = append(a.issueSl, is...)
	return a.issueSl[i:len(a.issueSl):len(a.issueSl)]
}

// maxFolded bounds the folded keys a folder keeps; past it, it starts
// afresh.
const maxFolded = 4096

// folder folds text with Fold, keeping the folded keys it made so that a
// value seen again costs no allocation, and remembers what it folded and
// the statuses it read, which recur from row to row: a value seen again is
// one map lookup. A nil *folder is Fold.
type folder struct {
	keys     map[string]string // folded key → the same string, made once
	byInput  map[string]string // text → its folded key
	statuses map[string]statusOutcome
	buf      []byte
}

func newFolder() folder {
	return folder{keys: make(map[string]string, 256), byInput: make(map[string]string, 256),
		statuses: make(map[string]statusOutcome, 16)}
}

func (f *folder) fold(s string) string {
	if f == nil {
		return Fold(s)
	}
	if isFolded(s) {
		return s
	}
	if k, ok := f.byInput[s]; ok {
		return k
	}
	f.buf = appendFold(f.buf[:0], s)
	k, ok := f.keys[string(f.buf)]
	if !ok && len(f.buf) > 0 {
		k = string(f.buf)
		if len(f.keys) >= maxFolded {
			clear(f.keys)
		}
		f.keys[k] = k
	}
	if len(f.byInput) >= maxFolded {
		clear(f.byInput)
	}
	f.byInput[strings.Clone(s)] = k // not s: it would keep the row's cells alive
	return k
}

// statusOutcome is what a status cell gives: the status and the flag it
// raises ("" for none).
type statusOutcome struct{ status, flag string }

// status reads a status cell as normaliseOutcome does, remembering the
// outcome of each value.
func (f *folder) status(rc *RowContext, raw string) statusOutcome {
	if f == nil {
		return readStatus(rc, raw)
	}
	if o, ok := f.statuses[raw]; ok {
		return o
	}
	o := readStatus(rc, raw)
	if len(f.statuses) >= maxFolded {
		clear(f.statuses)
	}
	f.statuses[strings.Clone(raw)] = o
	return o
}
