package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/store"
)

// The entity filters of GetAccountAuthorizationDetails, as IAM spells them.
const (
	FilterUser               = "User"
	FilterRole               = "Role"
	FilterGroup              = "Group"
	FilterLocalManagedPolicy = "LocalManagedPolicy"
	FilterAWSManagedPolicy   = "AWSManagedPolicy"
)

var entityFilters = []string{FilterUser, FilterRole, FilterGroup, FilterLocalManagedPolicy, FilterAWSManagedPolicy}

// PrincipalDetail is a user or role with its inline and attached
// policies.
type PrincipalDetail struct {
	Inline   []store.InlinePolicy
	Attached []AttachedPolicy
}

// UserDetail is a user with its policies.
type UserDetail struct {
	User store.User
	PrincipalDetail
}

// RoleDetail is a role with its policies and the instance profiles that
// hold it.
type RoleDetail struct {
	Role store.Role
	PrincipalDetail
	InstanceProfiles []InstanceProfile
}

// AuthorizationDetails is one page of GetAccountAuthorizationDetails:
// users, then roles, then managed policies (the account's own and the
// AWS-managed ones attached in the account), each with every version.
type AuthorizationDetails struct {
	Users       []UserDetail
	Roles       []RoleDetail
	Policies    []store.ManagedPolicy
	IsTruncated bool
	Marker      string
}

// detailEntry is one item of the combined listing that pages cut.
type detailEntry struct {
	key    string // orders users, groups, roles, policies, then by name
	user   *store.User
	role   *store.Role
	policy *store.ManagedPolicy
}

// GetAccountAuthorizationDetails returns the account's users, roles and
// managed policies with their relationships, filtered by kind (no filter:
// every kind) and paged over all kinds together. The account has no groups.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, caller Caller, filter []string, page PageRequest) (AuthorizationDetails, error) {
	if err := s.Authorize(ctx, caller, "iam:GetAccountAuthorizationDetails", "*", Keys{}); err != nil {
		return AuthorizationDetails{}, err
	}
	for _, f := range filter {
		if !slices.Contains(entityFilters, f) {
			return AuthorizationDetails{}, constraint(f, "filter", "Member must satisfy constraint: [Member must satisfy enum value set: [LocalManagedPolicy, Role, Group, User, AWSManagedPolicy]]")
		}
	}
	want := func(f string) bool { return len(filter) == 0 || slices.Contains(filter, f) }
	var entries []detailEntry
	if want(FilterUser) {
		users, err := s.store.ListUsers(ctx, caller.Account, "")
		if err != nil {
			return AuthorizationDetails{}, unexpected("list users", err)
		}
		for i := range users {
			entries = append(entries, detailEntry{key: "1" + users[i].Name, user: &users[i]})
		}
	}
	if want(FilterRole) {
		roles, err := s.store.ListRoles(ctx, caller.Account, "")
		if err != nil {
			return AuthorizationDetails{}, unexpected("list roles", err)
		}
		for i := range roles {
			entries = append(entries, detailEntry{key: "3" + roles[i].Name, role: &roles[i]})
		}
	}
	if want(FilterLocalManagedPolicy) || want(FilterAWSManagedPolicy) {
		local, err := s.store.ListManagedPolicies(ctx, caller.Account, store.PolicyFilter{Scope: store.ScopeLocal, OnlyAttached: false})
		if err != nil {
			return AuthorizationDetails{}, unexpected("list policies", err)
		}
		aws, err := s.store.ListManagedPolicies(ctx, caller.Account, store.PolicyFilter{Scope: store.ScopeAWS, OnlyAttached: true})
		if err != nil {
			return AuthorizationDetails{}, unexpected("list policies", err)
		}
		var ps []store.ManagedPolicy
		if want(FilterLocalManagedPolicy) {
			ps = append(ps, local...)
		}
		if want(FilterAWSManagedPolicy) {
			ps = append(ps, aws...)
		}
		slices.SortFunc(ps, func(a, b store.ManagedPolicy) int { return strings.Compare(policyKey(a), policyKey(b)) })
		for i := range ps {
			entries = append(entries, detailEntry{key: "4" + policyKey(ps[i]), policy: &ps[i]})
		}
	}
	p, err := paginate(entries, func(e detailEntry) string { return e.key }, page)
	if err != nil {
		return AuthorizationDetails{}, err
	}
	out := AuthorizationDetails{IsTruncated: p.IsTruncated, Marker: p.Marker}
	for _, e := range p.Items {
		switch {
		case e.user != nil:
			d, err := s.principalDetail(ctx, store.Principal{AccountID: caller.Account, Kind: store.PrincipalUser, Name: e.user.Name})
			if err != nil {
				return AuthorizationDetails{}, err
			}
			out.Users = append(out.Users, UserDetail{User: *e.user, PrincipalDetail: d})
		case e.role != nil:
			d, err := s.principalDetail(ctx, store.Principal{AccountID: caller.Account, Kind: store.PrincipalRole, Name: e.role.Name})
			if err != nil {
				return AuthorizationDetails{}, err
			}
			r, err := s.shownRole(ctx, *e.role)
			if err != nil {
				return AuthorizationDetails{}, err
			}
			ps, err := s.store.ListInstanceProfilesForRole(ctx, caller.Account, e.role.Name)
			if err != nil && !isNotFound(err) { // not found: deleted since it was listed
				return AuthorizationDetails{}, unexpected("list instance profiles for role", err)
			}
			profiles, err := s.shownProfiles(ctx, ps)
			if err != nil {
				return AuthorizationDetails{}, err
			}
			out.Roles = append(out.Roles, RoleDetail{Role: r, PrincipalDetail: d, InstanceProfiles: profiles})
		default:
			out.Policies = append(out.Policies, *e.policy)
		}
	}
	return out, nil
}

func policyKey(p store.ManagedPolicy) string { return p.Name + "\x00" + p.ARN }

// principalDetail reads a user's or role's inline and attached policies.
func (s *Service) principalDetail(ctx context.Context, p store.Principal) (PrincipalDetail, error) {
	var d PrincipalDetail
	inline, err := s.store.ListInlinePolicies(ctx, p)
	switch {
	case isNotFound(err): // deleted since it was listed
		return d, nil
	case err != nil:
		return d, unexpected("list inline policies", err)
	}
	d.Inline = inline
	atts, err := s.store.ListAttachedPolicies(ctx, p)
	switch {
	case isNotFound(err):
		return d, nil
	case err != nil:
		return d, unexpected("list attached policies", err)
	}
	for _, a := range atts {
		mp, err := s.store.GetManagedPolicy(ctx, p.AccountID, a.PolicyARN)
		if err != nil {
			continue
		}
		d.Attached = append(d.Attached, AttachedPolicy{PolicyName: mp.Name, PolicyARN: mp.ARN})
	}
	return d, nil
}
