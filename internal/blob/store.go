package blob

import (
	"crypto/cipher"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
)

// ErrNotFound reports an id that names no committed blob, including an id
// that is not well formed.
var ErrNotFound = errors.New("blob not found")

const (
	idBytes = 16
	idLen   = 2 * idBytes // hex characters

	// maxIDTries bounds the search for a free id, so that a broken Rand
	// (one that repeats itself) fails a commit instead of looping.
	maxIDTries = 10
)

// Config configures a Store.
type Config struct {
	// Dir holds the store; it is created (mode 0700) if missing.
	Dir string
	// Key (KeySize bytes) seals the data key of every blob written: each
	// blob is encrypted under a fresh random data key, which the header
	// of its file keeps sealed under Key. Required.
	Key []byte
	// Rand supplies blob ids; nil means crypto/rand. Data keys and nonces
	// always come from crypto/rand.
	Rand io.Reader
}

// Store keeps blobs under a directory: dir/tmp for uploads in progress,
// dir/data/<2 hex>/<id> for committed blobs, the fan-out directories made
// as they are first needed. Its methods are safe for concurrent use.
type Store struct {
	tmp  string // dir/tmp
	data string // dir/data

	mu   sync.Mutex // guards rand, which need not be safe for concurrent use
	rand io.Reader

	kek       cipher.AEAD // seals data keys
	plaintext bool        // tests only: write blobs as before encryption

	makeMu sync.Mutex       // serializes the creation of fan-out directories
	made   [256]atomic.Bool // fan-out directories created and synced, by first id byte
}

// Open opens the store in cfg.Dir, creating its directories (mode 0700)
// and making their entries durable.
func Open(cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("open blob store: no directory")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	s := &Store{
		tmp:  filepath.Join(dir, "tmp"),
		data: filepath.Join(dir, "data"),
		rand: cfg.Rand,
	}
	if s.rand == nil {
		s.rand = crand.Reader
	}
	if s.kek, err = newKeyAEAD(cfg.Key); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	if err := s.makeDirs(dir); err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", dir, err)
	}
	return s, nil
}

// makeDirs creates dir, tmp and data, then fsyncs their parents, so that
// a blob committed later is not lost with a directory entry that never
// reached the disk.
func (s *Store) makeDirs(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	for _, d := range []string{s.tmp, s.data} {
		if err := mkdir(d); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// fanout returns the directory of data/ that holds the blob id, creating
// it (mode 0700) and fsyncing data/ the first time this Store uses it, so
// that the directory's entry is durable before any blob in it is
// acknowledged. (A directory made by an earlier process is synced again:
// that process may have crashed before its sync.)
func (s *Store) fanout(id string) (string, error) {
	dir := filepath.Join(s.data, id[:2])
	i, _ := strconv.ParseUint(id[:2], 16, 8)
	if s.made[i].Load() {
		return dir, nil
	}
	s.makeMu.Lock()
	defer s.makeMu.Unlock()
	if s.made[i].Load() {
		return dir, nil
	}
	if err := mkdir(dir); err != nil {
		return "", err
	}
	if err := syncDir(s.data); err != nil {
		return "", err
	}
	s.made[i].Store(true)
	return dir, nil
}

// mkdir creates directory d (mode 0700) unless it exists.
func mkdir(d string) error {
	if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// Create starts a new blob: a temporary file in dir/tmp, mode 0600. The
// caller writes the bytes, then calls Commit or Abort exactly once.
func (s *Store) Create() (*Writer, error) {
	f, err := os.CreateTemp(s.tmp, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("create blob: %w", err)
	}
	w, err := newWriter(s, f)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create blob: %w", err)
	}
	return w, nil
}

// Open opens the committed blob id for reading its plaintext; the Reader
// supports ReadAt and Seek for ranged reads. An unknown id, or one that
// is not 32 lower-hex characters, is ErrNotFound; a malformed id never
// reaches the filesystem. A blob whose header does not open under the
// store's key, or whose file is not the length its header says, is
// ErrDamaged; a blob without a header (written before encryption) is
// read as it is.
func (s *Store) Open(id string) (*Reader, error) {
	if !validID(id) {
		return nil, fmt.Errorf("open blob %q: %w", id, ErrNotFound)
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", id, err)
	}
	r, err := openReader(f, s.kek)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", id, err)
	}
	return r, nil
}

// Remove removes the committed blob id; an unknown or malformed id is not
// an error. Remove does not fsync: after a crash a removed blob may come
// back, and Sweep removes it then (the caller deletes its metadata first).
// Readers that have the blob open keep reading it.
func (s *Store) Remove(id string) error {
	if !validID(id) {
		return nil
	}
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove blob %s: %w", id, err)
	}
	return nil
}

// Sweep removes every file in dir/tmp and every committed blob for which
// keep(id) is false, and returns how many it removed. Run it at start-up,
// before any Create, to delete what a crash left behind: uploads
// interrupted mid-way, and blobs committed whose metadata never was. It
// must not run while uploads are in progress: it would remove their
// temporary files and any blob committed but not yet recorded. Names in
// dir/data that are not blob ids are left alone.
func (s *Store) Sweep(keep func(id string) bool) (int, error) {
	n := 0
	tmps, err := os.ReadDir(s.tmp)
	if err != nil {
		return n, fmt.Errorf("sweep blobs: %w", err)
	}
	for _, e := range tmps {
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			return n, fmt.Errorf("sweep blobs: %w", err)
		}
		n++
	}
	for i := range 256 {
		prefix := fmt.Sprintf("%02x", i)
		sub := filepath.Join(s.data, prefix)
		entries, err := os.ReadDir(sub)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("sweep blobs: %w", err)
		}
		for _, e := range entries {
			id := e.Name()
			if !e.Type().IsRegular() || !validID(id) || id[:2] != prefix || keep(id) {
				continue
			}
			if err := os.Remove(filepath.Join(sub, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("sweep blobs: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// newID returns a fresh id: idBytes from the store's Rand, in lower hex.
func (s *Store) newID() (string, error) {
	var b [idBytes]byte
	s.mu.Lock()
	_, err := io.ReadFull(s.rand, b[:])
	s.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("make blob id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// path is where the committed blob id lives; id must be valid. Paths stay
// inside this package (and its tests).
func (s *Store) path(id string) string {
	return filepath.Join(s.data, id[:2], id)
}

// validID reports whether id is idLen lower-hex characters, the only
// form this package makes and the only one that reaches a path.
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// syncDir fsyncs directory dir, making the entries created, renamed or
// removed in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
