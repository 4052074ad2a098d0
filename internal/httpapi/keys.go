package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/store"
)

// Keys is the server's KeyLookup: long-term keys are read from the store
// and their secrets unsealed; session keys are opened from their tokens.
type Keys struct {
	Store    store.Store
	Sealer   *creds.Sealer
	Sessions SessionOpener
	Now      func() time.Time
}

// SessionOpener opens session tokens (creds.SessionKeys).
type SessionOpener interface {
	OpenSession(id, token string, now time.Time) (creds.Session, creds.Secret, error)
}

// LookupKey implements KeyLookup.
func (k Keys) LookupKey(ctx context.Context, id, token string) (*Caller, creds.Secret, error) {
	if token != "" || strings.HasPrefix(id, creds.PrefixTempAccessKey) {
		return k.session(id, token)
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
	c := &Caller{Account: key.AccountID}
	if key.UserName == "" {
		c.ARN, c.UserID = "arn:aws:iam::"+key.AccountID+":root", key.AccountID
	} else {
		u, err := k.Store.GetUser(ctx, key.AccountID, key.UserName)
		if err != nil {
			return nil, creds.Secret{}, fmt.Errorf("look up the user of access key %s: %w", key.ID, err)
		}
		c.ARN, c.UserID = u.ARN, u.ID
	}
	return c, creds.SecretFromText(string(plain)), nil
}

// session opens the session behind a session key and its token.
func (k Keys) session(id, token string) (*Caller, creds.Secret, error) {
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
