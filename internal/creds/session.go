package creds

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Session is what a session token carries: everything a server needs to
// act for the session without a lookup. Kind says what it is a session
// of: a role (AssumeRole, AssumeRoleWithWebIdentity, pod identity) or a
// user or root (GetSessionToken).
type Session struct {
	AccessKeyID string      `json:"k"`
	Kind        SessionKind `json:"t"`
	Account     string      `json:"a"`
	// For role sessions: the role's ARN (path included), unique id and
	// the session name.
	RoleARN     string `json:"r,omitempty"`
	RoleID      string `json:"ri,omitempty"`
	SessionName string `json:"n,omitempty"`
	// For user sessions: the user's (or root's) ARN and unique id.
	UserARN string `json:"u,omitempty"`
	UserID  string `json:"ui,omitempty"`
	Issued  int64  `json:"i"` // Unix seconds
	Expires int64  `json:"e"` // Unix seconds
	// Session policies: inline documents and managed policy ARNs.
	Policies   []string `json:"p,omitempty"`
	PolicyARNs []string `json:"pa,omitempty"`
	// Session tags, and which of them pass on to chained sessions.
	Tags           []SessionTag `json:"g,omitempty"`
	TransitiveKeys []string     `json:"tk,omitempty"`
	SourceIdentity string       `json:"si,omitempty"`
	// FederatedProvider is the identity provider that authenticated a web
	// identity session (its IAM ARN).
	FederatedProvider string `json:"f,omitempty"`
	// Chained is set when the session was made with another session's
	// credentials (role chaining).
	Chained bool `json:"c,omitempty"`
}

// SessionTag is a session tag.
type SessionTag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// SessionKind is what a session is of.
type SessionKind string

// The session kinds.
const (
	RoleSession SessionKind = "role"
	UserSession SessionKind = "user"
)

// ExpiresAt is the session's expiry time.
func (s *Session) ExpiresAt() time.Time { return time.Unix(s.Expires, 0).UTC() }

// IssuedAt is when the session was made.
func (s *Session) IssuedAt() time.Time { return time.Unix(s.Issued, 0).UTC() }

// Errors of OpenSession. Neither says which check failed: a token either
// opens under a server key for the access key id it came with, or it is
// not one of ours.
var (
	ErrBadToken     = errors.New("session token is invalid")
	ErrExpiredToken = errors.New("session token has expired")
)

// MaxTokenLen bounds what OpenSession reads: a session of 50 tags of the
// largest size, a 2048-character policy and 10 policy ARNs seals to less.
const MaxTokenLen = 64 << 10

// tokenVersion is the first byte of every token.
const tokenVersion = 1

// SessionKeys issues and opens session credentials. A session token is
// the session sealed with AES-256-GCM under a server key, bound to its
// access key id; the secret access key is derived from the access key id
// under the same server key, so it is never stored or carried. Any server
// holding the keys verifies a session without a lookup. Keys have one-byte
// ids: tokens name the key that made them, new sessions use the current
// key, and older keys keep opening their sessions until they are dropped.
//
// A token opens to the same session every time, so the keyring keeps the
// sessions its tokens opened to (openedSessions) and a request signed
// with session credentials does not decrypt and decode its token again;
// its expiry is still checked at every use. That cache belongs to the
// keyring: a keyring loaded anew (a rotation, a key dropped) starts with
// none, so a token whose key was dropped stops opening at once.
type SessionKeys struct {
	current byte
	keys    map[byte]sessionKey
	rand    io.Reader
	opened  openedSessions
}

type sessionKey struct {
	aead   cipher.AEAD
	secret []byte // HMAC key of the secret access keys
}

// NewSessionKeys builds the keyring from 32-byte keys by id; current is
// the id new sessions use; rand supplies key ids and nonces.
func NewSessionKeys(keys map[byte][]byte, current byte, rand io.Reader) (*SessionKeys, error) {
	k := &SessionKeys{current: current, keys: map[byte]sessionKey{}, rand: rand}
	for id, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("session key %d: %d bytes, want %d", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(derive(key, "podiam session token"))
		if err != nil {
			return nil, fmt.Errorf("session key %d: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("session key %d: %w", id, err)
		}
		k.keys[id] = sessionKey{aead: aead, secret: derive(key, "podiam session secret")}
	}
	if _, ok := k.keys[current]; !ok {
		return nil, fmt.Errorf("no session key with the current id %d", current)
	}
	return k, nil
}

// derive makes a sub-key of key for one purpose.
func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// SessionCredentials are what Issue hands out.
type SessionCredentials struct {
	AccessKeyID string
	Secret      Secret
	Token       string
}

// Issue makes credentials for s: a new ASIA access key id (written into
// s), its secret, and the sealed token.
func (k *SessionKeys) Issue(s Session) (SessionCredentials, error) {
	id, err := NewAccessKeyID(k.rand, PrefixTempAccessKey)
	if err != nil {
		return SessionCredentials{}, err
	}
	s.AccessKeyID = id
	plain, err := json.Marshal(&s)
	if err != nil {
		return SessionCredentials{}, fmt.Errorf("issue session: %w", err)
	}
	key := k.keys[k.current]
	nonce := make([]byte, key.aead.NonceSize())
	if _, err := io.ReadFull(k.rand, nonce); err != nil {
		return SessionCredentials{}, fmt.Errorf("issue session: %w", err)
	}
	out := append([]byte{tokenVersion, k.current}, nonce...)
	out = key.aead.Seal(out, nonce, plain, []byte(id))
	return SessionCredentials{AccessKeyID: id, Secret: key.secretFor(id), Token: base64.RawURLEncoding.EncodeToString(out)}, nil
}

// secretFor derives the secret access key of a session access key id.
func (key sessionKey) secretFor(accessKeyID string) Secret {
	m := hmac.New(sha256.New, key.secret)
	m.Write([]byte(accessKeyID))
	sum := m.Sum(nil)
	b := make([]byte, SecretLength)
	for i := range b {
		// 32 bytes of MAC give 40 characters of 6 bits: take 6 bits at a
		// time from the digest read as a bit string.
		bit := i * 6
		v := (uint16(sum[bit/8])<<8 | uint16(sum[(bit/8+1)%len(sum)])) >> (10 - bit%8)
		b[i] = secretAlphabet[v&63]
	}
	return Secret{text: string(b)}
}

// OpenSession opens the token that came with accessKeyID and returns the
// session and its secret access key. A token that is not ours, damaged,
// made for another access key id, or from a dropped key is ErrBadToken;
// one whose session ended before now is ErrExpiredToken.
func (k *SessionKeys) OpenSession(accessKeyID, token string, now time.Time) (Session, Secret, error) {
	if len(token) > MaxTokenLen {
		return Session{}, Secret{}, ErrBadToken
	}
	if o, ok := k.opened.get(token); ok && o.accessKeyID == accessKeyID {
		if now.Unix() >= o.session.Expires {
			return Session{}, Secret{}, ErrExpiredToken
		}
		return o.session, o.secret, nil
	}
	// One spelling per token: the decoder would skip line breaks and
	// ignore stray low bits, Strict and the re-encoding check forbid both.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < 2 || raw[0] != tokenVersion || base64.RawURLEncoding.EncodedLen(len(raw)) != len(token) {
		return Session{}, Secret{}, ErrBadToken
	}
	key, ok := k.keys[raw[1]]
	if !ok || len(raw) < 2+key.aead.NonceSize()+key.aead.Overhead() {
		return Session{}, Secret{}, ErrBadToken
	}
	nonce := raw[2 : 2+key.aead.NonceSize()]
	plain, err := key.aead.Open(nil, nonce, raw[2+key.aead.NonceSize():], []byte(accessKeyID))
	if err != nil {
		return Session{}, Secret{}, ErrBadToken
	}
	var s Session
	if err := json.Unmarshal(plain, &s); err != nil || s.AccessKeyID != accessKeyID {
		return Session{}, Secret{}, ErrBadToken
	}
	if now.Unix() >= s.Expires {
		return Session{}, Secret{}, ErrExpiredToken
	}
	secret := key.secretFor(accessKeyID)
	k.opened.put(token, openedSession{accessKeyID: accessKeyID, session: s, secret: secret})
	return s, secret, nil
}

// openedSessions keeps the sessions that tokens opened to, by token, for
// at most maxOpened tokens of maxOpenedBytes in all; it starts afresh
// when full. The sessions' slices are shared by every request: nothing
// changes a session once it is opened.
type openedSessions struct {
	mu    sync.RWMutex
	m     map[string]openedSession
	bytes int
}

// openedSession is a token's session, the access key id it was sealed
// for and the secret access key.
type openedSession struct {
	accessKeyID string
	session     Session
	secret      Secret
}

// The bounds of openedSessions.
const (
	maxOpened      = 10000
	maxOpenedBytes = 16 << 20
)

func (c *openedSessions) get(token string) (openedSession, bool) {
	c.mu.RLock()
	o, ok := c.m[token]
	c.mu.RUnlock()
	return o, ok
}

func (c *openedSessions) put(token string, o openedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxOpened || c.bytes+len(token) > maxOpenedBytes {
		c.m, c.bytes = make(map[string]openedSession), 0
	}
	if _, ok := c.m[token]; !ok {
		c.bytes += len(token)
	}
	c.m[token] = o
}
