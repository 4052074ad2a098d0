package iam

import (
	"context"

	"github.com/podiam/podiam/internal/store"
)

// PutRolePermissionsBoundary sets a role's permissions boundary to a
// managed policy the account can see.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, caller Caller, name, arn string) error {
	return s.setBoundary(ctx, caller, roleKind, name, arn)
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, caller Caller, name string) error {
	return s.setBoundary(ctx, caller, roleKind, name, "")
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, caller Caller, name, arn string) error {
	return s.setBoundary(ctx, caller, userKind, name, arn)
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, caller Caller, name string) error {
	return s.setBoundary(ctx, caller, userKind, name, "")
}

// setBoundary sets (arn) or removes ("") the boundary of a role or user;
// removing a boundary the entity lacks changes nothing.
func (s *Service) setBoundary(ctx context.Context, caller Caller, k principalKind, name, arn string) error {
	verb := "Put"
	if arn == "" {
		verb = "Delete"
	}
	action := k.verb(verb, "PermissionsBoundary")
	// Setting a boundary, the request's is iam:PermissionsBoundary;
	// removing one, the entity's.
	if _, err := s.principal(ctx, caller, k, action, name, Keys{PermissionsBoundary: arn}); err != nil {
		return err
	}
	if arn != "" {
		if err := validatePolicyARN(arn); err != nil {
			return err
		}
		if err := s.checkBoundary(ctx, caller.Account, arn); err != nil {
			return err
		}
	}
	var err error
	if k.kind == store.PrincipalRole {
		_, err = s.store.UpdateRole(ctx, caller.Account, name, func(r *store.Role) error { r.PermissionsBoundaryARN = arn; return nil })
	} else {
		_, err = s.store.UpdateUser(ctx, caller.Account, name, func(u *store.User) error { u.PermissionsBoundaryARN = arn; return nil })
	}
	switch {
	case isNotFound(err):
		return k.notFound(name)
	case err != nil:
		return unexpected("set permissions boundary", err)
	}
	return nil
}

// boundaryUses counts the account's roles and users whose permissions
// boundary is the policy.
func (s *Service) boundaryUses(ctx context.Context, account, arn string) (int, error) {
	roles, err := s.store.ListRoles(ctx, account, "")
	if err != nil {
		return 0, unexpected("list roles", err)
	}
	users, err := s.store.ListUsers(ctx, account, "")
	if err != nil {
		return 0, unexpected("list users", err)
	}
	n := 0
	for _, r := range roles {
		if r.PermissionsBoundaryARN == arn {
			n++
		}
	}
	for _, u := range users {
		if u.PermissionsBoundaryARN == arn {
			n++
		}
	}
	return n, nil
}
