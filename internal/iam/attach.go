package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// principalKind describes what differs between users and roles in the
// attach and inline-policy operations.
type principalKind struct {
	kind      store.PrincipalKind
	noun      string // "role", "user"
	field     string // "roleName", "userName"
	quota     string // "PoliciesPerRole"
	inlineMax int
}

var (
	roleKind = principalKind{store.PrincipalRole, "role", "roleName", "PoliciesPerRole", MaxRoleInlineSize}
	userKind = principalKind{store.PrincipalUser, "user", "userName", "PoliciesPerUser", MaxUserInlineSize}
)

func (k principalKind) verb(verb, suffix string) string {
	if k.kind == store.PrincipalRole {
		return "iam:" + verb + "Role" + suffix
	}
	return "iam:" + verb + "User" + suffix
}

func (k principalKind) notFound(name string) error {
	return fault.Errorf(fault.NotFound, "The %s with name %s cannot be found.", k.noun, name)
}

// principal authorizes action on the principal (with the request's keys
// req), checks its name and that it exists.
func (s *Service) principal(ctx context.Context, caller Caller, k principalKind, action, name string, req Keys) (store.Principal, error) {
	arn, keys := s.principalTarget(ctx, k, caller.Account, name)
	if err := s.Authorize(ctx, caller, action, arn, keys.with(req)); err != nil {
		return store.Principal{}, err
	}
	max := MaxRoleNameLen
	if k.kind == store.PrincipalUser {
		max = MaxUserNameLen
	}
	if err := ValidateName(name, k.field, max); err != nil {
		return store.Principal{}, err
	}
	var err error
	if k.kind == store.PrincipalRole {
		_, err = s.store.GetRole(ctx, caller.Account, name)
	} else {
		_, err = s.store.GetUser(ctx, caller.Account, name)
	}
	switch {
	case isNotFound(err):
		return store.Principal{}, k.notFound(name)
	case err != nil:
		return store.Principal{}, unexpected("get "+k.noun, err)
	}
	return store.Principal{AccountID: caller.Account, Kind: k.kind, Name: name}, nil
}

func (s *Service) attach(ctx context.Context, caller Caller, k principalKind, name, arn string) error {
	p, err := s.principal(ctx, caller, k, k.verb("Attach", "Policy"), name, Keys{PolicyARN: arn})
	if err != nil {
		return err
	}
	if err := validatePolicyARN(arn); err != nil {
		return err
	}
	if _, err := s.store.GetManagedPolicy(ctx, caller.Account, arn); isNotFound(err) {
		return fault.Errorf(fault.NotFound, "Policy %s does not exist or is not attachable.", arn)
	} else if err != nil {
		return unexpected("attach policy", err)
	}
	switch err := s.store.AttachPolicy(ctx, store.Attachment{Principal: p, PolicyARN: arn}, MaxPoliciesPerPrincipal); {
	case errors.Is(err, store.ErrAlreadyExists):
		return nil // attaching again changes nothing, as in IAM
	case errors.Is(err, store.ErrLimitExceeded):
		return fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for %s: %d", k.quota, MaxPoliciesPerPrincipal)
	case isNotFound(err):
		return fault.Errorf(fault.NotFound, "Policy %s does not exist or is not attachable.", arn)
	case err != nil:
		return unexpected("attach policy", err)
	}
	return nil
}

func (s *Service) detach(ctx context.Context, caller Caller, k principalKind, name, arn string) error {
	p, err := s.principal(ctx, caller, k, k.verb("Detach", "Policy"), name, Keys{PolicyARN: arn})
	if err != nil {
		return err
	}
	switch err := s.store.DetachPolicy(ctx, store.Attachment{Principal: p, PolicyARN: arn}); {
	case isNotFound(err):
		return fault.Errorf(fault.NotFound, "Policy %s was not found.", arn)
	case err != nil:
		return unexpected("detach policy", err)
	}
	return nil
}

// AttachedPolicy names a managed policy attached to a user or role.
type AttachedPolicy struct {
	PolicyName string
	PolicyARN  string
}

func (s *Service) listAttached(ctx context.Context, caller Caller, k principalKind, name, pathPrefix string, page PageRequest) (Page[AttachedPolicy], error) {
	p, err := s.principal(ctx, caller, k, strings.Replace(k.verb("List", "Policies"), "iam:List", "iam:ListAttached", 1), name, Keys{})
	if err != nil {
		return Page[AttachedPolicy]{}, err
	}
	if err := validatePathPrefix(pathPrefix); err != nil {
		return Page[AttachedPolicy]{}, err
	}
	atts, err := s.store.ListAttachedPolicies(ctx, p)
	if err != nil {
		return Page[AttachedPolicy]{}, unexpected("list attached policies", err)
	}
	var out []AttachedPolicy
	for _, a := range atts {
		mp, err := s.store.GetManagedPolicy(ctx, caller.Account, a.PolicyARN)
		if err != nil {
			continue
		}
		if !strings.HasPrefix(mp.Path, pathPrefix) {
			continue
		}
		out = append(out, AttachedPolicy{PolicyName: mp.Name, PolicyARN: mp.ARN})
	}
	return paginate(out, func(a AttachedPolicy) string { return a.PolicyARN }, page)
}

// AttachRolePolicy attaches a managed policy to a role (at most 10).
func (s *Service) AttachRolePolicy(ctx context.Context, caller Caller, role, arn string) error {
	return s.attach(ctx, caller, roleKind, role, arn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, caller Caller, role, arn string) error {
	return s.detach(ctx, caller, roleKind, role, arn)
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, caller Caller, role, pathPrefix string, page PageRequest) (Page[AttachedPolicy], error) {
	return s.listAttached(ctx, caller, roleKind, role, pathPrefix, page)
}

// AttachUserPolicy attaches a managed policy to a user (at most 10).
func (s *Service) AttachUserPolicy(ctx context.Context, caller Caller, user, arn string) error {
	return s.attach(ctx, caller, userKind, user, arn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, caller Caller, user, arn string) error {
	return s.detach(ctx, caller, userKind, user, arn)
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, caller Caller, user, pathPrefix string, page PageRequest) (Page[AttachedPolicy], error) {
	return s.listAttached(ctx, caller, userKind, user, pathPrefix, page)
}

// Inline policies.

func (s *Service) putInline(ctx context.Context, caller Caller, k principalKind, name, policyName, document string) error {
	p, err := s.principal(ctx, caller, k, k.verb("Put", "Policy"), name, Keys{})
	if err != nil {
		return err
	}
	if err := ValidateName(policyName, "policyName", MaxPolicyNameLen); err != nil {
		return err
	}
	if err := checkDocument(document, policy.Identity, policy.Options{MaxSize: -1}); err != nil {
		return err
	}
	existing, err := s.store.ListInlinePolicies(ctx, p)
	if err != nil {
		return unexpected("put "+k.noun+" policy", err)
	}
	total := nonSpaceLen(document)
	for _, ip := range existing {
		if store.FoldName(ip.Name) != store.FoldName(policyName) {
			total += nonSpaceLen(ip.Document)
		}
	}
	if total > k.inlineMax {
		return fault.Errorf(fault.LimitExceeded, "Maximum policy size of %d bytes exceeded for %s %s", k.inlineMax, k.noun, name)
	}
	switch err := s.store.PutInlinePolicy(ctx, store.InlinePolicy{Principal: p, Name: policyName, Document: document}); {
	case isNotFound(err):
		return k.notFound(name)
	case err != nil:
		return unexpected("put "+k.noun+" policy", err)
	}
	return nil
}

func (k principalKind) noInline(name string) error {
	return fault.Errorf(fault.NotFound, "The %s policy with name %s cannot be found.", k.noun, name)
}

func (s *Service) getInline(ctx context.Context, caller Caller, k principalKind, name, policyName string) (store.InlinePolicy, error) {
	p, err := s.principal(ctx, caller, k, k.verb("Get", "Policy"), name, Keys{})
	if err != nil {
		return store.InlinePolicy{}, err
	}
	ip, err := s.store.GetInlinePolicy(ctx, p, policyName)
	switch {
	case isNotFound(err):
		return store.InlinePolicy{}, k.noInline(policyName)
	case err != nil:
		return store.InlinePolicy{}, unexpected("get "+k.noun+" policy", err)
	}
	return ip, nil
}

func (s *Service) listInline(ctx context.Context, caller Caller, k principalKind, name string, page PageRequest) (Page[string], error) {
	p, err := s.principal(ctx, caller, k, k.verb("List", "Policies"), name, Keys{})
	if err != nil {
		return Page[string]{}, err
	}
	ips, err := s.store.ListInlinePolicies(ctx, p)
	if err != nil {
		return Page[string]{}, unexpected("list "+k.noun+" policies", err)
	}
	names := make([]string, len(ips))
	for i, ip := range ips {
		names[i] = ip.Name
	}
	return paginate(names, func(n string) string { return n }, page)
}

func (s *Service) deleteInline(ctx context.Context, caller Caller, k principalKind, name, policyName string) error {
	p, err := s.principal(ctx, caller, k, k.verb("Delete", "Policy"), name, Keys{})
	if err != nil {
		return err
	}
	switch err := s.store.DeleteInlinePolicy(ctx, p, policyName); {
	case isNotFound(err):
		return k.noInline(policyName)
	case err != nil:
		return unexpected("delete "+k.noun+" policy", err)
	}
	return nil
}

// PutRolePolicy creates or replaces an inline policy of a role; a role's
// inline policies may hold 10,240 characters in all.
func (s *Service) PutRolePolicy(ctx context.Context, caller Caller, role, policyName, document string) error {
	return s.putInline(ctx, caller, roleKind, role, policyName, document)
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, caller Caller, role, policyName string) (store.InlinePolicy, error) {
	return s.getInline(ctx, caller, roleKind, role, policyName)
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, caller Caller, role string, page PageRequest) (Page[string], error) {
	return s.listInline(ctx, caller, roleKind, role, page)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, caller Caller, role, policyName string) error {
	return s.deleteInline(ctx, caller, roleKind, role, policyName)
}

// PutUserPolicy creates or replaces an inline policy of a user; a user's
// inline policies may hold 2,048 characters in all.
func (s *Service) PutUserPolicy(ctx context.Context, caller Caller, user, policyName, document string) error {
	return s.putInline(ctx, caller, userKind, user, policyName, document)
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, caller Caller, user, policyName string) (store.InlinePolicy, error) {
	return s.getInline(ctx, caller, userKind, user, policyName)
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, caller Caller, user string, page PageRequest) (Page[string], error) {
	return s.listInline(ctx, caller, userKind, user, page)
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, caller Caller, user, policyName string) error {
	return s.deleteInline(ctx, caller, userKind, user, policyName)
}

// PrincipalPolicies runs the attach and inline-policy operations of one
// kind of principal, so that callers serving both roles and users need
// not tell them apart.
type PrincipalPolicies struct {
	s *Service
	k principalKind
}

// RolePolicies returns the policy operations on roles.
func (s *Service) RolePolicies() PrincipalPolicies { return PrincipalPolicies{s, roleKind} }

// UserPolicies returns the policy operations on users.
func (s *Service) UserPolicies() PrincipalPolicies { return PrincipalPolicies{s, userKind} }

// Attach attaches a managed policy.
func (p PrincipalPolicies) Attach(ctx context.Context, caller Caller, name, arn string) error {
	return p.s.attach(ctx, caller, p.k, name, arn)
}

// Detach detaches a managed policy.
func (p PrincipalPolicies) Detach(ctx context.Context, caller Caller, name, arn string) error {
	return p.s.detach(ctx, caller, p.k, name, arn)
}

// ListAttached lists the attached managed policies.
func (p PrincipalPolicies) ListAttached(ctx context.Context, caller Caller, name, pathPrefix string, page PageRequest) (Page[AttachedPolicy], error) {
	return p.s.listAttached(ctx, caller, p.k, name, pathPrefix, page)
}

// PutInline creates or replaces an inline policy.
func (p PrincipalPolicies) PutInline(ctx context.Context, caller Caller, name, policyName, document string) error {
	return p.s.putInline(ctx, caller, p.k, name, policyName, document)
}

// GetInline returns an inline policy.
func (p PrincipalPolicies) GetInline(ctx context.Context, caller Caller, name, policyName string) (store.InlinePolicy, error) {
	return p.s.getInline(ctx, caller, p.k, name, policyName)
}

// ListInline lists the names of the inline policies.
func (p PrincipalPolicies) ListInline(ctx context.Context, caller Caller, name string, page PageRequest) (Page[string], error) {
	return p.s.listInline(ctx, caller, p.k, name, page)
}

// DeleteInline deletes an inline policy.
func (p PrincipalPolicies) DeleteInline(ctx context.Context, caller Caller, name, policyName string) error {
	return p.s.deleteInline(ctx, caller, p.k, name, policyName)
}
