package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/store"
)

// keyLookup finds callers by access key id in the store and unseals their
// secrets.
type keyLookup struct {
	store  store.Store
	sealer *creds.Sealer
}

func (k keyLookup) LookupKey(ctx context.Context, id, token string) (*httpapi.Caller, creds.Secret, error) {
	if token != "" {
		// Session credentials arrive with STS (a later issue); until then a
		// token names no session.
		return nil, creds.Secret{}, httpapi.ErrUnknownKey
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
