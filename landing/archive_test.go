package landing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// archiveFiles lists the regular files under dir (relative paths), sorted.
func archiveFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// blobs counts archived contents (files named by a sha) and temp files.
func blobs(t *testing.T, dir string) (n int, temps []string) {
	t.Helper()
	for _, f := range archiveFiles(t, dir) {
		b := filepath.Base(f)
		switch {
		case validSHA(b):
			n++
		case strings.HasPrefix(b, ".incoming-"):
			temps = append(temps, f)
		}
	}
	return n, temps
}

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newTestArchive(t *testing.T) *Archive {
	t.Helper()
	l, err := New(filepath.Join(t.TempDir(), "landing"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestArchiveStoreSameBytesTwice(t *testing.T) {
	ctx := context.Background()
	l := newTestArchive(t)
	content := []byte("Cognome;Nome\nROSSI;MARIO\n")

	sha1, path1, size1, err := l.Store(ctx, "iscritti.csv", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	sha2, path2, size2, err := l.Store(ctx, "copia.csv", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if sha1 != shaOf(content) || sha2 != sha1 || path1 != path2 || size1 != int64(len(content)) || size2 != size1 {
		t.Fatalf("got (%s %s %d) and (%s %s %d)", sha1, path1, size1, sha2, path2, size2)
	}
	if want := filepath.Join(l.Dir, sha1[:2], sha1); path1 != want || l.Path(sha1) != want {
		t.Errorf("path %s, want %s", path1, want)
	}
	if n, temps := blobs(t, l.Dir); n != 1 || len(temps) != 0 {
		t.Errorf("archive holds %d blobs and temps %v, want 1 and none: %v", n, temps, archiveFiles(t, l.Dir))
	}
	got, err := os.ReadFile(path1)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("archived bytes %q, %v", got, err)
	}
	e, err := l.Entry(sha1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "iscritti.csv" || e.Size != int64(len(content)) || e.SHA256 != sha1 || e.FirstSeen.IsZero() {
		t.Errorf("sidecar %+v: want the first name and the size", e)
	}
}

func TestArchiveStoreEntryProvenance(t *testing.T) {
	ctx := context.Background()
	l := newTestArchive(t)
	content := []byte("x")
	e, err := l.StoreEntry(ctx, Entry{Name: "a.xlsx", Province: "CR", Slot: "/srv/opi/CR/a.xlsx"}, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	side, err := l.Entry(e.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if side != e {
		t.Errorf("sidecar %+v, returned %+v", side, e)
	}

	// A crash between the blob and the sidecar renames is repaired by the
	// next store of the same bytes.
	if err := os.Remove(l.Path(e.SHA256) + ".json"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.StoreEntry(ctx, Entry{Name: "b.xlsx", Province: "BG"}, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	side, err = l.Entry(e.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if side.Name != "b.xlsx" || side.Province != "BG" {
		t.Errorf("repaired sidecar %+v", side)
	}
}

func TestArchiveModes(t *testing.T) {
	ctx := context.Background()
	l := newTestArchive(t)
	sha, p, _, err := l.Store(ctx, "a.xlsx", strings.NewReader("dati personali"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.setValidator("https://example.org/a.xlsx", httpValidator{SHA256: sha}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string
		want fs.FileMode
	}{
		{"root", l.Dir, 0o700 | fs.ModeDir},
		{"shard", filepath.Dir(p), 0o700 | fs.ModeDir},
		{"blob", p, 0o600},
		{"sidecar", p + ".json", 0o600},
		{"http state", filepath.Join(l.Dir, httpStateFile), 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() & (fs.ModePerm | fs.ModeDir); got != tc.want {
				t.Errorf("mode %v, want %v", got, tc.want)
			}
		})
	}
}

// midwayReader yields the first half of data, then runs check (which looks
// at the archive while the store is in flight), then fails with err or, if
// err is nil, yields the second half.
type midwayReader struct {
	data  []byte
	calls int
	check func()
	err   error
}

func (m *midwayReader) Read(p []byte) (int, error) {
	m.calls++
	half := len(m.data) / 2
	switch m.calls {
	case 1:
		return copy(p, m.data[:half]), nil
	case 2:
		m.check()
		if m.err != nil {
			return 0, m.err
		}
		return copy(p, m.data[half:]), nil
	}
	return 0, io.EOF
}

func TestArchiveStoreFailureLeavesNothing(t *testing.T) {
	errBoom := errors.New("connection reset midway")
	data := bytes.Repeat([]byte("abcdefgh"), 1024)
	for _, tc := range []struct {
		name    string
		readErr error // nil: the context is cancelled midway instead
		wantErr error
	}{
		{"reader error", errBoom, errBoom},
		{"context cancelled", nil, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestArchive(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &midwayReader{data: data, err: tc.readErr, check: func() {
				// In flight: the partial bytes are in a temp file, never
				// under a final (sha-named) name.
				n, temps := blobs(t, l.Dir)
				if n != 0 || len(temps) != 1 {
					t.Errorf("mid-store archive: %d blobs, temps %v", n, temps)
				}
				if tc.readErr == nil {
					cancel()
				}
			}}
			_, _, _, err := l.Store(ctx, "a.xlsx", r)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if r.calls < 2 {
				t.Fatalf("store stopped before midway (%d reads)", r.calls)
			}
			if files := archiveFiles(t, l.Dir); len(files) != 0 {
				t.Errorf("archive not empty after a failed store: %v", files)
			}
		})
	}
}

func TestArchiveBadSHA(t *testing.T) {
	l := newTestArchive(t)
	for _, sha := range []string{
		"",
		"../../etc/passwd",
		strings.Repeat("a", 63),
		strings.Repeat("A", 64),
		strings.Repeat("g", 64),
		"../" + strings.Repeat("a", 61),
	} {
		t.Run(sha, func(t *testing.T) {
			if p := l.Path(sha); p != "" {
				t.Errorf("Path = %q, want empty", p)
			}
			if l.Has(sha) {
				t.Error("Has = true")
			}
			if _, err := l.Open(sha); !errors.Is(err, ErrBadSHA) {
				t.Errorf("Open err %v, want ErrBadSHA", err)
			}
			if _, err := l.Entry(sha); !errors.Is(err, ErrBadSHA) {
				t.Errorf("Entry err %v, want ErrBadSHA", err)
			}
		})
	}
	missing := shaOf([]byte("never stored"))
	if _, err := l.Open(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) err %v, want fs.ErrNotExist", err)
	}
}

func TestArchiveOpen(t *testing.T) {
	l := newTestArchive(t)
	sha, _, _, err := l.Store(context.Background(), "a.csv", strings.NewReader("a;b\n1;2\n"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.Open(sha)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || string(b) != "a;b\n1;2\n" {
		t.Fatalf("read back %q, %v", b, err)
	}
	if !l.Has(sha) {
		t.Error("Has = false for a stored sha")
	}
}

func ExampleArchive_Store() {
	dir, err := os.MkdirTemp("", "landing")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	land, err := New(dir)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	sha, path, size, err := land.Store(ctx, "iscritti.csv", strings.NewReader("hello\n"))
	if err != nil {
		log.Fatal(err)
	}
	_, again, _, err := land.Store(ctx, "copy.csv", strings.NewReader("hello\n"))
	if err != nil {
		log.Fatal(err)
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sha)
	fmt.Println(rel, size, again == path)
	// Output:
	// 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
	// 58/5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 6 true
}

// BenchmarkArchiveStore measures archiving an 8 MiB file (hash, write,
// fsync, rename); every iteration stores new bytes.
func BenchmarkArchiveStore(b *testing.B) {
	l, err := New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		copy(data, fmt.Sprintf("%016d", i))
		if _, _, _, err := l.Store(ctx, "big.xlsx", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
