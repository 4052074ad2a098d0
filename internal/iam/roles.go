package iam

import (
	"context"
	"errors"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// checkDocument parses a policy document of kind k, turning the engine's
// error into an IAM error with the same message.
func checkDocument(doc string, k policy.Kind, opt policy.Options) error {
	_, err := parseDocument(doc, k, opt)
	return err
}

func parseDocument(doc string, k policy.Kind, opt policy.Options) (*policy.Document, error) {
	d, err := policy.ParseDocument([]byte(doc), k, opt)
	if err != nil {
		return nil, policyError(err)
	}
	return d, nil
}

// policyError is the IAM error for the engine's: its own (a malformed
// policy, or a document over IAM's quota), else a malformed policy.
func policyError(err error) error {
	if fe, ok := fault.As(err); ok {
		return fe
	}
	return malformed("Syntax errors in policy.")
}

// bindTrust checks a trust policy and binds the users and roles it names
// to their unique ids.
func (s *Service) bindTrust(ctx context.Context, doc string) (map[string]string, error) {
	d, err := parseDocument(doc, policy.Trust, policy.Options{})
	if err != nil {
		return nil, err
	}
	return s.BindPrincipals(ctx, d)
}

// shownRole is r as IAM shows it: its trust policy through
// ShowPrincipals.
func (s *Service) shownRole(ctx context.Context, r store.Role) (store.Role, error) {
	doc, err := s.ShowPrincipals(ctx, r.AssumeRolePolicyDocument, policy.Trust, r.TrustPrincipalIDs)
	if err != nil {
		return store.Role{}, err
	}
	r.AssumeRolePolicyDocument = doc
	return r, nil
}

func noSuchRole(name string) error {
	return fault.Errorf(fault.NotFound, "The role with name %s cannot be found.", name)
}

// CreateRoleInput is CreateRole's input.
type CreateRoleInput struct {
	RoleName                 string
	Path                     string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int // 0: 3600
	PermissionsBoundary      string
	Tags                     []Tag
}

// CreateRole creates a role with a trust policy.
func (s *Service) CreateRole(ctx context.Context, caller Caller, in CreateRoleInput) (store.Role, error) {
	path := defaultPath(in.Path)
	arn := entityARN(caller.Account, "role", path, in.RoleName)
	if err := s.Authorize(ctx, caller, "iam:CreateRole", arn, Keys{RequestTags: in.Tags, PermissionsBoundary: in.PermissionsBoundary}); err != nil {
		return store.Role{}, err
	}
	if err := ValidateName(in.RoleName, "roleName", MaxRoleNameLen); err != nil {
		return store.Role{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return store.Role{}, err
	}
	if err := validateDescription(in.Description); err != nil {
		return store.Role{}, err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = DefaultSessionDuration
	}
	if err := ValidateMaxSessionDuration(in.MaxSessionDuration); err != nil {
		return store.Role{}, err
	}
	trustIDs, err := s.bindTrust(ctx, in.AssumeRolePolicyDocument)
	if err != nil {
		return store.Role{}, err
	}
	tags, err := toStoreTags(in.Tags)
	if err != nil {
		return store.Role{}, err
	}
	if err := s.checkBoundary(ctx, caller.Account, in.PermissionsBoundary); err != nil {
		return store.Role{}, err
	}
	id, err := creds.NewUniqueID(s.rand, creds.PrefixRole)
	if err != nil {
		return store.Role{}, unexpected("create role", err)
	}
	r := store.Role{
		AccountID: caller.Account, Name: in.RoleName, Path: path, ID: id, ARN: arn,
		AssumeRolePolicyDocument: in.AssumeRolePolicyDocument, Description: in.Description,
		MaxSessionDuration: in.MaxSessionDuration, PermissionsBoundaryARN: in.PermissionsBoundary,
		Tags: tags, TrustPrincipalIDs: trustIDs, CreatedAt: s.now().UTC(),
	}
	switch err := s.store.CreateRole(ctx, r); {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Role{}, fault.Errorf(fault.AlreadyExists, "Role with name %s already exists.", in.RoleName)
	case err != nil:
		return store.Role{}, unexpected("create role", err)
	}
	return r, nil
}

func defaultPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func validateDescription(d string) error {
	if len([]rune(d)) > MaxDescriptionLen {
		return constraint(d, "description", "Member must have length less than or equal to 1000")
	}
	return nil
}

// checkBoundary checks that a permissions boundary ARN, when given, names
// a managed policy the account can see.
func (s *Service) checkBoundary(ctx context.Context, account, arn string) error {
	if arn == "" {
		return nil
	}
	switch _, err := s.store.GetManagedPolicy(ctx, account, arn); {
	case isNotFound(err):
		return fault.Errorf(fault.NotFound, "Scope ARN: %s does not exist or is not attachable.", arn)
	case err != nil:
		return unexpected("get permissions boundary", err)
	}
	return nil
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, caller Caller, name string) (store.Role, error) {
	// One read: the role's keys for the authorization, then the answer.
	r, err := s.store.GetRole(ctx, caller.Account, name)
	arn, keys := roleTargetOf(caller.Account, name, r, err)
	if err := s.Authorize(ctx, caller, "iam:GetRole", arn, keys); err != nil {
		return store.Role{}, err
	}
	if r, err = roleRead(name, r, err); err != nil {
		return store.Role{}, err
	}
	return s.shownRole(ctx, r)
}

func (s *Service) getRole(ctx context.Context, account, name string) (store.Role, error) {
	if err := ValidateName(name, "roleName", MaxRoleNameLen); err != nil {
		return store.Role{}, err
	}
	r, err := s.store.GetRole(ctx, account, name)
	return roleRead(name, r, err)
}

// roleRead is the outcome of reading the role name: a name that is not
// valid, or a role that does not exist, is the caller's error.
func roleRead(name string, r store.Role, err error) (store.Role, error) {
	if verr := ValidateName(name, "roleName", MaxRoleNameLen); verr != nil {
		return store.Role{}, verr
	}
	switch {
	case isNotFound(err):
		return store.Role{}, noSuchRole(name)
	case err != nil:
		return store.Role{}, unexpected("get role", err)
	}
	return r, nil
}

// ListInput selects entities by path and page.
type ListInput struct {
	PathPrefix string
	PageRequest
}

// ListRoles lists the account's roles under a path prefix, by name.
func (s *Service) ListRoles(ctx context.Context, caller Caller, in ListInput) (Page[store.Role], error) {
	if err := s.Authorize(ctx, caller, "iam:ListRoles", entityARN(caller.Account, "role", "/", ""), Keys{}); err != nil {
		return Page[store.Role]{}, err
	}
	if err := validatePathPrefix(in.PathPrefix); err != nil {
		return Page[store.Role]{}, err
	}
	roles, err := s.store.ListRoles(ctx, caller.Account, in.PathPrefix)
	if err != nil {
		return Page[store.Role]{}, unexpected("list roles", err)
	}
	p, err := paginate(roles, func(r store.Role) string { return r.Name }, in.PageRequest)
	if err != nil {
		return Page[store.Role]{}, err
	}
	for i := range p.Items {
		if p.Items[i], err = s.shownRole(ctx, p.Items[i]); err != nil {
			return Page[store.Role]{}, err
		}
	}
	return p, nil
}

func validatePathPrefix(p string) error {
	if p == "" {
		return nil
	}
	if len(p) > MaxPathLen || p[0] != '/' {
		return constraint(p, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7F {
			return constraint(p, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
		}
	}
	return nil
}

// DeleteRole deletes a role that has no policies.
func (s *Service) DeleteRole(ctx context.Context, caller Caller, name string) error {
	if err := s.authorizeRole(ctx, caller, "iam:DeleteRole", name, Keys{}); err != nil {
		return err
	}
	if _, err := s.getRole(ctx, caller.Account, name); err != nil {
		return err
	}
	p := store.Principal{AccountID: caller.Account, Kind: store.PrincipalRole, Name: name}
	if err := s.roleInUse(ctx, p); err != nil {
		return err
	}
	switch err := s.store.DeleteRole(ctx, caller.Account, name); {
	case isNotFound(err):
		return noSuchRole(name)
	case errors.Is(err, store.ErrDeleteConflict):
		// Put in use since roleInUse looked: say by what, if it still is.
		if err := s.roleInUse(ctx, p); err != nil {
			return err
		}
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	case err != nil:
		return unexpected("delete role", err)
	}
	return nil
}

// roleInUse is DeleteRole's conflict while the role has attached or
// inline policies or is in an instance profile, nil otherwise.
func (s *Service) roleInUse(ctx context.Context, p store.Principal) error {
	if att, err := s.store.ListAttachedPolicies(ctx, p); err == nil && len(att) > 0 {
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must detach all policies first.")
	}
	if inl, err := s.store.ListInlinePolicies(ctx, p); err == nil && len(inl) > 0 {
		return fault.Errorf(fault.DeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	if ps, err := s.store.ListInstanceProfilesForRole(ctx, p.AccountID, p.Name); err == nil && len(ps) > 0 {
		return errRoleInProfile()
	}
	return nil
}

// authorizeRole authorizes action on a role, with the role's keys and
// those of the request (req).
func (s *Service) authorizeRole(ctx context.Context, caller Caller, action, name string, req Keys) error {
	arn, keys := s.roleTarget(ctx, caller.Account, name)
	return s.Authorize(ctx, caller, action, arn, keys.with(req))
}

// updateRole authorizes action on the role (with the request's keys req)
// and applies update.
func (s *Service) updateRole(ctx context.Context, caller Caller, action, name string, req Keys, update func(*store.Role) error) (store.Role, error) {
	if err := s.authorizeRole(ctx, caller, action, name, req); err != nil {
		return store.Role{}, err
	}
	if err := ValidateName(name, "roleName", MaxRoleNameLen); err != nil {
		return store.Role{}, err
	}
	r, err := s.store.UpdateRole(ctx, caller.Account, name, update)
	var ie *fault.Error
	switch {
	case errors.As(err, &ie):
		return store.Role{}, err
	case isNotFound(err):
		return store.Role{}, noSuchRole(name)
	case err != nil:
		return store.Role{}, unexpected("update role", err)
	}
	return r, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, caller Caller, name, document string) error {
	ids, err := s.bindTrust(ctx, document)
	if err != nil {
		if aerr := s.authorizeRole(ctx, caller, "iam:UpdateAssumeRolePolicy", name, Keys{}); aerr != nil {
			return aerr
		}
		return err
	}
	_, err = s.updateRole(ctx, caller, "iam:UpdateAssumeRolePolicy", name, Keys{}, func(r *store.Role) error {
		r.AssumeRolePolicyDocument = document
		r.TrustPrincipalIDs = ids
		return nil
	})
	return err
}

// GetRoleAs returns a role after authorizing action on it.
func (s *Service) GetRoleAs(ctx context.Context, caller Caller, action, name string) (store.Role, error) {
	if err := s.authorizeRole(ctx, caller, action, name, Keys{}); err != nil {
		return store.Role{}, err
	}
	return s.getRole(ctx, caller.Account, name)
}

// UpdateRoleInput is UpdateRole's input; nil fields keep their values.
type UpdateRoleInput struct {
	RoleName           string
	Description        *string
	MaxSessionDuration *int
}

// UpdateRole changes a role's description or maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, caller Caller, in UpdateRoleInput) (store.Role, error) {
	return s.updateRoleSettings(ctx, caller, "iam:UpdateRole", in)
}

// UpdateRoleDescription changes a role's description and returns the
// role.
func (s *Service) UpdateRoleDescription(ctx context.Context, caller Caller, name, description string) (store.Role, error) {
	r, err := s.updateRoleSettings(ctx, caller, "iam:UpdateRoleDescription", UpdateRoleInput{RoleName: name, Description: &description})
	if err != nil {
		return store.Role{}, err
	}
	return s.shownRole(ctx, r)
}

func (s *Service) updateRoleSettings(ctx context.Context, caller Caller, action string, in UpdateRoleInput) (store.Role, error) {
	if in.Description != nil {
		if err := validateDescription(*in.Description); err != nil {
			return store.Role{}, err
		}
	}
	if in.MaxSessionDuration != nil {
		if err := ValidateMaxSessionDuration(*in.MaxSessionDuration); err != nil {
			return store.Role{}, err
		}
	}
	return s.updateRole(ctx, caller, action, in.RoleName, Keys{}, func(r *store.Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return nil
	})
}
