package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// tagged is what differs between the kinds of entity that carry tags:
// the noun in the action names and how one entity's tags are read and
// replaced (authorized with the request's keys req).
type tagged struct {
	noun   string // "Role", "User", "OpenIDConnectProvider", "Policy"
	get    func(ctx context.Context, caller Caller, action, id string) ([]store.Tag, error)
	update func(ctx context.Context, caller Caller, action, id string, req Keys, f func([]store.Tag) ([]store.Tag, error)) error
}

// TagOps are the Tag, Untag and List...Tags operations of one kind of
// entity; id is the entity's name (roles, users) or ARN (OIDC providers,
// managed policies).
type TagOps struct{ k tagged }

// RoleTags, UserTags, OIDCProviderTags and PolicyTags return the tag
// operations of each kind of entity.
func (s *Service) RoleTags() TagOps {
	return TagOps{tagged{
		noun: "Role",
		get: func(ctx context.Context, caller Caller, action, name string) ([]store.Tag, error) {
			r, err := s.GetRoleAs(ctx, caller, action, name)
			return r.Tags, err
		},
		update: func(ctx context.Context, caller Caller, action, name string, req Keys, f func([]store.Tag) ([]store.Tag, error)) error {
			_, err := s.updateRole(ctx, caller, action, name, req, func(r *store.Role) (err error) {
				r.Tags, err = f(r.Tags)
				return err
			})
			return err
		},
	}}
}

// UserTags: see RoleTags.
func (s *Service) UserTags() TagOps {
	return TagOps{tagged{
		noun: "User",
		get: func(ctx context.Context, caller Caller, action, name string) ([]store.Tag, error) {
			u, err := s.getUserAs(ctx, caller, action, name)
			return u.Tags, err
		},
		update: func(ctx context.Context, caller Caller, action, name string, req Keys, f func([]store.Tag) ([]store.Tag, error)) error {
			_, err := s.updateUser(ctx, caller, action, name, req, func(u *store.User) (err error) {
				u.Tags, err = f(u.Tags)
				return err
			})
			return err
		},
	}}
}

// OIDCProviderTags: see RoleTags.
func (s *Service) OIDCProviderTags() TagOps {
	return TagOps{tagged{
		noun: "OpenIDConnectProvider",
		get: func(ctx context.Context, caller Caller, action, arn string) ([]store.Tag, error) {
			if err := s.Authorize(ctx, caller, action, arn, s.providerTarget(ctx, caller, arn)); err != nil {
				return nil, err
			}
			p, err := s.getProvider(ctx, caller.Account, arn)
			return p.Tags, err
		},
		update: func(ctx context.Context, caller Caller, action, arn string, req Keys, f func([]store.Tag) ([]store.Tag, error)) error {
			return s.updateProvider(ctx, caller, action, arn, req, func(p *store.OIDCProvider) (err error) {
				p.Tags, err = f(p.Tags)
				return err
			})
		},
	}}
}

// PolicyTags: see RoleTags. AWS-managed policies cannot be tagged.
func (s *Service) PolicyTags() TagOps {
	return TagOps{tagged{
		noun: "Policy",
		get: func(ctx context.Context, caller Caller, action, arn string) ([]store.Tag, error) {
			if err := s.Authorize(ctx, caller, action, arn, s.policyTarget(ctx, caller, arn)); err != nil {
				return nil, err
			}
			p, err := s.getPolicy(ctx, caller.Account, arn)
			return p.Tags, err
		},
		update: func(ctx context.Context, caller Caller, action, arn string, req Keys, f func([]store.Tag) ([]store.Tag, error)) error {
			if err := s.Authorize(ctx, caller, action, arn, s.policyTarget(ctx, caller, arn).with(req)); err != nil {
				return err
			}
			_, err := s.updatePolicy(ctx, caller.Account, arn, func(p *store.ManagedPolicy) (err error) {
				p.Tags, err = f(p.Tags)
				return err
			})
			return err
		},
	}}
}

// Noun is the entity kind as the action names spell it ("Role", ...).
func (o TagOps) Noun() string { return o.k.noun }

// Tag adds tags to an entity, replacing the values of keys it has
// (compared regardless of case); an entity has at most 50 tags.
func (o TagOps) Tag(ctx context.Context, caller Caller, id string, tags []Tag) error {
	if err := ValidateTags(tags); err != nil {
		return err
	}
	return o.k.update(ctx, caller, "iam:Tag"+o.k.noun, id, Keys{RequestTags: tags}, func(old []store.Tag) ([]store.Tag, error) {
		return mergeTags(old, tags)
	})
}

// Untag removes tags by key (regardless of case); keys the entity lacks
// are ignored.
func (o TagOps) Untag(ctx context.Context, caller Caller, id string, keys []string) error {
	if len(keys) > MaxTags {
		return constraint("["+itoa(len(keys))+" keys]", "tagKeys", "Member must have length less than or equal to 50")
	}
	return o.k.update(ctx, caller, "iam:Untag"+o.k.noun, id, Keys{TagKeys: keys}, func(old []store.Tag) ([]store.Tag, error) {
		return removeTags(old, keys), nil
	})
}

// List lists an entity's tags, sorted by key.
func (o TagOps) List(ctx context.Context, caller Caller, id string, page PageRequest) (Page[store.Tag], error) {
	tags, err := o.k.get(ctx, caller, "iam:List"+o.k.noun+"Tags", id)
	if err != nil {
		return Page[store.Tag]{}, err
	}
	tags = slices.SortedFunc(slices.Values(tags), func(a, b store.Tag) int { return strings.Compare(a.Key, b.Key) })
	return paginate(tags, func(t store.Tag) string { return t.Key }, page)
}

// TagRole, UntagRole and ListRoleTags are RoleTags' operations.
func (s *Service) TagRole(ctx context.Context, caller Caller, name string, tags []Tag) error {
	return s.RoleTags().Tag(ctx, caller, name, tags)
}

// UntagRole: see TagRole.
func (s *Service) UntagRole(ctx context.Context, caller Caller, name string, keys []string) error {
	return s.RoleTags().Untag(ctx, caller, name, keys)
}

// ListRoleTags: see TagRole.
func (s *Service) ListRoleTags(ctx context.Context, caller Caller, name string, page PageRequest) (Page[store.Tag], error) {
	return s.RoleTags().List(ctx, caller, name, page)
}

// mergeTags adds tags to old: a key already present (regardless of case)
// takes the new value.
func mergeTags(old []store.Tag, tags []Tag) ([]store.Tag, error) {
	out := append([]store.Tag(nil), old...)
	for _, t := range tags {
		found := false
		for i := range out {
			if store.FoldName(out[i].Key) == store.FoldName(t.Key) {
				out[i].Value = t.Value
				found = true
			}
		}
		if !found {
			out = append(out, store.Tag{Key: t.Key, Value: t.Value})
		}
	}
	if len(out) > MaxTags {
		return nil, fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for TagsPerEntity: %d", MaxTags)
	}
	return out, nil
}

func removeTags(old []store.Tag, keys []string) []store.Tag {
	var out []store.Tag
	for _, t := range old {
		drop := false
		for _, k := range keys {
			if store.FoldName(k) == store.FoldName(t.Key) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}
