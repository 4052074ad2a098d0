package iam

import (
	"context"
	"errors"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// CreateUserInput is CreateUser's input.
type CreateUserInput struct {
	UserName            string
	Path                string
	PermissionsBoundary string
	Tags                []Tag
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, caller Caller, in CreateUserInput) (store.User, error) {
	path := defaultPath(in.Path)
	arn := entityARN(caller.Account, "user", path, in.UserName)
	if err := s.Authorize(ctx, caller, "iam:CreateUser", arn, Keys{RequestTags: in.Tags, PermissionsBoundary: in.PermissionsBoundary}); err != nil {
		return store.User{}, err
	}
	if err := ValidateName(in.UserName, "userName", MaxUserNameLen); err != nil {
		return store.User{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return store.User{}, err
	}
	tags, err := toStoreTags(in.Tags)
	if err != nil {
		return store.User{}, err
	}
	if err := s.checkBoundary(ctx, caller.Account, in.PermissionsBoundary); err != nil {
		return store.User{}, err
	}
	id, err := creds.NewUniqueID(s.rand, creds.PrefixUser)
	if err != nil {
		return store.User{}, unexpected("create user", err)
	}
	u := store.User{
		AccountID: caller.Account, Name: in.UserName, Path: path, ID: id, ARN: arn,
		PermissionsBoundaryARN: in.PermissionsBoundary, Tags: tags, CreatedAt: s.now().UTC(),
	}
	switch err := s.store.CreateUser(ctx, u); {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.User{}, fault.Errorf(fault.AlreadyExists, "User with name %s already exists.", in.UserName)
	case err != nil:
		return store.User{}, unexpected("create user", err)
	}
	return u, nil
}

// selfOr returns name, or the caller's own user name when name is empty
// (IAM's user operations act on the caller without a UserName).
func selfOr(caller Caller, name string) string {
	if name == "" {
		return caller.UserName
	}
	return name
}

// GetUser returns a user; without a name, the calling user.
func (s *Service) GetUser(ctx context.Context, caller Caller, name string) (store.User, error) {
	name = selfOr(caller, name)
	if name == "" && caller.Root {
		// The root user, as IAM describes it.
		return store.User{AccountID: caller.Account, ID: caller.Account, ARN: caller.ARN}, nil
	}
	return s.getUserAs(ctx, caller, "iam:GetUser", name)
}

func (s *Service) getUser(ctx context.Context, account, name string) (store.User, error) {
	if err := ValidateName(name, "userName", MaxUserNameLen); err != nil {
		return store.User{}, err
	}
	u, err := s.store.GetUser(ctx, account, name)
	return userRead(name, u, err)
}

// userRead is the outcome of reading the user name: a name that is not
// valid, or a user that does not exist, is the caller's error.
func userRead(name string, u store.User, err error) (store.User, error) {
	if verr := ValidateName(name, "userName", MaxUserNameLen); verr != nil {
		return store.User{}, verr
	}
	switch {
	case isNotFound(err):
		return store.User{}, userKind.notFound(name)
	case err != nil:
		return store.User{}, unexpected("get user", err)
	}
	return u, nil
}

// ListUsers lists the account's users under a path prefix, by name.
func (s *Service) ListUsers(ctx context.Context, caller Caller, in ListInput) (Page[store.User], error) {
	if err := s.Authorize(ctx, caller, "iam:ListUsers", entityARN(caller.Account, "user", "/", ""), Keys{}); err != nil {
		return Page[store.User]{}, err
	}
	if err := validatePathPrefix(in.PathPrefix); err != nil {
		return Page[store.User]{}, err
	}
	users, err := s.store.ListUsers(ctx, caller.Account, in.PathPrefix)
	if err != nil {
		return Page[store.User]{}, unexpected("list users", err)
	}
	return paginate(users, func(u store.User) string { return u.Name }, in.PageRequest)
}

// DeleteUser deletes a user without access keys or policies.
func (s *Service) DeleteUser(ctx context.Context, caller Caller, name string) error {
	if err := s.authorizeUser(ctx, caller, "iam:DeleteUser", name, Keys{}); err != nil {
		return err
	}
	if _, err := s.getUser(ctx, caller.Account, name); err != nil {
		return err
	}
	p := store.Principal{AccountID: caller.Account, Kind: store.PrincipalUser, Name: name}
	if keys, err := s.store.ListAccessKeys(ctx, caller.Account, name); err == nil && len(keys) > 0 {
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must delete access keys first.")
	}
	if att, err := s.store.ListAttachedPolicies(ctx, p); err == nil && len(att) > 0 {
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	}
	if inl, err := s.store.ListInlinePolicies(ctx, p); err == nil && len(inl) > 0 {
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	switch err := s.store.DeleteUser(ctx, caller.Account, name); {
	case isNotFound(err):
		return userKind.notFound(name)
	case errors.Is(err, store.ErrDeleteConflict):
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must delete policies first.")
	case err != nil:
		return unexpected("delete user", err)
	}
	return nil
}

// authorizeUser authorizes action on a user, with the user's keys and
// those of the request (req).
func (s *Service) authorizeUser(ctx context.Context, caller Caller, action, name string, req Keys) error {
	arn, keys := s.principalTarget(ctx, userKind, caller.Account, name)
	return s.Authorize(ctx, caller, action, arn, keys.with(req))
}

// getUserAs returns a user after authorizing action on it, reading it
// once: its keys for the authorization, then the answer.
func (s *Service) getUserAs(ctx context.Context, caller Caller, action, name string) (store.User, error) {
	u, err := s.store.GetUser(ctx, caller.Account, name)
	arn, keys := userTargetOf(caller.Account, name, u, err)
	if err := s.Authorize(ctx, caller, action, arn, keys); err != nil {
		return store.User{}, err
	}
	return userRead(name, u, err)
}

// updateUser authorizes action on the user (with the request's keys req)
// and applies update.
func (s *Service) updateUser(ctx context.Context, caller Caller, action, name string, req Keys, update func(*store.User) error) (store.User, error) {
	if err := s.authorizeUser(ctx, caller, action, name, req); err != nil {
		return store.User{}, err
	}
	return s.applyUser(ctx, caller.Account, name, update)
}

// applyUser applies update to a user, mapping the store's errors.
func (s *Service) applyUser(ctx context.Context, account, name string, update func(*store.User) error) (store.User, error) {
	if err := ValidateName(name, "userName", MaxUserNameLen); err != nil {
		return store.User{}, err
	}
	u, err := s.store.UpdateUser(ctx, account, name, update)
	var ie *fault.Error
	switch {
	case errors.As(err, &ie):
		return store.User{}, err
	case isNotFound(err):
		return store.User{}, userKind.notFound(name)
	case errors.Is(err, store.ErrAlreadyExists):
		return store.User{}, fault.Errorf(fault.AlreadyExists, "The new user name is already in use.")
	case err != nil:
		return store.User{}, unexpected("update user", err)
	}
	return u, nil
}

// UpdateUserInput is UpdateUser's input: a new name, a new path, or both
// ("" keeps the old one).
type UpdateUserInput struct {
	UserName    string
	NewUserName string
	NewPath     string
}

// UpdateUser renames a user or moves it to another path; its access keys
// and policies follow it. As in IAM, the caller needs iam:UpdateUser on
// the user's old and new ARNs.
func (s *Service) UpdateUser(ctx context.Context, caller Caller, in UpdateUserInput) error {
	arn, keys := s.principalTarget(ctx, userKind, caller.Account, in.UserName)
	if err := s.Authorize(ctx, caller, "iam:UpdateUser", arn, keys); err != nil {
		return err
	}
	if in.NewUserName != "" {
		if err := ValidateName(in.NewUserName, "newUserName", MaxUserNameLen); err != nil {
			return err
		}
	}
	if in.NewPath != "" {
		if err := ValidatePath(in.NewPath); err != nil {
			return err
		}
	}
	old, err := s.getUser(ctx, caller.Account, in.UserName)
	if err != nil {
		return err
	}
	path, name := old.Path, old.Name
	if in.NewPath != "" {
		path = in.NewPath
	}
	if in.NewUserName != "" {
		name = in.NewUserName
	}
	target := entityARN(caller.Account, "user", path, name)
	if target != old.ARN {
		// The user keeps its tags under its new ARN.
		if err := s.Authorize(ctx, caller, "iam:UpdateUser", target, keys); err != nil {
			return err
		}
	}
	_, err = s.applyUser(ctx, caller.Account, in.UserName, func(u *store.User) error {
		u.Name, u.Path, u.ARN = name, path, target
		return nil
	})
	var ie *fault.Error
	if errors.As(err, &ie) && ie.Kind == fault.AlreadyExists {
		return fault.Errorf(fault.AlreadyExists, "User with name %s already exists.", name)
	}
	return err
}

// ListGroupsForUser lists the groups a user is in: none, since podiam has
// no IAM groups; the user must exist.
func (s *Service) ListGroupsForUser(ctx context.Context, caller Caller, name string) error {
	_, err := s.getUserAs(ctx, caller, "iam:ListGroupsForUser", name)
	return err
}
