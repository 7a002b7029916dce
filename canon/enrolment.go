package canon

import "time"

// Status of an application.
const (
	StatusAccepted    = "accepted"
	StatusNotAccepted = "not_accepted"
	StatusWithdrawn   = "withdrawn"
	// StatusNotIndicated: the status cell is empty or unreadable. The row
	// is still an application (counted, linked, shown as "Esito non
	// indicato"), flagged FlagStatusMissing or FlagStatusUnreadable.
	StatusNotIndicated = "not_indicated"
)

// Statuses lists the canonical statuses, in report order.
var Statuses = []string{StatusAccepted, StatusNotAccepted, StatusWithdrawn, StatusNotIndicated}

// Tax-code check outcomes (Enrolment.TaxCodeStatus).
const (
	TaxCodeMissing  = "missing"   // no tax code typed
	TaxCodeValid    = "valid"     // format and check letter right
	TaxCodeBadCheck = "bad_check" // well-formed, wrong check letter
	TaxCodeInvalid  = "invalid"   // not a codice fiscale at all
)

// Enrolment is one application row in canonical form. String fields are ""
// when absent; pointer fields are nil when absent or unreadable.
type Enrolment struct {
	// Lineage.
	ProvinceCode string // sigla, e.g. "CR"
	SourceFile   string // file name as received (base name)
	SourceSHA256 string // hex sha256 of the file's bytes
	Sheet        string // "" for CSV
	SourceRow    int    // 1-based row number a spreadsheet program shows

	// Person. A row carries at least one of surname, given name, tax code,
	// e-mail or phone; a missing name is "" (NULL in the warehouse) and
	// flagged FlagMissingSurname or FlagMissingGivenName.
	Surname          string // trimmed and de-spaced, as typed otherwise
	GivenName        string
	DisplayName      string // "Surname GivenName" in title case for display; "" when both are missing
	SurnameFold      string // folded for matching: upper case, no accents/apostrophes/spaces
	GivenNameFold    string
	TaxCode          string // upper-cased, de-spaced; as typed even when invalid
	TaxCodeStatus    string // TaxCode* constants
	Sex              string // "F", "M" or "" (declared; else derived from a valid tax code)
	BirthDate        *time.Time
	BirthPlace       string
	BirthPlaceFold   string
	Email            string // lower-cased; "" when unreadable (flagged)
	Phone            string // E.164, "+39…" by default; "" when unreadable (flagged)
	Municipality     string
	MunicipalityFold string

	Organisation         string
	OrganisationFold     string
	OrganisationType     string
	OrganisationTypeFold string
	Role                 string
	RoleFold             string

	// Module.
	ModuleCode   string
	ModuleTitle  string
	ModuleFold   string
	Edition      string
	Site         string
	Axis         string // "I".."V" or ""
	PlannedHours *float64
	Sessions     *int32
	StartDate    *time.Time
	EndDate      *time.Time

	// Outcome.
	ApplicationDate *time.Time
	Status          string // Status* constants; StatusNotIndicated when empty or unreadable (flagged)
	StatusRaw       string
	HoursAttended   *float64
	Satisfaction    *float64 // 1..5

	Flags  []string          // data-quality flag codes found on this row (Issue.Code), sorted, unique
	Extras map[string]string // header → value of columns that map to no field (non-empty values only)
}

// Module is one row of a modules catalogue sheet, in canonical form.
type Module struct {
	ProvinceCode string
	SourceFile   string
	SourceSHA256 string
	Sheet        string
	SourceRow    int

	ModuleCode   string
	Title        string
	TitleFold    string
	Edition      string
	Site         string
	Axis         string
	PlannedHours *float64
	Sessions     *int32
	StartDate    *time.Time
	EndDate      *time.Time
	Extras       map[string]string
}

// Issue is a data-quality finding on one cell of a kept row: the value was
// unreadable (the field is left null) or contradicts another one.
type Issue struct {
	Row    int    // 1-based spreadsheet row
	Column string // column letters, "" when it concerns the whole row
	Field  Field
	Value  string // the raw value as typed
	Code   string // Flag* constant
}

// Rejection says why a row is quarantined rather than loaded.
type Rejection struct {
	Code   string // Reason* constant
	Column string // column letters of the offending cell, "" if none
	Field  Field
	Detail string // English, for logs and the warehouse; no personal data
}

// Data-quality flag codes (Issue.Code, Enrolment.Flags). Their Italian texts
// for the provinces' feedback are in FlagTextIT.
const (
	FlagTaxCodeInvalid         = "tax_code_invalid"      // not 16 characters of the right shape
	FlagTaxCodeBadCheck        = "tax_code_bad_check"    // check letter wrong
	FlagTaxCodeSexConflict     = "tax_code_sex_conflict" // declared sex differs from the tax code's
	FlagTaxCodeBirthConflict   = "tax_code_birth_date_conflict"
	FlagSexUnreadable          = "sex_unreadable"
	FlagBirthDateUnreadable    = "birth_date_unreadable"
	FlagBirthDateImplausible   = "birth_date_implausible" // before 1900 or in the future
	FlagEmailInvalid           = "email_invalid"
	FlagPhoneInvalid           = "phone_invalid"
	FlagStatusUnreadable       = "status_unreadable" // a status typed but not understood: not_indicated
	FlagStatusMissing          = "status_missing"    // no status typed: not_indicated
	FlagHoursUnreadable        = "hours_unreadable"
	FlagHoursOutOfRange        = "hours_out_of_range" // negative or above the module's planned hours
	FlagSatisfactionUnreadable = "satisfaction_unreadable"
	FlagSatisfactionOutOfRange = "satisfaction_out_of_range"
	FlagAxisUnreadable         = "axis_unreadable"
	FlagNumberUnreadable       = "number_unreadable"  // planned hours, sessions
	FlagDateUnreadable         = "date_unreadable"    // other dates
	FlagNameSplitGuessed       = "name_split_guessed" // "Cognome e nome" split by a guess

	// Set by sql/modules_derive.sql, over a province's whole catalogue, for
	// provinces that have one: the row's module is in none of its
	// catalogues, or its title is there several times and neither edition
	// nor site tells which.
	FlagModuleNotInCatalogue = "module_not_in_catalogue"
	FlagModuleAmbiguous      = "module_ambiguous"
	// A row that names a module and carries some identity is loaded even
	// when a name is missing; these flags say what it lacks.
	FlagMissingSurname   = "missing_surname"
	FlagMissingGivenName = "missing_given_name"
	FlagNameUnsplittable = "unsplittable_name" // "Cognome e nome" with a single word: kept as the surname
)

// Quarantine reason codes (Rejection.Code). Only a row with no identity
// at all (no surname, given name, tax code, e-mail or phone) or no module
// is quarantined.
const (
	ReasonMissingIdentity = "missing_identity"
	ReasonMissingModule   = "missing_module"
)
