package sources

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorMessage(t *testing.T) {
	cause := fmt.Errorf("reading rows: %w", ErrCorrupt)
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"cell", &Error{File: "a.xlsx", Sheet: "Iscritti", Row: 7, Col: "B", Err: cause}, "a.xlsx:Iscritti!B7: reading rows: damaged or incomplete file"},
		{"row", &Error{File: "a.xlsx", Sheet: "Iscritti", Row: 7, Err: cause}, "a.xlsx:Iscritti!7: reading rows: damaged or incomplete file"},
		{"sheet", &Error{File: "a.xlsx", Sheet: "Iscritti", Err: ErrEmptySheet}, "a.xlsx:Iscritti: empty sheet"},
		{"file", &Error{File: "a.xls", Err: ErrUnsupportedFormat}, "a.xls: unsupported file format"},
		{"csv row", &Error{File: "a.csv", Row: 7, Err: cause}, "a.csv:7: reading rows: damaged or incomplete file"},
		{"csv cell", &Error{File: "a.csv", Row: 7, Col: "C", Err: cause}, "a.csv:7:C: reading rows: damaged or incomplete file"},
		{"no cause", &Error{File: "a.csv"}, "a.csv: unknown error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
			if tc.err.Err != nil && !errors.Is(tc.err, tc.err.Err) {
				t.Error("Unwrap does not reach the cause")
			}
		})
	}
}
