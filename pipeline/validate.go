package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/sources"
)

// Validation is the outcome of checking one workbook without a warehouse.
type Validation struct {
	File     string
	Counts   Counts
	Tables   []string  // "sheet (header on row N, enrolments)"
	Problems []Problem // sorted by sheet, row
	// Unknown lists the values of status, sex and axis that nothing could
	// read, once each, in the order met, with a mapping to add to the config.
	Unknown []UnknownValue
}

// UnknownValue is a categorical value the parsers do not know.
type UnknownValue struct {
	Field   canon.Field
	Value   string // as typed, cleaned
	Rows    int    // rows where it occurs
	Suggest string // the canonical value it probably stands for; "" when none is plausible
}

// MappingLine is the config line that would read the value, e.g.
// values: {status: {"PEND.": ???}}; ??? when there is no plausible value.
func (u UnknownValue) MappingLine() string {
	target := u.Suggest
	if target == "" {
		target = "???"
	}
	return fmt.Sprintf("values: {%s: {%s: %s}}", u.Field, strconv.Quote(u.Value), target)
}

// maxUnknownValue bounds the values listed in Validation.Unknown: a long
// text in a status cell is a note, not a category to map.
const maxUnknownValue = 40

// unknownFlags are the flags of a categorical value nothing could read.
var unknownFlags = map[string]bool{
	canon.FlagStatusUnreadable: true, canon.FlagSexUnreadable: true, canon.FlagAxisUnreadable: true,
}

// Rejects reports whether any row would be quarantined or the file refused.
func (v *Validation) Rejects() bool {
	for _, p := range v.Problems {
		if p.Quarantine {
			return true
		}
	}
	return false
}

// Validate reads the workbook at path as the nightly run would (province
// code selects the province's column overrides from cfg, which may be nil)
// and lists every problem. A file-level problem is returned as an error.
func Validate(ctx context.Context, path string, province string, cfg *Config) (*Validation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	var opt sources.Options
	var values canon.ValueMap
	if cfg != nil {
		if p, ok := cfg.Province(province); ok {
			opt.Headers = p.ColumnOverrides()
		}
		values = cfg.ValuesFor(province)
	}
	name := filepath.Base(path)
	sf, err := sources.Open(ctx, name, f, fi.Size(), opt)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	v := &Validation{File: name}
	sink := &validateSink{v: v}
	c, err := readFile(ctx, sf, fileMeta{Province: province, Name: name, Values: values}, sink)
	v.Counts = c
	if err == nil {
		misses := catalogueMisses(name, sink.modules, sink.refs)
		v.Problems = append(v.Problems, misses...)
		v.Counts.Issues += int64(len(misses))
	}
	sort.SliceStable(v.Problems, func(i, j int) bool {
		a, b := v.Problems[i], v.Problems[j]
		if a.Sheet != b.Sheet {
			return a.Sheet < b.Sheet
		}
		return a.Row < b.Row
	})
	return v, err
}

type validateSink struct {
	v         *Validation
	modules   []*canon.Module
	refs      []moduleRef
	moduleCol string                         // column letter of the current table's module title, else code
	unknown   map[canon.Field]map[string]int // field → value → index in v.Unknown
}

func (s *validateSink) table(t *sources.Table) error {
	kind := "iscrizioni"
	if t.Kind == sources.Modules {
		kind = "moduli"
	}
	where := t.Sheet
	if where == "" {
		where = "CSV"
	}
	s.v.Tables = append(s.v.Tables, fmt.Sprintf("%s (intestazione alla riga %d, %s)", where, t.HeaderRow, kind))
	s.moduleCol = ""
	for _, c := range t.Columns {
		if c.Field == canon.FieldModule || c.Field == canon.FieldModuleCode && s.moduleCol == "" {
			s.moduleCol = c.Letter
		}
	}
	return nil
}

func (s *validateSink) enrolment(_ context.Context, e *canon.Enrolment) error {
	s.refs = append(s.refs, moduleRef{sheet: e.Sheet, column: s.moduleCol, row: e.SourceRow, code: e.ModuleCode,
		title: e.ModuleTitle, fold: e.ModuleFold, edition: e.Edition, site: e.Site})
	return nil
}

func (s *validateSink) module(m *canon.Module) error {
	s.modules = append(s.modules, m)
	return nil
}

func (s *validateSink) reject(r Rejected) error {
	s.v.Problems = append(s.v.Problems, Problem{
		File: s.v.File, Sheet: r.Sheet, Row: r.Row, Column: r.Rejection.Column,
		Code: r.Rejection.Code, Message: reasonText(r.Rejection.Code), Quarantine: true,
	})
	return nil
}

func (s *validateSink) issue(sheet string, is canon.Issue) error {
	if v := canon.CleanText(is.Value); unknownFlags[is.Code] && v != "" && utf8.RuneCountInString(v) <= maxUnknownValue {
		if s.unknown == nil {
			s.unknown = map[canon.Field]map[string]int{}
		}
		if s.unknown[is.Field] == nil {
			s.unknown[is.Field] = map[string]int{}
		}
		// One line per folded value: "Pend." and "PEND" need one mapping.
		k := canon.Fold(v)
		if i, ok := s.unknown[is.Field][k]; ok {
			s.v.Unknown[i].Rows++
		} else {
			s.unknown[is.Field][k] = len(s.v.Unknown)
			s.v.Unknown = append(s.v.Unknown, UnknownValue{Field: is.Field, Value: v, Rows: 1, Suggest: canon.SuggestValue(is.Field, v)})
		}
	}
	s.v.Problems = append(s.v.Problems, Problem{
		File: s.v.File, Sheet: sheet, Row: is.Row, Column: is.Column,
		Code: is.Code, Message: flagText(is.Code),
	})
	return nil
}

func (s *validateSink) skipped(sheet string, sk sources.SkippedRow, _ []canon.Column) error {
	if sk.Reason == "blank" {
		return nil
	}
	s.v.Problems = append(s.v.Problems, Problem{
		File: s.v.File, Sheet: sheet, Row: sk.Row, Code: "skipped_" + sk.Reason,
		Message: skippedText(sk.Reason),
	})
	return nil
}

func reasonText(code string) string {
	if t, ok := canon.ReasonTextIT[code]; ok {
		return t
	}
	return code
}

func flagText(code string) string {
	if t, ok := canon.FlagTextIT[code]; ok {
		return t
	}
	return code
}

func skippedText(reason string) string {
	switch reason {
	case "totals":
		return "riga di totali: ignorata (non è un'iscrizione)"
	case "note":
		return "nota in fondo alla tabella: ignorata (non è un'iscrizione)"
	}
	return "riga ignorata: " + reason
}
