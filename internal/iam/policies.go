package iam

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

func noSuchPolicy(arn string) error {
	return fault.Errorf(fault.NotFound, "Policy %s was not found.", arn)
}

// CreatePolicyInput is CreatePolicy's input.
type CreatePolicyInput struct {
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
	Tags           []Tag
}

// CreatePolicy creates a customer-managed policy with version v1.
func (s *Service) CreatePolicy(ctx context.Context, caller Caller, in CreatePolicyInput) (store.ManagedPolicy, error) {
	path := defaultPath(in.Path)
	arn := entityARN(caller.Account, "policy", path, in.PolicyName)
	if err := s.Authorize(ctx, caller, "iam:CreatePolicy", arn, Keys{RequestTags: in.Tags}); err != nil {
		return store.ManagedPolicy{}, err
	}
	if err := ValidateName(in.PolicyName, "policyName", MaxPolicyNameLen); err != nil {
		return store.ManagedPolicy{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return store.ManagedPolicy{}, err
	}
	if err := validateDescription(in.Description); err != nil {
		return store.ManagedPolicy{}, err
	}
	if err := checkDocument(in.PolicyDocument, policy.Identity, policy.Options{}); err != nil {
		return store.ManagedPolicy{}, err
	}
	tags, err := toStoreTags(in.Tags)
	if err != nil {
		return store.ManagedPolicy{}, err
	}
	id, err := creds.NewUniqueID(s.rand, creds.PrefixPolicy)
	if err != nil {
		return store.ManagedPolicy{}, unexpected("create policy", err)
	}
	now := s.now().UTC()
	p := store.ManagedPolicy{
		AccountID: caller.Account, Name: in.PolicyName, Path: path, ID: id, ARN: arn,
		Description: in.Description, DefaultVersionID: "v1",
		Versions: []store.PolicyVersion{{ID: "v1", Document: in.PolicyDocument, CreatedAt: now}},
		Tags:     tags, CreatedAt: now,
	}
	switch err := s.store.CreateManagedPolicy(ctx, p); {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.ManagedPolicy{}, fault.Errorf(fault.AlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
	case err != nil:
		return store.ManagedPolicy{}, unexpected("create policy", err)
	}
	return p, nil
}

// GetPolicy returns a managed policy visible to the caller's account.
func (s *Service) GetPolicy(ctx context.Context, caller Caller, arn string) (store.ManagedPolicy, error) {
	if err := s.Authorize(ctx, caller, "iam:GetPolicy", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return store.ManagedPolicy{}, err
	}
	return s.getPolicy(ctx, caller.Account, arn)
}

func (s *Service) getPolicy(ctx context.Context, account, arn string) (store.ManagedPolicy, error) {
	if err := validatePolicyARN(arn); err != nil {
		return store.ManagedPolicy{}, err
	}
	p, err := s.store.GetManagedPolicy(ctx, account, arn)
	switch {
	case isNotFound(err):
		return store.ManagedPolicy{}, noSuchPolicy(arn)
	case err != nil:
		return store.ManagedPolicy{}, unexpected("get policy", err)
	}
	return p, nil
}

func validatePolicyARN(arn string) error {
	if len(arn) < 20 || len(arn) > 2048 || !strings.HasPrefix(arn, "arn:") {
		return constraint(arn, "policyArn", "Member must have length greater than or equal to 20")
	}
	if !strings.Contains(arn, ":policy/") {
		return fault.Errorf(fault.InvalidInput, "ARN %s is not valid.", arn)
	}
	return nil
}

// UpdateDate is when a policy last changed: when its default version was
// made.
func UpdateDate(p store.ManagedPolicy) store.PolicyVersion {
	for _, v := range p.Versions {
		if v.ID == p.DefaultVersionID {
			return v
		}
	}
	return store.PolicyVersion{CreatedAt: p.CreatedAt}
}

// PolicyVersion is one version of a managed policy and whether it is the
// default.
type PolicyVersion struct {
	store.PolicyVersion
	IsDefault bool
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, caller Caller, arn, versionID string) (PolicyVersion, error) {
	if err := s.Authorize(ctx, caller, "iam:GetPolicyVersion", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return PolicyVersion{}, err
	}
	p, err := s.getPolicy(ctx, caller.Account, arn)
	if err != nil {
		return PolicyVersion{}, err
	}
	for _, v := range p.Versions {
		if v.ID == versionID {
			return PolicyVersion{PolicyVersion: v, IsDefault: v.ID == p.DefaultVersionID}, nil
		}
	}
	return PolicyVersion{}, fault.Errorf(fault.NotFound, "Policy %s version %s does not exist or is not attachable.", arn, versionID)
}

// ListPoliciesInput is ListPolicies' input.
type ListPoliciesInput struct {
	Scope        string // "", "All", "AWS" or "Local"
	OnlyAttached bool
	PathPrefix   string
	PageRequest
}

// ListPolicies lists the managed policies visible to the account.
func (s *Service) ListPolicies(ctx context.Context, caller Caller, in ListPoliciesInput) (Page[store.ManagedPolicy], error) {
	if err := s.Authorize(ctx, caller, "iam:ListPolicies", entityARN(caller.Account, "policy", "/", ""), Keys{}); err != nil {
		return Page[store.ManagedPolicy]{}, err
	}
	var scope store.PolicyScope
	switch in.Scope {
	case "", "All":
		scope = store.ScopeAll
	case "AWS":
		scope = store.ScopeAWS
	case "Local":
		scope = store.ScopeLocal
	default:
		return Page[store.ManagedPolicy]{}, constraint(in.Scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
	}
	if err := validatePathPrefix(in.PathPrefix); err != nil {
		return Page[store.ManagedPolicy]{}, err
	}
	ps, err := s.store.ListManagedPolicies(ctx, caller.Account, store.PolicyFilter{Scope: scope, PathPrefix: in.PathPrefix, OnlyAttached: in.OnlyAttached})
	if err != nil {
		return Page[store.ManagedPolicy]{}, unexpected("list policies", err)
	}
	return paginate(ps, func(p store.ManagedPolicy) string { return p.Name + "\x00" + p.ARN }, in.PageRequest)
}

// DeletePolicy deletes a customer-managed policy that is attached nowhere
// and has only its default version.
func (s *Service) DeletePolicy(ctx context.Context, caller Caller, arn string) error {
	if err := s.Authorize(ctx, caller, "iam:DeletePolicy", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return err
	}
	p, err := s.ownPolicy(ctx, caller.Account, arn)
	if err != nil {
		return err
	}
	if p.AttachmentCount > 0 {
		return fault.Errorf(fault.DeleteConflict, "Cannot delete a policy attached to entities.")
	}
	switch n, err := s.boundaryUses(ctx, caller.Account, arn); {
	case err != nil:
		return err
	case n > 0:
		return fault.Errorf(fault.DeleteConflict, "Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return fault.Errorf(fault.DeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	switch err := s.store.DeleteManagedPolicy(ctx, caller.Account, arn); {
	case isNotFound(err):
		return noSuchPolicy(arn)
	case errors.Is(err, store.ErrDeleteConflict):
		return fault.Errorf(fault.DeleteConflict, "Cannot delete a policy attached to entities.")
	case err != nil:
		return unexpected("delete policy", err)
	}
	return nil
}

// ownPolicy returns a policy the account owns (and so may change).
func (s *Service) ownPolicy(ctx context.Context, account, arn string) (store.ManagedPolicy, error) {
	p, err := s.getPolicy(ctx, account, arn)
	if err != nil {
		return p, err
	}
	if p.AccountID != account {
		return store.ManagedPolicy{}, fault.Errorf(fault.InvalidInput, "Policy %s is managed by AWS and cannot be changed.", arn)
	}
	return p, nil
}

// updatePolicy applies update to a policy the account owns.
func (s *Service) updatePolicy(ctx context.Context, account, arn string, update func(*store.ManagedPolicy) error) (store.ManagedPolicy, error) {
	if _, err := s.ownPolicy(ctx, account, arn); err != nil {
		return store.ManagedPolicy{}, err
	}
	p, err := s.store.UpdateManagedPolicy(ctx, account, arn, update)
	var ie *fault.Error
	switch {
	case errors.As(err, &ie):
		return store.ManagedPolicy{}, err
	case isNotFound(err):
		return store.ManagedPolicy{}, noSuchPolicy(arn)
	case err != nil:
		return store.ManagedPolicy{}, unexpected("update policy", err)
	}
	return p, nil
}

// CreatePolicyVersion adds a version to a policy, at most 5 in all.
func (s *Service) CreatePolicyVersion(ctx context.Context, caller Caller, arn, document string, setAsDefault bool) (PolicyVersion, error) {
	if err := s.Authorize(ctx, caller, "iam:CreatePolicyVersion", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return PolicyVersion{}, err
	}
	if err := checkDocument(document, policy.Identity, policy.Options{}); err != nil {
		return PolicyVersion{}, err
	}
	var made store.PolicyVersion
	_, err := s.updatePolicy(ctx, caller.Account, arn, func(p *store.ManagedPolicy) error {
		if len(p.Versions) >= MaxPolicyVersions {
			return fault.Errorf(fault.LimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", MaxPolicyVersions)
		}
		next := 0
		for _, v := range p.Versions {
			if n, err := strconv.Atoi(strings.TrimPrefix(v.ID, "v")); err == nil && n > next {
				next = n
			}
		}
		made = store.PolicyVersion{ID: "v" + strconv.Itoa(next+1), Document: document, CreatedAt: s.now().UTC()}
		p.Versions = append(p.Versions, made)
		if setAsDefault {
			p.DefaultVersionID = made.ID
		}
		return nil
	})
	if err != nil {
		return PolicyVersion{}, err
	}
	return PolicyVersion{PolicyVersion: made, IsDefault: setAsDefault}, nil
}

// ListPolicyVersions lists a policy's versions, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, caller Caller, arn string, page PageRequest) (Page[PolicyVersion], error) {
	if err := s.Authorize(ctx, caller, "iam:ListPolicyVersions", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return Page[PolicyVersion]{}, err
	}
	p, err := s.getPolicy(ctx, caller.Account, arn)
	if err != nil {
		return Page[PolicyVersion]{}, err
	}
	out := make([]PolicyVersion, 0, len(p.Versions))
	for i := len(p.Versions) - 1; i >= 0; i-- {
		v := p.Versions[i]
		out = append(out, PolicyVersion{PolicyVersion: v, IsDefault: v.ID == p.DefaultVersionID})
	}
	// Keys sort with the order: newest (highest number) first.
	return paginate(out, func(v PolicyVersion) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(v.ID, "v"))
		return strconv.Itoa(1_000_000_000 - n)
	}, page)
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, caller Caller, arn, versionID string) error {
	if err := s.Authorize(ctx, caller, "iam:DeletePolicyVersion", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return err
	}
	_, err := s.updatePolicy(ctx, caller.Account, arn, func(p *store.ManagedPolicy) error {
		if versionID == p.DefaultVersionID {
			return fault.Errorf(fault.DeleteConflict, "Cannot delete the default version of a policy.")
		}
		for i, v := range p.Versions {
			if v.ID == versionID {
				p.Versions = append(p.Versions[:i:i], p.Versions[i+1:]...)
				return nil
			}
		}
		return fault.Errorf(fault.NotFound, "Policy %s version %s does not exist or is not attachable.", arn, versionID)
	})
	return err
}

// SetDefaultPolicyVersion makes a version the default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, caller Caller, arn, versionID string) error {
	if err := s.Authorize(ctx, caller, "iam:SetDefaultPolicyVersion", arn, s.policyTarget(ctx, caller, arn)); err != nil {
		return err
	}
	_, err := s.updatePolicy(ctx, caller.Account, arn, func(p *store.ManagedPolicy) error {
		for _, v := range p.Versions {
			if v.ID == versionID {
				p.DefaultVersionID = versionID
				return nil
			}
		}
		return fault.Errorf(fault.NotFound, "Policy %s version %s does not exist or is not attachable.", arn, versionID)
	})
	return err
}
