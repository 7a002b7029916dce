package canon

import "errors"

// Sentinel errors returned (wrapped) by the parsers. Match them with
// errors.Is. Error strings never carry the parsed value: it may be personal
// data. Position (file, sheet, cell) is added by the caller through [Issue].
var (
	// ErrEmpty: the cell holds nothing but white space.
	ErrEmpty = errors.New("empty value")
	// ErrBadTaxCode: not a codice fiscale (wrong length or shape).
	ErrBadTaxCode = errors.New("malformed tax code")
	// ErrTaxCodeCheck: a well-formed codice fiscale whose check letter is wrong.
	ErrTaxCodeCheck = errors.New("tax code check letter mismatch")
	// ErrBadDate: the text is not a date in any accepted layout.
	ErrBadDate = errors.New("unreadable date")
	// ErrImpossibleDate: a date layout was recognised but the day does not
	// exist (31/02, Excel's 29/02/1900).
	ErrImpossibleDate = errors.New("impossible date")
	// ErrBadNumber: the text is not a number in any accepted layout.
	ErrBadNumber = errors.New("unreadable number")
	// ErrOutOfRange: a readable value outside the allowed range.
	ErrOutOfRange = errors.New("value out of range")
	// ErrBadSex: not a recognised sex.
	ErrBadSex = errors.New("unreadable sex")
	// ErrBadStatus: not a recognised application outcome.
	ErrBadStatus = errors.New("unreadable status")
	// ErrBadEmail: not an e-mail address.
	ErrBadEmail = errors.New("invalid e-mail address")
	// ErrBadPhone: not a telephone number.
	ErrBadPhone = errors.New("invalid phone number")
	// ErrBadAxis: not one of the five axes.
	ErrBadAxis = errors.New("unreadable axis")
	// ErrBadName: a name that cannot be used (e.g. nothing to split).
	ErrBadName = errors.New("unusable name")
	// ErrUnmappableField: a value mapping names a field that is not
	// categorical (status, sex, axis, organisation_type).
	ErrUnmappableField = errors.New("not a field whose values can be mapped")
	// ErrUnknownTarget: a value mapping targets a value the field does not have.
	ErrUnknownTarget = errors.New("unknown canonical value")
	// ErrEmptyMappingKey: a value mapping's key holds no letter or digit.
	ErrEmptyMappingKey = errors.New("mapping key without letters or digits")
)
