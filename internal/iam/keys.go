package iam

import (
	"context"
	"strings"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// Keys are the condition keys of a request that come from what it acts on
// and what it asks for; the caller's own keys come from CallerIdentity.
// Authorize puts them in the request context through Apply, the one place
// that names them (STS applies a role's keys through it too). The target lookups (roleTarget, principalTarget,
// policyTarget, providerTarget) fill the resource's fields from the entity
// they read; an operation adds what its parameters set.
type Keys struct {
	// ResourceTags are the tags of the existing entity the action acts on:
	// aws:ResourceTag/K, and iam:ResourceTag/K as well when Principal.
	ResourceTags []store.Tag
	// Principal is set when the entity is a user or role.
	Principal bool
	// RequestTags are the tags the request sets: aws:RequestTag/K, and
	// their keys as aws:TagKeys.
	RequestTags []Tag
	// TagKeys are the keys an Untag request removes: aws:TagKeys.
	TagKeys []string
	// PolicyARN is the managed policy a request attaches or detaches:
	// iam:PolicyARN.
	PolicyARN string
	// PermissionsBoundary is the boundary the request sets, or else the
	// one the entity has: iam:PermissionsBoundary, on the actions of
	// boundaryActions only.
	PermissionsBoundary string
	// Values are other keys the action carries, by name: a service's own
	// (eks:kubernetesVersion) or iam:PassedToService on iam:PassRole.
	Values map[string]string
	// Lists are multivalued keys the action carries, by name (a service's
	// own, such as eks:kubernetesGroups).
	Lists map[string][]string
}

// boundaryActions are the actions whose requests carry
// iam:PermissionsBoundary, as the Service Authorization Reference lists
// them (IAM leaves it out of the others, such as TagRole and GetUser).
var boundaryActions = map[string]bool{
	"iam:CreateRole": true, "iam:CreateUser": true,
	"iam:GetRole": true, "iam:DeleteRole": true, "iam:UpdateRole": true, "iam:UpdateRoleDescription": true,
	"iam:UpdateAssumeRolePolicy": true,
	"iam:AttachRolePolicy":       true, "iam:DetachRolePolicy": true, "iam:PutRolePolicy": true, "iam:DeleteRolePolicy": true,
	"iam:AttachUserPolicy": true, "iam:DetachUserPolicy": true, "iam:PutUserPolicy": true, "iam:DeleteUserPolicy": true,
	"iam:PutRolePermissionsBoundary": true, "iam:DeleteRolePermissionsBoundary": true,
	"iam:PutUserPermissionsBoundary": true, "iam:DeleteUserPermissionsBoundary": true,
}

// with returns the keys of a target with what a request asks for added:
// the request's permissions boundary replaces the entity's.
func (k Keys) with(req Keys) Keys {
	k.RequestTags, k.TagKeys, k.PolicyARN = req.RequestTags, req.TagKeys, req.PolicyARN
	if req.PermissionsBoundary != "" {
		k.PermissionsBoundary = req.PermissionsBoundary
	}
	return k
}

// Apply sets the keys of k that action carries.
func (k *Keys) Apply(c *policy.Context, action string) {
	for _, t := range k.ResourceTags {
		c.Set("aws:ResourceTag/"+t.Key, t.Value)
		if k.Principal {
			c.Set("iam:ResourceTag/"+t.Key, t.Value)
		}
	}
	if len(k.RequestTags) > 0 {
		keys := make([]string, len(k.RequestTags))
		for i, t := range k.RequestTags {
			c.Set("aws:RequestTag/"+t.Key, t.Value)
			keys[i] = t.Key
		}
		c.SetMulti("aws:TagKeys", keys...)
	}
	if len(k.TagKeys) > 0 {
		c.SetMulti("aws:TagKeys", k.TagKeys...)
	}
	if k.PolicyARN != "" {
		c.Set("iam:PolicyARN", k.PolicyARN)
	}
	if k.PermissionsBoundary != "" && boundaryActions[action] {
		c.Set("iam:PermissionsBoundary", k.PermissionsBoundary)
	}
	for name, v := range k.Values {
		c.Set(name, v)
	}
	for name, vs := range k.Lists {
		c.SetMulti(name, vs...)
	}
}

// roleTarget is the ARN a role operation is authorized on (the role's own,
// with its path, when it exists) and the role's keys.
func (s *Service) roleTarget(ctx context.Context, account, name string) (string, Keys) {
	r, err := s.store.GetRole(ctx, account, name)
	return roleTargetOf(account, name, r, err)
}

// roleTargetOf is roleTarget for a role already read (err is the read's).
func roleTargetOf(account, name string, r store.Role, err error) (string, Keys) {
	if err == nil {
		return r.ARN, Keys{ResourceTags: r.Tags, Principal: true, PermissionsBoundary: r.PermissionsBoundaryARN}
	}
	return entityARN(account, "role", "/", name), Keys{}
}

// principalTarget is roleTarget for a user or a role.
func (s *Service) principalTarget(ctx context.Context, k principalKind, account, name string) (string, Keys) {
	if k.kind == store.PrincipalRole {
		return s.roleTarget(ctx, account, name)
	}
	u, err := s.store.GetUser(ctx, account, name)
	return userTargetOf(account, name, u, err)
}

// userTargetOf is principalTarget for a user already read (err is the
// read's).
func userTargetOf(account, name string, u store.User, err error) (string, Keys) {
	if err == nil {
		return u.ARN, Keys{ResourceTags: u.Tags, Principal: true, PermissionsBoundary: u.PermissionsBoundaryARN}
	}
	return entityARN(account, "user", "/", name), Keys{}
}

// policyTarget is the keys of a managed policy the caller's account can
// see. The root user's requests are not evaluated, so no entity is read
// for them.
func (s *Service) policyTarget(ctx context.Context, caller Caller, arn string) Keys {
	if caller.Root {
		return Keys{}
	}
	if p, err := s.store.GetManagedPolicy(ctx, caller.Account, arn); err == nil {
		return Keys{ResourceTags: p.Tags}
	}
	return Keys{}
}

// providerTarget is the keys of one of the caller's account's OIDC
// providers (none for the root user, as policyTarget).
func (s *Service) providerTarget(ctx context.Context, caller Caller, arn string) Keys {
	if caller.Root {
		return Keys{}
	}
	if p, err := s.store.GetOIDCProvider(ctx, arn); err == nil && p.AccountID == caller.Account {
		return Keys{ResourceTags: p.Tags}
	}
	return Keys{}
}

// entityTarget is the keys of the user or role an ARN of the caller's
// account names (SimulatePrincipalPolicy's source; none for the root user,
// as policyTarget).
func (s *Service) entityTarget(ctx context.Context, caller Caller, entity string) Keys {
	a, err := arn.Parse(entity)
	if caller.Root || err != nil || a.Service != "iam" || a.Account != caller.Account {
		return Keys{}
	}
	account := caller.Account
	typ, rest, _ := strings.Cut(a.Resource, "/")
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	var keys Keys
	switch typ {
	case "user":
		_, keys = s.principalTarget(ctx, userKind, account, name)
	case "role":
		_, keys = s.principalTarget(ctx, roleKind, account, name)
	}
	return keys
}
