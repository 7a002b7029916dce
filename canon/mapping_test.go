package canon

import (
	"errors"
	"testing"
)

func TestValueMapAdd(t *testing.T) {
	tests := []struct {
		name                  string
		field                 Field
		typed, target, folded string
		want                  string
		err                   error
	}{
		{"status with dot", FieldStatus, "RIT.", "withdrawn", "RIT", StatusWithdrawn, nil},
		{"status any case", FieldStatus, "pend.", "Not_Indicated", "PEND", StatusNotIndicated, nil},
		{"sex", FieldSex, "femm.", "f", "FEMM", "F", nil},
		{"axis", FieldAxis, "Asse quarto", "iv", "ASSEQUARTO", "IV", nil},
		{"organisation type is free text", FieldOrganisationType, "A.S.L.", " ASL ", "ASL", "ASL", nil},
		{"unknown status", FieldStatus, "PEND.", "pending", "", "", ErrUnknownTarget},
		{"unknown sex", FieldSex, "X", "altro", "", "", ErrUnknownTarget},
		{"unknown axis", FieldAxis, "6", "VI", "", "", ErrUnknownTarget},
		{"empty organisation type", FieldOrganisationType, "x", " ", "", "", ErrUnknownTarget},
		{"key without letters", FieldStatus, "--", "withdrawn", "", "", ErrEmptyMappingKey},
		{"field not categorical", FieldSurname, "ROSSI", "Rossi", "", "", ErrUnmappableField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := ValueMap{}
			err := m.Add(tc.field, tc.typed, tc.target)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("Add = %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				if len(m) != 0 {
					t.Errorf("map %v after an error", m)
				}
				return
			}
			if got := m[tc.field][tc.folded]; got != tc.want {
				t.Errorf("m[%s][%s] = %q, want %q", tc.field, tc.folded, got, tc.want)
			}
		})
	}
}

func TestValueMapMerge(t *testing.T) {
	global, prov := ValueMap{}, ValueMap{}
	for _, m := range []struct {
		m             ValueMap
		f             Field
		typed, target string
	}{
		{global, FieldStatus, "RIT.", "withdrawn"}, {global, FieldStatus, "pend", "not_indicated"},
		{prov, FieldStatus, "rit", "not_accepted"}, {prov, FieldSex, "d", "F"},
	} {
		if err := m.m.Add(m.f, m.typed, m.target); err != nil {
			t.Fatal(err)
		}
	}
	got := global.Merge(prov)
	if got[FieldStatus]["RIT"] != StatusNotAccepted || got[FieldStatus]["PEND"] != StatusNotIndicated || got[FieldSex]["D"] != "F" {
		t.Errorf("merged %v", got)
	}
	if global[FieldStatus]["RIT"] != StatusWithdrawn || len(global[FieldSex]) != 0 {
		t.Errorf("global modified: %v", global)
	}
	if m := global.Merge(nil); m[FieldStatus]["RIT"] != StatusWithdrawn {
		t.Errorf("merge with nil: %v", m)
	}
}

// TestNormaliseRowValueMappings: a mapping is tried before the parser, on
// the folded value, for status, sex, axis and organisation type.
func TestNormaliseRowValueMappings(t *testing.T) {
	vm := ValueMap{}
	for _, m := range [][3]string{
		{"status", "PEND.", "not_indicated"}, {"status", "Ammesso", "not_accepted"}, {"status", "R", "withdrawn"},
		{"sex", "D", "F"}, {"axis", "quarto", "IV"}, {"organisation_type", "a.s.l.", "ASL"},
	} {
		f, _ := ParseField(m[0])
		if err := vm.Add(f, m[1], m[2]); err != nil {
			t.Fatal(err)
		}
	}
	rc := testContext()
	rc.Values = vm
	tests := []struct {
		name  string
		row   RawRow
		check func(e Enrolment) bool
		flags []string
	}{
		{"status mapped to not indicated, not flagged", person("J", "pend"), func(e Enrolment) bool { return e.Status == StatusNotIndicated }, nil},
		{"mapping wins over the parser", person("J", "AMMESSO"), func(e Enrolment) bool { return e.Status == StatusNotAccepted }, nil},
		{"one letter", person("J", "r."), func(e Enrolment) bool { return e.Status == StatusWithdrawn }, nil},
		{"unmapped still parsed", person("J", "amm."), func(e Enrolment) bool { return e.Status == StatusAccepted }, nil},
		{"unmapped unreadable", person("J", "boh"), func(e Enrolment) bool { return e.Status == StatusNotIndicated }, []string{FlagStatusUnreadable}},
		{"sex", person("E", "d", "D", ""), func(e Enrolment) bool { return e.Sex == "F" }, nil},
		{"axis", person("P", "Quarto"), func(e Enrolment) bool { return e.Axis == "IV" }, nil},
		{"organisation type", person("U", "A.S.L."), func(e Enrolment) bool { return e.OrganisationType == "ASL" && e.OrganisationTypeFold == "ASL" }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _, rej := NormaliseRow(rc, tc.row)
			if rej != nil {
				t.Fatal(rej)
			}
			if !tc.check(e) {
				t.Errorf("status %q sex %q axis %q organisation type %q", e.Status, e.Sex, e.Axis, e.OrganisationType)
			}
			if len(e.Flags) != len(tc.flags) || len(tc.flags) > 0 && e.Flags[0] != tc.flags[0] {
				t.Errorf("flags %v, want %v", e.Flags, tc.flags)
			}
		})
	}
	// Catalogue rows use the axis mappings too.
	mc := &RowContext{ProvinceCode: "CR", Values: vm, Columns: []Column{
		{Index: 0, Letter: "A", Field: FieldModule}, {Index: 1, Letter: "B", Field: FieldAxis}}}
	m, issues, rej := NormaliseModule(mc, RawRow{Row: 2, Cells: []string{"Salute", "quarto"}})
	if rej != nil || len(issues) != 0 || m.Axis != "IV" {
		t.Errorf("module %+v, issues %v, rejection %v", m, issues, rej)
	}
}

func TestSuggestValue(t *testing.T) {
	tests := []struct {
		field Field
		raw   string
		want  string
	}{
		{FieldStatus, "PEND.", ""},
		{FieldStatus, "in attesa", ""},
		{FieldStatus, "AMESSO", StatusAccepted},
		{FieldStatus, "ammeso", StatusAccepted},
		{FieldStatus, "ritirta", StatusWithdrawn},
		{FieldStatus, "rinunc.", StatusWithdrawn},
		{FieldStatus, "escluo", StatusNotAccepted},
		{FieldStatus, "non ammeso", StatusNotAccepted},
		{FieldSex, "femm.", "F"},
		{FieldSex, "masc", "M"},
		{FieldSex, "altro", ""},
		{FieldAxis, "Lavor", "II"},
		{FieldAxis, "Minori", "V"},
		{FieldStatus, "SA", ""},
		{FieldAxis, "boh", ""},
		{FieldOrganisationType, "ASL", ""},
		{FieldStatus, "", ""},
	}
	for _, tc := range tests {
		t.Run(string(tc.field)+" "+tc.raw, func(t *testing.T) {
			if got := SuggestValue(tc.field, tc.raw); got != tc.want {
				t.Errorf("SuggestValue(%s, %q) = %q, want %q", tc.field, tc.raw, got, tc.want)
			}
		})
	}
}
