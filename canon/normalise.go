package canon

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RowContext is what NormaliseRow and NormaliseModule need to know about
// the table a row comes from. One RowContext serves every row of a sheet;
// it is only read.
type RowContext struct {
	ProvinceCode, SourceFile, SourceSHA256, Sheet string

	Date1904 bool      // the workbook uses Excel's 1904 date system
	NullDate time.Time // an .ods's null date outside Excel's systems (DateSystem); zero: none
	Columns  []Column  // from the reader's header detection
	Now      time.Time // reference for plausibility and two-digit years; zero: time.Now()
	// Values maps values as typed to canonical ones (the config's
	// `values:`), tried before the parsers of status, sex, axis and
	// organisation type; nil for none.
	Values ValueMap
}

// dates is the workbook's DateSystem.
func (rc *RowContext) dates() DateSystem {
	return DateSystem{Date1904: rc.Date1904, NullDate: rc.NullDate}
}

func (rc *RowContext) now() time.Time {
	if rc.Now.IsZero() {
		return time.Now()
	}
	return rc.Now
}

// slot numbers a canonical field for the per-row cell array: its index
// in Fields.
type slot uint8

// The slots, in the order of Fields (TestSlots checks).
const (
	sSurname slot = iota
	sGivenName
	sFullName
	sTaxCode
	sSex
	sBirthDate
	sBirthPlace
	sEmail
	sPhone
	sMunicipality
	sOrganisation
	sOrganisationType
	sRole
	sModuleCode
	sModule
	sEdition
	sSite
	sAxis
	sPlannedHours
	sSessions
	sStartDate
	sEndDate
	sApplicationDate
	sStatus
	sHoursAttended
	sSatisfaction
	numSlots
)

// fieldSlot maps a canonical field to its slot.
var fieldSlot = func() map[Field]slot {
	if len(Fields) != int(numSlots) {
		panic("canon: Fields and the slots differ")
	}
	m := make(map[Field]slot, len(Fields))
	for i, f := range Fields {
		m[f] = slot(i)
	}
	return m
}()

// noSlot marks a column whose field has no slot (FieldNone, unknown).
const noSlot = -1

// columnSlots returns the slot of each column's field, or noSlot.
func columnSlots(cols []Column) []int {
	slots := make([]int, len(cols))
	for i, col := range cols {
		slots[i] = noSlot
		if s, ok := fieldSlot[col.Field]; ok && col.Field != FieldNone {
			slots[i] = int(s)
		}
	}
	return slots
}

// cell is the raw value found for one field in a row.
type cell struct {
	value  string // "" for a placeholder such as "-"
	raw    string // as typed, for issues
	letter string
	mapped bool
}

// rowCells holds a row's values by field, and collects its issues. ar and
// fo, when not nil, are a Normaliser's: they give out pointers and folded
// strings without one allocation each.
type rowCells struct {
	row    int
	cells  [numSlots]cell
	issues []Issue
	flags  []string
	ar     *arena
	fo     *folder
}

func (rw *rowCells) get(s slot) *cell { return &rw.cells[s] }

// text returns the cleaned value of the field in s.
func (rw *rowCells) text(s slot) string { return CleanText(rw.cells[s].value) }

// flag records an issue on the cell of the field in s.
func (rw *rowCells) flag(s slot, code string) {
	c := &rw.cells[s]
	rw.issues = append(rw.issues, Issue{Row: rw.row, Column: c.letter, Field: Fields[s], Value: c.raw, Code: code})
	rw.flags = append(rw.flags, code)
}

// columnLetters returns the spreadsheet letters of a 0-based column index.
func columnLetters(i int) string {
	if i < 0 {
		return ""
	}
	var b [8]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// gather sorts the row's cells by field. Values of unmapped columns, of
// cells beyond the known columns, and second differing values of a field
// mapped twice go to the returned extras (nil when there are none).
//
// slots holds the slot of each of rc.Columns (see columnSlots), or is nil.
func gather(rc *RowContext, slots []int, row RawRow, cells *rowCells) map[string]string {
	var extras map[string]string
	put := func(header, letter, v string) {
		if extras == nil {
			extras = make(map[string]string, 4)
		}
		key := CleanText(header)
		if key == "" {
			key = letter
		}
		if _, dup := extras[key]; dup {
			key = key + " (" + letter + ")"
		}
		extras[key] = v
	}
	var covered [4]uint64 // column indexes below 256 that have a Column
	for ci, col := range rc.Columns {
		if col.Index >= 0 && col.Index < 256 {
			covered[col.Index/64] |= 1 << (col.Index % 64)
		}
		v := row.Cell(col.Index)
		s := noSlot
		if slots != nil {
			s = slots[ci]
		} else if fs, ok := fieldSlot[col.Field]; ok && col.Field != FieldNone {
			s = int(fs)
		}
		if s == noSlot {
			if strings.TrimSpace(v) != "" {
				put(col.Header, col.Letter, v)
			}
			continue
		}
		raw := v
		if isPlaceholder(v) {
			v = "" // "-", "/", "n.d.": typed to say there is nothing
		}
		c := &cells.cells[s]
		switch {
		case !c.mapped || strings.TrimSpace(c.value) == "":
			*c = cell{value: v, raw: raw, letter: col.Letter, mapped: true}
		case strings.TrimSpace(v) != "" && CleanText(v) != CleanText(c.value):
			put(col.Header, col.Letter, v)
		}
	}
	// Cells under no known column: kept under their letters.
	for i, v := range row.Cells {
		if strings.TrimSpace(v) == "" {
			continue
		}
		known := i < 256 && covered[i/64]&(1<<(i%64)) != 0
		if i >= 256 {
			for _, col := range rc.Columns {
				if col.Index == i {
					known = true
					break
				}
			}
		}
		if !known {
			l := columnLetters(i)
			put(l, l, v)
		}
	}
	return extras
}

// isPlaceholder reports a cell typed to say "nothing here": only dashes,
// dots, slashes, underscores or asterisks, or "n.d."/"n/a".
func isPlaceholder(v string) bool {
	// Fast path: an ASCII letter or digit first (after spaces), other than
	// the n of "n.d."/"n/a", cannot open a placeholder.
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') && c != 'n' && c != 'N' {
			return false
		}
		break
	}
	v = CleanText(v)
	if v == "" {
		return false
	}
	if strings.Trim(v, "-–—/._* ") == "" {
		return true
	}
	if len(v) > 4 {
		return false
	}
	switch strings.ToLower(v) {
	case "n.d.", "nd", "n/d", "n/a", "n.a.":
		return true
	}
	return false
}

// columnOrder orders column letters as a spreadsheet does: "" first, then
// A … Z, AA ….
func columnOrder(a, b Issue) int {
	if len(a.Column) != len(b.Column) {
		return len(a.Column) - len(b.Column)
	}
	return strings.Compare(a.Column, b.Column)
}

// moduleFields are the module fields shared by enrolment rows and
// catalogue rows.
type moduleFields struct {
	Code, Title, Edition, Site, Axis string
	PlannedHours                     *float64
	Sessions                         *int32
	StartDate, EndDate               *time.Time
}

func parseModuleFields(rc *RowContext, cells *rowCells, now time.Time) moduleFields {
	m := moduleFields{
		Code:    cells.text(sModuleCode),
		Title:   cells.text(sModule),
		Edition: cells.text(sEdition),
		Site:    cells.text(sSite),
	}
	if v := cells.get(sAxis).value; v != "" {
		if a, ok := rc.Values.lookup(FieldAxis, v); ok {
			m.Axis = a
		} else if a, err := ParseAxis(v); err == nil {
			m.Axis = a
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(sAxis, FlagAxisUnreadable)
		}
	}
	if v := cells.get(sPlannedHours).value; v != "" {
		if h, err := ParseHours(v); err == nil {
			m.PlannedHours = cells.ar.float(h)
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(sPlannedHours, FlagNumberUnreadable)
		}
	}
	if v := cells.get(sSessions).value; v != "" {
		if n, err := ParseCount(v); err == nil {
			m.Sessions = cells.ar.int32(n)
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(sSessions, FlagNumberUnreadable)
		}
	}
	m.StartDate = cells.date(sStartDate, rc.dates(), now)
	m.EndDate = cells.date(sEndDate, rc.dates(), now)
	return m
}

// date parses the date in s, flagging FlagDateUnreadable.
func (rw *rowCells) date(f slot, sys DateSystem, now time.Time) *time.Time {
	v := rw.cells[f].value
	if v == "" {
		return nil
	}
	t, err := parseDate(v, sys, now, false)
	if err != nil {
		if !errors.Is(err, ErrEmpty) {
			rw.flag(f, FlagDateUnreadable)
		}
		return nil
	}
	return rw.ar.time(t)
}

// reject builds the Rejection for an empty required cell.
func (rw *rowCells) reject(code string, s slot, detail string) *Rejection {
	return &Rejection{Code: code, Column: rw.cells[s].letter, Field: Fields[s], Detail: detail}
}

// NormaliseRow turns one raw enrolment row into an Enrolment. Every
// mapped field is parsed; an unreadable value leaves the field empty (or
// nil) and yields an Issue whose code is also in Enrolment.Flags.
//
// A row is an application when it names a module and carries some
// identity: a surname, a given name, a tax code (as typed), or a readable
// e-mail or phone. A missing name is then only flagged (FlagMissingSurname,
// FlagMissingGivenName). A row without identity or without a module title
// is not kept: the returned *Rejection says why (the Enrolment then holds
// lineage only, and no issues are returned).
//
// NormaliseRow serves one row; a Normaliser serves a table's rows with
// fewer allocations.
func NormaliseRow(rc *RowContext, row RawRow) (Enrolment, []Issue, *Rejection) {
	cells := &rowCells{row: row.Row}
	return normaliseRow(rc, nil, cells, row)
}

// normaliseRow is NormaliseRow on a cleared cells (see Normaliser).
func normaliseRow(rc *RowContext, slots []int, cells *rowCells, row RawRow) (Enrolment, []Issue, *Rejection) {
	now := rc.now()
	e := Enrolment{
		ProvinceCode: rc.ProvinceCode,
		SourceFile:   rc.SourceFile,
		SourceSHA256: rc.SourceSHA256,
		Sheet:        rc.Sheet,
		SourceRow:    row.Row,
	}
	extras := gather(rc, slots, row, cells)

	// Names: the separate columns win; "Cognome e nome" fills what they lack.
	sur, giv := cells.text(sSurname), cells.text(sGivenName)
	if sur == "" || giv == "" {
		if full := cells.text(sFullName); full != "" {
			s, g, guessed, ok := SplitFullName(full)
			switch {
			case ok:
				if sur == "" {
					sur = s
				}
				if giv == "" {
					giv = g
				}
				if guessed {
					cells.flag(sFullName, FlagNameSplitGuessed)
				}
			case sur == "" && giv == "":
				// One word: a surname or a given name, which cannot be
				// told; kept as the surname, flagged.
				if w, given := singleName(full); w != "" {
					if given {
						giv = w
					} else {
						sur = w
					}
					cells.flag(sFullName, FlagNameUnsplittable)
				}
			}
		}
	}
	mod := parseModuleFields(rc, cells, now)
	if mod.Title == "" {
		mod.Title = mod.Code // a row that names its module by code only
	}
	normalisePerson(rc, cells, &e, now)
	if sur == "" && giv == "" && e.TaxCode == "" && e.Email == "" && e.Phone == "" {
		f := sSurname
		if !cells.get(f).mapped && cells.get(sFullName).mapped {
			f = sFullName
		}
		return blank(e), nil, cells.reject(ReasonMissingIdentity, f,
			"no surname, given name, tax code, e-mail or phone: the row names nobody")
	}
	if mod.Title == "" {
		return blank(e), nil, cells.reject(ReasonMissingModule, sModule, "the module title is empty")
	}
	if sur == "" {
		cells.flag(nameField(cells, sSurname), FlagMissingSurname)
	}
	if giv == "" {
		cells.flag(nameField(cells, sGivenName), FlagMissingGivenName)
	}
	e.Surname, e.GivenName = sur, giv
	e.DisplayName = DisplayName(sur, giv)
	e.SurnameFold, e.GivenNameFold = cells.fo.fold(sur), cells.fo.fold(giv)

	e.ModuleCode, e.ModuleTitle, e.ModuleFold = mod.Code, mod.Title, cells.fo.fold(mod.Title)
	e.Edition, e.Site, e.Axis = mod.Edition, mod.Site, mod.Axis
	e.PlannedHours, e.Sessions, e.StartDate, e.EndDate = mod.PlannedHours, mod.Sessions, mod.StartDate, mod.EndDate

	e.Organisation = cells.text(sOrganisation)
	e.OrganisationFold = cells.fo.fold(e.Organisation)
	e.OrganisationType = cells.text(sOrganisationType)
	if t, ok := rc.Values.lookup(FieldOrganisationType, e.OrganisationType); ok {
		e.OrganisationType = t
	}
	e.OrganisationTypeFold = cells.fo.fold(e.OrganisationType)
	e.Role = cells.text(sRole)
	e.RoleFold = cells.fo.fold(e.Role)

	normaliseOutcome(rc, cells, &e, now)

	e.Extras = extras
	slices.SortStableFunc(cells.issues, columnOrder)
	if len(cells.flags) > 0 {
		slices.Sort(cells.flags)
		e.Flags = cells.ar.strings(slices.Compact(cells.flags))
	}
	return e, cells.ar.issues(cells.issues), nil
}

// blank keeps only an enrolment's lineage (for a rejected row).
func blank(e Enrolment) Enrolment {
	return Enrolment{ProvinceCode: e.ProvinceCode, SourceFile: e.SourceFile, SourceSHA256: e.SourceSHA256,
		Sheet: e.Sheet, SourceRow: e.SourceRow}
}

// nameField is the column to blame for a missing name: its own column when
// the sheet has one, else "Cognome e nome".
func nameField(cells *rowCells, f slot) slot {
	if !cells.get(f).mapped && cells.get(sFullName).mapped {
		return sFullName
	}
	return f
}

// singleName reads a "Cognome e nome" cell that holds one word: the word,
// and whether it is the given name (typed after a comma: ", Maria").
func singleName(full string) (string, bool) {
	full = CleanText(full)
	given := false
	if i := strings.IndexByte(full, ','); i >= 0 {
		given = CleanText(full[:i]) == ""
		full = CleanText(strings.ReplaceAll(full, ",", " "))
	}
	var buf [64]byte
	if len(appendFold(buf[:0], full)) == 0 {
		return "", false
	}
	return full, given
}

// earliestBirth is the first plausible birth date.
var earliestBirth = date(1900, 1, 1)

// normalisePerson fills tax code, sex, birth date and place, contacts.
func normalisePerson(rc *RowContext, cells *rowCells, e *Enrolment, now time.Time) {
	dates := rc.dates()
	tc := ParseTaxCodeAt(cells.get(sTaxCode).value, now)
	e.TaxCode, e.TaxCodeStatus = tc.Code, tc.Status
	switch tc.Status {
	case TaxCodeInvalid:
		cells.flag(sTaxCode, FlagTaxCodeInvalid)
	case TaxCodeBadCheck:
		cells.flag(sTaxCode, FlagTaxCodeBadCheck)
	}

	if v := cells.get(sSex).value; v != "" {
		if s, ok := rc.Values.lookup(FieldSex, v); ok {
			e.Sex = s
		} else if s, err := ParseSex(v); err == nil {
			e.Sex = s
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(sSex, FlagSexUnreadable)
		}
	}
	if v := cells.get(sBirthDate).value; v != "" {
		t, err := parseDate(v, dates, now, true)
		switch {
		case err == nil && (t.Before(earliestBirth) || t.After(now)):
			cells.flag(sBirthDate, FlagBirthDateImplausible)
		case err == nil:
			e.BirthDate = cells.ar.time(t)
		case !errors.Is(err, ErrEmpty):
			cells.flag(sBirthDate, FlagBirthDateUnreadable)
		}
	}
	if tc.Status == TaxCodeValid {
		switch {
		case e.Sex == "":
			e.Sex = tc.Sex
		case e.Sex != tc.Sex:
			cells.flag(sSex, FlagTaxCodeSexConflict)
		}
		switch {
		case e.BirthDate == nil:
			e.BirthDate = cells.ar.time(tc.BirthDate)
		case !e.BirthDate.Equal(tc.BirthDate):
			cells.flag(sBirthDate, FlagTaxCodeBirthConflict)
		}
	}

	e.BirthPlace = cells.text(sBirthPlace)
	e.BirthPlaceFold = cells.fo.fold(e.BirthPlace)
	e.Municipality = cells.text(sMunicipality)
	e.MunicipalityFold = cells.fo.fold(e.Municipality)

	if v := cells.get(sEmail).value; v != "" {
		if m, err := ParseEmail(v); err == nil {
			e.Email = m
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(sEmail, FlagEmailInvalid)
		}
	}
	if v := cells.get(sPhone).value; v != "" {
		if p, err := ParsePhone(v, "+39"); err == nil {
			e.Phone = p
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(sPhone, FlagPhoneInvalid)
		}
	}
}

// normaliseOutcome fills application date, status, hours and satisfaction.
// An empty or unreadable status is StatusNotIndicated, flagged.
func normaliseOutcome(rc *RowContext, cells *rowCells, e *Enrolment, now time.Time) {
	e.ApplicationDate = cells.date(sApplicationDate, rc.dates(), now)

	raw := cells.get(sStatus).value
	e.StatusRaw = CleanText(raw)
	st := cells.fo.status(rc, raw)
	e.Status = st.status
	if st.flag != "" {
		cells.flag(sStatus, st.flag)
	}

	if v := cells.get(sHoursAttended).value; v != "" {
		h, err := ParseHours(v)
		switch {
		case errors.Is(err, ErrOutOfRange):
			cells.flag(sHoursAttended, FlagHoursOutOfRange)
		case errors.Is(err, ErrEmpty):
		case err != nil:
			cells.flag(sHoursAttended, FlagHoursUnreadable)
		case e.PlannedHours != nil && h > *e.PlannedHours+1e-9:
			cells.flag(sHoursAttended, FlagHoursOutOfRange)
		default:
			e.HoursAttended = cells.ar.float(h)
		}
	}
	if v := cells.get(sSatisfaction).value; v != "" {
		s, err := ParseSatisfaction(v)
		switch {
		case errors.Is(err, ErrOutOfRange):
			cells.flag(sSatisfaction, FlagSatisfactionOutOfRange)
		case errors.Is(err, ErrEmpty):
		case err != nil:
			cells.flag(sSatisfaction, FlagSatisfactionUnreadable)
		default:
			e.Satisfaction = cells.ar.float(s)
		}
	}
}

// readStatus reads a status cell: the config's mapping first, then
// ParseStatus; an empty or unreadable status is StatusNotIndicated, with
// its flag.
func readStatus(rc *RowContext, raw string) statusOutcome {
	if st, ok := rc.Values.lookup(FieldStatus, raw); ok {
		return statusOutcome{status: st} // the config's choice, not_indicated included: not flagged
	}
	st, err := ParseStatus(raw)
	switch {
	case err == nil:
		return statusOutcome{status: st}
	case errors.Is(err, ErrEmpty):
		return statusOutcome{StatusNotIndicated, FlagStatusMissing}
	default:
		return statusOutcome{StatusNotIndicated, FlagStatusUnreadable}
	}
}

// NormaliseModule turns one row of a modules catalogue sheet into a
// Module. A row without a module title is not kept (ReasonMissingModule).
func NormaliseModule(rc *RowContext, row RawRow) (Module, []Issue, *Rejection) {
	now := rc.now()
	m := Module{
		ProvinceCode: rc.ProvinceCode,
		SourceFile:   rc.SourceFile,
		SourceSHA256: rc.SourceSHA256,
		Sheet:        rc.Sheet,
		SourceRow:    row.Row,
	}
	cells := &rowCells{row: row.Row}
	extras := gather(rc, nil, row, cells)
	mf := parseModuleFields(rc, cells, now)
	if mf.Title == "" {
		return m, nil, cells.reject(ReasonMissingModule, sModule, "the module title is empty")
	}
	m.ModuleCode, m.Title, m.TitleFold = mf.Code, mf.Title, cells.fo.fold(mf.Title)
	m.Edition, m.Site, m.Axis = mf.Edition, mf.Site, mf.Axis
	m.PlannedHours, m.Sessions, m.StartDate, m.EndDate = mf.PlannedHours, mf.Sessions, mf.StartDate, mf.EndDate
	m.Extras = extras
	slices.SortStableFunc(cells.issues, columnOrder)
	return m, cells.issues, nil
}

// String describes the rejection for logs: code, column and detail.
func (r *Rejection) String() string {
	if r.Column == "" {
		return fmt.Sprintf("%s: %s", r.Code, r.Detail)
	}
	return fmt.Sprintf("%s at column %s: %s", r.Code, r.Column, r.Detail)
}
