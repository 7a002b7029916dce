package sinks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	queries "github.com/lombardia-orim/correlare/sql"
)

// ErrNoScope is returned by [Indicators] for a province that has neither
// applications nor modules in the warehouse.
var ErrNoScope = errors.New("province not in the warehouse")

// Figures are the funder's indicators for one province or for the region,
// as defined in domain.md (the Cremona table) and computed by the warehouse
// view indicators. Shares are fractions: 0.72 means 72%.
type Figures struct {
	Province string // sigla; "" for the region
	Name     string // province name, or "Lombardia"

	Applications   int // domande di iscrizione: every enrolments row
	NotAccepted    int // non accettate
	Accepted       int // accettate: Participations + Withdrawn
	Withdrawn      int // ritirati
	Participations int // partecipazioni effettive: status accepted
	NotIndicated   int // esito non indicato: status empty or unreadable; Applications = NotAccepted + Accepted + NotIndicated

	NotAcceptedShare    float64 // of Applications
	WithdrawnShare      float64 // of Applications
	ParticipationsShare float64 // of Applications

	Women      int // participations by women
	Men        int
	SexUnknown int
	WomenShare float64 // of Participations
	MenShare   float64

	Persons   int // distinct persons among the participations
	Repeaters int // persons with more than one participation in the scope

	Modules        int
	ModulesBySite  []Count // by decreasing count; an unknown site is ""
	ModulesByAxis  []Count // every axis I..V in order, then "" for unknown axes if any
	HoursDelivered float64 // sum of the modules' planned hours
	Sessions       int     // incontri formativi

	Attendance       *float64 // sum(hours attended)/sum(planned hours) over participations with hours; nil without data
	AttendanceRows   int
	Satisfaction     *float64 // average 1–5 over participations with a score; nil without data
	SatisfactionRows int

	StaleSince     *time.Time // data not refreshed since (region: earliest of its provinces); nil when current
	StaleProvinces []string   // sigle of the stale provinces in the scope
}

// Count is one category of a breakdown.
type Count struct {
	Key   string // site name, or axis numeral
	Label string // display label (the axis's Italian title; the site itself)
	N     int
}

// Indicators computes the funder's figures of a province (sigla, e.g. "CR")
// or, for province "", of the whole region.
func Indicators(ctx context.Context, db *sql.DB, province string) (Figures, error) {
	scope := sql.NullString{String: province, Valid: province != ""}
	what := province
	if what == "" {
		what = "region"
	}
	f, err := scanFigures(db.QueryRowContext(ctx, queries.Query("indicators"), scope))
	if errors.Is(err, sql.ErrNoRows) {
		return Figures{}, fmt.Errorf("computing indicators of %s: %w", what, ErrNoScope)
	}
	if err != nil {
		return Figures{}, fmt.Errorf("computing indicators of %s: %w", what, err)
	}

	if f.ModulesBySite, err = counts(ctx, db, "indicators_sites", scope, false); err != nil {
		return Figures{}, fmt.Errorf("computing modules by site of %s: %w", what, err)
	}
	if f.ModulesByAxis, err = counts(ctx, db, "indicators_axes", scope, true); err != nil {
		return Figures{}, fmt.Errorf("computing modules by axis of %s: %w", what, err)
	}
	return f, nil
}

// scanFigures reads one row of the indicators query (indicators.sql's
// columns), without the breakdowns.
func scanFigures(row interface{ Scan(...any) error }) (Figures, error) {
	var (
		f                   Figures
		level, code, stales sql.NullString
		naS, wdS, paS       sql.NullFloat64
		wS, mS              sql.NullFloat64
		att, sat            sql.NullFloat64
		stale               sql.NullTime
	)
	err := row.Scan(
		&level, &code, &f.Name,
		&f.Applications, &f.NotAccepted, &f.Accepted, &f.Withdrawn, &f.Participations, &f.NotIndicated,
		&naS, &wdS, &paS,
		&f.Women, &f.Men, &f.SexUnknown, &wS, &mS,
		&f.Persons, &f.Repeaters, &f.Modules, &f.HoursDelivered, &f.Sessions,
		&att, &f.AttendanceRows, &sat, &f.SatisfactionRows,
		&stale, &stales,
	)
	if err != nil {
		return Figures{}, err
	}
	f.Province = code.String
	f.NotAcceptedShare, f.WithdrawnShare, f.ParticipationsShare = naS.Float64, wdS.Float64, paS.Float64
	f.WomenShare, f.MenShare = wS.Float64, mS.Float64
	if att.Valid {
		f.Attendance = &att.Float64
	}
	if sat.Valid {
		f.Satisfaction = &sat.Float64
	}
	if stale.Valid {
		f.StaleSince = &stale.Time
	}
	if stales.String != "" {
		f.StaleProvinces = strings.Split(stales.String, ",")
	}
	return f, nil
}

// counts runs a breakdown query: rows of (key, n) or, with titled, (key,
// title, n, ordinal).
func counts(ctx context.Context, db *sql.DB, query string, scope sql.NullString, titled bool) ([]Count, error) {
	rows, err := db.QueryContext(ctx, queries.Query(query), scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Count
	for rows.Next() {
		var c Count
		if titled {
			var ord int
			err = rows.Scan(&c.Key, &c.Label, &c.N, &ord)
		} else {
			err = rows.Scan(&c.Key, &c.N)
			c.Label = c.Key
		}
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}
