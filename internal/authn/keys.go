package authn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// StoreKeys is the server's Keys: long-term keys are read from the store
// and their secrets unsealed, once per IAM generation (a key deactivated
// or deleted, or its user renamed, is seen by the next request); session
// keys are opened from their tokens (creds.SessionKeys keeps what tokens
// opened to).
type StoreKeys struct {
	Store    store.Store
	Sealer   *creds.Sealer
	Sessions SessionOpener
	Now      func() time.Time

	keys store.Cache[string, *storedKey]
}

// storedKey is what a long-term access key gives a request: its caller
// (copied for each request, which adds its own fields) and its secret.
type storedKey struct {
	caller iam.Caller
	secret creds.Secret
}

// SessionOpener opens session tokens (creds.SessionKeys).
type SessionOpener interface {
	OpenSession(id, token string, now time.Time) (creds.Session, creds.Secret, error)
}

// LookupKey implements Keys.
func (k *StoreKeys) LookupKey(ctx context.Context, id, token string) (*iam.Caller, creds.Secret, error) {
	if token != "" || strings.HasPrefix(id, creds.PrefixTempAccessKey) {
		return k.session(id, token)
	}
	gen, err := k.Store.Generation(ctx, store.IAM)
	if err != nil {
		return nil, creds.Secret{}, fmt.Errorf("look up access key: %w", err)
	}
	if sk, ok := k.keys.Get(gen, id); ok {
		c := sk.caller
		return &c, sk.secret, nil
	}
	key, err := k.Store.GetAccessKey(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, creds.Secret{}, ErrUnknownKey
	case err != nil:
		return nil, creds.Secret{}, fmt.Errorf("look up access key: %w", err)
	}
	if key.Status != store.AccessKeyActive {
		return nil, creds.Secret{}, ErrUnknownKey
	}
	plain, err := k.Sealer.Open(key.SecretCiphertext, []byte(key.ID))
	if err != nil {
		return nil, creds.Secret{}, fmt.Errorf("unseal access key %s: %w", key.ID, err)
	}
	c := &iam.Caller{Account: key.AccountID}
	if key.UserName == "" {
		c.ARN, c.UserID, c.Root = "arn:aws:iam::"+key.AccountID+":root", key.AccountID, true
	} else {
		u, err := k.Store.GetUser(ctx, key.AccountID, key.UserName)
		if err != nil {
			return nil, creds.Secret{}, fmt.Errorf("look up the user of access key %s: %w", key.ID, err)
		}
		c.ARN, c.UserID, c.UserName = u.ARN, u.ID, u.Name
	}
	secret := creds.SecretFromText(string(plain))
	k.keys.Put(gen, id, &storedKey{caller: *c, secret: secret})
	return c, secret, nil
}

// session opens the session behind a session key and its token.
func (k *StoreKeys) session(id, token string) (*iam.Caller, creds.Secret, error) {
	if !strings.HasPrefix(id, creds.PrefixTempAccessKey) || token == "" {
		return nil, creds.Secret{}, ErrUnknownKey
	}
	s, secret, err := k.Sessions.OpenSession(id, token, k.Now())
	switch {
	case errors.Is(err, creds.ErrExpiredToken):
		return nil, creds.Secret{}, ErrExpiredToken
	case err != nil:
		return nil, creds.Secret{}, ErrUnknownKey
	}
	return SessionCaller(s), secret, nil
}

// SessionCaller is the caller of session credentials: a role session is
// arn:aws:sts::A:assumed-role/Role/Session with user id RoleID:Session; a
// GetSessionToken session is its user (or root).
func SessionCaller(s creds.Session) *iam.Caller {
	c := &iam.Caller{Account: s.Account, Session: &s}
	if s.Kind == creds.RoleSession {
		role := s.RoleARN[strings.LastIndexByte(s.RoleARN, '/')+1:]
		c.ARN = "arn:aws:sts::" + s.Account + ":assumed-role/" + role + "/" + s.SessionName
		c.UserID = s.RoleID + ":" + s.SessionName
		return c
	}
	c.ARN, c.UserID = s.UserARN, s.UserID
	if _, rest, ok := strings.Cut(s.UserARN, ":user/"); ok {
		c.UserName = rest[strings.LastIndexByte(rest, '/')+1:]
	} else {
		c.Root = true
	}
	return c
}
