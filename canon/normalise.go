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
	Columns  []Column  // from the reader's header detection
	Now      time.Time // reference for plausibility and two-digit years; zero: time.Now()
	// Values maps values as typed to canonical ones (the config's
	// `values:`), tried before the parsers of status, sex, axis and
	// organisation type; nil for none.
	Values ValueMap
}

func (rc *RowContext) now() time.Time {
	if rc.Now.IsZero() {
		return time.Now()
	}
	return rc.Now
}

// maxFields bounds the number of canonical fields (see fieldSlot).
const maxFields = 40

// fieldSlot numbers the canonical fields for the per-row cell array.
var fieldSlot = func() map[Field]int {
	if len(Fields) > maxFields {
		panic("canon: more fields than maxFields")
	}
	m := make(map[Field]int, len(Fields))
	for i, f := range Fields {
		m[f] = i
	}
	return m
}()

// cell is the raw value found for one field in a row.
type cell struct {
	value  string // "" for a placeholder such as "-"
	raw    string // as typed, for issues
	letter string
	mapped bool
}

// rowCells holds a row's values by field, and collects its issues.
type rowCells struct {
	row    int
	cells  [maxFields]cell
	issues []Issue
	flags  []string
}

func (rw *rowCells) get(f Field) *cell { return &rw.cells[fieldSlot[f]] }

// text returns the cleaned value of f.
func (rw *rowCells) text(f Field) string { return CleanText(rw.get(f).value) }

// flag records an issue on the cell of f.
func (rw *rowCells) flag(f Field, code string) {
	c := rw.get(f)
	rw.issues = append(rw.issues, Issue{Row: rw.row, Column: c.letter, Field: f, Value: c.raw, Code: code})
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
func gather(rc *RowContext, row RawRow, cells *rowCells) map[string]string {
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
	for _, col := range rc.Columns {
		if col.Index >= 0 && col.Index < 256 {
			covered[col.Index/64] |= 1 << (col.Index % 64)
		}
		v := row.Cell(col.Index)
		if col.Field == FieldNone {
			if strings.TrimSpace(v) != "" {
				put(col.Header, col.Letter, v)
			}
			continue
		}
		slot, ok := fieldSlot[col.Field]
		if !ok {
			if strings.TrimSpace(v) != "" {
				put(col.Header, col.Letter, v)
			}
			continue
		}
		raw := v
		if isPlaceholder(v) {
			v = "" // "-", "/", "n.d.": typed to say there is nothing
		}
		c := &cells.cells[slot]
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
		Code:    cells.text(FieldModuleCode),
		Title:   cells.text(FieldModule),
		Edition: cells.text(FieldEdition),
		Site:    cells.text(FieldSite),
	}
	if v := cells.get(FieldAxis).value; v != "" {
		if a, ok := rc.Values.lookup(FieldAxis, v); ok {
			m.Axis = a
		} else if a, err := ParseAxis(v); err == nil {
			m.Axis = a
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldAxis, FlagAxisUnreadable)
		}
	}
	if v := cells.get(FieldPlannedHours).value; v != "" {
		if h, err := ParseHours(v); err == nil {
			m.PlannedHours = &h
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldPlannedHours, FlagNumberUnreadable)
		}
	}
	if v := cells.get(FieldSessions).value; v != "" {
		if n, err := ParseCount(v); err == nil {
			m.Sessions = &n
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldSessions, FlagNumberUnreadable)
		}
	}
	m.StartDate = cells.date(FieldStartDate, rc.Date1904, now)
	m.EndDate = cells.date(FieldEndDate, rc.Date1904, now)
	return m
}

// date parses the date in f, flagging FlagDateUnreadable.
func (rw *rowCells) date(f Field, date1904 bool, now time.Time) *time.Time {
	v := rw.get(f).value
	if v == "" {
		return nil
	}
	t, err := ParseDateAt(v, date1904, now)
	if err != nil {
		if !errors.Is(err, ErrEmpty) {
			rw.flag(f, FlagDateUnreadable)
		}
		return nil
	}
	return &t
}

// reject builds the Rejection for an empty required cell.
func (rw *rowCells) reject(code string, f Field, detail string) *Rejection {
	return &Rejection{Code: code, Column: rw.get(f).letter, Field: f, Detail: detail}
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
func NormaliseRow(rc *RowContext, row RawRow) (Enrolment, []Issue, *Rejection) {
	now := rc.now()
	e := Enrolment{
		ProvinceCode: rc.ProvinceCode,
		SourceFile:   rc.SourceFile,
		SourceSHA256: rc.SourceSHA256,
		Sheet:        rc.Sheet,
		SourceRow:    row.Row,
	}
	cells := &rowCells{row: row.Row}
	extras := gather(rc, row, cells)

	// Names: the separate columns win; "Cognome e nome" fills what they lack.
	sur, giv := cells.text(FieldSurname), cells.text(FieldGivenName)
	if sur == "" || giv == "" {
		if full := cells.text(FieldFullName); full != "" {
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
					cells.flag(FieldFullName, FlagNameSplitGuessed)
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
					cells.flag(FieldFullName, FlagNameUnsplittable)
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
		f := FieldSurname
		if !cells.get(f).mapped && cells.get(FieldFullName).mapped {
			f = FieldFullName
		}
		return blank(e), nil, cells.reject(ReasonMissingIdentity, f,
			"no surname, given name, tax code, e-mail or phone: the row names nobody")
	}
	if mod.Title == "" {
		return blank(e), nil, cells.reject(ReasonMissingModule, FieldModule, "the module title is empty")
	}
	if sur == "" {
		cells.flag(nameField(cells, FieldSurname), FlagMissingSurname)
	}
	if giv == "" {
		cells.flag(nameField(cells, FieldGivenName), FlagMissingGivenName)
	}
	e.Surname, e.GivenName = sur, giv
	e.DisplayName = DisplayName(sur, giv)
	e.SurnameFold, e.GivenNameFold = Fold(sur), Fold(giv)

	e.ModuleCode, e.ModuleTitle, e.ModuleFold = mod.Code, mod.Title, Fold(mod.Title)
	e.Edition, e.Site, e.Axis = mod.Edition, mod.Site, mod.Axis
	e.PlannedHours, e.Sessions, e.StartDate, e.EndDate = mod.PlannedHours, mod.Sessions, mod.StartDate, mod.EndDate

	e.Organisation = cells.text(FieldOrganisation)
	e.OrganisationFold = Fold(e.Organisation)
	e.OrganisationType = cells.text(FieldOrganisationType)
	if t, ok := rc.Values.lookup(FieldOrganisationType, e.OrganisationType); ok {
		e.OrganisationType = t
	}
	e.OrganisationTypeFold = Fold(e.OrganisationType)
	e.Role = cells.text(FieldRole)
	e.RoleFold = Fold(e.Role)

	normaliseOutcome(rc, cells, &e, now)

	e.Extras = extras
	slices.SortStableFunc(cells.issues, columnOrder)
	if len(cells.flags) > 0 {
		slices.Sort(cells.flags)
		e.Flags = slices.Compact(cells.flags)
	}
	return e, cells.issues, nil
}

// blank keeps only an enrolment's lineage (for a rejected row).
func blank(e Enrolment) Enrolment {
	return Enrolment{ProvinceCode: e.ProvinceCode, SourceFile: e.SourceFile, SourceSHA256: e.SourceSHA256,
		Sheet: e.Sheet, SourceRow: e.SourceRow}
}

// nameField is the column to blame for a missing name: its own column when
// the sheet has one, else "Cognome e nome".
func nameField(cells *rowCells, f Field) Field {
	if !cells.get(f).mapped && cells.get(FieldFullName).mapped {
		return FieldFullName
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
	if Fold(full) == "" {
		return "", false
	}
	return full, given
}

// earliestBirth is the first plausible birth date.
var earliestBirth = date(1900, 1, 1)

// normalisePerson fills tax code, sex, birth date and place, contacts.
func normalisePerson(rc *RowContext, cells *rowCells, e *Enrolment, now time.Time) {
	date1904 := rc.Date1904
	tc := ParseTaxCodeAt(cells.get(FieldTaxCode).value, now)
	e.TaxCode, e.TaxCodeStatus = tc.Code, tc.Status
	switch tc.Status {
	case TaxCodeInvalid:
		cells.flag(FieldTaxCode, FlagTaxCodeInvalid)
	case TaxCodeBadCheck:
		cells.flag(FieldTaxCode, FlagTaxCodeBadCheck)
	}

	if v := cells.get(FieldSex).value; v != "" {
		if s, ok := rc.Values.lookup(FieldSex, v); ok {
			e.Sex = s
		} else if s, err := ParseSex(v); err == nil {
			e.Sex = s
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldSex, FlagSexUnreadable)
		}
	}
	if v := cells.get(FieldBirthDate).value; v != "" {
		t, err := ParseBirthDate(v, date1904, now)
		switch {
		case err == nil && (t.Before(earliestBirth) || t.After(now)):
			cells.flag(FieldBirthDate, FlagBirthDateImplausible)
		case err == nil:
			e.BirthDate = &t
		case !errors.Is(err, ErrEmpty):
			cells.flag(FieldBirthDate, FlagBirthDateUnreadable)
		}
	}
	if tc.Status == TaxCodeValid {
		switch {
		case e.Sex == "":
			e.Sex = tc.Sex
		case e.Sex != tc.Sex:
			cells.flag(FieldSex, FlagTaxCodeSexConflict)
		}
		switch {
		case e.BirthDate == nil:
			b := tc.BirthDate
			e.BirthDate = &b
		case !e.BirthDate.Equal(tc.BirthDate):
			cells.flag(FieldBirthDate, FlagTaxCodeBirthConflict)
		}
	}

	e.BirthPlace = cells.text(FieldBirthPlace)
	e.BirthPlaceFold = Fold(e.BirthPlace)
	e.Municipality = cells.text(FieldMunicipality)
	e.MunicipalityFold = Fold(e.Municipality)

	if v := cells.get(FieldEmail).value; v != "" {
		if m, err := ParseEmail(v); err == nil {
			e.Email = m
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldEmail, FlagEmailInvalid)
		}
	}
	if v := cells.get(FieldPhone).value; v != "" {
		if p, err := ParsePhone(v, "+39"); err == nil {
			e.Phone = p
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldPhone, FlagPhoneInvalid)
		}
	}
}

// normaliseOutcome fills application date, status, hours and satisfaction.
// An empty or unreadable status is StatusNotIndicated, flagged.
func normaliseOutcome(rc *RowContext, cells *rowCells, e *Enrolment, now time.Time) {
	e.ApplicationDate = cells.date(FieldApplicationDate, rc.Date1904, now)

	raw := cells.get(FieldStatus).value
	e.StatusRaw = CleanText(raw)
	if st, ok := rc.Values.lookup(FieldStatus, raw); ok {
		e.Status = st // the config's choice, not_indicated included: not flagged
	} else if st, err := ParseStatus(raw); err == nil {
		e.Status = st
	} else {
		e.Status = StatusNotIndicated
		if errors.Is(err, ErrEmpty) {
			cells.flag(FieldStatus, FlagStatusMissing)
		} else {
			cells.flag(FieldStatus, FlagStatusUnreadable)
		}
	}

	if v := cells.get(FieldHoursAttended).value; v != "" {
		h, err := ParseHours(v)
		switch {
		case errors.Is(err, ErrOutOfRange):
			cells.flag(FieldHoursAttended, FlagHoursOutOfRange)
		case errors.Is(err, ErrEmpty):
		case err != nil:
			cells.flag(FieldHoursAttended, FlagHoursUnreadable)
		case e.PlannedHours != nil && h > *e.PlannedHours+1e-9:
			cells.flag(FieldHoursAttended, FlagHoursOutOfRange)
		default:
			e.HoursAttended = &h
		}
	}
	if v := cells.get(FieldSatisfaction).value; v != "" {
		s, err := ParseSatisfaction(v)
		switch {
		case errors.Is(err, ErrOutOfRange):
			cells.flag(FieldSatisfaction, FlagSatisfactionOutOfRange)
		case errors.Is(err, ErrEmpty):
		case err != nil:
			cells.flag(FieldSatisfaction, FlagSatisfactionUnreadable)
		default:
			e.Satisfaction = &s
		}
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
	extras := gather(rc, row, cells)
	mf := parseModuleFields(rc, cells, now)
	if mf.Title == "" {
		return m, nil, cells.reject(ReasonMissingModule, FieldModule, "the module title is empty")
	}
	m.ModuleCode, m.Title, m.TitleFold = mf.Code, mf.Title, Fold(mf.Title)
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
