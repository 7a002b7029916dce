package canon

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
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
//
// It writes each column straight into its Arrow buffers (offsets, bytes,
// validity bitmap, values), allocated from mem and sized when a record
// starts for as many rows and bytes as the last record held; NewRecord
// hands the buffers to the record as they are, without copying. The
// result equals what array.RecordBuilder builds (TestBatchMatchesBuilder).
type Batch struct {
	mem   memory.Allocator
	runID string
	n     int
	keys  []string // scratch for sorting extras keys

	str    [numStrCols]strCol
	i32    [numI32Cols]fixedCol
	f64    [numF64Cols]fixedCol
	date   [numDateCols]fixedCol
	flags  listCol   // list offsets; values in flagVals
	extras listCol   // map offsets; keys and items below
	flagV  strCol    // flags' values
	extraK strCol    // extras' keys
	extraI strCol    // extras' items
	nulls  fixedCol  // module_id, person_id: always NULL (a zero bitmap)
	last   batchSize // the sizes of the last record
}

// String, int32, float64 and date32 columns of EnrolmentSchema, by their
// index in the arrays of Batch.
const (
	colSEnrolmentID = iota
	colSRunID
	colSProvinceCode
	colSSourceFile
	colSSourceSHA256
	colSSheet
	colSSurname
	colSGivenName
	colSDisplayName
	colSSurnameFold
	colSGivenNameFold
	colSTaxCode
	colSTaxCodeStatus
	colSSex
	colSBirthPlace
	colSBirthPlaceFold
	colSEmail
	colSPhone
	colSMunicipality
	colSMunicipalityFold
	colSOrganisation
	colSOrganisationFold
	colSOrganisationType
	colSOrganisationTypeFold
	colSRole
	colSRoleFold
	colSModuleCode
	colSModuleTitle
	colSModuleFold
	colSEdition
	colSSite
	colSAxis
	colSStatus
	colSStatusRaw
	numStrCols
)

const (
	colISourceRow = iota
	colISessions
	numI32Cols
)

const (
	colFPlannedHours = iota
	colFHoursAttended
	colFSatisfaction
	numF64Cols
)

const (
	colDBirthDate = iota
	colDStartDate
	colDEndDate
	colDApplicationDate
	numDateCols
)

// batchSize is what a record held: rows, and bytes of every string column.
type batchSize struct {
	rows                  int
	str                   [numStrCols]int
	flags, extras         int // list and map entries
	flagV, extraK, extraI int // their bytes
}

// NewBatch returns an empty batch whose rows carry runID.
func NewBatch(mem memory.Allocator, runID string) *Batch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := &Batch{mem: mem, runID: runID}
	return b
}

// Len returns the number of enrolments appended since the last NewRecord.
func (b *Batch) Len() int { return b.n }

// Release frees the buffers of the record being built. The batch is
// unusable afterwards.
func (b *Batch) Release() {
	for i := range b.str {
		b.str[i].free(b.mem)
	}
	for i := range b.i32 {
		b.i32[i].free(b.mem)
	}
	for i := range b.f64 {
		b.f64[i].free(b.mem)
	}
	for i := range b.date {
		b.date[i].free(b.mem)
	}
	b.flags.free(b.mem)
	b.extras.free(b.mem)
	b.flagV.free(b.mem)
	b.extraK.free(b.mem)
	b.extraI.free(b.mem)
	b.nulls.free(b.mem)
	b.n = 0
}

// start allocates the buffers of a record for as many rows and bytes as
// the last one (at least 1,024 rows), with an eighth more room.
func (b *Batch) start() {
	rows := max(b.last.rows, 1024)
	rows += rows / 8
	for i := range b.str {
		d := b.last.str[i]
		b.str[i].init(b.mem, rows, d+d/8+64)
	}
	for i := range b.i32 {
		b.i32[i].init(b.mem, rows, 4)
	}
	for i := range b.f64 {
		b.f64[i].init(b.mem, rows, 8)
	}
	for i := range b.date {
		b.date[i].init(b.mem, rows, 4)
	}
	b.nulls.init(b.mem, rows, 0)
	b.flags.init(b.mem, rows)
	b.extras.init(b.mem, rows)
	fl, ex := b.last.flags+b.last.flags/8+16, b.last.extras+b.last.extras/8+16
	b.flagV.init(b.mem, fl, b.last.flagV+b.last.flagV/8+64)
	b.extraK.init(b.mem, ex, b.last.extraK+b.last.extraK/8+64)
	b.extraI.init(b.mem, ex, b.last.extraI+b.last.extraI/8+64)
}

// NewRecord returns the enrolments appended so far as a record batch and
// empties the batch. The caller releases the record.
func (b *Batch) NewRecord() arrow.RecordBatch {
	if b.str[0].offs.b == nil {
		b.start()
	}
	n := b.n
	b.last.rows = n
	for i := range b.str {
		b.last.str[i] = b.str[i].data.n
	}
	b.last.flags, b.last.extras = b.flagV.len, b.extraK.len
	b.last.flagV, b.last.extraK, b.last.extraI = b.flagV.data.n, b.extraK.data.n, b.extraI.data.n

	entries := b.extraK.len
	s := func(i int) arrow.ArrayData { return b.str[i].data_(utf8Type, b.mem) }
	// module_id and person_id share one all-NULL column.
	nullData := newData(utf8Type, n, []*memory.Buffer{b.nulls.valid.buffer(b.mem), offsetsOfNulls(b.mem, n), nil}, nil, n, 0)
	nullCol := func() arrow.ArrayData {
		nullData.Retain()
		return nullData
	}
	defer nullData.Release()
	cols := []arrow.ArrayData{
		s(colSEnrolmentID), s(colSRunID), s(colSProvinceCode), s(colSSourceFile), s(colSSourceSHA256), s(colSSheet),
		b.i32[colISourceRow].data_(int32Type, b.mem),
		nullCol(), // module_id
		nullCol(), // person_id
		s(colSSurname), s(colSGivenName), s(colSDisplayName), s(colSSurnameFold), s(colSGivenNameFold), s(colSTaxCode), s(colSTaxCodeStatus), s(colSSex),
		b.date[colDBirthDate].data_(dateType, b.mem),
		s(colSBirthPlace), s(colSBirthPlaceFold), s(colSEmail), s(colSPhone), s(colSMunicipality), s(colSMunicipalityFold),
		s(colSOrganisation), s(colSOrganisationFold), s(colSOrganisationType), s(colSOrganisationTypeFold), s(colSRole), s(colSRoleFold),
		s(colSModuleCode), s(colSModuleTitle), s(colSModuleFold), s(colSEdition), s(colSSite), s(colSAxis),
		b.f64[colFPlannedHours].data_(floatType, b.mem),
		b.i32[colISessions].data_(int32Type, b.mem),
		b.date[colDStartDate].data_(dateType, b.mem),
		b.date[colDEndDate].data_(dateType, b.mem),
		b.date[colDApplicationDate].data_(dateType, b.mem),
		s(colSStatus), s(colSStatusRaw),
		b.f64[colFHoursAttended].data_(floatType, b.mem),
		b.f64[colFSatisfaction].data_(floatType, b.mem),
		b.flags.data_(flagsType, []arrow.ArrayData{b.flagV.data_(utf8Type, b.mem)}, b.mem),
		b.extras.data_(extrasType, []arrow.ArrayData{newData(extrasType.ValueType(), entries,
			[]*memory.Buffer{nil}, []arrow.ArrayData{b.extraK.data_(utf8Type, b.mem), b.extraI.data_(utf8Type, b.mem)}, 0, 0)}, b.mem),
	}
	arrs := make([]arrow.Array, len(cols))
	for i, d := range cols {
		arrs[i] = array.MakeFromData(d)
		d.Release()
	}
	rec := array.NewRecordBatch(EnrolmentSchema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	b.n = 0
	b.nulls.free(b.mem)
	b.start()
	return rec
}

// newData is array.NewData taking over the buffers and children: their
// references pass to the data.
func newData(typ arrow.DataType, n int, bufs []*memory.Buffer, children []arrow.ArrayData, nulls, offset int) *array.Data {
	d := array.NewData(typ, n, bufs, children, nulls, offset)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	for _, c := range children {
		c.Release()
	}
	return d
}

// offsetsOfNulls is the offsets buffer of an all-NULL string column: zeros.
func offsetsOfNulls(mem memory.Allocator, n int) *memory.Buffer {
	return memory.NewBufferWithAllocator(mem.Allocate(4*(n+1)), mem)
}

// Append adds one enrolment.
func (b *Batch) Append(e *Enrolment) {
	if b.str[0].offs.b == nil {
		b.start()
	}
	r := b.n
	id := &b.str[colSEnrolmentID]
	id.data.grow(b.mem, 16)
	appendEnrolmentID(id.data.b[id.data.n:id.data.n], e.SourceSHA256, e.Sheet, e.SourceRow)
	id.data.n += 16
	id.end(b.mem, r, true)
	b.str[colSRunID].append(b.mem, r, b.runID)
	b.str[colSProvinceCode].append(b.mem, r, e.ProvinceCode)
	b.str[colSSourceFile].append(b.mem, r, e.SourceFile)
	b.str[colSSourceSHA256].append(b.mem, r, e.SourceSHA256)
	b.str[colSSheet].append(b.mem, r, e.Sheet)
	b.i32[colISourceRow].int32(b.mem, r, int32(e.SourceRow), true)
	b.nulls.valid.grow(b.mem, r)
	b.str[colSSurname].opt(b.mem, r, e.Surname)
	b.str[colSGivenName].opt(b.mem, r, e.GivenName)
	b.str[colSDisplayName].append(b.mem, r, e.DisplayName)
	b.str[colSSurnameFold].opt(b.mem, r, e.SurnameFold)
	b.str[colSGivenNameFold].opt(b.mem, r, e.GivenNameFold)
	b.str[colSTaxCode].opt(b.mem, r, e.TaxCode)
	b.str[colSTaxCodeStatus].append(b.mem, r, e.TaxCodeStatus)
	b.str[colSSex].opt(b.mem, r, e.Sex)
	b.date[colDBirthDate].date(b.mem, r, e.BirthDate)
	b.str[colSBirthPlace].opt(b.mem, r, e.BirthPlace)
	b.str[colSBirthPlaceFold].opt(b.mem, r, e.BirthPlaceFold)
	b.str[colSEmail].opt(b.mem, r, e.Email)
	b.str[colSPhone].opt(b.mem, r, e.Phone)
	b.str[colSMunicipality].opt(b.mem, r, e.Municipality)
	b.str[colSMunicipalityFold].opt(b.mem, r, e.MunicipalityFold)
	b.str[colSOrganisation].opt(b.mem, r, e.Organisation)
	b.str[colSOrganisationFold].opt(b.mem, r, e.OrganisationFold)
	b.str[colSOrganisationType].opt(b.mem, r, e.OrganisationType)
	b.str[colSOrganisationTypeFold].opt(b.mem, r, e.OrganisationTypeFold)
	b.str[colSRole].opt(b.mem, r, e.Role)
	b.str[colSRoleFold].opt(b.mem, r, e.RoleFold)
	b.str[colSModuleCode].opt(b.mem, r, e.ModuleCode)
	b.str[colSModuleTitle].append(b.mem, r, e.ModuleTitle)
	b.str[colSModuleFold].append(b.mem, r, e.ModuleFold)
	b.str[colSEdition].opt(b.mem, r, e.Edition)
	b.str[colSSite].opt(b.mem, r, e.Site)
	b.str[colSAxis].opt(b.mem, r, e.Axis)
	b.f64[colFPlannedHours].float(b.mem, r, e.PlannedHours)
	if e.Sessions != nil {
		b.i32[colISessions].int32(b.mem, r, *e.Sessions, true)
	} else {
		b.i32[colISessions].int32(b.mem, r, 0, false)
	}
	b.date[colDStartDate].date(b.mem, r, e.StartDate)
	b.date[colDEndDate].date(b.mem, r, e.EndDate)
	b.date[colDApplicationDate].date(b.mem, r, e.ApplicationDate)
	b.str[colSStatus].opt(b.mem, r, e.Status)
	b.str[colSStatusRaw].opt(b.mem, r, e.StatusRaw)
	b.f64[colFHoursAttended].float(b.mem, r, e.HoursAttended)
	b.f64[colFSatisfaction].float(b.mem, r, e.Satisfaction)
	for _, f := range e.Flags {
		b.flagV.append(b.mem, b.flagV.len, f)
	}
	b.flags.end(b.mem, r, b.flagV.len)
	b.keys = b.keys[:0]
	for k := range e.Extras {
		b.keys = append(b.keys, k)
	}
	slices.Sort(b.keys)
	for _, k := range b.keys {
		b.extraK.append(b.mem, b.extraK.len, k)
		b.extraI.append(b.mem, b.extraI.len, e.Extras[k])
	}
	b.extras.end(b.mem, r, b.extraK.len)
	b.n++
}

// growBuf is a byte buffer from an allocator: b is the whole allocation
// (as the allocator gave it), n the bytes in use.
type growBuf struct {
	b []byte
	n int
}

// grow makes room for k more bytes.
func (g *growBuf) grow(mem memory.Allocator, k int) {
	if g.n+k <= len(g.b) {
		return
	}
	size := max(2*len(g.b), g.n+k, 64)
	if g.b == nil {
		g.b = mem.Allocate(size)
		return
	}
	g.b = mem.Reallocate(size, g.b)
}

// buffer hands the allocation over to an Arrow buffer.
func (g *growBuf) buffer(mem memory.Allocator) *memory.Buffer {
	buf := memory.NewBufferWithAllocator(g.b, mem)
	g.b, g.n = nil, 0
	return buf
}

func (g *growBuf) free(mem memory.Allocator) {
	if g.b != nil {
		mem.Free(g.b)
	}
	g.b, g.n = nil, 0
}

// bitmap is a validity bitmap; bits start cleared.
type bitmap struct {
	growBuf
	nulls int
}

func (v *bitmap) init(mem memory.Allocator, rows int) {
	v.free(mem)
	v.growBuf.grow(mem, (rows+7)/8)
	clear(v.b) // allocators need not clear
	v.nulls = 0
}

// grow makes room for bit r.
func (v *bitmap) grow(mem memory.Allocator, r int) {
	if r>>3 >= len(v.b) {
		v.growBuf.grow(mem, r>>3+1-v.n)
		clear(v.b[v.n:])
	}
	v.n = max(v.n, r>>3+1)
}

// set marks row r valid (or counts it NULL).
func (v *bitmap) set(mem memory.Allocator, r int, valid bool) {
	v.grow(mem, r)
	if valid {
		v.b[r>>3] |= 1 << (r & 7)
	} else {
		v.nulls++
	}
}

// strCol is a utf8 column: int32 offsets, bytes and validity.
type strCol struct {
	offs  growBuf
	data  growBuf
	valid bitmap
	len   int
}

func (c *strCol) init(mem memory.Allocator, rows, bytes int) {
	c.free(mem)
	c.offs.grow(mem, 4*(rows+1))
	c.offs.n = 4 // offset 0
	c.data.grow(mem, bytes)
	c.valid.init(mem, rows)
}

func (c *strCol) free(mem memory.Allocator) {
	c.offs.free(mem)
	c.data.free(mem)
	c.valid.free(mem)
	c.len = 0
}

// end closes row r (its bytes are in data).
func (c *strCol) end(mem memory.Allocator, r int, valid bool) {
	c.offs.grow(mem, 4)
	binary.LittleEndian.PutUint32(c.offs.b[c.offs.n:], uint32(c.data.n))
	c.offs.n += 4
	c.valid.set(mem, r, valid)
	c.len++
}

func (c *strCol) append(mem memory.Allocator, r int, s string) {
	c.data.grow(mem, len(s))
	c.data.n += copy(c.data.b[c.data.n:], s)
	c.end(mem, r, true)
}

// opt appends s, or NULL when s is "".
func (c *strCol) opt(mem memory.Allocator, r int, s string) {
	if s == "" {
		c.end(mem, r, false)
		return
	}
	c.append(mem, r, s)
}

func (c *strCol) data_(typ arrow.DataType, mem memory.Allocator) arrow.ArrayData {
	nulls := c.valid.nulls
	d := newData(typ, c.len, []*memory.Buffer{c.valid.buffer(mem), c.offs.buffer(mem), c.data.buffer(mem)}, nil, nulls, 0)
	c.len = 0
	return d
}

// fixedCol is a column of fixed-width values (int32, float64, date32).
type fixedCol struct {
	vals  growBuf
	valid bitmap
	width int
	len   int
}

func (c *fixedCol) init(mem memory.Allocator, rows, width int) {
	c.free(mem)
	c.width = width
	c.vals.grow(mem, rows*width)
	c.valid.init(mem, rows)
}

func (c *fixedCol) free(mem memory.Allocator) {
	c.vals.free(mem)
	c.valid.free(mem)
	c.len = 0
}

func (c *fixedCol) int32(mem memory.Allocator, r int, v int32, valid bool) {
	c.vals.grow(mem, 4)
	binary.LittleEndian.PutUint32(c.vals.b[c.vals.n:], uint32(v))
	c.vals.n += 4
	c.valid.set(mem, r, valid)
	c.len++
}

func (c *fixedCol) float(mem memory.Allocator, r int, v *float64) {
	c.vals.grow(mem, 8)
	if v != nil {
		binary.LittleEndian.PutUint64(c.vals.b[c.vals.n:], math.Float64bits(*v))
	} else {
		clear(c.vals.b[c.vals.n : c.vals.n+8])
	}
	c.vals.n += 8
	c.valid.set(mem, r, v != nil)
	c.len++
}

func (c *fixedCol) date(mem memory.Allocator, r int, t *time.Time) {
	if t == nil {
		c.int32(mem, r, 0, false)
		return
	}
	c.int32(mem, r, int32(date32(*t)), true)
}

func (c *fixedCol) data_(typ arrow.DataType, mem memory.Allocator) arrow.ArrayData {
	nulls := c.valid.nulls
	d := newData(typ, c.len, []*memory.Buffer{c.valid.buffer(mem), c.vals.buffer(mem)}, nil, nulls, 0)
	c.len = 0
	return d
}

// listCol is the offsets of a list (or map) column that is never NULL:
// an empty list or map for none.
type listCol struct {
	offs growBuf
	len  int
}

func (c *listCol) init(mem memory.Allocator, rows int) {
	c.free(mem)
	c.offs.grow(mem, 4*(rows+1))
	c.offs.n = 4
}

func (c *listCol) free(mem memory.Allocator) {
	c.offs.free(mem)
	c.len = 0
}

// end closes row r, whose entries end at entry.
func (c *listCol) end(mem memory.Allocator, r, entry int) {
	c.offs.grow(mem, 4)
	binary.LittleEndian.PutUint32(c.offs.b[c.offs.n:], uint32(entry))
	c.offs.n += 4
	c.len++
}

func (c *listCol) data_(typ arrow.DataType, children []arrow.ArrayData, mem memory.Allocator) arrow.ArrayData {
	d := newData(typ, c.len, []*memory.Buffer{nil, c.offs.buffer(mem)}, children, 0, 0)
	c.len = 0
	return d
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
