package iam

import (
	"context"
	"errors"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// NewAccessKey is a created access key with its secret, which IAM shows
// only once.
type NewAccessKey struct {
	Key    store.AccessKey
	Secret creds.Secret
}

// keyOwner authorizes action on the user (or, for the root without a
// name, on the root) and returns the user name ("" for the root).
func (s *Service) keyOwner(ctx context.Context, caller Caller, action, name string) (string, error) {
	name = selfOr(caller, name)
	if name == "" && caller.Root {
		return "", nil
	}
	if _, err := s.principal(ctx, caller, userKind, action, name, Keys{}); err != nil {
		return "", err
	}
	return name, nil
}

// CreateAccessKey makes an access key for a user (at most 2); without a
// name, for the caller. The secret is sealed before it is stored.
func (s *Service) CreateAccessKey(ctx context.Context, caller Caller, userName string) (NewAccessKey, error) {
	user, err := s.keyOwner(ctx, caller, "iam:CreateAccessKey", userName)
	if err != nil {
		return NewAccessKey{}, err
	}
	id, err := creds.NewAccessKeyID(s.rand, creds.PrefixAccessKey)
	if err != nil {
		return NewAccessKey{}, unexpected("create access key", err)
	}
	secret, err := creds.NewSecret(s.rand)
	if err != nil {
		return NewAccessKey{}, unexpected("create access key", err)
	}
	sealed, err := s.sealer.Seal([]byte(secret.Reveal()), []byte(id))
	if err != nil {
		return NewAccessKey{}, unexpected("create access key", err)
	}
	k := store.AccessKey{AccountID: caller.Account, UserName: user, ID: id, SecretCiphertext: sealed, Status: store.AccessKeyActive, CreatedAt: s.now().UTC()}
	switch err := s.store.CreateAccessKey(ctx, k, MaxAccessKeysPerUser); {
	case errors.Is(err, store.ErrLimitExceeded):
		return NewAccessKey{}, fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeysPerUser)
	case isNotFound(err):
		return NewAccessKey{}, userKind.notFound(user)
	case err != nil:
		return NewAccessKey{}, unexpected("create access key", err)
	}
	return NewAccessKey{Key: k, Secret: secret}, nil
}

// ListAccessKeys lists a user's access keys (without secrets).
func (s *Service) ListAccessKeys(ctx context.Context, caller Caller, userName string, page PageRequest) (Page[store.AccessKey], error) {
	user, err := s.keyOwner(ctx, caller, "iam:ListAccessKeys", userName)
	if err != nil {
		return Page[store.AccessKey]{}, err
	}
	keys, err := s.store.ListAccessKeys(ctx, caller.Account, user)
	if err != nil {
		return Page[store.AccessKey]{}, unexpected("list access keys", err)
	}
	for i := range keys {
		keys[i].SecretCiphertext = nil
	}
	return paginate(keys, func(k store.AccessKey) string { return k.ID }, page)
}

// userKey returns a key of the user, or NoSuchEntity.
func (s *Service) userKey(ctx context.Context, account, user, id string) error {
	k, err := s.store.GetAccessKey(ctx, id)
	if isNotFound(err) || (err == nil && (k.AccountID != account || k.UserName != user)) {
		return fault.Errorf(fault.NotFound, "The Access Key with id %s cannot be found.", id)
	}
	if err != nil {
		return unexpected("get access key", err)
	}
	return nil
}

// UpdateAccessKey sets a key's status, Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, caller Caller, userName, id string, status store.AccessKeyStatus) error {
	user, err := s.keyOwner(ctx, caller, "iam:UpdateAccessKey", userName)
	if err != nil {
		return err
	}
	if status != store.AccessKeyActive && status != store.AccessKeyInactive {
		return constraint(string(status), "status", "Member must satisfy enum value set: [Active, Inactive]")
	}
	if err := s.userKey(ctx, caller.Account, user, id); err != nil {
		return err
	}
	if _, err := s.store.UpdateAccessKey(ctx, id, func(k *store.AccessKey) error { k.Status = status; return nil }); err != nil {
		return unexpected("update access key", err)
	}
	return nil
}

// DeleteAccessKey deletes a key of a user.
func (s *Service) DeleteAccessKey(ctx context.Context, caller Caller, userName, id string) error {
	user, err := s.keyOwner(ctx, caller, "iam:DeleteAccessKey", userName)
	if err != nil {
		return err
	}
	if err := s.userKey(ctx, caller.Account, user, id); err != nil {
		return err
	}
	if err := s.store.DeleteAccessKey(ctx, id); err != nil && !isNotFound(err) {
		return unexpected("delete access key", err)
	}
	return nil
}
