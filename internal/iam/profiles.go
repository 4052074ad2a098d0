package iam

import (
	"context"
	"errors"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// MaxProfileNameLen is the longest instance profile name.
const MaxProfileNameLen = 128

// InstanceProfile is an instance profile with its role (at most one), as
// IAM shows it.
type InstanceProfile struct {
	Profile store.InstanceProfile
	Roles   []store.Role
}

func noSuchProfile(name string) error {
	return fault.Errorf(fault.NotFound, "Instance Profile %s cannot be found.", name)
}

// errRoleInProfile is DeleteRole's and DeleteInstanceProfile's conflict.
func errRoleInProfile() error {
	return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
}

// CreateInstanceProfileInput is CreateInstanceProfile's input.
type CreateInstanceProfileInput struct {
	Name string
	Path string
	Tags []Tag
}

// CreateInstanceProfile creates an instance profile without a role.
func (s *Service) CreateInstanceProfile(ctx context.Context, caller Caller, in CreateInstanceProfileInput) (InstanceProfile, error) {
	path := defaultPath(in.Path)
	arn := entityARN(caller.Account, "instance-profile", path, in.Name)
	if err := s.Authorize(ctx, caller, "iam:CreateInstanceProfile", arn, Keys{RequestTags: in.Tags}); err != nil {
		return InstanceProfile{}, err
	}
	if err := ValidateName(in.Name, "instanceProfileName", MaxProfileNameLen); err != nil {
		return InstanceProfile{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return InstanceProfile{}, err
	}
	tags, err := toStoreTags(in.Tags)
	if err != nil {
		return InstanceProfile{}, err
	}
	id, err := creds.NewUniqueID(s.rand, creds.PrefixProfile)
	if err != nil {
		return InstanceProfile{}, unexpected("create instance profile", err)
	}
	p := store.InstanceProfile{AccountID: caller.Account, Name: in.Name, Path: path, ID: id, ARN: arn, Tags: tags, CreatedAt: s.now().UTC()}
	switch err := s.store.CreateInstanceProfile(ctx, p); {
	case errors.Is(err, store.ErrAlreadyExists):
		return InstanceProfile{}, fault.Errorf(fault.AlreadyExists, "Instance Profile %s already exists.", in.Name)
	case err != nil:
		return InstanceProfile{}, unexpected("create instance profile", err)
	}
	return InstanceProfile{Profile: p}, nil
}

// profileTarget is the ARN an instance profile operation is authorized on
// (the profile's own, with its path, when it exists) and its tags.
func (s *Service) profileTarget(ctx context.Context, account, name string) (string, Keys) {
	p, err := s.store.GetInstanceProfile(ctx, account, name)
	if err == nil {
		return p.ARN, Keys{ResourceTags: p.Tags}
	}
	return entityARN(account, "instance-profile", "/", name), Keys{}
}

// authorizeProfile authorizes action on an instance profile, with its
// tags and the request's keys (req).
func (s *Service) authorizeProfile(ctx context.Context, caller Caller, action, name string, req Keys) error {
	arn, keys := s.profileTarget(ctx, caller.Account, name)
	return s.Authorize(ctx, caller, action, arn, keys.with(req))
}

// getProfile reads an instance profile by name.
func (s *Service) getProfile(ctx context.Context, account, name string) (store.InstanceProfile, error) {
	if err := ValidateName(name, "instanceProfileName", MaxProfileNameLen); err != nil {
		return store.InstanceProfile{}, err
	}
	p, err := s.store.GetInstanceProfile(ctx, account, name)
	switch {
	case isNotFound(err):
		return store.InstanceProfile{}, noSuchProfile(name)
	case err != nil:
		return store.InstanceProfile{}, unexpected("get instance profile", err)
	}
	return p, nil
}

// shownProfile is p with its role, as IAM shows them. A role deleted
// since p was read is left out.
func (s *Service) shownProfile(ctx context.Context, p store.InstanceProfile) (InstanceProfile, error) {
	out := InstanceProfile{Profile: p}
	if p.RoleName == "" {
		return out, nil
	}
	r, err := s.store.GetRole(ctx, p.AccountID, p.RoleName)
	switch {
	case isNotFound(err):
		return out, nil
	case err != nil:
		return InstanceProfile{}, unexpected("get role of instance profile", err)
	}
	if r, err = s.shownRole(ctx, r); err != nil {
		return InstanceProfile{}, err
	}
	out.Roles = []store.Role{r}
	return out, nil
}

func (s *Service) shownProfiles(ctx context.Context, ps []store.InstanceProfile) ([]InstanceProfile, error) {
	out := make([]InstanceProfile, len(ps))
	for i, p := range ps {
		var err error
		if out[i], err = s.shownProfile(ctx, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetInstanceProfile returns an instance profile with its role.
func (s *Service) GetInstanceProfile(ctx context.Context, caller Caller, name string) (InstanceProfile, error) {
	if err := s.authorizeProfile(ctx, caller, "iam:GetInstanceProfile", name, Keys{}); err != nil {
		return InstanceProfile{}, err
	}
	p, err := s.getProfile(ctx, caller.Account, name)
	if err != nil {
		return InstanceProfile{}, err
	}
	return s.shownProfile(ctx, p)
}

// ListInstanceProfiles lists the account's instance profiles under a path
// prefix, by name.
func (s *Service) ListInstanceProfiles(ctx context.Context, caller Caller, in ListInput) (Page[InstanceProfile], error) {
	if err := s.Authorize(ctx, caller, "iam:ListInstanceProfiles", entityARN(caller.Account, "instance-profile", "/", ""), Keys{}); err != nil {
		return Page[InstanceProfile]{}, err
	}
	if err := validatePathPrefix(in.PathPrefix); err != nil {
		return Page[InstanceProfile]{}, err
	}
	ps, err := s.store.ListInstanceProfiles(ctx, caller.Account, in.PathPrefix)
	if err != nil {
		return Page[InstanceProfile]{}, unexpected("list instance profiles", err)
	}
	return s.profilePage(ctx, ps, in.PageRequest)
}

func (s *Service) profilePage(ctx context.Context, ps []store.InstanceProfile, req PageRequest) (Page[InstanceProfile], error) {
	p, err := paginate(ps, func(p store.InstanceProfile) string { return p.Name }, req)
	if err != nil {
		return Page[InstanceProfile]{}, err
	}
	items, err := s.shownProfiles(ctx, p.Items)
	if err != nil {
		return Page[InstanceProfile]{}, err
	}
	return Page[InstanceProfile]{Items: items, IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
}

// ListInstanceProfilesForRole lists the instance profiles that hold a
// role, by name (authorized on the role).
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, caller Caller, roleName string, req PageRequest) (Page[InstanceProfile], error) {
	if err := s.authorizeRole(ctx, caller, "iam:ListInstanceProfilesForRole", roleName, Keys{}); err != nil {
		return Page[InstanceProfile]{}, err
	}
	if err := ValidateName(roleName, "roleName", MaxRoleNameLen); err != nil {
		return Page[InstanceProfile]{}, err
	}
	ps, err := s.store.ListInstanceProfilesForRole(ctx, caller.Account, roleName)
	switch {
	case isNotFound(err):
		return Page[InstanceProfile]{}, noSuchRole(roleName)
	case err != nil:
		return Page[InstanceProfile]{}, unexpected("list instance profiles for role", err)
	}
	return s.profilePage(ctx, ps, req)
}

// updateProfile authorizes action on an instance profile (with the
// request's keys req) and applies update. A store.ErrNotFound after the
// profile was read is the role's (the only other record an update
// needs): missingRole turns it into the caller's error.
func (s *Service) updateProfile(ctx context.Context, caller Caller, action, name string, req Keys, missingRole func() error, update func(*store.InstanceProfile) error) error {
	if err := s.authorizeProfile(ctx, caller, action, name, req); err != nil {
		return err
	}
	return s.applyProfile(ctx, caller, name, missingRole, update)
}

// applyProfile is updateProfile once authorized.
func (s *Service) applyProfile(ctx context.Context, caller Caller, name string, missingRole func() error, update func(*store.InstanceProfile) error) error {
	if err := ValidateName(name, "instanceProfileName", MaxProfileNameLen); err != nil {
		return err
	}
	read := false
	_, err := s.store.UpdateInstanceProfile(ctx, caller.Account, name, func(p *store.InstanceProfile) error {
		read = true
		return update(p)
	})
	var fe *fault.Error
	switch {
	case errors.As(err, &fe):
		return err
	case isNotFound(err) && read && missingRole != nil:
		return missingRole()
	case isNotFound(err):
		return noSuchProfile(name)
	case err != nil:
		return unexpected("update instance profile", err)
	}
	return nil
}

// AddRoleToInstanceProfile puts a role in an instance profile that holds
// none; the caller must also be allowed to pass the role (iam:PassRole,
// to ec2.amazonaws.com).
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, caller Caller, profileName, roleName string) error {
	if err := s.authorizeProfile(ctx, caller, "iam:AddRoleToInstanceProfile", profileName, Keys{}); err != nil {
		return err
	}
	if err := ValidateName(roleName, "roleName", MaxRoleNameLen); err != nil {
		return err
	}
	if _, err := s.getProfile(ctx, caller.Account, profileName); err != nil {
		return err
	}
	r, err := s.getRole(ctx, caller.Account, roleName)
	if err != nil {
		return err
	}
	if err := s.AuthorizePassRole(ctx, caller, r.ARN, "ec2.amazonaws.com", ""); err != nil {
		return err
	}
	return s.applyProfile(ctx, caller, profileName,
		func() error { return noSuchRole(roleName) },
		func(p *store.InstanceProfile) error {
			if p.RoleName != "" {
				return fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
			}
			p.RoleName = roleName
			return nil
		})
}

// RemoveRoleFromInstanceProfile takes a role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, caller Caller, profileName, roleName string) error {
	if err := ValidateName(roleName, "roleName", MaxRoleNameLen); err != nil {
		return err
	}
	return s.updateProfile(ctx, caller, "iam:RemoveRoleFromInstanceProfile", profileName, Keys{}, nil,
		func(p *store.InstanceProfile) error {
			if p.RoleName == "" || store.FoldName(p.RoleName) != store.FoldName(roleName) {
				return noSuchRole(roleName)
			}
			p.RoleName = ""
			return nil
		})
}

// DeleteInstanceProfile deletes an instance profile that holds no role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, caller Caller, name string) error {
	if err := s.authorizeProfile(ctx, caller, "iam:DeleteInstanceProfile", name, Keys{}); err != nil {
		return err
	}
	if _, err := s.getProfile(ctx, caller.Account, name); err != nil {
		return err
	}
	switch err := s.store.DeleteInstanceProfile(ctx, caller.Account, name); {
	case isNotFound(err):
		return noSuchProfile(name)
	case errors.Is(err, store.ErrDeleteConflict):
		return errRoleInProfile()
	case err != nil:
		return unexpected("delete instance profile", err)
	}
	return nil
}

// InstanceProfileTags: see RoleTags.
func (s *Service) InstanceProfileTags() TagOps {
	return TagOps{tagged{
		noun: "InstanceProfile",
		get: func(ctx context.Context, caller Caller, action, name string) ([]store.Tag, error) {
			if err := s.authorizeProfile(ctx, caller, action, name, Keys{}); err != nil {
				return nil, err
			}
			p, err := s.getProfile(ctx, caller.Account, name)
			return p.Tags, err
		},
		update: func(ctx context.Context, caller Caller, action, name string, req Keys, f func([]store.Tag) ([]store.Tag, error)) error {
			return s.updateProfile(ctx, caller, action, name, req, nil, func(p *store.InstanceProfile) (err error) {
				p.Tags, err = f(p.Tags)
				return err
			})
		},
	}}
}
