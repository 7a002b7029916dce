//go:build !duckdb_arrow

package link

import (
	"context"
	"database/sql"

	queries "github.com/lombardia-orim/correlare/sql"
)

// readRecords reads link_load row by row into p (built without the
// duckdb_arrow tag; the Arrow reader is several times faster).
func readRecords(ctx context.Context, conn *sql.Conn, p *placer) error {
	rows, err := conn.QueryContext(ctx, queries.Query("link_load"))
	if err != nil {
		return err
	}
	defer rows.Close()
	in := interner{}
	for rows.Next() {
		var (
			rid                                                   int32
			key                                                   string
			prev, prov, sur, giv, tax, taxKey, sex                sql.NullString
			taxValid                                              sql.NullBool
			birth                                                 sql.NullInt32
			place, email, phone, muni, org, orgType, role, module sql.NullString
			extraVals                                             []any
		)
		if err := rows.Scan(&rid, &key, &prev, &prov, &sur, &giv, &tax, &taxValid, &taxKey, &sex,
			&birth, &place, &email, &phone, &muni, &org, &orgType, &role, &module, &extraVals); err != nil {
			return err
		}
		for c, v := range [...]sql.NullString{2: prev, 3: prov, 4: sur, 5: giv, 6: tax, 8: taxKey, 9: sex, 11: place,
			12: email, 13: phone, 14: muni, 15: org, 16: orgType, 17: role, 18: module} {
			if v.Valid && v.String == "" {
				p.blank |= 1 << c
			}
		}
		for _, v := range extraVals {
			if s, ok := v.(string); ok && s == "" {
				p.blank |= 1 << 19
			}
		}
		at, err := p.at(rid)
		if err != nil {
			return err
		}
		r := record{
			key: key, prev: prev.String, province: in.get(prov.String),
			surname: in.get(sur.String), given: in.get(giv.String), taxCode: tax.String,
			taxValid: taxValid.Bool, taxKey: taxKey.String,
			sex: in.get(sex.String), birth: birth.Int32, hasBirth: birth.Valid,
			birthPlace: in.get(place.String), email: email.String, phone: phone.String,
			municipal: in.get(muni.String), org: in.get(org.String), orgType: in.get(orgType.String),
			role: in.get(role.String), module: in.get(module.String),
		}
		for _, v := range extraVals {
			s, _ := v.(string)
			r.extras = append(r.extras, s)
		}
		*at = r
	}
	return rows.Err()
}

// readPairs reads link_candidates row by row; n bounds their number.
func readPairs(ctx context.Context, conn *sql.Conn, n int) ([]candidate, error) {
	rows, err := conn.QueryContext(ctx, queries.Query("link_candidates"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pairs := make([]candidate, 0, n)
	for rows.Next() {
		var lr, rules int64
		if err := rows.Scan(&lr, &rules); err != nil {
			return nil, err
		}
		pairs = append(pairs, candidate{l: int32(lr >> 32), r: int32(uint32(lr)), rules: uint32(rules)})
	}
	return pairs, rows.Err()
}
