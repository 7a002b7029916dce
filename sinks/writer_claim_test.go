package sinks

import (
	"errors"
	"strings"
	"testing"
)

// TestFileWriterClaims: enrolments has no key (migration 010); what its
// PRIMARY KEY refused is refused by the file writer instead. The same
// bytes loaded for two provinces by two transactions of one run at once:
// the second COMMIT fails with a ClaimError naming the first province, and
// nothing of the second is committed; once claimed, the bytes are refused
// at BeginFile for any other province of the run; in a later run, the rows
// committed for the first province refuse them at Commit (ErrDuplicateID,
// as the key did); the claiming province may read them again; and a file
// whose rows repeat a sheet and row is refused whole. A province whose rows
// of the bytes are gone since (the shrink guard) loses the claim. A file
// that brings no data is claimed by nobody.
func TestFileWriterClaims(t *testing.T) {
	fx := newWriterFixture(t)
	ctx := fx.ctx
	cr := File{RunID: "r1", Province: "CR", Slot: "/in/CR/a.xlsx", Name: "a.xlsx", SHA256: "shaX", LandedPath: "/l/shaX"}
	lo := cr
	lo.Province, lo.Slot = "LO", "/in/LO/a.xlsx"
	owned := [6]int{1200, 1, 1, 1, 1, 1} // the rows of one committed copy

	// Both transactions start before either commits. (records gives its
	// rows province CR.)
	wc, err := BeginFile(ctx, fx.db, cr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Abort(ctx)
	wl, err := BeginFile(ctx, fx.db, lo, nil)
	if err != nil {
		t.Fatalf("LO's BeginFile before CR commits: %v", err)
	}
	defer wl.Abort(ctx)
	fillWriter(t, ctx, wc, "shaX", 1200)
	fillWriter(t, ctx, wl, "shaX", 1200)
	if err := wc.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = wl.Commit(ctx)
	if ce, ok := errors.AsType[*ClaimError](err); !ok || ce.Owner != "CR" || ce.File != "a.xlsx" || !errors.Is(err, ErrClaimed) {
		t.Fatalf("LO's Commit after CR's: %v, want a ClaimError naming CR", err)
	}
	wl.Abort(ctx)
	if got := fx.counts(t, "shaX"); got != owned {
		t.Errorf("rows of the bytes after both commits: %v, want CR's only %v", got, owned)
	}
	if n := fx.count(t, "SELECT count(*) FROM source_files WHERE province_code = 'LO'"); n != 0 {
		t.Errorf("LO has %d source_files rows, want none", n)
	}
	defer func() {
		if n := fx.count(t, "SELECT count(*) FROM file_claims WHERE run_id = 'r1' AND source_sha256 = 'shaX' AND province_code = 'LO'"); n != 1 {
			t.Errorf("the claim on the bytes is not LO's at the end")
		}
	}()

	cases := []struct {
		name     string
		setup    func(t *testing.T) // nil: none
		f        File
		rows     int  // enrolments written (twice over when twice)
		twice    bool // the same rows written twice
		want     func(error) bool
		wantRows [6]int // rows of f's bytes afterwards
	}{
		{"claimed earlier in the run, another province", nil, lo, 10, false,
			func(err error) bool {
				ce, ok := errors.AsType[*ClaimError](err)
				return ok && ce.Owner == "CR"
			}, owned},
		{"loaded for another province in an earlier run", nil, File{RunID: "r2", Province: "LO", Slot: lo.Slot, Name: "a.xlsx", SHA256: "shaX", LandedPath: "/l/shaX"}, 1200, false,
			func(err error) bool { return errors.Is(err, ErrDuplicateID) }, owned},
		{"read again by the province that claimed it", nil, File{RunID: "r1", Province: "CR", Slot: cr.Slot, Name: "a.xlsx", SHA256: "shaX", LandedPath: "/l/shaX", Replaces: "shaX"}, 1200, false,
			func(err error) bool { return err == nil }, owned},
		{"a file whose rows repeat a sheet and row", nil, File{RunID: "r1", Province: "CR", Slot: "/in/CR/b.xlsx", Name: "b.xlsx", SHA256: "shaY", LandedPath: "/l/shaY"}, 1500, true,
			func(err error) bool {
				return errors.Is(err, ErrDuplicateID) && strings.Contains(err.Error(), "b.xlsx:Iscrizioni row 2: enrolment id ")
			}, [6]int{}},
		{"claimed earlier in the run by a province that no longer holds the bytes", func(t *testing.T) {
			// CR's older file is put back (the shrink guard): its rows of
			// these bytes are gone.
			conn, err := fx.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := DeleteFileRows(ctx, conn, "CR", "shaX"); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "DELETE FROM source_files WHERE source_sha256 = 'shaX'"); err != nil {
				t.Fatal(err)
			}
		}, lo, 1200, false, func(err error) bool { return err == nil }, owned},
	}
	// A file without data (an empty template) is nobody's: two provinces
	// of the run load it, one after the other and at once.
	var empty [2]*FileWriter
	for i, p := range []string{"CR", "LO"} {
		f := File{RunID: "r1", Province: p, Slot: "/in/" + p + "/vuoto.xlsx", Name: "vuoto.xlsx", SHA256: "shaE", LandedPath: "/l/shaE"}
		if empty[i], err = BeginFile(ctx, fx.db, f, nil); err != nil {
			t.Fatal(err)
		}
		defer empty[i].Abort(ctx)
	}
	for i, w := range empty {
		if err := w.Commit(ctx); err != nil {
			t.Fatalf("empty file, writer %d: %v", i, err)
		}
	}
	if n := fx.count(t, "SELECT count(*) FROM source_files WHERE source_sha256 = 'shaE'"); n != 2 {
		t.Errorf("the empty file is in source_files %d times, want twice", n)
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			err := func() error {
				w, err := BeginFile(ctx, fx.db, tc.f, nil)
				if err != nil {
					return err
				}
				defer w.Abort(ctx)
				fillWriter(t, ctx, w, tc.f.SHA256, tc.rows)
				if tc.twice {
					for _, r := range records(t, tc.f.SHA256, tc.rows, 1000) {
						if err := w.Write(ctx, r); err != nil {
							return err
						}
					}
				}
				return w.Commit(ctx)
			}()
			if !tc.want(err) {
				t.Fatalf("ended with %v", err)
			}
			if n := loadingGoroutinesLeft(); n != 0 {
				t.Errorf("%d loading goroutines left after the writer ended", n)
			}
			if got := fx.counts(t, tc.f.SHA256); got != tc.wantRows {
				t.Errorf("rows of the bytes: %v, want %v", got, tc.wantRows)
			}
		})
	}
}
