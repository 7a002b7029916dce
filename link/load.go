package link

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	queries "github.com/lombardia-orim/correlare/sql"
)

// load is the first stage: the enrolments into Go records, their values
// numbered for the comparison caches.
func (r *run) load(ctx context.Context) error {
	recs, blank, err := loadRecordsBlank(ctx, r.conn, r.extras)
	if err != nil {
		return err
	}
	r.recs, r.blank = recs, blank
	r.st.Records = len(recs)
	r.vals = indexValues(recs, r.comps)
	r.log.Debug("linkage records loaded", "records", len(recs), "seconds", r.elapsed())
	return nil
}

// loadRecords builds link_rec (sql/link_records.sql) and reads it into Go,
// each record at its rid (readRecords: Arrow when built with duckdb_arrow,
// else rows; link_load comes in any order).
func loadRecords(ctx context.Context, conn *sql.Conn, extras []string) ([]record, error) {
	recs, _, err := loadRecordsBlank(ctx, conn, extras)
	return recs, err
}

// loadRecordsBlank is loadRecords, and the link_load columns that hold a
// non-NULL empty string (bit c for column c), which the records read as NULL.
func loadRecordsBlank(ctx context.Context, conn *sql.Conn, extras []string) ([]record, uint32, error) {
	if extras == nil {
		extras = []string{}
	}
	if _, err := conn.ExecContext(ctx, recordsQuery, extras); err != nil {
		return nil, 0, fmt.Errorf("preparing linkage records: %w", err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM link_rec").Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("counting linkage records: %w", err)
	}
	p := newPlacer(n)
	if err := readRecords(ctx, conn, p); err != nil {
		return nil, 0, fmt.Errorf("reading linkage records: %w", err)
	}
	if p.read != n {
		return nil, 0, fmt.Errorf("reading linkage records: %d of %d read", p.read, n)
	}
	return p.recs, p.blank, nil
}

// placer holds the records as they are read, in any order: each at its rid,
// once.
type placer struct {
	recs  []record
	seen  []bool
	read  int
	blank uint32 // bit c: link_load column c holds a non-NULL '' (read as "", as NULL is)
}

func newPlacer(n int) *placer {
	return &placer{recs: make([]record, n), seen: make([]bool, n)}
}

// at returns the record of rid to fill; an error for a rid out of range or
// read twice.
func (p *placer) at(rid int32) (*record, error) {
	if rid < 0 || int(rid) >= len(p.recs) {
		return nil, fmt.Errorf("record %d read, not within 0..%d", rid, len(p.recs)-1)
	}
	if p.seen[rid] {
		return nil, fmt.Errorf("record %d read twice", rid)
	}
	p.seen[rid] = true
	p.read++
	return &p.recs[rid], nil
}

// recordsQuery is sql/link_records.sql (TestLinkSameAsRef links with the
// previous one).
var recordsQuery = queries.Query("link_records")

// interner shares the copies of repeated values (places, organisations,
// names) between records; it stops growing at 1<<20 values.
type interner map[string]string

// get returns a shared copy of s, which may point into a buffer about to be
// released.
func (in interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(in) < 1<<20 {
		in[c] = c
	}
	return c
}
