package iam

import (
	"context"
	"errors"
	"slices"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// CreateOIDCProviderInput is CreateOpenIDConnectProvider's input.
type CreateOIDCProviderInput struct {
	URL         string
	ClientIDs   []string
	Thumbprints []string // optional
	Tags        []Tag
}

// OIDCProviderARN is the ARN of an account's provider for a URL without
// its scheme.
func OIDCProviderARN(account, url string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/" + url
}

func noSuchProvider(arn string) error {
	return fault.Errorf(fault.NotFound, "OpenIDConnect Provider not found for arn %s", arn)
}

// CreateOpenIDConnectProvider registers an OIDC identity provider.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, caller Caller, in CreateOIDCProviderInput) (store.OIDCProvider, error) {
	url, urlErr := NormalizeOIDCURL(in.URL)
	arn := OIDCProviderARN(caller.Account, url)
	if err := s.Authorize(ctx, caller, "iam:CreateOpenIDConnectProvider", arn, Keys{RequestTags: in.Tags}); err != nil {
		return store.OIDCProvider{}, err
	}
	if urlErr != nil {
		return store.OIDCProvider{}, urlErr
	}
	tps, err := ValidateThumbprints(in.Thumbprints)
	if err != nil {
		return store.OIDCProvider{}, err
	}
	if len(tps) == 0 {
		tps = nil
	}
	if err := ValidateClientIDs(in.ClientIDs); err != nil {
		return store.OIDCProvider{}, err
	}
	tags, err := toStoreTags(in.Tags)
	if err != nil {
		return store.OIDCProvider{}, err
	}
	p := store.OIDCProvider{
		AccountID: caller.Account, URL: url, ARN: arn, ClientIDs: slices.Clone(in.ClientIDs),
		Thumbprints: tps, Tags: tags, CreatedAt: s.now().UTC(),
	}
	if len(p.ClientIDs) == 0 {
		p.ClientIDs = nil
	}
	switch err := s.store.CreateOIDCProvider(ctx, p); {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.OIDCProvider{}, fault.Errorf(fault.AlreadyExists, "Provider with url https://%s already exists.", url)
	case err != nil:
		return store.OIDCProvider{}, unexpected("create OIDC provider", err)
	}
	return p, nil
}

// GetOpenIDConnectProvider returns a provider of the caller's account.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, caller Caller, arn string) (store.OIDCProvider, error) {
	if err := s.Authorize(ctx, caller, "iam:GetOpenIDConnectProvider", arn, s.providerTarget(ctx, caller, arn)); err != nil {
		return store.OIDCProvider{}, err
	}
	return s.getProvider(ctx, caller.Account, arn)
}

func (s *Service) getProvider(ctx context.Context, account, arn string) (store.OIDCProvider, error) {
	p, err := s.store.GetOIDCProvider(ctx, arn)
	switch {
	case isNotFound(err) || (err == nil && p.AccountID != account):
		return store.OIDCProvider{}, noSuchProvider(arn)
	case err != nil:
		return store.OIDCProvider{}, unexpected("get OIDC provider", err)
	}
	return p, nil
}

// ListOpenIDConnectProviders lists the account's providers, by ARN.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, caller Caller) ([]store.OIDCProvider, error) {
	if err := s.Authorize(ctx, caller, "iam:ListOpenIDConnectProviders", "*", Keys{}); err != nil {
		return nil, err
	}
	ps, err := s.store.ListOIDCProviders(ctx, caller.Account)
	if err != nil {
		return nil, unexpected("list OIDC providers", err)
	}
	return ps, nil
}

// DeleteOpenIDConnectProvider deletes a provider.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, caller Caller, arn string) error {
	if err := s.Authorize(ctx, caller, "iam:DeleteOpenIDConnectProvider", arn, s.providerTarget(ctx, caller, arn)); err != nil {
		return err
	}
	if _, err := s.getProvider(ctx, caller.Account, arn); err != nil {
		return err
	}
	switch err := s.store.DeleteOIDCProvider(ctx, arn); {
	case isNotFound(err):
		return noSuchProvider(arn)
	case err != nil:
		return unexpected("delete OIDC provider", err)
	}
	return nil
}

// updateProvider authorizes action on a provider (with the request's keys
// req) and applies update.
func (s *Service) updateProvider(ctx context.Context, caller Caller, action, arn string, req Keys, update func(*store.OIDCProvider) error) error {
	if err := s.Authorize(ctx, caller, action, arn, s.providerTarget(ctx, caller, arn).with(req)); err != nil {
		return err
	}
	if _, err := s.getProvider(ctx, caller.Account, arn); err != nil {
		return err
	}
	_, err := s.store.UpdateOIDCProvider(ctx, arn, update)
	var ie *fault.Error
	switch {
	case errors.As(err, &ie):
		return err
	case isNotFound(err):
		return noSuchProvider(arn)
	case err != nil:
		return unexpected("update OIDC provider", err)
	}
	return nil
}

// AddClientIDToOpenIDConnectProvider adds a client id (audience); adding
// one the provider has changes nothing.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, caller Caller, arn, clientID string) error {
	return s.updateProvider(ctx, caller, "iam:AddClientIDToOpenIDConnectProvider", arn, Keys{}, func(p *store.OIDCProvider) error {
		if slices.Contains(p.ClientIDs, clientID) {
			return nil
		}
		ids := append(slices.Clone(p.ClientIDs), clientID)
		if err := ValidateClientIDs(ids); err != nil {
			return err
		}
		p.ClientIDs = ids
		return nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes a client id; removing
// one the provider lacks changes nothing.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, caller Caller, arn, clientID string) error {
	return s.updateProvider(ctx, caller, "iam:RemoveClientIDFromOpenIDConnectProvider", arn, Keys{}, func(p *store.OIDCProvider) error {
		p.ClientIDs = slices.DeleteFunc(slices.Clone(p.ClientIDs), func(id string) bool { return id == clientID })
		if len(p.ClientIDs) == 0 {
			p.ClientIDs = nil
		}
		return nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces a provider's thumbprints.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, caller Caller, arn string, thumbprints []string) error {
	tps, err := ValidateThumbprints(thumbprints)
	if err != nil {
		if aerr := s.Authorize(ctx, caller, "iam:UpdateOpenIDConnectProviderThumbprint", arn, s.providerTarget(ctx, caller, arn)); aerr != nil {
			return aerr
		}
		return err
	}
	if len(tps) == 0 {
		tps = nil
	}
	return s.updateProvider(ctx, caller, "iam:UpdateOpenIDConnectProviderThumbprint", arn, Keys{}, func(p *store.OIDCProvider) error {
		p.Thumbprints = tps
		return nil
	})
}
