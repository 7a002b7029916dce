package landing

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout  = 60 * time.Second
	DefaultMaxBytes = 100 << 20
	DefaultRetries  = 4
	DefaultBackoff  = 2 * time.Second
	// MaxBackoff caps the exponential backoff between attempts.
	MaxBackoff = time.Minute
	// MaxRetryAfter caps how long a server's Retry-After can make us wait.
	MaxRetryAfter = 5 * time.Minute
)

// Options tune Fetch. The zero value gives the documented defaults.
type Options struct {
	// Timeout bounds one HTTP attempt, body included. Default 60s.
	Timeout time.Duration
	// MaxBytes caps a file's size; a larger file fails with
	// ErrTooLarge and leaves nothing in the archive. Default 100 MiB.
	MaxBytes int64
	// Retries is how many times an attempt that failed with 5xx, 408, 429,
	// a timeout or a connection error is repeated; other 4xx fail at once.
	// Default 4; negative means no retries.
	Retries int
	// Backoff is the wait before the first retry, doubled for each further
	// retry (with jitter in [d/2, d]), capped at MaxBackoff. A Retry-After
	// header (capped at MaxRetryAfter) replaces it. Default 2s.
	Backoff time.Duration
	// Client makes the requests. Nil means a client with Timeout that
	// refuses redirects away from https.
	Client *http.Client
	// Logger receives one record per attempt. Nil discards.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout, CheckRedirect: checkRedirect}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Fetched is one file pulled from a source, already in the landing archive.
type Fetched struct {
	// Slot is the file's stable identity: its absolute local path, or the
	// URL with credentials and secret query values redacted.
	Slot string
	// Name is the base file name as received (URL: from
	// Content-Disposition, else the last path segment).
	Name       string
	SHA256     string // hex
	Size       int64
	LandedPath string // path of the archived copy
	// ModTime is the file's mtime, or the HTTP Last-Modified (zero when
	// the server sent none).
	ModTime time.Time
	// NotModified is set on HTTP 304: LandedPath is the copy archived when
	// the file last changed.
	NotModified bool
}

// FetchError is an error of one slot (file or URL) of a province. Slot is
// the local path, glob pattern or redacted URL; it never holds secrets.
type FetchError struct {
	Province string
	Slot     string
	Attempts int // HTTP attempts made; 0 for local files
	Err      error
}

func (e *FetchError) Error() string {
	s := "fetching " + e.Province + " " + e.Slot
	if e.Attempts > 1 {
		s += " (" + strconv.Itoa(e.Attempts) + " attempts)"
	}
	return s + ": " + e.Err.Error()
}

func (e *FetchError) Unwrap() error { return e.Err }

// Fetch pulls the files of src into land, for the province with sigla
// province. It returns the files fetched and the errors of the files that
// could not be; one failing file does not stop the others. A glob matching
// nothing returns no files and one FetchError wrapping ErrNoFiles. Errors
// wrap their cause and name the province and the slot (credentials
// redacted).
func Fetch(ctx context.Context, land *Archive, province string, src Source, opt Options) ([]Fetched, []error) {
	opt = opt.withDefaults()
	if land == nil {
		return nil, []error{&FetchError{Province: province, Slot: src.Glob + redactRawURL(src.URL), Err: errors.New("no landing archive")}}
	}
	if err := src.Validate(); err != nil {
		slot := src.Glob
		if src.URL != "" {
			slot = redactRawURL(src.URL)
		}
		return nil, []error{&FetchError{Province: province, Slot: slot, Err: err}}
	}
	if src.Glob != "" {
		return fetchGlob(ctx, land, province, src.Glob, opt)
	}
	f, err := fetchURL(ctx, land, province, src, opt)
	if err != nil {
		return nil, []error{err}
	}
	return []Fetched{f}, nil
}

// fetchGlob archives every file matching pattern.
func fetchGlob(ctx context.Context, land *Archive, province, pattern string, opt Options) ([]Fetched, []error) {
	log := opt.Logger.With("province", province, "glob", pattern)
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, []error{&FetchError{Province: province, Slot: pattern, Err: err}}
	}
	slices.Sort(matches)
	var (
		out  []Fetched
		errs []error
		seen int
	)
	for _, m := range matches {
		if err := ctx.Err(); err != nil {
			return out, append(errs, &FetchError{Province: province, Slot: pattern, Err: err})
		}
		if skipLocal(filepath.Base(m)) {
			log.Debug("skipping temporary or hidden file", "file", m)
			continue
		}
		abs, err := filepath.Abs(m)
		if err != nil {
			errs = append(errs, &FetchError{Province: province, Slot: m, Err: err})
			continue
		}
		fi, err := os.Stat(abs)
		if err == nil && fi.IsDir() {
			continue
		}
		seen++
		f, err := fetchLocal(ctx, land, province, abs, opt)
		if err != nil {
			log.Warn("fetch failed", "file", abs, "err", err)
			errs = append(errs, &FetchError{Province: province, Slot: abs, Err: err})
			continue
		}
		log.Debug("fetched", "file", abs, "sha256", f.SHA256, "size", f.Size)
		out = append(out, f)
	}
	if seen == 0 && len(errs) == 0 {
		errs = append(errs, &FetchError{Province: province, Slot: pattern, Err: ErrNoFiles})
	}
	return out, errs
}

func fetchLocal(ctx context.Context, land *Archive, province, abs string, opt Options) (Fetched, error) {
	f, err := os.Open(abs)
	if err != nil {
		return Fetched{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Fetched{}, err
	}
	if !fi.Mode().IsRegular() {
		return Fetched{}, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > opt.MaxBytes {
		return Fetched{}, fmt.Errorf("%d bytes: %w (%d)", fi.Size(), ErrTooLarge, opt.MaxBytes)
	}
	name := filepath.Base(abs)
	e, err := land.StoreEntry(ctx, Entry{Name: name, Province: province, Slot: abs},
		&capReader{r: f, max: opt.MaxBytes})
	if err != nil {
		return Fetched{}, err
	}
	return Fetched{
		Slot: abs, Name: name, SHA256: e.SHA256, Size: e.Size,
		LandedPath: land.Path(e.SHA256), ModTime: fi.ModTime(),
	}, nil
}

// skipLocal reports whether a file name is an editor's lock or temporary
// file, or hidden.
func skipLocal(base string) bool {
	return strings.HasPrefix(base, "~$") || strings.HasPrefix(base, ".")
}

// httpValidator is what http-state.json remembers of one URL slot.
type httpValidator struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	SHA256       string    `json:"sha256"`
	Name         string    `json:"name"`
	ModTime      time.Time `json:"mod_time,omitzero"`
	Fetched      time.Time `json:"fetched"`
}

const httpStateFile = "http-state.json"

func (l *Archive) loadHTTPState() (map[string]httpValidator, error) {
	st := map[string]httpValidator{}
	b, err := os.ReadFile(filepath.Join(l.Dir, httpStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading http state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("decoding http state %s: %w", filepath.Join(l.Dir, httpStateFile), err)
	}
	return st, nil
}

func (l *Archive) validator(slot string) (httpValidator, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, err := l.loadHTTPState()
	if err != nil {
		return httpValidator{}, false, err
	}
	v, ok := st[slot]
	return v, ok, nil
}

func (l *Archive) setValidator(slot string, v httpValidator) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, err := l.loadHTTPState()
	if err != nil {
		return err
	}
	st[slot] = v
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding http state: %w", err)
	}
	return writeFileAtomic(filepath.Join(l.Dir, httpStateFile), append(b, '\n'))
}

// attemptError is the outcome of one failed HTTP attempt.
type attemptError struct {
	err        error
	retry      bool
	retryAfter time.Duration // from the server; 0 if none
}

func fetchURL(ctx context.Context, land *Archive, province string, src Source, opt Options) (Fetched, error) {
	u, err := url.Parse(src.URL)
	if err != nil { // Validate has parsed it already
		return Fetched{}, &FetchError{Province: province, Slot: redactRawURL(src.URL), Err: ErrBadSource}
	}
	slot := redactURL(u)
	fail := func(attempts int, err error) (Fetched, error) {
		return Fetched{}, &FetchError{Province: province, Slot: slot, Attempts: attempts, Err: err}
	}
	hdr := http.Header{}
	for k, v := range src.Headers {
		x, err := expandEnv(v, os.LookupEnv)
		if err != nil {
			return fail(0, fmt.Errorf("header %s: %w", k, err))
		}
		hdr.Set(k, x)
	}
	prev, havePrev, err := land.validator(slot)
	if err != nil {
		return fail(0, err)
	}
	// Only ask for a 304 if the copy it would point at is still archived.
	conditional := havePrev && land.Has(prev.SHA256) && (prev.ETag != "" || prev.LastModified != "")

	log := opt.Logger.With("province", province, "url", slot)
	backoff := opt.Backoff
	var last *attemptError
	for attempt := 1; attempt <= opt.Retries+1; attempt++ {
		if attempt > 1 {
			wait := jitter(backoff)
			if last.retryAfter > 0 {
				wait = min(last.retryAfter, MaxRetryAfter)
			}
			backoff = min(backoff*2, MaxBackoff)
			log.Warn("retrying fetch", "attempt", attempt, "wait", wait, "err", last.err)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fail(attempt-1, fmt.Errorf("waiting to retry after %v: %w", last.err, ctx.Err()))
			case <-t.C:
			}
		}
		log.Debug("fetch attempt", "attempt", attempt, "conditional", conditional)
		f, v, aerr := fetchOnce(ctx, land, province, u, slot, hdr, prev, conditional, opt, log.With("attempt", attempt))
		if aerr == nil {
			if v != nil {
				if err := land.setValidator(slot, *v); err != nil {
					return fail(attempt, err)
				}
			}
			return f, nil
		}
		if ctx.Err() != nil {
			return fail(attempt, fmt.Errorf("%w (%w)", aerr.err, ctx.Err()))
		}
		if !aerr.retry {
			log.Warn("fetch failed", "attempt", attempt, "err", aerr.err)
			return fail(attempt, aerr.err)
		}
		last = aerr
	}
	log.Warn("fetch failed, no retries left", "attempts", opt.Retries+1, "err", last.err)
	return fail(opt.Retries+1, last.err)
}

// fetchOnce makes one GET. On success it returns the file and, if the
// validator state should change, the new validator.
func fetchOnce(ctx context.Context, land *Archive, province string, u *url.URL, slot string, hdr http.Header,
	prev httpValidator, conditional bool, opt Options, log *slog.Logger) (Fetched, *httpValidator, *attemptError) {
	actx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Fetched{}, nil, &attemptError{err: fmt.Errorf("building request: %w", redactErr(err, slot))}
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if conditional {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := opt.Client.Do(req)
	if err != nil {
		log.Debug("fetch attempt failed", "err", redactErr(err, slot))
		return Fetched{}, nil, &attemptError{err: fmt.Errorf("requesting: %w", redactErr(err, slot)), retry: retryableTransport(err)}
	}
	defer resp.Body.Close()
	log.Debug("fetch response", "status", resp.StatusCode, "content_length", resp.ContentLength)

	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		v := prev
		if et := resp.Header.Get("ETag"); et != "" {
			v.ETag = et
		}
		v.Fetched = time.Now().UTC()
		return Fetched{
			Slot: slot, Name: prev.Name, SHA256: prev.SHA256, Size: fileSize(land.Path(prev.SHA256)),
			LandedPath: land.Path(prev.SHA256), ModTime: prev.ModTime, NotModified: true,
		}, &v, nil
	case resp.StatusCode == http.StatusOK:
	default:
		aerr := &attemptError{
			err:   fmt.Errorf("%w %s", ErrHTTPStatus, resp.Status),
			retry: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout,
		}
		if aerr.retry {
			aerr.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return Fetched{}, nil, aerr
	}

	if resp.ContentLength > opt.MaxBytes {
		return Fetched{}, nil, &attemptError{err: fmt.Errorf("content-length %d: %w (%d)", resp.ContentLength, ErrTooLarge, opt.MaxBytes)}
	}
	name := fileNameFrom(resp.Header.Get("Content-Disposition"), u.Path)
	e, err := land.StoreEntry(ctx, Entry{Name: name, Province: province, Slot: slot},
		&capReader{r: resp.Body, max: opt.MaxBytes})
	if err != nil {
		return Fetched{}, nil, &attemptError{
			err:   fmt.Errorf("reading body: %w", redactErr(err, slot)),
			retry: !errors.Is(err, ErrTooLarge) && !errors.Is(err, fs.ErrPermission) && !isDiskFull(err),
		}
	}
	var mod time.Time
	lm := resp.Header.Get("Last-Modified")
	if t, err := http.ParseTime(lm); err == nil {
		mod = t.UTC()
	}
	v := &httpValidator{
		ETag: resp.Header.Get("ETag"), LastModified: lm, SHA256: e.SHA256, Name: name,
		ModTime: mod, Fetched: time.Now().UTC(),
	}
	return Fetched{
		Slot: slot, Name: name, SHA256: e.SHA256, Size: e.Size,
		LandedPath: land.Path(e.SHA256), ModTime: mod,
	}, v, nil
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// capReader fails with ErrTooLarge once more than max bytes are read,
// whatever the Content-Length said.
type capReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if left := c.max - c.n + 1; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, fmt.Errorf("more than %d bytes: %w", c.max, ErrTooLarge)
	}
	return n, err
}

// retryableTransport tells transient transport failures (timeouts,
// refused or reset connections) from permanent ones (bad certificates,
// refused redirects).
func retryableTransport(err error) bool {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		recordHdr tls.RecordHeaderError
		addrErr   *net.AddrError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.Is(err, ErrInsecureRedirect),
		errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &recordHdr), errors.As(err, &addrErr):
		return false
	case errors.As(err, &dnsErr):
		return !dnsErr.IsNotFound
	}
	return true
}

func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// checkRedirect is the default client's redirect policy: at most 10 hops,
// never away from https (except between loopback hosts).
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if err := checkURL(req.URL); err != nil {
		return fmt.Errorf("%w: %s", ErrInsecureRedirect, redactURL(req.URL))
	}
	return nil
}

// secretParams are query parameters whose values are redacted. Matching is
// case-insensitive and also catches names containing these words.
var secretParams = []string{"token", "key", "secret", "password", "passwd", "pwd", "pass", "auth",
	"sig", "signature", "credential", "session"}

const redacted = "REDACTED"

// redactURL renders u without userinfo, fragment and the values of
// secret-looking query parameters. It is the URL's slot and its name in
// logs and errors.
func redactURL(u *url.URL) string {
	r := *u
	r.User = nil
	r.Fragment, r.RawFragment = "", ""
	if r.RawQuery != "" {
		parts := strings.Split(r.RawQuery, "&")
		for i, p := range parts {
			k, _, hasV := strings.Cut(p, "=")
			dk, err := url.QueryUnescape(k)
			if err != nil {
				dk = k
			}
			if hasV && isSecretParam(dk) {
				parts[i] = k + "=" + redacted
			} else if !hasV && isSecretParam(dk) {
				parts[i] = redacted
			}
		}
		r.RawQuery = strings.Join(parts, "&")
	}
	return r.String()
}

func isSecretParam(k string) bool {
	k = strings.ToLower(k)
	for _, s := range secretParams {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactRawURL redacts a URL string that may not parse.
func redactRawURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	return redactURL(u)
}

// redactErr replaces the URL net/http puts in a *url.Error (which keeps
// query secrets and the user name) by the redacted slot.
func redactErr(err error, slot string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		c := *ue
		c.URL = slot
		return &c
	}
	return err
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. It returns 0 when absent or unparseable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d <= 0 {
			return 0
		}
		return min(d, MaxRetryAfter)
	}
	return 0
}

// jitter returns a random duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// fileNameFrom picks the received file's base name: the filename of a
// Content-Disposition header, else the last segment of the URL path, else
// "download". The result never contains a path separator and is never
// "." or "..".
func fileNameFrom(contentDisposition, urlPath string) string {
	if contentDisposition != "" {
		if _, params, err := mime.ParseMediaType(contentDisposition); err == nil {
			if n := safeBase(params["filename"]); n != "" {
				return n
			}
		}
	}
	if n := safeBase(path.Base(urlPath)); n != "" {
		return n
	}
	return "download"
}

// safeBase reduces a name to its last path element, dropping control
// characters; "" if nothing usable is left.
func safeBase(n string) string {
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, n)
	n = strings.TrimSpace(n)
	if n == "" || n == "." || n == ".." {
		return ""
	}
	return n
}
