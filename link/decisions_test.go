package link

import (
	"errors"
	"strings"
	"testing"
)

func TestReadDecisions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []Decision
		wantErr error
		line    int
	}{
		{"comma", "left,right,decision,analyst,date,note\nk1,k2,same,anna,2025-01-02,ok\nk3,k4,Different,bruno,2025-01-03,\n",
			[]Decision{{Left: "k1", Right: "k2", Same: true, Analyst: "anna", Date: "2025-01-02", Note: "ok", Line: 2},
				{Left: "k3", Right: "k4", Analyst: "bruno", Date: "2025-01-03", Line: 3}}, nil, 0},
		{"semicolon and italian", "\ufeffleft;right;decision;analyst;date;note\nk1;k2;stessa;anna;;\n\n",
			[]Decision{{Left: "k1", Right: "k2", Same: true, Analyst: "anna", Line: 2}}, nil, 0},
		{"bad decision", "left,right,decision\nk1,k2,maybe\n", nil, ErrBadDecision, 2},
		{"same key twice", "left,right,decision\nk1,k1,same\n", nil, ErrBadDecision, 2},
		{"bad header", "a,b,c\n", nil, ErrBadHeader, 1},
		{"empty", "", nil, ErrBadHeader, 1},
		{"quote", "left,right,decision\n\"k1,k2,same\n", nil, ErrBadDecision, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadDecisions(strings.NewReader(tc.in))
			if tc.wantErr != nil {
				var pe *PosError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &pe) || pe.Line != tc.line {
					t.Fatalf("error %v, want %v at line %d", err, tc.wantErr, tc.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("decision %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestLatestDecisions(t *testing.T) {
	ds := []Decision{
		{Left: "a", Right: "b", Same: true, Date: "2025-01-01"},
		{Left: "b", Right: "a", Same: false, Date: "2025-02-01"},
		{Left: "c", Right: "d", Same: true, Date: "2025-03-01"},
		{Left: "c", Right: "d", Same: false, Date: "2025-01-01"},
	}
	got := latestDecisions(ds)
	if len(got) != 2 || got[0].Same || !got[1].Same {
		t.Errorf("latest %+v", got)
	}
}

func FuzzReadDecisions(f *testing.F) {
	f.Add("left,right,decision,analyst,date,note\nk1,k2,same,anna,2025-01-02,ok\n")
	f.Add("left;right;decision\nk1;k2;diversa\n")
	f.Add("left,right,decision\n\"k1\",\"k\"\"2\",different\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		ds, err := ReadDecisions(strings.NewReader(in))
		if err != nil {
			var pe *PosError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, d := range ds {
			if d.Left == "" || d.Right == "" || d.Left == d.Right || d.Line < 2 {
				t.Fatalf("bad decision accepted: %+v", d)
			}
		}
	})
}
