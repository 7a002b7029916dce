package landing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// step is one scripted answer of a testServer.
type step struct {
	status  int
	header  map[string]string
	body    string
	chunked bool // stream the body without Content-Length
	hangup  bool // close the connection without answering
	stall   bool // answer only when the client gives up
}

// seen is one request as the server received it.
type seen struct {
	at     time.Time
	header http.Header
	user   string
	pass   string
}

// testServer answers requests with steps in order, repeating the last.
type testServer struct {
	*httptest.Server
	mu    sync.Mutex
	steps []step
	reqs  []seen
}

func newTestServer(t *testing.T, steps ...step) *testServer {
	t.Helper()
	ts := &testServer{steps: steps}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	ts.mu.Lock()
	ts.reqs = append(ts.reqs, seen{at: time.Now(), header: r.Header.Clone(), user: user, pass: pass})
	s := ts.steps[min(len(ts.reqs), len(ts.steps))-1]
	ts.mu.Unlock()

	switch {
	case s.hangup:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case s.stall:
		<-r.Context().Done()
		return
	}
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	if s.chunked {
		w.WriteHeader(s.status)
		for i := 0; i < len(s.body); i += 1024 {
			w.Write([]byte(s.body[i:min(i+1024, len(s.body))]))
			http.NewResponseController(w).Flush()
		}
		return
	}
	if s.status != http.StatusNotModified {
		w.Header().Set("Content-Length", fmt.Sprint(len(s.body)))
	}
	w.WriteHeader(s.status)
	w.Write([]byte(s.body))
}

func (ts *testServer) requests() []seen {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]seen(nil), ts.reqs...)
}

// fast are options for tests: tiny backoff, short timeout.
func fast() Options {
	return Options{Backoff: 5 * time.Millisecond, Timeout: 5 * time.Second}
}

func fetchOne(t *testing.T, land *Archive, src Source, opt Options) (Fetched, error) {
	t.Helper()
	got, errs := Fetch(context.Background(), land, "CR", src, opt)
	if len(errs) > 1 || len(got)+len(errs) != 1 {
		t.Fatalf("Fetch gave %d files and errors %v, want exactly one outcome", len(got), errs)
	}
	if len(errs) == 1 {
		return Fetched{}, errs[0]
	}
	return got[0], nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFetchGlob(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"iscritti_gennaio.xlsx":       "PK fake workbook 1",
		"iscritti_febbraio.xlsx":      "PK fake workbook 2",
		"copia_gennaio.xlsx":          "PK fake workbook 1", // same bytes as gennaio
		"~$iscritti_gennaio.xlsx":     "excel owner file",
		".~lock.iscritti_marzo.xlsx#": "libreoffice lock",
		".DS_Store":                   "finder",
		"note.txt":                    "not matched by the pattern",
	}
	for name, c := range files {
		writeFile(t, filepath.Join(dir, name), c)
	}
	if err := os.Mkdir(filepath.Join(dir, "vecchi.xlsx"), 0o700); err != nil { // a directory matching the glob
		t.Fatal(err)
	}
	mtime := time.Date(2013, 3, 1, 9, 30, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "iscritti_febbraio.xlsx"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	land := newTestArchive(t)
	got, errs := Fetch(context.Background(), land, "CR", Source{Glob: filepath.Join(dir, "*.xlsx")}, Options{})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	wantNames := []string{"copia_gennaio.xlsx", "iscritti_febbraio.xlsx", "iscritti_gennaio.xlsx"}
	if len(got) != len(wantNames) {
		t.Fatalf("fetched %d files, want %v: %+v", len(got), wantNames, got)
	}
	for i, f := range got {
		t.Run(f.Name, func(t *testing.T) {
			if f.Name != wantNames[i] {
				t.Errorf("name %q, want %q", f.Name, wantNames[i])
			}
			if f.Slot != filepath.Join(dir, f.Name) || !filepath.IsAbs(f.Slot) {
				t.Errorf("slot %q, want the absolute path", f.Slot)
			}
			content := files[f.Name]
			if f.SHA256 != shaOf([]byte(content)) || f.Size != int64(len(content)) || f.NotModified {
				t.Errorf("got %+v for content %q", f, content)
			}
			b, err := os.ReadFile(f.LandedPath)
			if err != nil || string(b) != content {
				t.Errorf("landed copy %q, %v", b, err)
			}
			if f.LandedPath != land.Path(f.SHA256) {
				t.Errorf("landed path %s, want %s", f.LandedPath, land.Path(f.SHA256))
			}
			e, err := land.Entry(f.SHA256)
			if err != nil || e.Province != "CR" {
				t.Errorf("sidecar %+v, %v", e, err)
			}
		})
	}
	if !got[1].ModTime.Equal(mtime) {
		t.Errorf("mod time %v, want %v", got[1].ModTime, mtime)
	}
	if got[0].LandedPath != got[2].LandedPath {
		t.Error("identical files landed at different paths")
	}
	if n, temps := blobs(t, land.Dir); n != 2 || len(temps) != 0 {
		t.Errorf("archive holds %d blobs, temps %v; want 2 and none", n, temps)
	}
}

func TestFetchGlobNoFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"empty folder", nil},
		{"only lock and hidden files", []string{"~$a.xlsx", ".~lock.a.xlsx#", ".hidden.xlsx"}},
		{"missing folder", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				writeFile(t, filepath.Join(dir, f), "x")
			}
			if tc.name == "missing folder" {
				dir = filepath.Join(dir, "nope")
			}
			pattern := filepath.Join(dir, "*.xlsx")
			got, errs := Fetch(context.Background(), newTestArchive(t), "CR", Source{Glob: pattern}, Options{})
			if len(got) != 0 || len(errs) != 1 {
				t.Fatalf("got %v, errors %v; want one error", got, errs)
			}
			err := errs[0]
			if !errors.Is(err, ErrNoFiles) {
				t.Errorf("err %v, want ErrNoFiles", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "CR") || !strings.Contains(msg, pattern) {
				t.Errorf("error %q names neither the province nor the pattern", msg)
			}
		})
	}
}

func TestFetchGlobUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.xlsx"), "good")
	// A dangling link cannot be opened, whoever runs the test.
	bad := filepath.Join(dir, "b.xlsx")
	if err := os.Symlink(filepath.Join(dir, "gone.xlsx"), bad); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "c.xlsx"), "also good")
	got, errs := Fetch(context.Background(), newTestArchive(t), "BG", Source{Glob: filepath.Join(dir, "*.xlsx")}, Options{})
	if len(got) != 2 || got[0].Name != "a.xlsx" || got[1].Name != "c.xlsx" {
		t.Errorf("fetched %+v, want a.xlsx and c.xlsx", got)
	}
	if len(errs) != 1 {
		t.Fatalf("errors %v, want one", errs)
	}
	var fe *FetchError
	if !errors.As(errs[0], &fe) || fe.Slot != bad || fe.Province != "BG" || !errors.Is(errs[0], fs.ErrNotExist) {
		t.Errorf("error %v (%+v), want a FetchError for %s wrapping fs.ErrNotExist", errs[0], fe, bad)
	}
}

func TestFetchGlobTooLarge(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.csv"), strings.Repeat("x", 100))
	writeFile(t, filepath.Join(dir, "small.csv"), "x")
	land := newTestArchive(t)
	got, errs := Fetch(context.Background(), land, "CR", Source{Glob: filepath.Join(dir, "*.csv")}, Options{MaxBytes: 10})
	if len(got) != 1 || got[0].Name != "small.csv" {
		t.Errorf("fetched %+v, want small.csv only", got)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrTooLarge) {
		t.Errorf("errors %v, want one ErrTooLarge", errs)
	}
}

func TestFetchHTTPStatuses(t *testing.T) {
	ok := step{status: 200, body: "a;b\n1;2\n"}
	for _, tc := range []struct {
		name      string
		steps     []step
		retries   int
		wantReqs  int
		wantErr   error  // nil: fetched
		wantInErr string // substring of the error
	}{
		{"200", []step{ok}, 0, 1, nil, ""},
		{"500 twice then 200", []step{{status: 500}, {status: 500}, ok}, 0, 3, nil, ""},
		{"503 then 200", []step{{status: 503}, ok}, 0, 2, nil, ""},
		{"429 then 200", []step{{status: 429}, ok}, 0, 2, nil, ""},
		{"connection dropped then 200", []step{{hangup: true}, ok}, 0, 2, nil, ""},
		{"404 is not retried", []step{{status: 404}, ok}, 0, 1, ErrHTTPStatus, "404 Not Found"},
		{"403 is not retried", []step{{status: 403}, ok}, 0, 1, ErrHTTPStatus, "403"},
		{"unexpected 304 is not retried", []step{{status: 304}, ok}, 0, 1, ErrHTTPStatus, "304"},
		{"500 forever gives up", []step{{status: 500}}, 2, 3, ErrHTTPStatus, "3 attempts"},
		{"no retries", []step{{status: 502}, ok}, -1, 1, ErrHTTPStatus, "502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.steps...)
			land := newTestArchive(t)
			opt := fast()
			opt.Retries = tc.retries
			f, err := fetchOne(t, land, Source{URL: ts.URL + "/cr/iscritti.csv"}, opt)
			if n := len(ts.requests()); n != tc.wantReqs {
				t.Errorf("%d requests, want %d", n, tc.wantReqs)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if f.SHA256 != shaOf([]byte(ok.body)) || f.Name != "iscritti.csv" || f.Slot != ts.URL+"/cr/iscritti.csv" {
					t.Errorf("fetched %+v", f)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			msg := err.Error()
			for _, want := range []string{tc.wantInErr, "CR", ts.URL + "/cr/iscritti.csv"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if n, _ := blobs(t, land.Dir); n != 0 {
				t.Errorf("archive holds %d blobs after a failure", n)
			}
		})
	}
}

// TestFetchHTTPTimeoutRetried: an attempt that times out is retried. The
// first request stalls until the client gives up; the later ones answer at
// once (on a loaded machine one of them may time out too, and be retried
// as well, so the count is a lower bound).
func TestFetchHTTPTimeoutRetried(t *testing.T) {
	ts := newTestServer(t, step{stall: true}, step{status: 200, body: "late but fine"})
	opt := fast()
	opt.Timeout = 100 * time.Millisecond
	f, err := fetchOne(t, newTestArchive(t), Source{URL: ts.URL + "/f.csv"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != int64(len("late but fine")) || len(ts.requests()) < 2 {
		t.Errorf("fetched %+v after %d requests", f, len(ts.requests()))
	}
}

func TestFetchHTTPConditional(t *testing.T) {
	lm1 := "Mon, 07 Jan 2013 10:00:00 GMT"
	lm2 := "Mon, 04 Feb 2013 10:00:00 GMT"
	for _, tc := range []struct {
		name       string
		first      map[string]string // headers of the first 200
		wantHeader string            // conditional header of the second request
		wantValue  string
	}{
		{"etag", map[string]string{"ETag": `"v1"`}, "If-None-Match", `"v1"`},
		{"weak etag", map[string]string{"ETag": `W/"v1"`}, "If-None-Match", `W/"v1"`},
		{"last-modified", map[string]string{"Last-Modified": lm1}, "If-Modified-Since", lm1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t,
				step{status: 200, header: tc.first, body: "versione 1"},
				step{status: 304, header: tc.first},
				step{status: 200, header: map[string]string{"ETag": `"v2"`, "Last-Modified": lm2}, body: "versione 2"},
			)
			land := newTestArchive(t)
			src := Source{URL: ts.URL + "/export?file=cr.xlsx"}

			f1, err := fetchOne(t, land, src, fast())
			if err != nil {
				t.Fatal(err)
			}
			f2, err := fetchOne(t, land, src, fast())
			if err != nil {
				t.Fatal(err)
			}
			reqs := ts.requests()
			if got := reqs[0].header.Get(tc.wantHeader); got != "" {
				t.Errorf("first request sent %s %q", tc.wantHeader, got)
			}
			if got := reqs[1].header.Get(tc.wantHeader); got != tc.wantValue {
				t.Errorf("second request %s = %q, want %q", tc.wantHeader, got, tc.wantValue)
			}
			if !f2.NotModified || f1.NotModified {
				t.Errorf("NotModified: first %v, second %v", f1.NotModified, f2.NotModified)
			}
			if f2.SHA256 != f1.SHA256 || f2.LandedPath != f1.LandedPath || f2.Size != f1.Size ||
				f2.Name != f1.Name || !f2.ModTime.Equal(f1.ModTime) {
				t.Errorf("304 gave %+v, want the first copy %+v", f2, f1)
			}
			if tc.first["Last-Modified"] != "" && !f1.ModTime.Equal(time.Date(2013, 1, 7, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("mod time %v, want Last-Modified", f1.ModTime)
			}

			f3, err := fetchOne(t, land, src, fast())
			if err != nil {
				t.Fatal(err)
			}
			if f3.NotModified || f3.SHA256 != shaOf([]byte("versione 2")) || f3.SHA256 == f1.SHA256 {
				t.Errorf("changed file gave %+v", f3)
			}
			if !land.Has(f1.SHA256) {
				t.Error("the previous version left the archive")
			}
			v, ok, err := land.validator(src.URL)
			if err != nil || !ok || v.ETag != `"v2"` || v.LastModified != lm2 || v.SHA256 != f3.SHA256 {
				t.Errorf("http state %+v %v %v", v, ok, err)
			}
		})
	}
}

func TestFetchHTTPConditionalArchiveLost(t *testing.T) {
	ts := newTestServer(t,
		step{status: 200, header: map[string]string{"ETag": `"v1"`}, body: "uno"},
		step{status: 200, header: map[string]string{"ETag": `"v1"`}, body: "uno"},
	)
	land := newTestArchive(t)
	src := Source{URL: ts.URL + "/a.xlsx"}
	f1, err := fetchOne(t, land, src, fast())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(f1.LandedPath); err != nil {
		t.Fatal(err)
	}
	f2, err := fetchOne(t, land, src, fast())
	if err != nil {
		t.Fatal(err)
	}
	if got := ts.requests()[1].header.Get("If-None-Match"); got != "" {
		t.Errorf("asked for a 304 (%q) although the archived copy is gone", got)
	}
	if f2.NotModified || !land.Has(f2.SHA256) {
		t.Errorf("refetch %+v", f2)
	}
}

func TestFetchHTTPTooLarge(t *testing.T) {
	body := strings.Repeat("0123456789", 1000) // 10 000 bytes
	for _, tc := range []struct {
		name string
		step step
	}{
		{"with content-length", step{status: 200, body: body}},
		{"without content-length", step{status: 200, body: body, chunked: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.step)
			land := newTestArchive(t)
			opt := fast()
			opt.MaxBytes = 4096
			_, err := fetchOne(t, land, Source{URL: ts.URL + "/big.xlsx"}, opt)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err %v, want ErrTooLarge", err)
			}
			if !strings.Contains(err.Error(), ts.URL+"/big.xlsx") {
				t.Errorf("error %q does not name the url", err)
			}
			if n := len(ts.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (no retry)", n)
			}
			if files := archiveFiles(t, land.Dir); len(files) != 0 {
				t.Errorf("archive not empty: %v", files)
			}
		})
	}
	t.Run("exactly at the cap", func(t *testing.T) {
		ts := newTestServer(t, step{status: 200, body: body[:4096], chunked: true})
		opt := fast()
		opt.MaxBytes = 4096
		f, err := fetchOne(t, newTestArchive(t), Source{URL: ts.URL + "/ok.xlsx"}, opt)
		if err != nil || f.Size != 4096 {
			t.Fatalf("got %+v, %v", f, err)
		}
	})
}

// cancelOn is a slog handler that cancels a context when a record with
// the given message is logged.
type cancelOn struct {
	slog.Handler
	msg    string
	cancel context.CancelFunc
}

func (c cancelOn) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == c.msg {
		c.cancel()
	}
	return c.Handler.Handle(ctx, r)
}

func (c cancelOn) WithAttrs(as []slog.Attr) slog.Handler {
	return cancelOn{Handler: c.Handler.WithAttrs(as), msg: c.msg, cancel: c.cancel}
}

func (c cancelOn) WithGroup(name string) slog.Handler {
	return cancelOn{Handler: c.Handler.WithGroup(name), msg: c.msg, cancel: c.cancel}
}

// TestFetchHTTPCancelDuringBackoff: cancelling while Fetch waits to retry
// ends the wait. The context is cancelled when Fetch logs that it is going
// to wait (an hour): a wait that ignored it would hang the test.
func TestFetchHTTPCancelDuringBackoff(t *testing.T) {
	ts := newTestServer(t, step{status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := fast()
	opt.Backoff = time.Hour
	opt.Logger = slog.New(cancelOn{Handler: slog.NewTextHandler(io.Discard, nil), msg: "retrying fetch", cancel: cancel})
	got, errs := Fetch(ctx, newTestArchive(t), "CR", Source{URL: ts.URL + "/a.xlsx"}, opt)
	if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || !strings.Contains(errs[0].Error(), "waiting to retry") {
		t.Fatalf("got %v, %v; want one context.Canceled error while waiting to retry", got, errs)
	}
	if n := len(ts.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestFetchHTTPRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value func() string
	}{
		{"seconds", func() string { return "1" }},
		{"http date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }},
	} {
		// Lower bounds cannot flake: the client must not come back before
		// the server allowed it, counted from when it sent its answer
		// (delay-seconds) or absolutely (an HTTP date, whatever time has
		// passed since it was written).
		t.Run(tc.name, func(t *testing.T) {
			value := tc.value()
			ts := newTestServer(t, step{status: 429, header: map[string]string{"Retry-After": value}}, step{status: 200, body: "ok"})
			opt := fast()
			opt.Backoff = time.Millisecond
			if _, err := fetchOne(t, newTestArchive(t), Source{URL: ts.URL + "/a.csv"}, opt); err != nil {
				t.Fatal(err)
			}
			reqs := ts.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if date, err := http.ParseTime(value); err == nil {
				if reqs[1].at.Before(date) {
					t.Errorf("retried at %v, before the Retry-After %v", reqs[1].at, date)
				}
			} else if gap := reqs[1].at.Sub(reqs[0].at); gap < time.Second {
				t.Errorf("retried after %v, before the Retry-After of %s s", gap, value)
			}
		})
	}
}

func TestFetchHTTPCredentials(t *testing.T) {
	t.Setenv("CORRELARE_TEST_TOKEN", "tok-Zq81")
	var logs bytes.Buffer
	opt := fast()
	opt.Retries = 1
	opt.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	secrets := []string{"s3cr3tPW", "alice9", "qk-77341", "tok-Zq81"}

	ts := newTestServer(t, step{status: 500}, step{status: 404})
	raw := strings.Replace(ts.URL, "http://", "http://alice9:s3cr3tPW@", 1) + "/cr.xlsx?access_token=qk-77341&sheet=1"
	land := newTestArchive(t)
	_, err := fetchOne(t, land, Source{URL: raw, Headers: map[string]string{"X-Api-Key": "Bearer ${CORRELARE_TEST_TOKEN}"}}, opt)
	if !errors.Is(err, ErrHTTPStatus) {
		t.Fatalf("err %v, want ErrHTTPStatus", err)
	}
	reqs := ts.requests()
	if reqs[0].user != "alice9" || reqs[0].pass != "s3cr3tPW" {
		t.Errorf("basic auth not sent: %q %q", reqs[0].user, reqs[0].pass)
	}
	if got := reqs[0].header.Get("X-Api-Key"); got != "Bearer tok-Zq81" {
		t.Errorf("X-Api-Key %q", got)
	}

	// A connection error: net/http's own message carries the url.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := strings.Replace(dead.URL, "http://", "http://alice9:s3cr3tPW@", 1) + "/x.csv?token=qk-77341"
	dead.Close()
	_, connErr := fetchOne(t, land, Source{URL: deadURL}, opt)
	if connErr == nil {
		t.Fatal("fetch from a closed server succeeded")
	}

	// An unset variable fails before any request.
	_, envErr := fetchOne(t, land, Source{URL: ts.URL + "/a.csv", Headers: map[string]string{"X-Key": "${CORRELARE_UNSET_VAR}"}}, opt)
	if envErr == nil || !strings.Contains(envErr.Error(), "CORRELARE_UNSET_VAR") {
		t.Errorf("unset variable gave %v", envErr)
	}
	if len(ts.requests()) != len(reqs) {
		t.Error("a request was made with an unset header variable")
	}

	// A success records the validators, keyed by the redacted url.
	okts := newTestServer(t, step{status: 200, header: map[string]string{"ETag": `"e1"`}, body: "ok"})
	okURL := strings.Replace(okts.URL, "http://", "http://alice9:s3cr3tPW@", 1) + "/cr.xlsx?access_token=qk-77341"
	f, okErr := fetchOne(t, land, Source{URL: okURL}, opt)
	if okErr != nil {
		t.Fatal(okErr)
	}
	if f.Slot != okts.URL+"/cr.xlsx?access_token=REDACTED" {
		t.Errorf("slot %q", f.Slot)
	}
	state, readErr := os.ReadFile(filepath.Join(land.Dir, httpStateFile))
	if readErr != nil || !strings.Contains(string(state), f.Slot) {
		t.Fatalf("http state %s, %v", state, readErr)
	}
	for name, text := range map[string]string{
		"status error": err.Error(), "connection error": connErr.Error(),
		"logs": logs.String(), "http state": string(state), "slot": f.Slot,
	} {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s leaks %q: %s", name, s, text)
			}
		}
	}
	for _, want := range []string{"CR", "access_token=REDACTED", "sheet=1", "404"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	t.Logf("connection error: %v", connErr)
	if !strings.Contains(connErr.Error(), "token=REDACTED") {
		t.Errorf("connection error %q does not name the redacted url", connErr)
	}
}

func TestFetchHTTPFileName(t *testing.T) {
	for _, tc := range []struct {
		name, path, disposition, want string
	}{
		{"from path", "/files/iscritti%20CR.xlsx", "", "iscritti CR.xlsx"},
		{"from content-disposition", "/download?id=7", `attachment; filename="corsi_2013.xlsx"`, "corsi_2013.xlsx"},
		{"rfc 5987", "/download", `attachment; filename*=UTF-8''iscritti_cittadinanza_%C3%A0.xlsx`, "iscritti_cittadinanza_à.xlsx"},
		{"path traversal", "/d", `attachment; filename="../../etc/passwd"`, "passwd"},
		{"windows path", "/d", `attachment; filename="C:\\Users\\opi\\cr.xlsx"`, "cr.xlsx"},
		{"root", "/", "", "download"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.disposition != "" {
				hdr["Content-Disposition"] = tc.disposition
			}
			ts := newTestServer(t, step{status: 200, header: hdr, body: "x"})
			f, err := fetchOne(t, newTestArchive(t), Source{URL: ts.URL + tc.path}, fast())
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != tc.want {
				t.Errorf("name %q, want %q", f.Name, tc.want)
			}
		})
	}
}

func TestFetchHTTPInsecureRedirect(t *testing.T) {
	ts := newTestServer(t, step{status: 302, header: map[string]string{"Location": "http://opi.example.org/cr.xlsx"}})
	_, err := fetchOne(t, newTestArchive(t), Source{URL: ts.URL + "/cr.xlsx"}, fast())
	if !errors.Is(err, ErrInsecureRedirect) {
		t.Fatalf("err %v, want ErrInsecureRedirect", err)
	}
	if n := len(ts.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry)", n)
	}
}

// TestSourceValidate: the one check of a source's configuration, shared by
// the config loader and Fetch: which sources pass, and for the others which
// field each problem names.
func TestSourceValidate(t *testing.T) {
	t.Setenv("CORRELARE_TEST_TOKEN", "s3cret")
	os.Unsetenv("CORRELARE_TEST_UNSET") // t.Setenv above restores the environment
	for _, tc := range []struct {
		name   string
		src    Source
		fields []string // the problems' Field[/Header], in order; nil = valid
	}{
		{"glob", Source{Glob: "/srv/opi/CR/*.xlsx"}, nil},
		{"https", Source{URL: "https://opi.example.org/cr.xlsx", Headers: map[string]string{"Authorization": "Bearer ${CORRELARE_TEST_TOKEN}"}}, nil},
		{"https with port and userinfo", Source{URL: "https://u:p@opi.example.org:8443/cr.xlsx"}, nil},
		{"http loopback v4", Source{URL: "http://127.0.0.1:8080/a.xlsx"}, nil},
		{"http loopback v4 other address", Source{URL: "http://127.3.2.1/a.xlsx"}, nil},
		{"http loopback v6", Source{URL: "http://[::1]:8080/a.xlsx"}, nil},
		{"http loopback v4-mapped v6", Source{URL: "http://[::ffff:127.0.0.1]/a.xlsx"}, nil},
		{"http localhost", Source{URL: "http://localhost/a.xlsx"}, nil},
		{"http localhost with port, any case", Source{URL: "http://LocalHost:9000/a.xlsx"}, nil},
		{"http remote", Source{URL: "http://opi.example.org/cr.xlsx"}, []string{"url"}},
		{"http localhost as a prefix", Source{URL: "http://localhost.evil.example/cr.xlsx"}, []string{"url"}},
		{"http localhost as a subdomain", Source{URL: "http://localhost.evil.example:80/cr.xlsx"}, []string{"url"}},
		{"http loopback ip as a prefix", Source{URL: "http://127.0.0.1.evil.example/cr.xlsx"}, []string{"url"}},
		{"http loopback ip in userinfo", Source{URL: "http://127.0.0.1@evil.example/cr.xlsx"}, []string{"url"}},
		{"http localhost in userinfo", Source{URL: "http://localhost:x@evil.example/cr.xlsx"}, []string{"url"}},
		{"http v6 loopback as a prefix", Source{URL: "http://[::1].evil.example/cr.xlsx"}, []string{"url"}},
		{"http other v6", Source{URL: "http://[::2]/cr.xlsx"}, []string{"url"}},
		{"http unspecified address", Source{URL: "http://0.0.0.0/cr.xlsx"}, []string{"url"}},
		{"http short loopback form", Source{URL: "http://127.1/cr.xlsx"}, []string{"url"}},
		{"http localhost with trailing dot", Source{URL: "http://localhost./cr.xlsx"}, []string{"url"}},
		{"ftp", Source{URL: "ftp://opi.example.org/cr.xlsx"}, []string{"url"}},
		{"no scheme", Source{URL: "opi.example.org/cr.xlsx"}, []string{"url"}},
		{"no host", Source{URL: "https:///cr.xlsx"}, []string{"url"}},
		{"port only", Source{URL: "https://:443/cr.xlsx"}, []string{"url"}},
		{"neither", Source{}, []string{""}},
		{"both", Source{Glob: "/a/*", URL: "https://x.org/a"}, []string{""}},
		{"bad glob", Source{Glob: "/srv/[CR/*.xlsx"}, []string{"glob"}},
		{"headers on glob", Source{Glob: "/a/*", Headers: map[string]string{"A": "b"}}, []string{"headers"}},
		{"unterminated variable", Source{URL: "https://x.org/a", Headers: map[string]string{"A": "${T"}}, []string{"headers/A"}},
		// An unset variable fails the fetch (TestFetchHTTPCredentials), not the config.
		{"unset variable", Source{URL: "https://x.org/a", Headers: map[string]string{"Authorization": "Bearer ${CORRELARE_TEST_UNSET}"}}, nil},
		{"every problem, headers in order", Source{URL: "http://localhost.evil.example/a", Headers: map[string]string{
			"X-B": "${CORRELARE_TEST_UNSET", "X-A": "${}", "X-C": "${CORRELARE_TEST_TOKEN}"}},
			[]string{"url", "headers/X-A", "headers/X-B"}},
		{"unparseable url", Source{URL: "https://u:p@x.org/%zz"}, []string{"url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.src.Validate()
			var got []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var se *SourceError
					if !errors.As(e, &se) {
						t.Fatalf("problem %v is not a *SourceError", e)
					}
					f := se.Field
					if se.Header != "" {
						f += "/" + se.Header
					}
					got = append(got, f)
				}
			}
			if !slices.Equal(got, tc.fields) {
				t.Fatalf("Validate() = %v: fields %q, want %q", err, got, tc.fields)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, ErrBadSource) {
				t.Errorf("err %v does not match ErrBadSource", err)
			}
			for _, secret := range []string{":p@", "s3cret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err %q leaks %q", err, secret)
				}
			}
			_, errs := Fetch(context.Background(), newTestArchive(t), "CR", tc.src, fast())
			if len(errs) != 1 || !errors.Is(errs[0], ErrBadSource) {
				t.Errorf("Fetch of an invalid source gave %v", errs)
			}
		})
	}
}

// TestFetchRefusesPlainHTTPToLookalikeHost: Fetch sends no request to a
// plain-http URL whose host only looks like loopback. The client dials the
// test server whatever the host, so a refused request would have reached
// it; localhost, the control, does.
func TestFetchRefusesPlainHTTPToLookalikeHost(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"localhost", true},
		{"localhost.evil.example", false},
		{"127.0.0.1.evil.example", false},
		{"127.0.0.1@evil.example", false},
	} {
		t.Run(tc.host, func(t *testing.T) {
			ts := newTestServer(t, step{status: 200, body: "x"})
			addr := strings.TrimPrefix(ts.URL, "http://")
			_, port, _ := strings.Cut(addr, ":")
			opt := fast()
			opt.Client = &http.Client{Transport: &http.Transport{
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				},
			}}
			_, err := fetchOne(t, newTestArchive(t), Source{URL: "http://" + tc.host + ":" + port + "/cr.xlsx"}, opt)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("fetching from %s: %v", tc.host, err)
			case !tc.ok && !errors.Is(err, ErrBadSource):
				t.Fatalf("err %v, want ErrBadSource", err)
			}
			want := 0
			if tc.ok {
				want = 1
			}
			if n := len(ts.requests()); n != want {
				t.Errorf("%d requests reached the server, want %d", n, want)
			}
		})
	}
}

// BenchmarkFetchHTTP measures one 8 MiB download into the archive over
// loopback, new bytes each time.
func BenchmarkFetchHTTP(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16)
	var i int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i++
		copy(data, fmt.Sprintf("%016d", i))
		w.Write(data)
	}))
	defer srv.Close()
	land, err := New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, errs := Fetch(context.Background(), land, "CR", Source{URL: srv.URL + "/a.xlsx"}, Options{}); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
