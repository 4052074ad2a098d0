package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/store"
)

// keyLookup finds callers by access key id: long-term keys in the store,
// whose secrets it unseals, and session keys by opening their tokens.
type keyLookup struct {
	store    store.Store
	sealer   *creds.Sealer
	sessions interface {
		OpenSession(id, token string, now time.Time) (creds.Session, creds.Secret, error)
	}
	now func() time.Time
}

func (k keyLookup) LookupKey(ctx context.Context, id, token string) (*httpapi.Caller, creds.Secret, error) {
	if token != "" || strings.HasPrefix(id, creds.PrefixTempAccessKey) {
		return k.session(id, token)
	}
	key, err := k.store.GetAccessKey(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, creds.Secret{}, httpapi.ErrUnknownKey
	case err != nil:
		return nil, creds.Secret{}, fmt.Errorf("look up access key: %w", err)
	}
	if key.Status != store.AccessKeyActive {
		return nil, creds.Secret{}, httpapi.ErrUnknownKey
	}
	plain, err := k.sealer.Open(key.SecretCiphertext, []byte(key.ID))
	if err != nil {
		return nil, creds.Secret{}, fmt.Errorf("unseal access key %s: %w", key.ID, err)
	}
	c := &httpapi.Caller{Account: key.AccountID}
	if key.UserName == "" {
		c.ARN, c.UserID = "arn:aws:iam::"+key.AccountID+":root", key.AccountID
	} else {
		u, err := k.store.GetUser(ctx, key.AccountID, key.UserName)
		if err != nil {
			return nil, creds.Secret{}, fmt.Errorf("look up the user of access key %s: %w", key.ID, err)
		}
		c.ARN, c.UserID = u.ARN, u.ID
	}
	return c, creds.SecretFromText(string(plain)), nil
}

// session opens the session behind a session key and its token.
func (k keyLookup) session(id, token string) (*httpapi.Caller, creds.Secret, error) {
	if !strings.HasPrefix(id, creds.PrefixTempAccessKey) || token == "" {
		return nil, creds.Secret{}, httpapi.ErrUnknownKey
	}
	s, secret, err := k.sessions.OpenSession(id, token, k.now())
	switch {
	case errors.Is(err, creds.ErrExpiredToken):
		return nil, creds.Secret{}, httpapi.ErrExpiredToken
	case err != nil:
		return nil, creds.Secret{}, httpapi.ErrUnknownKey
	}
	c := httpapi.SessionCaller(s)
	return c, secret, nil
}
