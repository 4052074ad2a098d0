package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/podiam/podiam/internal/creds"
)

// Session key rotation: a new key every SessionKeyRotation; a key is kept
// for SessionKeyRetention after it stopped being current, longer than any
// session it made can last (36 hours).
const (
	SessionKeyRotation  = 24 * time.Hour
	SessionKeyRetention = 37 * time.Hour
)

// sessionKeyFile is the JSON form of <data>/session.keys.
type sessionKeyFile struct {
	Current byte             `json:"current"`
	Keys    []sessionKeyJSON `json:"keys"`
}

type sessionKeyJSON struct {
	ID      byte      `json:"id"`
	Key     string    `json:"key"` // base64
	Created time.Time `json:"created"`
	// Retired is when the key stopped being current (zero while it is).
	Retired time.Time `json:"retired,omitzero"`
}

// loadSessionKeys reads the session keyring at path, rotates it when its
// current key is older than SessionKeyRotation (dropping keys retired more
// than SessionKeyRetention ago), writes it back if it changed, and builds
// the keys. A missing file starts a new keyring only when create is set
// (the first start); otherwise, as for a file that cannot be read, the
// sessions sealed with the lost keys could no longer be checked, and the
// error says what to do.
func loadSessionKeys(path string, now time.Time, rand io.Reader, create bool) (*creds.SessionKeys, error) {
	const advice = "restore the file from a backup, or, to end every session issued so far, put an empty keyring in its place: echo '{}' > "
	var f sessionKeyFile
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("the session keyring %s is damaged (%v): the sessions issued so far cannot be checked; %s%s", path, err, advice, path)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("the session keyring %s cannot be read (%v): the sessions issued so far cannot be checked; %s%s", path, err, advice, path)
	case !create:
		return nil, fmt.Errorf("the data directory %s holds a database but no session keyring (%s): the sessions issued so far cannot be checked; %s%s",
			filepath.Dir(path), path, advice, path)
	}
	changed, err := rotateSessionKeys(&f, now, rand)
	if err != nil {
		return nil, err
	}
	if changed {
		out, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(path, append(out, '\n'), 0o600); err != nil {
			return nil, err
		}
	}
	keys := map[byte][]byte{}
	for _, k := range f.Keys {
		raw, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil {
			return nil, fmt.Errorf("session key %d in %s: %w", k.ID, path, err)
		}
		keys[k.ID] = raw
	}
	return creds.NewSessionKeys(keys, f.Current, rand)
}

// rotateSessionKeys adds a current key when there is none or it is due,
// and drops retired keys past their retention. It reports whether f
// changed.
func rotateSessionKeys(f *sessionKeyFile, now time.Time, rand io.Reader) (bool, error) {
	changed := false
	var current *sessionKeyJSON
	for i := range f.Keys {
		if f.Keys[i].ID == f.Current && f.Keys[i].Retired.IsZero() {
			current = &f.Keys[i]
		}
	}
	if current == nil || now.Sub(current.Created) >= SessionKeyRotation {
		used := map[byte]bool{0: true}
		for _, k := range f.Keys {
			used[k.ID] = true
		}
		id := f.Current
		for n := 0; used[id]; n++ {
			if n > 256 {
				return false, errors.New("session keys: every key id is in use")
			}
			id++ // ids wrap; retired keys are dropped long before 255 rotations
		}
		if current != nil {
			current.Retired = now
		}
		raw := make([]byte, creds.KeySize)
		if _, err := io.ReadFull(rand, raw); err != nil {
			return false, fmt.Errorf("make a session key: %w", err)
		}
		f.Keys = append(f.Keys, sessionKeyJSON{ID: id, Key: base64.StdEncoding.EncodeToString(raw), Created: now})
		f.Current = id
		changed = true
	}
	kept := f.Keys[:0]
	for _, k := range f.Keys {
		if !k.Retired.IsZero() && now.Sub(k.Retired) > SessionKeyRetention {
			changed = true
			continue
		}
		kept = append(kept, k)
	}
	f.Keys = kept
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].Created.Before(f.Keys[j].Created) })
	return changed, nil
}

// sessionKeyring holds the session keys a running server uses and
// reloads them (rotating when due) on refresh.
type sessionKeyring struct {
	path string
	rand io.Reader
	keys atomic.Pointer[creds.SessionKeys]
}

// newSessionKeyring loads the keyring at path, making it when create is
// set and it does not exist (loadSessionKeys).
func newSessionKeyring(path string, now time.Time, rand io.Reader, create bool) (*sessionKeyring, error) {
	keys, err := loadSessionKeys(path, now, rand, create)
	if err != nil {
		return nil, err
	}
	k := &sessionKeyring{path: path, rand: rand}
	k.keys.Store(keys)
	return k, nil
}

// refresh reloads the keyring file, rotating it when due. The file must
// exist: one gone while the server runs is not replaced.
func (k *sessionKeyring) refresh(now time.Time) error {
	keys, err := loadSessionKeys(k.path, now, k.rand, false)
	if err != nil {
		return err
	}
	k.keys.Store(keys)
	return nil
}

// Issue seals a session with the current key.
func (k *sessionKeyring) Issue(s creds.Session) (creds.SessionCredentials, error) {
	return k.keys.Load().Issue(s)
}

// OpenSession opens a session made with any key of the keyring.
func (k *sessionKeyring) OpenSession(id, token string, now time.Time) (creds.Session, creds.Secret, error) {
	return k.keys.Load().OpenSession(id, token, now)
}

// rotateEvery refreshes the keyring at each tick until ctx ends; a
// failure is logged and retried at the next tick.
func (k *sessionKeyring) rotateEvery(ctx context.Context, every time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.refresh(now()); err != nil {
				log.Error("rotate session keys", "error", err)
			}
		}
	}
}
