package canon

// The functions as they were before the Normaliser (commit 5c99b22), kept
// for the differential tests in normaliser_test.go: every replacement
// must give the same results, byte for byte.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// refMaxFields bounds the number of canonical fields (see refFieldSlot).
const refMaxFields = 40

// refFieldSlot numbers the canonical fields for the per-row refCell array.
var refFieldSlot = func() map[Field]int {
	if len(Fields) > refMaxFields {
		panic("canon: more fields than refMaxFields")
	}
	m := make(map[Field]int, len(Fields))
	for i, f := range Fields {
		m[f] = i
	}
	return m
}()

// refCell is the raw value found for one field in a row.
type refCell struct {
	value  string // "" for a placeholder such as "-"
	raw    string // as typed, for issues
	letter string
	mapped bool
}

// refRowCells holds a row's values by field, and collects its issues.
type refRowCells struct {
	row    int
	cells  [refMaxFields]refCell
	issues []Issue
	flags  []string
}

func (rw *refRowCells) get(f Field) *refCell { return &rw.cells[refFieldSlot[f]] }

// text returns the cleaned value of f.
func (rw *refRowCells) text(f Field) string { return CleanText(rw.get(f).value) }

// flag records an issue on the refCell of f.
func (rw *refRowCells) flag(f Field, code string) {
	c := rw.get(f)
	rw.issues = append(rw.issues, Issue{Row: rw.row, Column: c.letter, Field: f, Value: c.raw, Code: code})
	rw.flags = append(rw.flags, code)
}

// refColumnLetters returns the spreadsheet letters of a 0-based column index.
func refColumnLetters(i int) string {
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

// refGather sorts the row's cells by field. Values of unmapped columns, of
// cells beyond the known columns, and second differing values of a field
// mapped twice go to the returned extras (nil when there are none).
func refGather(rc *RowContext, row RawRow, cells *refRowCells) map[string]string {
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
		slot, ok := refFieldSlot[col.Field]
		if !ok {
			if strings.TrimSpace(v) != "" {
				put(col.Header, col.Letter, v)
			}
			continue
		}
		raw := v
		if refIsPlaceholder(v) {
			v = "" // "-", "/", "n.d.": typed to say there is nothing
		}
		c := &cells.cells[slot]
		switch {
		case !c.mapped || strings.TrimSpace(c.value) == "":
			*c = refCell{value: v, raw: raw, letter: col.Letter, mapped: true}
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
			l := refColumnLetters(i)
			put(l, l, v)
		}
	}
	return extras
}

// refIsPlaceholder reports a refCell typed to say "nothing here": only dashes,
// dots, slashes, underscores or asterisks, or "n.d."/"n/a".
func refIsPlaceholder(v string) bool {
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

// refColumnOrder orders column letters as a spreadsheet does: "" first, then
// A … Z, AA ….
func refColumnOrder(a, b Issue) int {
	if len(a.Column) != len(b.Column) {
		return len(a.Column) - len(b.Column)
	}
	return strings.Compare(a.Column, b.Column)
}

// refModuleFields are the module fields shared by enrolment rows and
// catalogue rows.
type refModuleFields struct {
	Code, Title, Edition, Site, Axis string
	PlannedHours                     *float64
	Sessions                         *int32
	StartDate, EndDate               *time.Time
}

func refParseModuleFields(rc *RowContext, cells *refRowCells, now time.Time) refModuleFields {
	m := refModuleFields{
		Code:    cells.text(FieldModuleCode),
		Title:   cells.text(FieldModule),
		Edition: cells.text(FieldEdition),
		Site:    cells.text(FieldSite),
	}
	if v := cells.get(FieldAxis).value; v != "" {
		if a, ok := refLookup(rc.Values, FieldAxis, v); ok {
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
func (rw *refRowCells) date(f Field, date1904 bool, now time.Time) *time.Time {
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

// reject builds the Rejection for an empty required refCell.
func (rw *refRowCells) reject(code string, f Field, detail string) *Rejection {
	return &Rejection{Code: code, Column: rw.get(f).letter, Field: f, Detail: detail}
}

// refNormaliseRow turns one raw enrolment row into an Enrolment. Every
// mapped field is parsed; an unreadable value leaves the field empty (or
// nil) and yields an Issue whose code is also in Enrolment.Flags.
//
// A row is an application when it names a module and carries some
// identity: a surname, a given name, a tax code (as typed), or a readable
// e-mail or phone. A missing name is then only flagged (FlagMissingSurname,
// FlagMissingGivenName). A row without identity or without a module title
// is not kept: the returned *Rejection says why (the Enrolment then holds
// lineage only, and no issues are returned).
func refNormaliseRow(rc *RowContext, row RawRow) (Enrolment, []Issue, *Rejection) {
	now := rc.now()
	e := Enrolment{
		ProvinceCode: rc.ProvinceCode,
		SourceFile:   rc.SourceFile,
		SourceSHA256: rc.SourceSHA256,
		Sheet:        rc.Sheet,
		SourceRow:    row.Row,
	}
	cells := &refRowCells{row: row.Row}
	extras := refGather(rc, row, cells)

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
				if w, given := refSingleName(full); w != "" {
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
	mod := refParseModuleFields(rc, cells, now)
	if mod.Title == "" {
		mod.Title = mod.Code // a row that names its module by code only
	}
	refNormalisePerson(rc, cells, &e, now)
	if sur == "" && giv == "" && e.TaxCode == "" && e.Email == "" && e.Phone == "" {
		f := FieldSurname
		if !cells.get(f).mapped && cells.get(FieldFullName).mapped {
			f = FieldFullName
		}
		return refBlank(e), nil, cells.reject(ReasonMissingIdentity, f,
			"no surname, given name, tax code, e-mail or phone: the row names nobody")
	}
	if mod.Title == "" {
		return refBlank(e), nil, cells.reject(ReasonMissingModule, FieldModule, "the module title is empty")
	}
	if sur == "" {
		cells.flag(refNameField(cells, FieldSurname), FlagMissingSurname)
	}
	if giv == "" {
		cells.flag(refNameField(cells, FieldGivenName), FlagMissingGivenName)
	}
	e.Surname, e.GivenName = sur, giv
	e.DisplayName = refDisplayName(sur, giv)
	e.SurnameFold, e.GivenNameFold = refFold(sur), refFold(giv)

	e.ModuleCode, e.ModuleTitle, e.ModuleFold = mod.Code, mod.Title, refFold(mod.Title)
	e.Edition, e.Site, e.Axis = mod.Edition, mod.Site, mod.Axis
	e.PlannedHours, e.Sessions, e.StartDate, e.EndDate = mod.PlannedHours, mod.Sessions, mod.StartDate, mod.EndDate

	e.Organisation = cells.text(FieldOrganisation)
	e.OrganisationFold = refFold(e.Organisation)
	e.OrganisationType = cells.text(FieldOrganisationType)
	if t, ok := refLookup(rc.Values, FieldOrganisationType, e.OrganisationType); ok {
		e.OrganisationType = t
	}
	e.OrganisationTypeFold = refFold(e.OrganisationType)
	e.Role = cells.text(FieldRole)
	e.RoleFold = refFold(e.Role)

	refNormaliseOutcome(rc, cells, &e, now)

	e.Extras = extras
	slices.SortStableFunc(cells.issues, refColumnOrder)
	if len(cells.flags) > 0 {
		slices.Sort(cells.flags)
		e.Flags = slices.Compact(cells.flags)
	}
	return e, cells.issues, nil
}

// refBlank keeps only an enrolment's lineage (for a rejected row).
func refBlank(e Enrolment) Enrolment {
	return Enrolment{ProvinceCode: e.ProvinceCode, SourceFile: e.SourceFile, SourceSHA256: e.SourceSHA256,
		Sheet: e.Sheet, SourceRow: e.SourceRow}
}

// refNameField is the column to blame for a missing name: its own column when
// the sheet has one, else "Cognome e nome".
func refNameField(cells *refRowCells, f Field) Field {
	if !cells.get(f).mapped && cells.get(FieldFullName).mapped {
		return FieldFullName
	}
	return f
}

// refSingleName reads a "Cognome e nome" refCell that holds one word: the word,
// and whether it is the given name (typed after a comma: ", Maria").
func refSingleName(full string) (string, bool) {
	full = CleanText(full)
	given := false
	if i := strings.IndexByte(full, ','); i >= 0 {
		given = CleanText(full[:i]) == ""
		full = CleanText(strings.ReplaceAll(full, ",", " "))
	}
	if refFold(full) == "" {
		return "", false
	}
	return full, given
}

// refEarliestBirth is the first plausible birth date.
var refEarliestBirth = date(1900, 1, 1)

// refNormalisePerson fills tax code, sex, birth date and place, contacts.
func refNormalisePerson(rc *RowContext, cells *refRowCells, e *Enrolment, now time.Time) {
	date1904 := rc.Date1904
	tc := refParseTaxCodeAt(cells.get(FieldTaxCode).value, now)
	e.TaxCode, e.TaxCodeStatus = tc.Code, tc.Status
	switch tc.Status {
	case TaxCodeInvalid:
		cells.flag(FieldTaxCode, FlagTaxCodeInvalid)
	case TaxCodeBadCheck:
		cells.flag(FieldTaxCode, FlagTaxCodeBadCheck)
	}

	if v := cells.get(FieldSex).value; v != "" {
		if s, ok := refLookup(rc.Values, FieldSex, v); ok {
			e.Sex = s
		} else if s, err := refParseSex(v); err == nil {
			e.Sex = s
		} else if !errors.Is(err, ErrEmpty) {
			cells.flag(FieldSex, FlagSexUnreadable)
		}
	}
	if v := cells.get(FieldBirthDate).value; v != "" {
		t, err := ParseBirthDate(v, date1904, now)
		switch {
		case err == nil && (t.Before(refEarliestBirth) || t.After(now)):
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
	e.BirthPlaceFold = refFold(e.BirthPlace)
	e.Municipality = cells.text(FieldMunicipality)
	e.MunicipalityFold = refFold(e.Municipality)

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

// refNormaliseOutcome fills application date, status, hours and satisfaction.
// An empty or unreadable status is StatusNotIndicated, flagged.
func refNormaliseOutcome(rc *RowContext, cells *refRowCells, e *Enrolment, now time.Time) {
	e.ApplicationDate = cells.date(FieldApplicationDate, rc.Date1904, now)

	raw := cells.get(FieldStatus).value
	e.StatusRaw = CleanText(raw)
	if st, ok := refLookup(rc.Values, FieldStatus, raw); ok {
		e.Status = st // the config's choice, not_indicated included: not flagged
	} else if st, err := refParseStatus(raw); err == nil {
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
		s, err := refParseSatisfaction(v)
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

// refNormaliseModule turns one row of a modules catalogue sheet into a
// Module. A row without a module title is not kept (ReasonMissingModule).
func refNormaliseModule(rc *RowContext, row RawRow) (Module, []Issue, *Rejection) {
	now := rc.now()
	m := Module{
		ProvinceCode: rc.ProvinceCode,
		SourceFile:   rc.SourceFile,
		SourceSHA256: rc.SourceSHA256,
		Sheet:        rc.Sheet,
		SourceRow:    row.Row,
	}
	cells := &refRowCells{row: row.Row}
	extras := refGather(rc, row, cells)
	mf := refParseModuleFields(rc, cells, now)
	if mf.Title == "" {
		return m, nil, cells.reject(ReasonMissingModule, FieldModule, "the module title is empty")
	}
	m.ModuleCode, m.Title, m.TitleFold = mf.Code, mf.Title, refFold(mf.Title)
	m.Edition, m.Site, m.Axis = mf.Edition, mf.Site, mf.Axis
	m.PlannedHours, m.Sessions, m.StartDate, m.EndDate = mf.PlannedHours, mf.Sessions, mf.StartDate, mf.EndDate
	m.Extras = extras
	slices.SortStableFunc(cells.issues, refColumnOrder)
	return m, cells.issues, nil
}

// refFold returns s reduced to a key for matching: upper case, accents
// stripped, and everything that is not a letter or a digit (spaces,
// apostrophes, punctuation) removed. "D'Angelo" → "DANGELO",
// "Nicolò" → "NICOLO". Letters of non-Latin scripts are kept, upper-cased.
func refFold(s string) string {
	folded := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			folded = false
			break
		}
	}
	if folded {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z':
				b = append(b, c-'a'+'A')
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= 0xC0 && r < 0x250:
			b = append(b, latinFold[r-0xC0]...)
		default:
			if f, ok := extraFold[r]; ok {
				b = append(b, f...)
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b = utf8.AppendRune(b, unicode.ToUpper(r))
			}
		}
	}
	return string(b)
}

// refTitleCase upper-cases the first letter of every word and lower-cases
// the rest; a word starts after anything that is not a letter, so
// "D'ANGELO" → "D'Angelo" and "ROSSI-BIANCHI" → "Rossi-Bianchi". Typographic
// apostrophes become ASCII ones.
func refTitleCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		switch {
		case isApostrophe(r):
			b.WriteByte('\'')
			start = true
		case unicode.IsLetter(r):
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
		case unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		default:
			b.WriteRune(r)
			start = true
		}
	}
	return b.String()
}

// refDisplayName returns "Surname Given" in title case for display, keeping
// apostrophes: refDisplayName("D'ANGELO", "NICOLÒ") = "D'Angelo Nicolò".
func refDisplayName(surname, given string) string {
	s, g := refTitleCase(CleanText(surname)), refTitleCase(CleanText(given))
	switch {
	case s == "":
		return g
	case g == "":
		return s
	}
	return s + " " + g
}

// refCleanTaxCode upper-cases raw and removes white space, dots, dashes,
// underscores and slashes.
func refCleanTaxCode(raw string) string {
	var b strings.Builder
	b.Grow(16)
	for _, r := range raw {
		switch {
		case isSpaceRune(r) || isInvisible(r) || r == '.' || r == '-' || r == '_' || r == '/':
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// refParseTaxCodeAt parses a codice fiscale typed in a refCell. Spaces, dots and
// dashes are removed and letters upper-cased. The code is valid when it
// has the right shape, the encoded birth date exists and the check letter
// matches; then Sex, BirthDate (the century that makes the person between
// 0 and 100 years old at now; zero now means today) and PlaceCode are
// filled. A well-formed code with a wrong check letter is TaxCodeBadCheck.
func refParseTaxCodeAt(raw string, now time.Time) TaxCode {
	code := refCleanTaxCode(raw)
	tc := TaxCode{Code: code}
	if code == "" {
		tc.Status = TaxCodeMissing
		return tc
	}
	if !wellFormed(code) {
		tc.Status = TaxCodeInvalid
		return tc
	}
	for _, i := range taxDigitPos {
		if code[i] > '9' {
			tc.Omocodia = true
		}
	}
	if now.IsZero() {
		now = time.Now()
	}
	yy := deomocodeDigit(code[6])*10 + deomocodeDigit(code[7])
	month := strings.IndexByte(taxMonths, code[8]) + 1
	day := deomocodeDigit(code[9])*10 + deomocodeDigit(code[10])
	sex := "M"
	if day > 40 {
		sex, day = "F", day-40
	}
	birth, ok := taxCodeBirth(yy, month, day, now)
	if !ok {
		tc.Status = TaxCodeInvalid
		return tc
	}
	if c, _ := CheckLetter(code[:15]); c != code[15] {
		tc.Status = TaxCodeBadCheck
		return tc
	}
	tc.Status = TaxCodeValid
	tc.Sex = sex
	tc.BirthDate = birth
	tc.PlaceCode = string(code[11]) + string(rune('0'+deomocodeDigit(code[12]))) +
		string(rune('0'+deomocodeDigit(code[13]))) + string(rune('0'+deomocodeDigit(code[14])))
	return tc
}

// refParseSex reads F, M, Femmina, Maschio, Donna, Uomo, female, male, "F."
// (any case, punctuation ignored) and returns "F" or "M". Errors wrap
// ErrEmpty or ErrBadSex.
func refParseSex(raw string) (string, error) {
	if CleanText(raw) == "" {
		return "", fmt.Errorf("parsing sex: %w", ErrEmpty)
	}
	if s, ok := sexWords[refFold(raw)]; ok {
		return s, nil
	}
	return "", fmt.Errorf("parsing sex: %w", ErrBadSex)
}

// refFoldedWords splits s into words at anything that is not a letter or a
// digit, and folds each.
func refFoldedWords(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range ws {
		ws[i] = refFold(w)
	}
	return ws
}

// refParseStatus reads an application outcome, accents, case and dots
// ignored: ammesso/a, amm., accettato/a, acc., sì/si/s/ok/x/✓/1/vero,
// iscritto/a, frequentante → accepted; non ammesso/a, non amm., non
// accettato/a, respinto/a, diniegato/a, escluso/a, escl., no/n/0/falso/✗ →
// not_accepted; ritirato/a, rit., rinuncia, rin., rinunciatario/a, ritiro,
// "ritirato prima dell'inizio" → withdrawn. The yes/no forms serve columns
// headed "Ammesso/a?" or "Accettato/a?". A withdrawal anywhere in the refCell
// wins ("ammessa – ritirata" is withdrawn); otherwise the first word
// decides. It never returns StatusNotIndicated: errors wrap ErrEmpty or
// ErrBadStatus, and the caller decides.
func refParseStatus(raw string) (string, error) {
	s := CleanText(raw)
	if s == "" {
		return "", fmt.Errorf("parsing status: %w", ErrEmpty)
	}
	switch s {
	case "✓", "✔", "☑", "✅", "✔️":
		return StatusAccepted, nil
	case "✗", "✘", "❌", "☒":
		return StatusNotAccepted, nil
	}
	ws := refFoldedWords(s)
	if len(ws) == 0 {
		return "", fmt.Errorf("parsing status: %w", ErrBadStatus)
	}
	for i, w := range ws {
		if wordStatus(w) == StatusWithdrawn && (i == 0 || ws[i-1] != "NON") {
			return StatusWithdrawn, nil
		}
	}
	if ws[0] == "NON" {
		if len(ws) > 1 && wordStatus(ws[1]) == StatusAccepted && isStatusWord(ws[1]) {
			return StatusNotAccepted, nil
		}
		return "", fmt.Errorf("parsing status: %w", ErrBadStatus)
	}
	if st := wordStatus(ws[0]); st != "" {
		return st, nil
	}
	return "", fmt.Errorf("parsing status: %w", ErrBadStatus)
}

// refParseSatisfaction reads a satisfaction score on the 1–5 scale: "4",
// "4,5", "4/5", "4 su 5", or a judgement (ottimo 5, buono 4,
// discreto/sufficiente 3, scarso 2, insufficiente/pessimo 1). A number
// outside 1–5 is returned with an error wrapping ErrOutOfRange; other
// errors wrap ErrEmpty or ErrBadNumber.
func refParseSatisfaction(raw string) (float64, error) {
	s := strings.ToLower(CleanText(raw))
	if s == "" {
		return 0, fmt.Errorf("parsing satisfaction: %w", ErrEmpty)
	}
	if v, ok := satisfactionWords[refFold(s)]; ok {
		return v, nil
	}
	num := s
	if a, b, ok := strings.Cut(s, "/"); ok {
		num = a
		if strings.TrimSpace(b) != "5" {
			return 0, fmt.Errorf("parsing satisfaction: scale: %w", ErrBadNumber)
		}
	} else if a, b, ok := strings.Cut(s, " su "); ok {
		num = a
		if strings.TrimSpace(b) != "5" {
			return 0, fmt.Errorf("parsing satisfaction: scale: %w", ErrBadNumber)
		}
	}
	v, err := ParseDecimal(num)
	if err != nil {
		return 0, fmt.Errorf("parsing satisfaction: %w", ErrBadNumber)
	}
	if v < 1 || v > 5 {
		return v, fmt.Errorf("parsing satisfaction: %w", ErrOutOfRange)
	}
	return v, nil
}

// lookup returns the canonical value raw is mapped to in field f.
func refLookup(m ValueMap, f Field, raw string) (string, bool) {
	vs := m[f]
	if len(vs) == 0 {
		return "", false
	}
	k := refFold(raw)
	if k == "" {
		return "", false
	}
	v, ok := vs[k]
	return v, ok
}

// refEnrolmentID is the stable key of an enrolment row: the first 16 hex
// characters of the SHA-256 of the file's hash, the sheet and the row
// number joined with NUL bytes.
func refEnrolmentID(sha256Hex, sheet string, row int) string {
	h := sha256.New()
	h.Write([]byte(sha256Hex))
	h.Write([]byte{0})
	h.Write([]byte(sheet))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(row), 10))
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:8])
}

// refBatch accumulates enrolments into Arrow record batches with
// EnrolmentSchema. module_id and person_id are left NULL: later pipeline
// steps fill them. Empty optional strings become NULL. A refBatch is not safe
// for concurrent use.
type refBatch struct {
	runID string
	rb    *array.RecordBuilder
	n     int
	keys  []string // scratch for sorting extras keys
}

// refNewBatch returns an empty batch whose rows carry runID.
func refNewBatch(mem memory.Allocator, runID string) *refBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &refBatch{runID: runID, rb: array.NewRecordBuilder(mem, EnrolmentSchema)}
}

// Len returns the number of enrolments appended since the last NewRecord.
func (b *refBatch) Len() int { return b.n }

// Release frees the builder's memory. The batch is unusable afterwards.
func (b *refBatch) Release() { b.rb.Release() }

// NewRecord returns the enrolments appended so far as a record batch and
// empties the builder. The caller releases the record.
func (b *refBatch) NewRecord() arrow.RecordBatch {
	b.n = 0
	return b.rb.NewRecordBatch()
}

// Append adds one enrolment.
func (b *refBatch) Append(e *Enrolment) {
	c := refColumnAppender{rb: b.rb}
	c.str(refEnrolmentID(e.SourceSHA256, e.Sheet, e.SourceRow))
	c.str(b.runID)
	c.str(e.ProvinceCode)
	c.str(e.SourceFile)
	c.str(e.SourceSHA256)
	c.str(e.Sheet)
	c.int32(int32(e.SourceRow))
	c.null() // module_id
	c.null() // person_id
	c.optStr(e.Surname)
	c.optStr(e.GivenName)
	c.str(e.DisplayName)
	c.optStr(e.SurnameFold)
	c.optStr(e.GivenNameFold)
	c.optStr(e.TaxCode)
	c.str(e.TaxCodeStatus)
	c.optStr(e.Sex)
	c.date(e.BirthDate)
	c.optStr(e.BirthPlace)
	c.optStr(e.BirthPlaceFold)
	c.optStr(e.Email)
	c.optStr(e.Phone)
	c.optStr(e.Municipality)
	c.optStr(e.MunicipalityFold)
	c.optStr(e.Organisation)
	c.optStr(e.OrganisationFold)
	c.optStr(e.OrganisationType)
	c.optStr(e.OrganisationTypeFold)
	c.optStr(e.Role)
	c.optStr(e.RoleFold)
	c.optStr(e.ModuleCode)
	c.str(e.ModuleTitle)
	c.str(e.ModuleFold)
	c.optStr(e.Edition)
	c.optStr(e.Site)
	c.optStr(e.Axis)
	c.float(e.PlannedHours)
	c.optInt32(e.Sessions)
	c.date(e.StartDate)
	c.date(e.EndDate)
	c.date(e.ApplicationDate)
	c.optStr(e.Status)
	c.optStr(e.StatusRaw)
	c.float(e.HoursAttended)
	c.float(e.Satisfaction)
	c.list(e.Flags)
	b.keys = c.strMap(e.Extras, b.keys)
	b.n++
}

// refColumnAppender appends one row's values to the record builder's fields
// in schema order.
type refColumnAppender struct {
	rb *array.RecordBuilder
	i  int
}

func (c *refColumnAppender) next() array.Builder {
	f := c.rb.Field(c.i)
	c.i++
	return f
}

func (c *refColumnAppender) null() { c.next().AppendNull() }

func (c *refColumnAppender) str(s string) { c.next().(*array.StringBuilder).Append(s) }

func (c *refColumnAppender) optStr(s string) {
	if s == "" {
		c.null()
		return
	}
	c.str(s)
}

func (c *refColumnAppender) int32(v int32) { c.next().(*array.Int32Builder).Append(v) }

func (c *refColumnAppender) optInt32(v *int32) {
	if v == nil {
		c.null()
		return
	}
	c.int32(*v)
}

func (c *refColumnAppender) float(v *float64) {
	if v == nil {
		c.null()
		return
	}
	c.next().(*array.Float64Builder).Append(*v)
}

func (c *refColumnAppender) date(t *time.Time) {
	if t == nil {
		c.null()
		return
	}
	y, m, d := t.Date()
	c.next().(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
}

// list appends flags as a list; none is an empty list, not NULL.
func (c *refColumnAppender) list(vs []string) {
	lb := c.next().(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, v := range vs {
		vb.Append(v)
	}
}

// strMap appends extras with sorted keys; none is an empty map, not NULL.
func (c *refColumnAppender) strMap(m map[string]string, keys []string) []string {
	mb := c.next().(*array.MapBuilder)
	mb.Append(true)
	kb := mb.KeyBuilder().(*array.StringBuilder)
	ib := mb.ItemBuilder().(*array.StringBuilder)
	keys = keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kb.Append(k)
		ib.Append(m[k])
	}
	return keys
}
