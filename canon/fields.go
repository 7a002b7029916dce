package canon

// Field is a canonical column that a spreadsheet header can map to.
type Field string

// The canonical fields. A header that maps to none of them is kept as an
// extra (see RawRow and Enrolment.Extras).
const (
	FieldNone Field = ""

	// Person.
	FieldSurname      Field = "surname"
	FieldGivenName    Field = "given_name"
	FieldFullName     Field = "full_name" // "Cognome e nome" / "Nominativo" in one cell
	FieldTaxCode      Field = "tax_code"
	FieldSex          Field = "sex"
	FieldBirthDate    Field = "birth_date"
	FieldBirthPlace   Field = "birth_place"
	FieldEmail        Field = "email"
	FieldPhone        Field = "phone"
	FieldMunicipality Field = "municipality"

	// Employer.
	FieldOrganisation     Field = "organisation"
	FieldOrganisationType Field = "organisation_type"
	FieldRole             Field = "role"

	// Module (in an enrolment row or in a modules catalogue sheet).
	FieldModuleCode   Field = "module_code"
	FieldModule       Field = "module" // the module's title
	FieldEdition      Field = "edition"
	FieldSite         Field = "site"
	FieldAxis         Field = "axis"
	FieldPlannedHours Field = "planned_hours"
	FieldSessions     Field = "sessions"
	FieldStartDate    Field = "start_date"
	FieldEndDate      Field = "end_date"

	// Outcome.
	FieldApplicationDate Field = "application_date"
	FieldStatus          Field = "status"
	FieldHoursAttended   Field = "hours_attended"
	FieldSatisfaction    Field = "satisfaction"
)

// Fields lists every canonical field, in schema order.
var Fields = []Field{
	FieldSurname, FieldGivenName, FieldFullName, FieldTaxCode, FieldSex,
	FieldBirthDate, FieldBirthPlace, FieldEmail, FieldPhone, FieldMunicipality,
	FieldOrganisation, FieldOrganisationType, FieldRole,
	FieldModuleCode, FieldModule, FieldEdition, FieldSite, FieldAxis,
	FieldPlannedHours, FieldSessions, FieldStartDate, FieldEndDate,
	FieldApplicationDate, FieldStatus, FieldHoursAttended, FieldSatisfaction,
}

// ParseField returns the field called name, and whether it exists.
func ParseField(name string) (Field, bool) {
	for _, f := range Fields {
		if string(f) == name {
			return f, true
		}
	}
	return FieldNone, false
}

// Column says what one spreadsheet column holds.
type Column struct {
	Index  int    // 0-based column index in the sheet
	Letter string // spreadsheet column letters: "A", "B", … "AA"
	Header string // the header as typed (two-level headers joined with " / ")
	Field  Field  // FieldNone: kept in Extras under Header
}

// RawRow is one data row as read, before normalisation.
type RawRow struct {
	Row   int      // 1-based row number a spreadsheet program shows (CSV: line of the record, header = 1)
	Cells []string // raw cell values by column index; numbers and dates as their stored value (date serials unformatted)
}

// Cell returns the raw value at column index i, or "" when the row is shorter.
func (r RawRow) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}
