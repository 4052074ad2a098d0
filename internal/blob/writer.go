package blob

import (
	"crypto/md5"
	crand "crypto/rand"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/minio/sio"
)

// errFinished reports a Writer used after Commit or Abort.
var errFinished = errors.New("blob writer already committed or aborted")

// Writer streams one new blob into a temporary file, computing its size
// and MD5 as bytes pass; it holds no more than the caller's buffer in
// memory. A Writer is not safe for concurrent use. Commit or Abort must
// be called exactly once; Abort after Commit changes nothing and returns
// an error, so a deferred Abort is a safe way to clean up on every path.
type Writer struct {
	s       *Store
	f       *os.File
	out     io.Writer      // f, or the DARE stream into f
	enc     io.WriteCloser // the DARE stream, nil for a plaintext blob
	dataKey []byte
	md5     hash.Hash
	size    int64
	err     error // the first write error; Commit refuses after one
	done    bool  // Commit or Abort was called
}

// newWriter starts a blob in f: unless the store writes plaintext (in
// tests), a header's room, then a DARE stream under a fresh data key.
// The header is written at Commit, when the size is known.
func newWriter(s *Store, f *os.File) (*Writer, error) {
	w := &Writer{s: s, f: f, out: f, md5: md5.New()}
	if s.plaintext {
		return w, nil
	}
	if _, err := f.Write(make([]byte, headerSize)); err != nil {
		return nil, err
	}
	w.dataKey = make([]byte, dataKeySize)
	crand.Read(w.dataKey)
	enc, err := sio.EncryptWriter(fileWriter{f}, sioConfig(w.dataKey, 0))
	if err != nil {
		return nil, err
	}
	w.out, w.enc = enc, enc
	return w, nil
}

// fileWriter hides the file's Close from the DARE stream, whose Close
// would close it.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// Write appends p to the blob. After an error every later Write and the
// Commit fail; only Abort remains.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("write blob: %w", errFinished)
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.out.Write(p)
	w.md5.Write(p[:n])
	w.size += int64(n)
	if err != nil {
		w.err = fmt.Errorf("write blob: %w", err)
		return n, w.err
	}
	return n, nil
}

// The pipeline in ReadFrom: pipeBufs buffers of pipeBufSize bytes each
// per upload, so that one goroutine reads (and, in the caller's reader,
// verifies signatures and checksums) while another hashes and writes
// the previous buffer. Memory per upload stays at pipeBufs*pipeBufSize.
const (
	pipeBufSize = 128 << 10
	pipeBufs    = 3
)

var pipePool = sync.Pool{New: func() any { b := make([]byte, pipeBufSize); return &b }}

// ReadFrom writes everything r yields to the blob, reading the next
// buffer while the previous one is hashed and written, so that the
// work of the reader (a signature or checksum check) and of the writer
// (MD5 and the file write) run on two cores. It returns how many bytes
// were written; a read or write error ends it, and after a write error
// only Abort remains, as after Write.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if w.done {
		return 0, fmt.Errorf("write blob: %w", errFinished)
	}
	if w.err != nil {
		return 0, w.err
	}
	// A buffer travels as its pool pointer with the length filled, so
	// that it goes back to the pool as it came.
	type chunk struct {
		buf *[]byte
		n   int
	}
	free := make(chan *[]byte, pipeBufs)
	full := make(chan chunk, pipeBufs)
	for range pipeBufs {
		free <- pipePool.Get().(*[]byte)
	}
	var failed atomic.Bool
	werr := make(chan error, 1)
	go func() {
		var err error
		for c := range full {
			if err == nil {
				if _, err = w.Write((*c.buf)[:c.n]); err != nil {
					failed.Store(true)
				}
			}
			free <- c.buf
		}
		werr <- err
	}()
	var n int64
	var rerr error
	for !failed.Load() {
		bp := <-free
		k, err := io.ReadFull(r, *bp)
		if k > 0 {
			full <- chunk{bp, k}
			n += int64(k)
		} else {
			free <- bp
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	close(full)
	err := <-werr
	for range pipeBufs {
		pipePool.Put(<-free)
	}
	if err != nil {
		return w.size, err
	}
	return n, rerr
}

// Size returns how many bytes have been written.
func (w *Writer) Size() int64 { return w.size }

// MD5 returns the MD5 digest of the bytes written so far (the ETag of a
// single-part S3 object).
func (w *Writer) MD5() [md5.Size]byte {
	var sum [md5.Size]byte
	w.md5.Sum(sum[:0])
	return sum
}

// Commit makes the blob durable and returns its id: it fsyncs the file,
// renames it into data/ under a fresh random id, and fsyncs that
// directory. Once Commit returns nil the bytes survive a crash; if it
// returns an error, nothing of the blob is left behind.
func (w *Writer) Commit() (string, error) {
	if w.done {
		return "", fmt.Errorf("commit blob: %w", errFinished)
	}
	w.done = true
	id, err := w.commit()
	if err != nil {
		return "", fmt.Errorf("commit blob: %w", err)
	}
	return id, nil
}

func (w *Writer) commit() (string, error) {
	tmp := w.f.Name()
	err := w.err
	if err == nil && w.enc != nil {
		err = w.seal()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		var id string
		if id, err = w.s.place(tmp); err == nil {
			return id, nil
		}
	}
	os.Remove(tmp)
	return "", err
}

// seal ends the DARE stream (its final package) and writes the header:
// the size and the data key sealed under the store's key.
func (w *Writer) seal() error {
	if err := w.enc.Close(); err != nil {
		return err
	}
	_, err := w.f.WriteAt(sealHeader(w.s.kek, w.dataKey, w.size), 0)
	clear(w.dataKey)
	return err
}

// place renames the synced temporary file tmp to a fresh id in data/ and
// fsyncs its directory. If it fails after the rename it removes the
// blob again, so that no unacknowledged blob stays in data/.
func (s *Store) place(tmp string) (string, error) {
	for range maxIDTries {
		id, err := s.newID()
		if err != nil {
			return "", err
		}
		dir, err := s.fanout(id)
		if err != nil {
			return "", err
		}
		final := filepath.Join(dir, id)
		if _, err := os.Lstat(final); err == nil {
			continue // taken: practically never, unless Rand repeats itself
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if err := os.Rename(tmp, final); err != nil {
			return "", err
		}
		// The new name must be durable; the old one need not be: a
		// temporary file that comes back after a crash is swept at start.
		if err := syncDir(dir); err != nil {
			os.Remove(final)
			return "", err
		}
		return id, nil
	}
	return "", fmt.Errorf("no free blob id after %d tries: Rand repeats itself", maxIDTries)
}

// Abort discards the blob, removing its temporary file.
func (w *Writer) Abort() error {
	if w.done {
		return fmt.Errorf("abort blob: %w", errFinished)
	}
	w.done = true
	w.f.Close() // the file is removed next; its close error does not matter
	if err := os.Remove(w.f.Name()); err != nil {
		return fmt.Errorf("abort blob: %w", err)
	}
	return nil
}
