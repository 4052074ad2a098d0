package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/store"
)

// bootstrap makes sure the first account exists and has a root access key,
// writing a new key to the credentials file. Each step is safe to repeat,
// so a crash between them is finished at the next start.
func (s *Server) bootstrap(ctx context.Context) (store.Account, error) {
	accts, err := s.store.ListAccounts(ctx)
	if err != nil {
		return store.Account{}, fmt.Errorf("list accounts: %w", err)
	}
	// The first account is the organization's management account, never
	// a member made later (whose id may sort first).
	acct, ok := store.ManagementAccount(accts)
	if !ok {
		id, err := creds.NewAccountID(s.cfg.Rand)
		if err != nil {
			return store.Account{}, err
		}
		acct = store.Account{ID: id, Name: "podiam", CreatedAt: s.cfg.Now().UTC()}
		if err := s.store.CreateAccount(ctx, acct); err != nil {
			return store.Account{}, fmt.Errorf("create the first account: %w", err)
		}
		s.cfg.Logger.Info("created the first account", "account", acct.ID)
	}
	keys, err := s.store.ListAccessKeys(ctx, acct.ID, "")
	if err != nil {
		return store.Account{}, fmt.Errorf("list root access keys: %w", err)
	}
	if len(keys) > 0 {
		return acct, nil
	}
	id, err := creds.NewAccessKeyID(s.cfg.Rand, creds.PrefixAccessKey)
	if err != nil {
		return store.Account{}, err
	}
	secret, err := creds.NewSecret(s.cfg.Rand)
	if err != nil {
		return store.Account{}, err
	}
	sealed, err := s.sealer.Seal([]byte(secret.Reveal()), []byte(id))
	if err != nil {
		return store.Account{}, err
	}
	// The file first: a key the owner was never told about is useless, a
	// file whose key did not reach the store is replaced at the next start.
	if err := writeCredentials(s.credentialsPath(), Profile{Name: "default", AccessKeyID: id, SecretAccessKey: secret}); err != nil {
		return store.Account{}, err
	}
	k := store.AccessKey{AccountID: acct.ID, ID: id, SecretCiphertext: sealed, Status: store.AccessKeyActive, CreatedAt: s.cfg.Now().UTC()}
	if err := s.store.CreateAccessKey(ctx, k, 2); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return store.Account{}, fmt.Errorf("store the root access key: %w", err)
	}
	s.cfg.Logger.Info("created a root access key", "account", acct.ID, "access_key_id", id, "credentials_file", s.credentialsPath())
	return acct, nil
}

func (s *Server) credentialsPath() string { return dataDir(s.cfg.DataDir).path(credentialsFile) }
