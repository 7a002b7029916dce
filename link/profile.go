package link

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"

	queries "github.com/lombardia-orim/correlare/sql"
)

// Profiling thresholds of the extras columns (see [Config.AutoExtras]).
const (
	// extrasMinFilled: the least share of rows holding a value for an
	// extras column to be compared.
	extrasMinFilled = 0.3
	// extrasMinDistinct: the least share of distinct values among the rows
	// holding one: below it the column is a category (a yes/no, a region).
	extrasMinDistinct = 0.1
	// extrasIdentifier: distinct share (and filled share) from which the
	// column also blocks: an identifier, an address.
	extrasIdentifier = 0.5
)

// extraProfile is what profiling found of one extras header.
type extraProfile struct {
	header           string
	filled, distinct float64 // shares: of all rows, of the filled rows
}

// profileExtras returns the extras headers worth comparing, the most
// informative first (filled share × distinct share).
func profileExtras(ctx context.Context, conn *sql.Conn) ([]extraProfile, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("link_profile"))
	if err != nil {
		return nil, fmt.Errorf("profiling extras columns: %w", err)
	}
	defer rows.Close()
	var out []extraProfile
	for rows.Next() {
		var h string
		var filled, distinct, total int64
		if err := rows.Scan(&h, &filled, &distinct, &total); err != nil {
			return nil, fmt.Errorf("profiling extras columns: %w", err)
		}
		if total == 0 || filled == 0 {
			continue
		}
		p := extraProfile{header: h, filled: float64(filled) / float64(total), distinct: float64(distinct) / float64(filled)}
		if p.filled >= extrasMinFilled && p.distinct >= extrasMinDistinct {
			out = append(out, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("profiling extras columns: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].filled*out[i].distinct > out[j].filled*out[j].distinct
	})
	return out, nil
}

// addExtras appends to r's comparisons one text comparison per profiled
// extras column that no comparison reads yet, while there is room, and a
// blocking rule on equality for those that look like identifiers or
// addresses. Their m and u are estimated like every other comparison's.
func (r *run) addExtras(ctx context.Context) error {
	profiles, err := profileExtras(ctx, r.conn)
	if err != nil {
		return err
	}
	for _, p := range profiles {
		column := "extras." + p.header
		if len(r.cfg.Comparisons) >= maxComparisons {
			break
		}
		known := false
		for _, c := range r.cfg.Comparisons {
			known = known || c.Column == column
		}
		if known {
			continue
		}
		c := Comparison{Name: column, Column: column, Kind: KindText, Thresholds: []float64{0.90}}
		r.cfg.Comparisons = append(r.cfg.Comparisons, c)
		r.comps = append(r.comps, newComparer(c, len(r.comps), &r.extras))
		if p.distinct >= extrasIdentifier && p.filled >= extrasIdentifier && len(r.cfg.Blocking) < maxRules {
			i := 0
			for i < len(r.extras) && r.extras[i] != p.header {
				i++
			}
			n := strconv.Itoa(i + 1) // DuckDB lists count from 1
			r.cfg.Blocking = append(r.cfg.Blocking, "l.extra_values["+n+"] = r.extra_values["+n+"]")
		}
		r.log.Debug("linkage extras column compared", "header", p.header, "filled", p.filled, "distinct", p.distinct)
	}
	return nil
}
