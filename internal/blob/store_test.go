package blob

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// chunk is the size of the writes tests make, as io.Copy would.
const chunk = 32 << 10

// newStore opens a store in a fresh temporary directory.
func newStore(tb testing.TB, rnd io.Reader) *Store {
	tb.Helper()
	s, err := Open(Config{Dir: filepath.Join(tb.TempDir(), "blobs"), Key: testKey, Rand: rnd})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// randomBytes returns n bytes derived from seed.
func randomBytes(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

// writeChunks writes data to w in chunks of the given size.
func writeChunks(tb testing.TB, w *Writer, data []byte, size int) {
	tb.Helper()
	for off := 0; off < len(data); off += size {
		if _, err := w.Write(data[off:min(off+size, len(data))]); err != nil {
			tb.Fatal(err)
		}
	}
}

// put commits data as a new blob and returns its id.
func put(tb testing.TB, s *Store, data []byte) string {
	tb.Helper()
	w, err := s.Create()
	if err != nil {
		tb.Fatal(err)
	}
	writeChunks(tb, w, data, chunk)
	id, err := w.Commit()
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// get reads the committed blob id.
func get(tb testing.TB, s *Store, id string) []byte {
	tb.Helper()
	f, err := s.Open(id)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// files lists the regular files under dir, relative to it, sorted.
func files(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// blobIDs lists the ids of the committed blobs of s, sorted.
func blobIDs(tb testing.TB, s *Store) []string {
	tb.Helper()
	var ids []string
	for _, f := range files(tb, s.data) {
		ids = append(ids, filepath.Base(f))
	}
	return ids
}

// seqReader yields the given id bytes, one 16-byte id after another.
func seqReader(ids ...byte) io.Reader {
	var b []byte
	for _, id := range ids {
		b = append(b, bytes.Repeat([]byte{id}, idBytes)...)
	}
	return bytes.NewReader(b)
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"small", 1000},
		{"one chunk", chunk},
		{"10 MiB", 10 << 20},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, nil)
			data := randomBytes(uint64(i), tt.size)
			w, err := s.Create()
			if err != nil {
				t.Fatal(err)
			}
			writeChunks(t, w, data, chunk-1) // chunks that straddle MD5 blocks
			if got := w.Size(); got != int64(tt.size) {
				t.Errorf("Size() = %d, want %d", got, tt.size)
			}
			if got, want := w.MD5(), md5.Sum(data); got != want {
				t.Errorf("MD5() = %x, want %x", got, want)
			}
			id, err := w.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if !validID(id) {
				t.Errorf("id %q is not 32 lower-hex characters", id)
			}
			if got := get(t, s, id); !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes, want the %d written", len(got), len(data))
			}
			if got := files(t, s.tmp); len(got) > 0 {
				t.Errorf("tmp holds %q after Commit", got)
			}
			if got, want := files(t, s.data), []string{id[:2] + "/" + id}; !slices.Equal(got, want) {
				t.Errorf("data holds %q, want %q", got, want)
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(s.path(id))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("blob mode %v, want 0600", fi.Mode().Perm())
				}
			}
		})
	}
}

// TestRangeRead reads parts of a blob with ReadAt and Seek, as a ranged
// GET does.
func TestRangeRead(t *testing.T) {
	s := newStore(t, nil)
	data := randomBytes(1, 100_000)
	id := put(t, s, data)
	f, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		name     string
		off, len int64
	}{
		{"start", 0, 10},
		{"middle", 50_000, 1234},
		{"end", 99_990, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := data[tt.off : tt.off+tt.len]
			got := make([]byte, tt.len)
			if _, err := f.ReadAt(got, tt.off); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ReadAt(%d, %d) differs", tt.off, tt.len)
			}
			if _, err := f.Seek(tt.off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(io.LimitReader(f, tt.len))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Seek(%d) and read %d differs", tt.off, tt.len)
			}
		})
	}
}

func TestOpenStore(t *testing.T) {
	if _, err := Open(Config{}); err == nil {
		t.Error("Open with no directory succeeded")
	}

	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(Config{Dir: dir, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	id := put(t, s, []byte("kept"))
	for _, d := range []string{dir, s.tmp, s.data, filepath.Dir(s.path(id))} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want 0700", d, fi.Mode().Perm())
		}
	}

	// Reopening keeps what was committed.
	s2, err := Open(Config{Dir: dir, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s2, id); string(got) != "kept" {
		t.Errorf("after reopening read %q, want %q", got, "kept")
	}
}

// TestFinish checks that a Writer finishes exactly once: by Commit or by
// Abort, and that nothing else changes the store afterwards.
func TestFinish(t *testing.T) {
	commit := func(w *Writer) error { _, err := w.Commit(); return err }
	abort := (*Writer).Abort
	write := func(w *Writer) error { _, err := w.Write([]byte("more")); return err }
	type step struct {
		name    string
		do      func(*Writer) error
		wantErr bool
	}
	tests := []struct {
		name      string
		steps     []step
		wantBlobs int
	}{
		{"commit", []step{{"commit", commit, false}}, 1},
		{"abort", []step{{"abort", abort, false}}, 0},
		{"commit twice", []step{{"commit", commit, false}, {"commit", commit, true}}, 1},
		{"commit after abort", []step{{"abort", abort, false}, {"commit", commit, true}}, 0},
		{"abort twice", []step{{"abort", abort, false}, {"abort", abort, true}}, 0},
		{"abort after commit", []step{{"commit", commit, false}, {"abort", abort, true}}, 1},
		{"write after commit", []step{{"commit", commit, false}, {"write", write, true}}, 1},
		{"write after abort", []step{{"abort", abort, false}, {"write", write, true}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, nil)
			w, err := s.Create()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			for _, st := range tt.steps {
				err := st.do(w)
				if gotErr := err != nil; gotErr != st.wantErr {
					t.Fatalf("%s: error %v, want error %v", st.name, err, st.wantErr)
				}
				if err != nil && !errors.Is(err, errFinished) {
					t.Errorf("%s: error %v, want errFinished", st.name, err)
				}
			}
			if got := files(t, s.tmp); len(got) > 0 {
				t.Errorf("tmp holds %q", got)
			}
			ids := blobIDs(t, s)
			if len(ids) != tt.wantBlobs {
				t.Fatalf("%d blobs, want %d", len(ids), tt.wantBlobs)
			}
			for _, id := range ids {
				if got := get(t, s, id); string(got) != "hello" {
					t.Errorf("blob holds %q, want %q", got, "hello")
				}
			}
		})
	}
}

// TestCommitFails checks that a Commit that fails leaves nothing behind.
func TestCommitFails(t *testing.T) {
	tests := []struct {
		name  string
		rand  io.Reader
		setup func(t *testing.T, w *Writer)
	}{
		{
			name: "write error",
			rand: seqReader(1),
			setup: func(t *testing.T, w *Writer) {
				w.f.Close() // the next Write that reaches the file fails
				if _, err := w.Write(make([]byte, 2*payloadSize)); err == nil {
					t.Fatal("Write to a closed file succeeded")
				}
			},
		},
		{name: "rand error", rand: failingReader{}},
		{name: "rand exhausted", rand: bytes.NewReader(make([]byte, idBytes-1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, tt.rand)
			w, err := s.Create()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("data")); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, w)
			}
			if id, err := w.Commit(); err == nil {
				t.Fatalf("Commit succeeded with id %s", id)
			}
			if got := files(t, s.tmp); len(got) > 0 {
				t.Errorf("tmp holds %q", got)
			}
			if got := blobIDs(t, s); len(got) > 0 {
				t.Errorf("data holds %q", got)
			}
		})
	}
}

// failingReader is a Rand that always fails.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no randomness") }

// TestCollision checks that a new blob never replaces one with the same
// id: Commit picks another id, and gives up if Rand only repeats itself.
func TestCollision(t *testing.T) {
	s := newStore(t, seqReader(1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2))
	first := put(t, s, []byte("first"))
	second := put(t, s, []byte("second"))
	if want := strings.Repeat("01", idBytes); first != want {
		t.Errorf("first id %s, want %s", first, want)
	}
	if want := strings.Repeat("02", idBytes); second != want {
		t.Errorf("second id %s, want %s (after two taken ids)", second, want)
	}
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if id, err := w.Commit(); err == nil {
		t.Errorf("Commit succeeded with id %s though Rand yields only taken ids", id)
	}
	for id, want := range map[string]string{first: "first", second: "second"} {
		if got := get(t, s, id); string(got) != want {
			t.Errorf("blob %s holds %q, want %q", id, got, want)
		}
	}
	if got := files(t, s.tmp); len(got) > 0 {
		t.Errorf("tmp holds %q", got)
	}
}

// TestBadIDs checks that an id not of this package's form never reaches
// the filesystem: for each, a file is planted where a naive join of the
// id onto the store's directories would lead, and Open must not return
// it nor Remove remove it.
func TestBadIDs(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "c", "store")
	s, err := Open(Config{Dir: dir, Key: testKey, Rand: seqReader(0xab)})
	if err != nil {
		t.Fatal(err)
	}
	real := put(t, s, []byte("real"))
	outside := filepath.Join(root, "outside")

	ids := []struct {
		name string
		id   string
	}{
		{"empty", ""},
		{"dot dot", "../../etc/passwd"},
		{"deep dot dot", "../../../../outside"},
		{"dot dot into data", "../data/ab/" + real},
		{"absolute", outside},
		{"absolute short", "/abs"},
		{"upper case", strings.ToUpper(real)},
		{"31 chars", real[:31]},
		{"33 chars", real + "a"},
		{"64 chars", real + real},
		{"slash inside", real[:2] + "/" + real[3:]},
		{"backslash inside", real[:2] + `\` + real[3:]},
		{"dot", "."},
		{"NUL", "\x00" + real[1:]},
		{"not hex", "g" + real[1:]},
		{"space", " " + real[1:]},
	}
	var planted []string
	for _, tt := range ids {
		candidates := []string{filepath.Join(s.data, tt.id), filepath.Join(dir, tt.id), filepath.Join(s.tmp, tt.id)}
		if len(tt.id) >= 2 {
			candidates = append(candidates, filepath.Join(s.data, tt.id[:2], tt.id))
		}
		if filepath.IsAbs(tt.id) {
			candidates = append(candidates, tt.id)
		}
		for _, p := range candidates {
			if !strings.HasPrefix(p, root+string(filepath.Separator)) || strings.ContainsRune(p, 0) {
				continue // plant only inside the test's directory
			}
			if _, err := os.Lstat(p); err == nil {
				continue // an existing file or directory of the store
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("planted"), 0o600); err != nil {
				t.Fatal(err)
			}
			planted = append(planted, p)
		}
	}
	if !slices.Contains(planted, outside) {
		t.Fatalf("planted %q, not %s", planted, outside)
	}

	for _, tt := range ids {
		t.Run(tt.name, func(t *testing.T) {
			f, err := s.Open(tt.id)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Open(%q): error %v, want ErrNotFound", tt.id, err)
			}
			if f != nil {
				b, _ := io.ReadAll(f)
				f.Close()
				t.Errorf("Open(%q) returned a file holding %q", tt.id, b)
			}
			if err := s.Remove(tt.id); err != nil {
				t.Errorf("Remove(%q): %v", tt.id, err)
			}
		})
	}
	for _, p := range planted {
		if b, err := os.ReadFile(p); err != nil || string(b) != "planted" {
			t.Errorf("planted %s: %q, %v", p, b, err)
		}
	}
	if got := get(t, s, real); string(got) != "real" {
		t.Errorf("blob holds %q, want %q", got, "real")
	}
}

func TestRemove(t *testing.T) {
	s := newStore(t, nil)
	id := put(t, s, []byte("gone"))
	other := put(t, s, []byte("stays"))
	f, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.Remove(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Remove: error %v, want ErrNotFound", err)
	}
	if err := s.Remove(id); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if err := s.Remove(strings.Repeat("0", idLen)); err != nil {
		t.Errorf("Remove of an unknown id: %v", err)
	}
	if runtime.GOOS != "windows" {
		if b, err := io.ReadAll(f); err != nil || string(b) != "gone" {
			t.Errorf("a reader open before Remove read %q, %v", b, err)
		}
	}
	if got := get(t, s, other); string(got) != "stays" {
		t.Errorf("other blob holds %q", got)
	}
}

func TestSweep(t *testing.T) {
	tests := []struct {
		name    string
		blobs   int
		keep    []int // indexes of the blobs the metadata references
		uploads int   // uploads interrupted mid-way
		want    int
	}{
		{name: "empty"},
		{name: "all kept", blobs: 3, keep: []int{0, 1, 2}},
		{name: "none kept", blobs: 3, want: 3},
		{name: "some kept", blobs: 4, keep: []int{1, 3}, want: 2},
		{name: "uploads", blobs: 2, keep: []int{0, 1}, uploads: 3, want: 3},
		{name: "mixed", blobs: 5, keep: []int{0}, uploads: 2, want: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, nil)
			var ids []string
			for i := range tt.blobs {
				ids = append(ids, put(t, s, fmt.Appendf(nil, "blob %d", i)))
			}
			for range tt.uploads {
				w, err := s.Create()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Write([]byte("partial")); err != nil {
					t.Fatal(err)
				}
				w.f.Close() // as a crash leaves it
			}
			// Names that are not blob ids are not the store's to remove.
			stranger := filepath.Join(s.data, "00", "not-a-blob")
			misplaced := filepath.Join(s.data, "00", strings.Repeat("1", idLen))
			if err := os.MkdirAll(filepath.Dir(stranger), 0o700); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{stranger, misplaced} {
				if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			keep := map[string]bool{}
			for _, i := range tt.keep {
				keep[ids[i]] = true
			}
			var asked []string
			n, err := s.Sweep(func(id string) bool {
				asked = append(asked, id)
				return keep[id]
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("Sweep removed %d, want %d", n, tt.want)
			}
			slices.Sort(asked)
			all := slices.Sorted(slices.Values(ids))
			if !slices.Equal(asked, all) {
				t.Errorf("keep was asked about %q, want %q", asked, all)
			}
			if got := files(t, s.tmp); len(got) > 0 {
				t.Errorf("tmp holds %q", got)
			}
			for i, id := range ids {
				_, err := s.Open(id)
				if kept := err == nil; kept != keep[id] {
					t.Errorf("blob %d: Open error %v, want kept %v", i, err, keep[id])
				}
			}
			for _, p := range []string{stranger, misplaced} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("Sweep removed %s: %v", p, err)
				}
			}
		})
	}
}

// TestWriteDoesNotBuffer checks that a Write costs no allocation: the
// Writer streams to the file and keeps nothing of the object.
func TestWriteDoesNotBuffer(t *testing.T) {
	s := newStore(t, nil)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	p := randomBytes(2, chunk)
	if n := testing.AllocsPerRun(100, func() { w.Write(p) }); n != 0 {
		t.Errorf("Write allocates %v times per call, want 0", n)
	}
}

// TestConcurrent writes blobs from several goroutines at once.
func TestConcurrent(t *testing.T) {
	s := newStore(t, nil)
	const workers, each = 8, 5
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				w, err := s.Create()
				if err != nil {
					t.Error(err)
					return
				}
				fmt.Fprintf(w, "%d/%d", g, i)
				id, err := w.Commit()
				if err != nil {
					t.Error(err)
					return
				}
				ids[g] = append(ids[g], id)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for g := range workers {
		for i, id := range ids[g] {
			if seen[id] {
				t.Errorf("id %s given twice", id)
			}
			seen[id] = true
			if got, want := string(get(t, s, id)), fmt.Sprintf("%d/%d", g, i); got != want {
				t.Errorf("blob %s holds %q, want %q", id, got, want)
			}
		}
	}
}

// TestReadFrom checks the pipelined copy: every byte arrives in order
// whatever the sizes of the reads, and the MD5 and size match.
func TestReadFrom(t *testing.T) {
	sizes := []int{0, 1, pipeBufSize - 1, pipeBufSize, pipeBufSize*pipeBufs + 7, 1<<20 + 3}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"half":     iotest.HalfReader,
		"data-err": iotest.DataErrReader,
	}
	for _, size := range sizes {
		for name, wrap := range readers {
			t.Run(fmt.Sprintf("%d/%s", size, name), func(t *testing.T) {
				s := newStore(t, nil)
				data := randomBytes(uint64(size), size)
				w, err := s.Create()
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(w, wrap(bytes.NewReader(data)))
				if err != nil || n != int64(size) || w.Size() != int64(size) {
					t.Fatalf("copy = %d, %v; size %d; want %d", n, err, w.Size(), size)
				}
				if got, want := w.MD5(), md5.Sum(data); got != want {
					t.Fatalf("MD5 = %x, want %x", got, want)
				}
				id, err := w.Commit()
				if err != nil {
					t.Fatal(err)
				}
				if got := get(t, s, id); !bytes.Equal(got, data) {
					t.Fatalf("blob differs from what was written (%d bytes, want %d)", len(got), len(data))
				}
			})
		}
	}
}

// TestReadFromErrors checks that a failed read or write ends the copy
// with its error and leaves nothing behind.
func TestReadFromErrors(t *testing.T) {
	boom := errors.New("connection reset")
	t.Run("read", func(t *testing.T) {
		s := newStore(t, nil)
		w, err := s.Create()
		if err != nil {
			t.Fatal(err)
		}
		r := io.MultiReader(bytes.NewReader(randomBytes(1, 3*pipeBufSize)), iotest.ErrReader(boom))
		if _, err := w.ReadFrom(r); !errors.Is(err, boom) {
			t.Fatalf("ReadFrom error = %v, want %v", err, boom)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if f := append(files(t, s.tmp), files(t, s.data)...); len(f) != 0 {
			t.Fatalf("files left after abort: %v", f)
		}
	})
	t.Run("write", func(t *testing.T) {
		s := newStore(t, nil)
		w, err := s.Create()
		if err != nil {
			t.Fatal(err)
		}
		w.f.Close() // every write now fails
		if _, err := w.ReadFrom(bytes.NewReader(randomBytes(2, 5*pipeBufSize))); err == nil {
			t.Fatal("ReadFrom into a closed file succeeded")
		}
		if _, err := w.Commit(); err == nil {
			t.Fatal("Commit after a failed write succeeded")
		}
		if f := append(files(t, s.tmp), files(t, s.data)...); len(f) != 0 {
			t.Fatalf("files left after a failed commit: %v", f)
		}
	})
}
