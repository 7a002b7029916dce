package link

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// The comparison step on real data: the records and candidate pairs of a
// 1M night, dumped once from a copy of its warehouse (LINK_COMPARE_WAREHOUSE,
// read-only: copied to a temporary directory; the dump goes to
// LINK_COMPARE_DUMP), then read back for each measurement, so that timing
// indexValues, compareAll and fit costs neither DuckDB's load nor blocking.
//
//	LINK_COMPARE_WAREHOUSE=/work/fixtures/1m-b000c52/warehouse.duckdb \
//	LINK_COMPARE_DUMP=var/compare1m.bin \
//	go test -tags=duckdb_arrow -run TestCompare1M -v ./link/
//
// Without the variables it is skipped.

// compareDump is what the comparisons read: the records and the pairs.
type compareDump struct {
	recs  []record
	pairs []candidate
	extra []string
}

func dumpPath(t testing.TB) string {
	p := os.Getenv("LINK_COMPARE_DUMP")
	if p == "" {
		t.Skip("LINK_COMPARE_DUMP not set")
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join("..", p)
	}
	return p
}

// load1MDump reads the dump, building it from the warehouse first if
// missing.
func load1MDump(t testing.TB) *compareDump {
	p := dumpPath(t)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		build1MDump(t, p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := readDump(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func build1MDump(t testing.TB, out string) {
	src := os.Getenv("LINK_COMPARE_WAREHOUSE")
	if src == "" {
		t.Skip("LINK_COMPARE_WAREHOUSE not set and no dump")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "warehouse.duckdb")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := duckdb.NewConnector(path+"?threads=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer c.Close()
	defer db.Close()
	r, err := prepare(ctx, db, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.conn.Close()
	if err := r.load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.block(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := writeDump(w, &compareDump{recs: r.recs, pairs: r.pairs, extra: r.extras}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func recStrings(r *record) []*string {
	return []*string{&r.key, &r.prev, &r.province, &r.surname, &r.given, &r.taxCode, &r.taxKey, &r.sex,
		&r.birthPlace, &r.email, &r.phone, &r.municipal, &r.org, &r.orgType, &r.role, &r.module}
}

func writeDump(w io.Writer, d *compareDump) error {
	var buf []byte
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(d.extra)))
	for _, e := range d.extra {
		str(e)
	}
	buf = binary.AppendUvarint(buf, uint64(len(d.recs)))
	for i := range d.recs {
		r := &d.recs[i]
		for _, s := range recStrings(r) {
			str(*s)
		}
		buf = binary.AppendVarint(buf, int64(r.birth))
		flags := byte(0)
		if r.hasBirth {
			flags |= 1
		}
		if r.taxValid {
			flags |= 2
		}
		buf = append(buf, flags)
		buf = binary.AppendUvarint(buf, uint64(len(r.extras)))
		for _, e := range r.extras {
			str(e)
		}
		if len(buf) > 1<<20 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(d.pairs)))
	for _, p := range d.pairs {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(p.l))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(p.r))
		buf = binary.LittleEndian.AppendUint32(buf, p.rules)
		if len(buf) > 1<<20 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

func readDump(r *bufio.Reader) (*compareDump, error) {
	intern := map[string]string{}
	str := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return "", err
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		if s, ok := intern[string(b)]; ok {
			return s, nil
		}
		s := string(b)
		if len(intern) < 1<<20 {
			intern[s] = s
		}
		return s, nil
	}
	d := &compareDump{}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	for range n {
		s, err := str()
		if err != nil {
			return nil, err
		}
		d.extra = append(d.extra, s)
	}
	if n, err = binary.ReadUvarint(r); err != nil {
		return nil, err
	}
	d.recs = make([]record, n)
	for i := range d.recs {
		rc := &d.recs[i]
		for _, p := range recStrings(rc) {
			if *p, err = str(); err != nil {
				return nil, fmt.Errorf("record %d: %w", i, err)
			}
		}
		b, err := binary.ReadVarint(r)
		if err != nil {
			return nil, err
		}
		rc.birth = int32(b)
		flags, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		rc.hasBirth, rc.taxValid = flags&1 != 0, flags&2 != 0
		ne, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		for range ne {
			s, err := str()
			if err != nil {
				return nil, err
			}
			rc.extras = append(rc.extras, s)
		}
	}
	if n, err = binary.ReadUvarint(r); err != nil {
		return nil, err
	}
	d.pairs = make([]candidate, n)
	var b [12]byte
	for i := range d.pairs {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		d.pairs[i] = candidate{l: int32(binary.LittleEndian.Uint32(b[0:])), r: int32(binary.LittleEndian.Uint32(b[4:])), rules: binary.LittleEndian.Uint32(b[8:])}
	}
	return d, nil
}

// TestCompare1M times the comparison step's parts on the dump (CPU seconds:
// getrusage, the whole process, so run nothing else in it).
func TestCompare1M(t *testing.T) {
	d := load1MDump(t)
	ctx := context.Background()
	cfg := DefaultConfig().withDefaults()
	var extras []string
	comps := make([]comparer, len(cfg.Comparisons))
	for i, c := range cfg.Comparisons {
		comps[i] = newComparer(c, i, &extras)
	}
	runtime.GC()
	lap := func(what string, start time.Time, cpu0 float64) {
		t.Logf("%-14s %6.2f s  %6.2f CPU-s", what, time.Since(start).Seconds(), cpuSeconds()-cpu0)
	}
	t0, c0 := time.Now(), cpuSeconds()
	v := indexValues(d.recs, comps)
	lap("indexValues", t0, c0)
	train := []int{0, 1}
	t0, c0 = time.Now(), cpuSeconds()
	pat, ps := compareAll(ctx, v, comps, d.pairs, train)
	lap("compareAll", t0, c0)
	t.Logf("%d pairs, %d patterns", len(d.pairs), len(ps.levels))
	t0, c0 = time.Now(), cpuSeconds()
	md, iters := fit(ctx, v, comps, ps, len(d.pairs), cfg, train)
	lap("fit (EM)", t0, c0)
	t0, c0 = time.Now(), cpuSeconds()
	tf := termFrequencies(v, comps)
	sc := newScorer(md, tf, comps, ps)
	kept := sc.keep(ctx, v, d.pairs, pat, 0.01)
	lap("score + keep", t0, c0)
	t.Logf("%d iterations, %d kept", iters, len(kept))
	// Fingerprints of what the step gives, to hold two builds to the same
	// (run both, compare the lines): every pair's levels in pair order, the
	// patterns' counts in level order, the model, the kept pairs.
	h := sha256.New()
	var b [8]byte
	for i := range pat {
		binary.LittleEndian.PutUint64(b[:], ps.levels[pat[i]])
		h.Write(b[:])
	}
	t.Logf("levels by pair  %x", h.Sum(nil)[:12])
	h.Reset()
	order := make([]int, len(ps.levels))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ps.levels[a], ps.levels[b]) })
	for _, p := range order {
		fmt.Fprintf(h, "%x", ps.levels[p])
		for j := -1; j < len(train); j++ {
			fmt.Fprintf(h, " %v", ps.count(p, j))
		}
		fmt.Fprintln(h)
	}
	t.Logf("pattern counts  %x", h.Sum(nil)[:12])
	h.Reset()
	fmt.Fprintf(h, "%v %v %v", md.lambda, md.m, md.u)
	t.Logf("model           %x", h.Sum(nil)[:12])
	h.Reset()
	for _, k := range kept {
		fmt.Fprintf(h, "%d %d %x %v %v %v\n", k.l, k.r, k.levels, k.swapped, math.Float64bits(k.weight), math.Float64bits(k.prob))
	}
	t.Logf("kept pairs      %x", h.Sum(nil)[:12])
}
