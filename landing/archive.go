package landing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Archive is the content-addressed archive of every file pulled from a
// source. A file with digest sha lives at Dir/<sha[:2]>/<sha>, next to a
// sidecar <sha>.json describing where it was first seen (see Entry). Files
// are written through a temporary file in Dir, fsynced and renamed, so a
// crash never leaves a partial file under a final name. Files are created
// 0600 and directories 0700: the archive holds personal data.
//
// An Archive is safe for concurrent use by several goroutines of one
// process; two processes must not share one Dir (the HTTP validator state
// in Dir/http-state.json is read-modify-written).
type Archive struct {
	// Dir is the archive root.
	Dir string

	mu sync.Mutex // serialises http-state.json updates
}

// Entry is the sidecar metadata of an archived file, stored as
// Dir/<sha[:2]>/<sha>.json when the content is first archived; storing the
// same bytes again later does not change it.
type Entry struct {
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Name      string    `json:"name"`               // original base file name
	Province  string    `json:"province,omitempty"` // sigla, e.g. CR
	Slot      string    `json:"slot,omitempty"`     // local path or redacted URL
	FirstSeen time.Time `json:"first_seen"`
}

// New opens the archive rooted at dir, creating it (mode 0700) and
// its parents if needed. An existing directory keeps its mode; everything
// created inside it is private to the owner.
func New(dir string) (*Archive, error) {
	if dir == "" {
		return nil, errors.New("opening landing archive: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("opening landing archive %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("opening landing archive %s: %w", abs, err)
	}
	return &Archive{Dir: abs}, nil
}

// Path returns where the content with digest sha is (or would be) archived.
// It does not check that the file exists. It returns "" if sha is not a
// lowercase 64-digit hex string.
func (l *Archive) Path(sha string) string {
	if !validSHA(sha) {
		return ""
	}
	return filepath.Join(l.Dir, sha[:2], sha)
}

// Open opens the archived file with digest sha for reading.
// A missing file gives an error matching fs.ErrNotExist.
func (l *Archive) Open(sha string) (*os.File, error) {
	if !validSHA(sha) {
		return nil, fmt.Errorf("opening archived %q: %w", sha, ErrBadSHA)
	}
	f, err := os.Open(l.Path(sha))
	if err != nil {
		return nil, fmt.Errorf("opening archived %s: %w", sha, err)
	}
	return f, nil
}

// Has reports whether the content with digest sha is in the archive.
func (l *Archive) Has(sha string) bool {
	p := l.Path(sha)
	if p == "" {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Entry reads the sidecar metadata of the archived file with digest sha.
func (l *Archive) Entry(sha string) (Entry, error) {
	if !validSHA(sha) {
		return Entry{}, fmt.Errorf("reading sidecar of %q: %w", sha, ErrBadSHA)
	}
	b, err := os.ReadFile(l.Path(sha) + ".json")
	if err != nil {
		return Entry{}, fmt.Errorf("reading sidecar of %s: %w", sha, err)
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, fmt.Errorf("decoding sidecar of %s: %w", sha, err)
	}
	return e, nil
}

// Store archives the bytes of r under their SHA-256 and records name as
// the original file name. It returns the hex digest, the archive path and
// the size. Storing bytes that are already archived is a no-op that
// returns the same path. If r fails or ctx is cancelled midway, nothing is
// left in the archive.
func (l *Archive) Store(ctx context.Context, name string, r io.Reader) (sha string, path string, size int64, err error) {
	e, err := l.StoreEntry(ctx, Entry{Name: name}, r)
	if err != nil {
		return "", "", 0, err
	}
	return e.SHA256, l.Path(e.SHA256), e.Size, nil
}

// StoreEntry is Store with the provenance recorded in the sidecar: meta's
// Name, Province and Slot are kept; SHA256, Size and FirstSeen are filled
// in. The returned Entry describes the bytes just stored with meta's
// provenance, whether or not they were already archived (the sidecar of
// earlier content keeps its first provenance).
func (l *Archive) StoreEntry(ctx context.Context, meta Entry, r io.Reader) (Entry, error) {
	tmp, err := os.CreateTemp(l.Dir, ".incoming-*")
	if err != nil {
		return Entry{}, fmt.Errorf("storing %s: %w", meta.Name, err)
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			tmp.Close()        // already failing; the close error adds nothing
			os.Remove(tmpName) // best effort cleanup of our own temp file
		}
	}()

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx: ctx, r: r})
	if err != nil {
		return Entry{}, fmt.Errorf("storing %s after %d bytes: %w", meta.Name, n, err)
	}
	if err := tmp.Sync(); err != nil {
		return Entry{}, fmt.Errorf("storing %s: syncing: %w", meta.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return Entry{}, fmt.Errorf("storing %s: closing: %w", meta.Name, err)
	}

	meta.SHA256 = hex.EncodeToString(h.Sum(nil))
	meta.Size = n
	meta.FirstSeen = time.Now().UTC()
	final := l.Path(meta.SHA256)
	shard := filepath.Dir(final)
	if err := os.MkdirAll(shard, 0o700); err != nil {
		return Entry{}, fmt.Errorf("storing %s: %w", meta.Name, err)
	}

	// Same content already archived (and intact): keep the first copy.
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == n {
		os.Remove(tmpName) // duplicate content; the temp copy is not needed
		committed = true
	} else {
		if err := os.Rename(tmpName, final); err != nil {
			return Entry{}, fmt.Errorf("storing %s: %w", meta.Name, err)
		}
		committed = true
		if err := syncDir(shard); err != nil {
			return Entry{}, fmt.Errorf("storing %s: %w", meta.Name, err)
		}
	}

	// The sidecar is written when missing, which also repairs an archive
	// where a crash fell between the two renames.
	side := final + ".json"
	if _, err := os.Stat(side); errors.Is(err, fs.ErrNotExist) {
		b, err := json.MarshalIndent(meta, "", "  ")
		if err != nil {
			return Entry{}, fmt.Errorf("storing %s: encoding sidecar: %w", meta.Name, err)
		}
		if err := writeFileAtomic(side, append(b, '\n')); err != nil {
			return Entry{}, fmt.Errorf("storing %s: %w", meta.Name, err)
		}
	} else if err != nil {
		return Entry{}, fmt.Errorf("storing %s: %w", meta.Name, err)
	}
	return meta, nil
}

// writeFileAtomic replaces path with data (mode 0600) through a temporary
// file in the same directory, fsyncing the file and the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".incoming-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()           // already failing
			os.Remove(tmp.Name()) // best effort cleanup of our own temp file
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: syncing: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: closing: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so that a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

func validSHA(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ctxReader stops a copy as soon as ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
