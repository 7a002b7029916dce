package pipeline

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lombardia-orim/correlare/runlock"
)

// TestHTTPSourceRetriedThenLoaded: a province's URL answers 500 twice, then
// the workbook; the run loads it after retries.
func TestHTTPSourceRetriedThenLoaded(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	files, _ := filepath.Glob(filepath.Join(repoDir(t), "testdata", "demo", "LO", "*.xlsx"))
	body, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := mustLoad(t, writeConfig(t, dir, map[string]string{"LO": srv.URL + "/lodi/iscrizioni.xlsx"}, ""))
	res := Run(context.Background(), cfg, Options{})
	if res.Status != StatusSuccess {
		t.Fatalf("run: %s", res.Summary())
	}
	if calls.Load() != 3 {
		t.Errorf("%d requests, want 3 (500, 500, 200)", calls.Load())
	}
	w := openPublished(t, cfg)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM enrolments WHERE province_code='LO'"); n == 0 {
		t.Error("nothing loaded from the HTTP source")
	}
}

// TestConcurrentRunsOneWaitsOrExits starts two runs together on one
// warehouse: one runs, the other (lock_wait 0) exits with the busy error,
// and the published warehouse is consistent.
func TestConcurrentRunsOneWaitsOrExits(t *testing.T) {
	t.Setenv("CORRELARE_EXPORT_KEY", testKey)
	dir, srcs := twoProvinces(t)
	cfg := mustLoad(t, writeConfig(t, dir, srcs, ""))
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = Run(context.Background(), cfg, Options{})
		}()
	}
	wg.Wait()
	var ok, busy int
	for _, r := range results {
		switch {
		case r.Status == StatusSuccess:
			ok++
		case errors.Is(r.Err, runlock.ErrBusy):
			busy++
			if !strings.Contains(r.Err.Error(), "another correlare run") {
				t.Errorf("busy message not clear: %v", r.Err)
			}
		default:
			t.Errorf("unexpected: %s", r.Summary())
		}
	}
	if ok < 1 || ok+busy != 2 {
		t.Fatalf("%d succeeded, %d busy", ok, busy)
	}
	w := openPublished(t, cfg)
	if n := queryInt(t, w.DB, "SELECT count(*) FROM runs WHERE status = 'success'"); n != ok {
		t.Errorf("%d successful runs recorded, want %d", n, ok)
	}
	if n := queryInt(t, w.DB, "SELECT count(*) - count(DISTINCT enrolment_id) FROM enrolments"); n != 0 {
		t.Errorf("%d duplicate enrolments", n)
	}
	// The busy run is in the history file, so `status` shows it.
	st, err := ReadStatus(context.Background(), cfg, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Runs) != 2 {
		t.Errorf("status shows %d runs, want 2", len(st.Runs))
	}
}

func TestValidateSamples(t *testing.T) {
	samples := filepath.Join(repoDir(t), "testdata", "samples")
	cases := []struct {
		file    string
		wantErr string // substring of a file-level error
		rejects bool
	}{
		{file: "libreoffice_title_two_level_header.xlsx"},
		{file: "openpyxl_1904_dates.xlsx"},
		{file: "xlsxwriter_rich_text_formulas.xlsx"},
		{file: "openpyxl_hidden_blank_totals.xlsx"},
		{file: "csv_semicolon_cp1252.csv"},
		{file: "csv_comma_utf8_bom.csv"},
		{file: "legacy_format.xls"},
		{file: "opendocument.ods"},
		{file: "../layouts/protetto.xlsx", wantErr: "protetto da password"},
		{file: "../layouts/protetto.ods", wantErr: "protetto da password"},
		{file: "truncated.xlsx", wantErr: "truncated.xlsx"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			v, err := Validate(context.Background(), filepath.Join(samples, tc.file), "CR", nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error mentioning %q, got %v", tc.wantErr, err)
				}
				if !strings.Contains(err.Error(), filepath.Base(tc.file)) {
					t.Errorf("error does not name the file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Rejects() != tc.rejects {
				t.Errorf("rejects = %v; problems: %v", v.Rejects(), v.Problems)
			}
			if v.Counts.Loaded != 6 {
				t.Errorf("loadable rows = %d, want 6", v.Counts.Loaded)
			}
			if v.Counts.Read != v.Counts.Loaded+v.Counts.Quarantined+v.Counts.Skipped {
				t.Errorf("counts do not add up: %+v", v.Counts)
			}
		})
	}
}

func TestValidateReportsCellOfEveryProblem(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "iscrizioni.csv")
	csv := "Cognome;Nome;Codice fiscale;Sesso;Data di nascita;Modulo;Esito;Ore frequentate;Gradimento\n" +
		"Rossi;Maria;RSSMRA75D43D150D;F;03/04/1975;Salute e immigrazione;ammessa;16;4\n" +
		";Luca;;M;30/11/1958;Salute e immigrazione;ammesso;8;3\n" +
		"Bianchi;Anna;RSSMRA75D43D150X;F;31/02/1980;Salute e immigrazione;forse;tanto;9\n" +
		";;;;;Salute e immigrazione;ammessa;;\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := Validate(context.Background(), path, "CR", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Rejects() {
		t.Error("a row that names nobody must make validate fail")
	}
	if v.Counts.Loaded != 3 || v.Counts.Quarantined != 1 {
		t.Errorf("counts %+v: the row without a surname is an application, the one naming nobody is quarantined", v.Counts)
	}
	var lines []string
	for _, p := range v.Problems {
		lines = append(lines, p.String())
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"iscrizioni.csv:A3: ", "[missing_surname]", // missing surname, cell A3: flagged
		"iscrizioni.csv:A5: ", "[missing_identity]", // names nobody: quarantined
		"iscrizioni.csv:C4: ", "[tax_code_bad_check]", // wrong check letter
		"iscrizioni.csv:E4: ", // impossible date
		"iscrizioni.csv:G4: ", // unreadable status
		"iscrizioni.csv:H4: ", // unreadable hours
		"iscrizioni.csv:I4: ", // satisfaction out of range
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "RSSMRA75D43D150X") {
			t.Errorf("problem line echoes a tax code: %s", l)
		}
	}
}
