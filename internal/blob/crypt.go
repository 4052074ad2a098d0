package blob

import (
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/minio/sio"
)

// KeySize is the size of a store's key (Config.Key), the AES-256 key
// that seals each blob's data key.
const KeySize = 32

// ErrDamaged reports an encrypted blob that cannot be read back as it
// was written: torn, truncated, altered, or sealed under another key.
// No byte of such a blob is returned as the object's.
var ErrDamaged = errors.New("blob damaged: torn, truncated, altered or sealed under another key")

// The encrypted form of a blob (format 1) is a header and a DARE 2.0
// stream (minio/sio) of the plaintext:
//
//	[0:8]   magic: "\x93PDMBLB" and the format's version byte, 1
//	[8:16]  the plaintext's size, big-endian
//	[16:28] the nonce that sealed the data key
//	[28:76] the data key (32 bytes), sealed with AES-256-GCM under the
//	        store's key, [0:16] as additional data
//	[76:]   the plaintext in packages of 64 KiB, each sealed with
//	        AES-256-GCM under the data key, its nonce holding the
//	        package's sequence number and a final-package flag
//
// The size and the sealed key are written last, at Commit; a file whose
// header is not sealed is never committed. A blob written before
// encryption (no magic) is read as it is.
const (
	magic        = "\x93PDMBLB"
	formatV1     = 1
	dataKeySize  = 32
	keyNonceSize = 12
	sealedKeyLen = dataKeySize + 16 // the GCM tag
	headerSize   = len(magic) + 1 + 8 + keyNonceSize + sealedKeyLen

	// payloadSize is the plaintext in one DARE package; packageSize the
	// package on disk (a 16-byte header and a 16-byte tag around it).
	payloadSize = 64 << 10
	packageSize = 16 + payloadSize + 16
)

// sioConfig is the DARE configuration of a blob with data key key whose
// first package is number seq.
func sioConfig(key []byte, seq uint32) sio.Config {
	return sio.Config{
		MinVersion:     sio.Version20,
		MaxVersion:     sio.Version20,
		CipherSuites:   []byte{sio.AES_256_GCM},
		Key:            key,
		SequenceNumber: seq,
		Rand:           crand.Reader,
	}
}

// newKeyAEAD returns AES-256-GCM under key, the store's key.
func newKeyAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("blob key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealHeader returns the header of a blob of size plaintext bytes whose
// data key is dataKey, sealed under kek.
func sealHeader(kek cipher.AEAD, dataKey []byte, size int64) []byte {
	h := make([]byte, headerSize)
	copy(h, magic)
	h[len(magic)] = formatV1
	binary.BigEndian.PutUint64(h[8:16], uint64(size))
	nonce := h[16 : 16+keyNonceSize]
	crand.Read(nonce)
	kek.Seal(h[16+keyNonceSize:16+keyNonceSize], nonce, dataKey, h[:16])
	return h
}

// openHeader reads a header: the plaintext size and the data key. A
// header that does not open under kek is ErrDamaged.
func openHeader(kek cipher.AEAD, h []byte) (size int64, dataKey []byte, err error) {
	if len(h) != headerSize || string(h[:len(magic)]) != magic {
		return 0, nil, ErrDamaged
	}
	if v := h[len(magic)]; v != formatV1 {
		return 0, nil, fmt.Errorf("%w: unknown format %d", ErrDamaged, v)
	}
	n := binary.BigEndian.Uint64(h[8:16])
	if n > maxPlaintext {
		return 0, nil, ErrDamaged
	}
	if kek == nil {
		return 0, nil, fmt.Errorf("%w: the store has no key", ErrDamaged)
	}
	dataKey, err = kek.Open(nil, h[16:16+keyNonceSize], h[16+keyNonceSize:], h[:16])
	if err != nil {
		return 0, nil, ErrDamaged
	}
	return int64(n), dataKey, nil
}

// maxPlaintext bounds the size a header may claim (DARE numbers packages
// with 32 bits), so that encryptedSize cannot overflow.
const maxPlaintext = (1<<32 - 1) * payloadSize

// encryptedSize is the size of the DARE stream of n plaintext bytes.
func encryptedSize(n int64) int64 {
	full, rest := n/payloadSize, n%payloadSize
	size := full * packageSize
	if rest > 0 {
		size += rest + packageSize - payloadSize
	}
	return size
}

// Reader reads a committed blob: in order (Read, Seek, WriteTo) or at
// any offset (ReadAt), decrypting only the packages a read touches. A
// read that meets damage fails with ErrDamaged; it never returns bytes
// that were not written. A Reader is not safe for concurrent use, except
// ReadAt, which keeps no state.
type Reader struct {
	f       *os.File
	size    int64  // plaintext bytes
	dataKey []byte // nil: a plaintext blob written before encryption

	at io.ReaderAt // the DARE stream's plaintext at any offset (encrypted blobs)

	pos    int64     // where Read continues
	dec    io.Reader // the DARE stream decrypted from decPos, or nil
	decPos int64
}

// openReader reads f's header, if it has one, and returns its Reader.
func openReader(f *os.File, kek cipher.AEAD) (*Reader, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	h := make([]byte, headerSize)
	n, err := f.ReadAt(h, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n < len(magic) || string(h[:len(magic)]) != magic {
		// Written before encryption: the file is the plaintext.
		return &Reader{f: f, size: fi.Size()}, nil
	}
	size, dataKey, err := openHeader(kek, h[:n])
	if err != nil {
		return nil, err
	}
	if fi.Size() != int64(headerSize)+encryptedSize(size) {
		return nil, fmt.Errorf("%w: %d bytes on disk for %d of plaintext", ErrDamaged, fi.Size(), size)
	}
	at, err := sio.DecryptReaderAt(io.NewSectionReader(f, int64(headerSize), encryptedSize(size)), sioConfig(dataKey, 0))
	if err != nil {
		return nil, err
	}
	return &Reader{f: f, size: size, dataKey: dataKey, at: at}, nil
}

// Size is the blob's size in plaintext bytes.
func (r *Reader) Size() int64 { return r.size }

// Encrypted reports whether the blob is encrypted at rest (false for one
// written before encryption).
func (r *Reader) Encrypted() bool { return r.dataKey != nil }

// Close closes the blob's file.
func (r *Reader) Close() error { return r.f.Close() }

// decrypter returns the plaintext from off on, decrypting from the
// package that holds off.
func (r *Reader) decrypter(off int64) (io.Reader, error) {
	if r.dataKey == nil {
		return io.NewSectionReader(r.f, off, r.size-off), nil
	}
	seq := off / payloadSize
	start := int64(headerSize) + seq*packageSize
	dec, err := sio.DecryptReader(io.NewSectionReader(r.f, start, 1<<62), sioConfig(r.dataKey, uint32(seq)))
	if err != nil {
		return nil, err
	}
	dec = damage{dec}
	if skip := off - seq*payloadSize; skip > 0 {
		if _, err := io.CopyN(io.Discard, dec, skip); err != nil {
			return nil, err
		}
	}
	return io.LimitReader(dec, r.size-off), nil
}

// ReadAt reads len(p) plaintext bytes from off.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blob: ReadAt at a negative offset")
	}
	if off >= r.size {
		return 0, io.EOF
	}
	if r.dataKey == nil {
		return r.f.ReadAt(p, off)
	}
	want := min(int64(len(p)), r.size-off)
	n, err := r.at.ReadAt(p[:want], off)
	var se sio.Error
	switch {
	case errors.As(err, &se):
		err = fmt.Errorf("%w: %v", ErrDamaged, se)
	case err == io.ErrUnexpectedEOF || err == io.EOF || err == nil && int64(n) < want:
		err = ErrDamaged // the header promised more
	}
	if err == nil && want < int64(len(p)) {
		err = io.EOF
	}
	return n, err
}

// Read reads the plaintext from where the last Read or Seek left it.
func (r *Reader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if r.dec == nil || r.decPos != r.pos {
		dec, err := r.decrypter(r.pos)
		if err != nil {
			return 0, err
		}
		r.dec, r.decPos = dec, r.pos
	}
	n, err := r.dec.Read(p)
	r.pos += int64(n)
	r.decPos = r.pos
	if err == io.EOF && r.pos < r.size {
		err = ErrDamaged
	}
	if err != nil && err != io.EOF {
		r.dec = nil
	}
	return n, err
}

// Seek sets where the next Read starts.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("blob: Seek: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("blob: Seek to a negative position")
	}
	r.pos = offset
	return offset, nil
}

// damage turns DARE's errors into ErrDamaged; a read error of the file
// passes as it is.
type damage struct{ r io.Reader }

func (d damage) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	var se sio.Error
	if errors.As(err, &se) {
		err = fmt.Errorf("%w: %v", ErrDamaged, se)
	}
	return n, err
}
