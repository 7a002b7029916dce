package canon

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow types of the warehouse's SQL types.
var (
	utf8Type   = arrow.BinaryTypes.String
	int32Type  = arrow.PrimitiveTypes.Int32
	floatType  = arrow.PrimitiveTypes.Float64
	dateType   = arrow.FixedWidthTypes.Date32
	flagsType  = arrow.ListOf(arrow.BinaryTypes.String)
	extrasType = arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)
)

// EnrolmentSchema is the Arrow schema of table enrolments
// (sql/001_schema.sql): the same columns in the same order, VARCHAR as
// utf8, INTEGER as int32, DOUBLE as float64, DATE as date32, VARCHAR[] as
// list<utf8>, MAP(VARCHAR, VARCHAR) as map<utf8, utf8>; NOT NULL columns
// are not nullable.
var EnrolmentSchema = arrow.NewSchema([]arrow.Field{
	{Name: "enrolment_id", Type: utf8Type},
	{Name: "run_id", Type: utf8Type},
	{Name: "province_code", Type: utf8Type},
	{Name: "source_file", Type: utf8Type},
	{Name: "source_sha256", Type: utf8Type},
	{Name: "sheet", Type: utf8Type},
	{Name: "source_row", Type: int32Type},
	{Name: "module_id", Type: utf8Type, Nullable: true},
	{Name: "person_id", Type: utf8Type, Nullable: true},
	{Name: "surname", Type: utf8Type, Nullable: true},
	{Name: "given_name", Type: utf8Type, Nullable: true},
	{Name: "display_name", Type: utf8Type},
	{Name: "surname_fold", Type: utf8Type, Nullable: true},
	{Name: "given_name_fold", Type: utf8Type, Nullable: true},
	{Name: "tax_code", Type: utf8Type, Nullable: true},
	{Name: "tax_code_status", Type: utf8Type},
	{Name: "sex", Type: utf8Type, Nullable: true},
	{Name: "birth_date", Type: dateType, Nullable: true},
	{Name: "birth_place", Type: utf8Type, Nullable: true},
	{Name: "birth_place_fold", Type: utf8Type, Nullable: true},
	{Name: "email", Type: utf8Type, Nullable: true},
	{Name: "phone", Type: utf8Type, Nullable: true},
	{Name: "municipality", Type: utf8Type, Nullable: true},
	{Name: "municipality_fold", Type: utf8Type, Nullable: true},
	{Name: "organisation", Type: utf8Type, Nullable: true},
	{Name: "organisation_fold", Type: utf8Type, Nullable: true},
	{Name: "organisation_type", Type: utf8Type, Nullable: true},
	{Name: "organisation_type_fold", Type: utf8Type, Nullable: true},
	{Name: "role", Type: utf8Type, Nullable: true},
	{Name: "role_fold", Type: utf8Type, Nullable: true},
	{Name: "module_code", Type: utf8Type, Nullable: true},
	{Name: "module_title", Type: utf8Type},
	{Name: "module_fold", Type: utf8Type},
	{Name: "edition", Type: utf8Type, Nullable: true},
	{Name: "site", Type: utf8Type, Nullable: true},
	{Name: "axis", Type: utf8Type, Nullable: true},
	{Name: "planned_hours", Type: floatType, Nullable: true},
	{Name: "sessions", Type: int32Type, Nullable: true},
	{Name: "start_date", Type: dateType, Nullable: true},
	{Name: "end_date", Type: dateType, Nullable: true},
	{Name: "application_date", Type: dateType, Nullable: true},
	{Name: "status", Type: utf8Type, Nullable: true},
	{Name: "status_raw", Type: utf8Type, Nullable: true},
	{Name: "hours_attended", Type: floatType, Nullable: true},
	{Name: "satisfaction", Type: floatType, Nullable: true},
	{Name: "flags", Type: flagsType, Nullable: true},
	{Name: "extras", Type: extrasType, Nullable: true},
}, nil)

// EnrolmentID is the stable key of an enrolment row: the first 16 hex
// characters of the SHA-256 of the file's hash, the sheet and the row
// number joined with NUL bytes.
func EnrolmentID(sha256Hex, sheet string, row int) string {
	var id [16]byte
	return string(appendEnrolmentID(id[:0], sha256Hex, sheet, row))
}

// appendEnrolmentID appends EnrolmentID(sha256Hex, sheet, row) to dst.
func appendEnrolmentID(dst []byte, sha256Hex, sheet string, row int) []byte {
	var buf [160]byte
	msg := append(buf[:0], sha256Hex...)
	msg = append(msg, 0)
	msg = append(msg, sheet...)
	msg = append(msg, 0)
	msg = strconv.AppendInt(msg, int64(row), 10)
	sum := sha256.Sum256(msg)
	return hex.AppendEncode(dst, sum[:8])
}

// Batch accumulates enrolments into Arrow record batches with
// EnrolmentSchema. module_id and person_id are left NULL: later pipeline
// steps fill them. Empty optional strings become NULL. A Batch is not safe
// for concurrent use.
type Batch struct {
	runID string
	rb    *array.RecordBuilder
	n     int
	keys  []string // scratch for sorting extras keys
	id    []byte   // scratch for the enrolment id

	// The size of the last record: the builders are sized for as many
	// rows and bytes when the next one starts, instead of growing row by
	// row.
	lastRows int
	lastData []int // per field: DataLen of a string field, of a list's or map's values
}

// NewBatch returns an empty batch whose rows carry runID.
func NewBatch(mem memory.Allocator, runID string) *Batch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rb := array.NewRecordBuilder(mem, EnrolmentSchema)
	return &Batch{runID: runID, rb: rb, lastData: make([]int, len(rb.Fields()))}
}

// Len returns the number of enrolments appended since the last NewRecord.
func (b *Batch) Len() int { return b.n }

// Release frees the builder's memory. The batch is unusable afterwards.
func (b *Batch) Release() { b.rb.Release() }

// NewRecord returns the enrolments appended so far as a record batch and
// empties the builder. The caller releases the record.
func (b *Batch) NewRecord() arrow.RecordBatch {
	b.lastRows = b.n
	for i, f := range b.rb.Fields() {
		b.lastData[i] = dataLen(f)
	}
	b.n = 0
	return b.rb.NewRecordBatch()
}

// dataLen is the number of bytes of strings (or of list or map entries)
// in builder f.
func dataLen(f array.Builder) int {
	switch f := f.(type) {
	case *array.StringBuilder:
		return f.DataLen()
	case *array.ListBuilder:
		return f.ValueBuilder().Len()
	case *array.MapBuilder:
		return f.KeyBuilder().Len()
	}
	return 0
}

// reserve sizes the empty builders for a record as large as the last one.
func (b *Batch) reserve() {
	n := b.lastRows
	for i, f := range b.rb.Fields() {
		f.Reserve(n)
		switch f := f.(type) {
		case *array.StringBuilder:
			f.ReserveData(b.lastData[i])
		case *array.ListBuilder:
			f.ValueBuilder().Reserve(b.lastData[i])
		case *array.MapBuilder:
			f.KeyBuilder().Reserve(b.lastData[i])
			f.ItemBuilder().Reserve(b.lastData[i])
		}
	}
}

// Append adds one enrolment.
func (b *Batch) Append(e *Enrolment) {
	if b.n == 0 && b.lastRows > 0 {
		b.reserve()
	}
	c := columnAppender{fields: b.rb.Fields()}
	b.id = appendEnrolmentID(b.id[:0], e.SourceSHA256, e.Sheet, e.SourceRow)
	c.bytes(b.id)
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

// columnAppender appends one row's values to the record builder's fields
// in schema order.
type columnAppender struct {
	fields []array.Builder
	i      int
}

func (c *columnAppender) next() array.Builder {
	f := c.fields[c.i]
	c.i++
	return f
}

func (c *columnAppender) null() { c.next().AppendNull() }

func (c *columnAppender) str(s string) { c.next().(*array.StringBuilder).Append(s) }

func (c *columnAppender) bytes(v []byte) { c.next().(*array.StringBuilder).BinaryBuilder.Append(v) }

func (c *columnAppender) optStr(s string) {
	if s == "" {
		c.null()
		return
	}
	c.str(s)
}

func (c *columnAppender) int32(v int32) { c.next().(*array.Int32Builder).Append(v) }

func (c *columnAppender) optInt32(v *int32) {
	if v == nil {
		c.null()
		return
	}
	c.int32(*v)
}

func (c *columnAppender) float(v *float64) {
	if v == nil {
		c.null()
		return
	}
	c.next().(*array.Float64Builder).Append(*v)
}

func (c *columnAppender) date(t *time.Time) {
	if t == nil {
		c.null()
		return
	}
	c.next().(*array.Date32Builder).Append(date32(*t))
}

// list appends flags as a list; none is an empty list, not NULL.
func (c *columnAppender) list(vs []string) {
	lb := c.next().(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, v := range vs {
		vb.Append(v)
	}
}

// strMap appends extras with sorted keys; none is an empty map, not NULL.
func (c *columnAppender) strMap(m map[string]string, keys []string) []string {
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

// date32 is the day of t in t's location, as days since 1970-01-01.
func date32(t time.Time) arrow.Date32 {
	if t.Location() == time.UTC {
		// Whole days since the epoch, rounded down: the same day.
		s := t.Unix()
		d := s / 86400
		if s%86400 < 0 {
			d--
		}
		return arrow.Date32(d)
	}
	y, m, d := t.Date()
	return arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}
