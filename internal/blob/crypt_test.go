package blob

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// testKey is the store key of the tests (and of TestCrash's child).
var testKey = bytes.Repeat([]byte{0x5a}, KeySize)

// rawBlob returns the bytes of blob id's file.
func rawBlob(tb testing.TB, s *Store, id string) []byte {
	tb.Helper()
	b, err := os.ReadFile(s.path(id))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// readAll opens blob id and reads it whole.
func readAll(s *Store, id string) ([]byte, error) {
	r, err := s.Open(id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// TestEncryptedAtRest checks that a blob's file holds neither its
// plaintext nor its data key, and is the size the format says.
func TestEncryptedAtRest(t *testing.T) {
	s := newStore(t, nil)
	data := bytes.Repeat([]byte("podiam plaintext "), 10_000)
	id := put(t, s, data)
	raw := rawBlob(t, s, id)
	if bytes.Contains(raw, []byte("podiam plaintext")) {
		t.Error("the blob's file holds its plaintext")
	}
	if !bytes.HasPrefix(raw, []byte(magic)) {
		t.Errorf("the blob's file starts %x, want the magic %x", raw[:8], magic)
	}
	if got, want := int64(len(raw)), int64(headerSize)+encryptedSize(int64(len(data))); got != want {
		t.Errorf("file of %d bytes, want %d", got, want)
	}
	// Positive control: the same bytes written as before encryption are
	// found in the file.
	s.plaintext = true
	if raw := rawBlob(t, s, put(t, s, data)); !bytes.Contains(raw, []byte("podiam plaintext")) {
		t.Error("a plaintext blob's file does not hold its plaintext: the check above proves nothing")
	}
}

// TestReadRanges reads every kind of range of blobs whose sizes sit on
// and around package boundaries, with ReadAt, Seek and Read, and a
// Reader reused across them.
func TestReadRanges(t *testing.T) {
	s := newStore(t, nil)
	for _, size := range []int{0, 1, 100, payloadSize - 1, payloadSize, payloadSize + 1, 3*payloadSize + 17} {
		data := randomBytes(uint64(size), size)
		id := put(t, s, data)
		r, err := s.Open(id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Size() != int64(size) || !r.Encrypted() {
			t.Fatalf("size %d: Size() = %d, Encrypted() = %v", size, r.Size(), r.Encrypted())
		}
		var offs []int
		for _, b := range []int{0, payloadSize, 2 * payloadSize, 3 * payloadSize, size} {
			for _, d := range []int{-2, -1, 0, 1, 2} {
				if o := b + d; o >= 0 && o <= size {
					offs = append(offs, o)
				}
			}
		}
		for _, off := range offs {
			for _, end := range offs {
				if end < off {
					continue
				}
				want := data[off:end]
				got := make([]byte, end-off)
				n, err := r.ReadAt(got, int64(off))
				if n != len(want) || (err != nil && !(err == io.EOF && end == size)) || !bytes.Equal(got[:n], want) {
					t.Fatalf("size %d: ReadAt [%d, %d): %d bytes, %v", size, off, end, n, err)
				}
				if _, err := r.Seek(int64(off), io.SeekStart); err != nil {
					t.Fatal(err)
				}
				got, err = io.ReadAll(io.LimitReader(r, int64(end-off)))
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("size %d: Seek %d, read to %d: %d bytes, %v", size, off, end, len(got), err)
				}
			}
		}
		// ReadAt past the end, and with a buffer longer than the rest.
		if n, err := r.ReadAt(make([]byte, 1), int64(size)); n != 0 || err != io.EOF {
			t.Errorf("size %d: ReadAt at the end: %d, %v; want 0, EOF", size, n, err)
		}
		if size > 0 {
			buf := make([]byte, size+10)
			if n, err := r.ReadAt(buf, 0); n != size || err != io.EOF || !bytes.Equal(buf[:n], data) {
				t.Errorf("size %d: ReadAt of a longer buffer: %d, %v", size, n, err)
			}
		}
		r.Close()
	}
}

// TestDamage alters an encrypted blob's file in each of its parts, cuts
// it at many lengths, moves packages within it and between blobs, and
// opens it under another key: every read fails with ErrDamaged, and
// none returns bytes. The unaltered file reads back (the positive
// control).
func TestDamage(t *testing.T) {
	s := newStore(t, nil)
	data := randomBytes(7, 2*payloadSize+100)
	id := put(t, s, data)
	good := rawBlob(t, s, id)
	other := rawBlob(t, s, put(t, s, randomBytes(8, len(data))))
	path := s.path(id)
	check := func(name string, file []byte) {
		t.Helper()
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(s, id)
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: read %d bytes, err %v; want ErrDamaged", name, len(got), err)
		}
		// A ranged read of the package itself also fails.
		if r, err := s.Open(id); err == nil {
			buf := make([]byte, 10)
			for _, off := range []int64{0, payloadSize, 2 * payloadSize} {
				if _, err := r.ReadAt(buf, off); err == nil && !bytes.Equal(buf, data[off:off+10]) {
					t.Errorf("%s: ReadAt %d returned bytes that were not written", name, off)
				}
			}
			r.Close()
		}
	}
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 1
		return b
	}
	check("magic version", flip(len(magic)))
	for _, i := range []int{8, 15, 16, 27, 28, headerSize - 1} {
		check("header byte "+itoa(i), flip(i))
	}
	for _, i := range []int{headerSize, headerSize + 4, headerSize + 16, headerSize + 1000, headerSize + packageSize - 1,
		headerSize + packageSize + 3, len(good) - 1} {
		check("stream byte "+itoa(i), flip(i))
	}
	for _, n := range []int{headerSize, headerSize + 1, headerSize + packageSize, headerSize + 2*packageSize, len(good) - 1} {
		check("cut to "+itoa(n), good[:n])
	}
	check("grown", append(bytes.Clone(good), 0))
	p0, p1 := good[headerSize:headerSize+packageSize], good[headerSize+packageSize:headerSize+2*packageSize]
	swapped := bytes.Clone(good)
	copy(swapped[headerSize:], p1)
	copy(swapped[headerSize+packageSize:], p0)
	check("packages swapped", swapped)
	moved := bytes.Clone(good)
	copy(moved[headerSize:], other[headerSize:headerSize+packageSize])
	check("a package of another blob", moved)
	headerMoved := bytes.Clone(other)
	copy(headerMoved, good[:headerSize])
	check("the header on another blob's stream", headerMoved)

	// Positive control: the original file reads back.
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(s, id); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the unaltered blob: %d bytes, %v", len(got), err)
	}
	// Another key opens nothing.
	s2, err := Open(Config{Dir: filepath.Dir(s.data), Key: bytes.Repeat([]byte{1}, KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(s2, id); !errors.Is(err, ErrDamaged) {
		t.Errorf("under another key: %v, want ErrDamaged", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestLegacyBlob reads blobs written before encryption (files that are
// the plaintext) through a store with a key: they read as they are,
// whole and by range.
func TestLegacyBlob(t *testing.T) {
	s := newStore(t, nil)
	s.plaintext = true
	data := randomBytes(9, 100_000)
	id := put(t, s, data)
	empty := put(t, s, nil)
	s.plaintext = false
	if raw := rawBlob(t, s, id); !bytes.Equal(raw, data) {
		t.Fatal("a plaintext blob's file is not its plaintext")
	}
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Encrypted() || r.Size() != int64(len(data)) {
		t.Errorf("Encrypted() = %v, Size() = %d", r.Encrypted(), r.Size())
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read %d bytes, %v", len(got), err)
	}
	buf := make([]byte, 1000)
	if _, err := r.ReadAt(buf, 5000); err != nil || !bytes.Equal(buf, data[5000:6000]) {
		t.Errorf("ReadAt: %v", err)
	}
	if got, err := readAll(s, empty); err != nil || len(got) != 0 {
		t.Errorf("empty plaintext blob: %d bytes, %v", len(got), err)
	}
	// A new blob in the same store is encrypted.
	if r, err := s.Open(put(t, s, data)); err != nil || !r.Encrypted() {
		t.Errorf("a new blob: %v", err)
	} else {
		r.Close()
	}
}

const knownPlaintext = "podiam encrypts every object at rest\n"

// TestKnownBlob reads testdata/v1.blob, a blob of format 1 holding
// knownPlaintext under testKey, made once by this package (-update makes
// it again): a change that stops reading it would break the blobs
// already on disk.
func TestKnownBlob(t *testing.T) {
	s := newStore(t, nil)
	golden := filepath.Join("testdata", "v1.blob")
	if *update {
		if err := os.WriteFile(golden, rawBlob(t, s, put(t, s, []byte(knownPlaintext))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	id := put(t, s, nil)
	if err := os.WriteFile(s.path(id), file, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(s, id); err != nil || string(got) != knownPlaintext {
		t.Errorf("read %q, %v; want %q", got, err, knownPlaintext)
	}
	if !bytes.HasPrefix(file, []byte(magic)) {
		t.Errorf("testdata/v1.blob does not start with the magic")
	}
}

var update = flag.Bool("update", false, "write testdata/v1.blob anew")

// TestFreshDataKeys checks that the data key is not the store's
// key, and that two blobs of the same bytes differ on disk.
func TestFreshDataKeys(t *testing.T) {
	s := newStore(t, nil)
	data := []byte("same bytes")
	a, b := rawBlob(t, s, put(t, s, data)), rawBlob(t, s, put(t, s, data))
	if bytes.Equal(a[headerSize:], b[headerSize:]) || bytes.Equal(a[16:headerSize], b[16:headerSize]) {
		t.Error("two blobs of the same bytes share a stream or a sealed key")
	}
	if bytes.Contains(a, testKey) {
		t.Error("the store's key is in a blob")
	}
}

// FuzzReadBlob writes arbitrary bytes as a blob's file and reads it. A
// file without the magic is a plaintext blob and reads as it is; one with
// it reads back exactly one of the plaintexts the seeds were made from,
// or fails: no alteration of a sealed blob yields other bytes.
func FuzzReadBlob(f *testing.F) {
	s := newStore(f, nil)
	plaintexts := [][]byte{nil, []byte("x"), []byte(knownPlaintext), randomBytes(1, payloadSize+10)}
	for _, p := range plaintexts {
		f.Add(rawBlob(f, s, put(f, s, p)), uint32(0))
	}
	f.Add([]byte("plain old bytes"), uint32(3))
	f.Fuzz(func(t *testing.T, file []byte, off uint32) {
		id := put(t, s, nil)
		if err := os.WriteFile(s.path(id), file, 0o600); err != nil {
			t.Fatal(err)
		}
		defer s.Remove(id)
		got, err := readAll(s, id)
		sealed := bytes.HasPrefix(file, []byte(magic))
		switch {
		case !sealed:
			if err != nil || !bytes.Equal(got, file) {
				t.Fatalf("a plaintext file: %d bytes, %v", len(got), err)
			}
		case err == nil:
			known := false
			for _, p := range plaintexts {
				known = known || bytes.Equal(got, p)
			}
			if !known {
				t.Fatalf("a sealed file read back %d bytes that no seed holds", len(got))
			}
		}
		if err != nil {
			return
		}
		// ReadAt agrees with the whole read.
		r, err := s.Open(id)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		o := int(off) % (len(got) + 1)
		buf := make([]byte, min(100, len(got)-o))
		if n, err := r.ReadAt(buf, int64(o)); (err != nil && err != io.EOF) || !bytes.Equal(buf[:n], got[o:o+n]) || n != len(buf) {
			t.Fatalf("ReadAt %d: %d bytes, %v", o, n, err)
		}
	})
}
