package creds

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
)

// KeySize is the size of a sealing key (AES-256).
const KeySize = 32

// ErrUnseal reports a ciphertext that is not from a known key or has been
// changed.
var ErrUnseal = errors.New("cannot unseal: unknown key or damaged data")

// Sealer encrypts long-term secrets at rest with AES-256-GCM. Each
// ciphertext names the key that sealed it (one byte), so keys can rotate:
// new secrets are sealed with the current key and old ones still open.
type Sealer struct {
	current byte
	aeads   map[byte]cipher.AEAD
	rand    io.Reader
}

// NewSealer builds a sealer from keys by id; current is the id used to
// seal. rand supplies nonces.
func NewSealer(keys map[byte][]byte, current byte, rand io.Reader) (*Sealer, error) {
	s := &Sealer{current: current, aeads: make(map[byte]cipher.AEAD), rand: rand}
	for id, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("sealing key %d: %d bytes, want %d", id, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("sealing key %d: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("sealing key %d: %w", id, err)
		}
		s.aeads[id] = aead
	}
	if _, ok := s.aeads[current]; !ok {
		return nil, fmt.Errorf("no sealing key with the current id %d", current)
	}
	return s, nil
}

// Seal encrypts plaintext; context (for example the access key id) is
// bound to the ciphertext, so a sealed secret cannot be moved to another
// record.
func (s *Sealer) Seal(plaintext, context []byte) ([]byte, error) {
	aead := s.aeads[s.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	out := append([]byte{s.current}, nonce...)
	return aead.Seal(out, nonce, plaintext, context), nil
}

// Open decrypts what Seal made with the same context.
func (s *Sealer) Open(ciphertext, context []byte) ([]byte, error) {
	if len(ciphertext) < 1 {
		return nil, ErrUnseal
	}
	aead, ok := s.aeads[ciphertext[0]]
	if !ok || len(ciphertext) < 1+aead.NonceSize()+aead.Overhead() {
		return nil, ErrUnseal
	}
	nonce := ciphertext[1 : 1+aead.NonceSize()]
	pt, err := aead.Open(nil, nonce, ciphertext[1+aead.NonceSize():], context)
	if err != nil {
		return nil, ErrUnseal
	}
	return pt, nil
}
