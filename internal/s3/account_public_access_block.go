package s3

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// An account's block public access (S3 Control's PublicAccessBlock) is
// kept among its account settings (store.Store.AccountSettings) under
// settingPublicAccessBlock, in the bucket setting's encoding. It applies
// to every bucket of the account with the bucket's own: each flag in
// effect is the bucket's or the account's (effectiveBlock), whether the
// bucket has a block of its own or not.

// GetAccountPublicAccessBlock returns the block public access of account,
// which must be the caller's own; an account without one is
// NoSuchPublicAccessBlockConfiguration.
func (s *Service) GetAccountPublicAccessBlock(ctx context.Context, r *Request, account string) (PublicAccessBlock, error) {
	if err := s.authorizeAccount(ctx, r, "s3:GetAccountPublicAccessBlock", account); err != nil {
		return PublicAccessBlock{}, err
	}
	p, found, err := s.readAccountBlock(ctx, account)
	if err != nil {
		return PublicAccessBlock{}, err
	}
	if !found {
		return PublicAccessBlock{}, about(fault.NotFound, fault.PublicAccessBlock, account, "The public access block configuration was not found")
	}
	return p, nil
}

// PutAccountPublicAccessBlock sets the block public access of account,
// the caller's own. Like the bucket's, it changes no policy already set.
func (s *Service) PutAccountPublicAccessBlock(ctx context.Context, r *Request, account string, p PublicAccessBlock) error {
	if err := s.authorizeAccount(ctx, r, "s3:PutAccountPublicAccessBlock", account); err != nil {
		return err
	}
	return s.putAccountSetting(ctx, account, settingPublicAccessBlock, encodePublicAccessBlock(p))
}

// DeleteAccountPublicAccessBlock removes the block public access of
// account, the caller's own; S3 guards it with
// s3:PutAccountPublicAccessBlock.
func (s *Service) DeleteAccountPublicAccessBlock(ctx context.Context, r *Request, account string) error {
	if err := s.authorizeAccount(ctx, r, "s3:PutAccountPublicAccessBlock", account); err != nil {
		return err
	}
	return s.putAccountSetting(ctx, account, settingPublicAccessBlock, "")
}

// authorizeAccount decides action (on resource "*", as the account-level
// actions have no resource type) for a caller of account: S3 Control
// answers a request about another account, or of no account, AccessDenied
// whatever the policies say.
func (s *Service) authorizeAccount(ctx context.Context, r *Request, action, account string) error {
	if r.Caller == nil || r.Caller.Account != account {
		return &fault.Error{Kind: fault.AccessDenied, Message: "Access Denied"}
	}
	return s.authorize(ctx, r, action, "*", store.Bucket{AccountID: account}, nil)
}

func (s *Service) putAccountSetting(ctx context.Context, account, name, value string) error {
	err := s.store.PutAccountSetting(ctx, account, name, value)
	if errors.Is(err, store.ErrNotFound) {
		return &fault.Error{Kind: fault.AccessDenied, Message: "Access Denied"}
	}
	return err
}

// readAccountBlock reads the block public access of account from the
// store; found is false when it has none.
func (s *Service) readAccountBlock(ctx context.Context, account string) (p PublicAccessBlock, found bool, err error) {
	settings, err := s.store.AccountSettings(ctx, account)
	if errors.Is(err, store.ErrNotFound) {
		return p, false, nil
	} else if err != nil {
		return p, false, err
	}
	return decodeAccountBlock(account, settings)
}

// decodeAccountBlock is the block public access among the settings of
// account; found is false when it has none.
func decodeAccountBlock(account string, settings map[string]string) (p PublicAccessBlock, found bool, err error) {
	v, found := settings[settingPublicAccessBlock]
	if !found {
		return p, false, nil
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, false, fault.Internal("read the public access block of account "+account, err)
	}
	return p, true, nil
}

// accountBlock is the block public access of account (all false when it
// has none), kept by the buckets' generation, under which its writes
// count.
func (s *Service) accountBlock(ctx context.Context, account string) (PublicAccessBlock, error) {
	gen, err := s.store.Generation(ctx, store.Buckets)
	if err != nil {
		return PublicAccessBlock{}, err
	}
	if p, ok := s.accountBlocks.Get(gen, account); ok {
		return p, nil
	}
	p, _, err := s.readAccountBlock(ctx, account)
	if err != nil {
		return PublicAccessBlock{}, err
	}
	s.accountBlocks.Put(gen, account, p)
	return p, nil
}

// effectiveBlock is the block public access in effect on b: each flag is
// its own or its owner account's, the most restrictive combination.
func (s *Service) effectiveBlock(ctx context.Context, b store.Bucket) (PublicAccessBlock, error) {
	p, err := publicAccessBlock(b)
	if err != nil {
		return p, err
	}
	a, err := s.accountBlock(ctx, b.AccountID)
	if err != nil {
		return p, err
	}
	return PublicAccessBlock{
		BlockPublicACLs:       p.BlockPublicACLs || a.BlockPublicACLs,
		IgnorePublicACLs:      p.IgnorePublicACLs || a.IgnorePublicACLs,
		BlockPublicPolicy:     p.BlockPublicPolicy || a.BlockPublicPolicy,
		RestrictPublicBuckets: p.RestrictPublicBuckets || a.RestrictPublicBuckets,
	}, nil
}
