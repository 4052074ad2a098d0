package eks

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// AssociatedPolicy is an access policy associated with an access entry.
type AssociatedPolicy struct {
	PolicyARN    string
	Scope        accesspolicy.Scope
	AssociatedAt time.Time
	ModifiedAt   time.Time
}

// AccessPolicy is an access policy of the catalog, as ListAccessPolicies
// shows it.
type AccessPolicy struct{ Name, ARN string }

func policyView(p store.AssociatedAccessPolicy) AssociatedPolicy {
	return AssociatedPolicy{PolicyARN: p.PolicyARN, Scope: accesspolicy.Scope{Type: p.ScopeType, Namespaces: slices.Clone(p.Namespaces)},
		AssociatedAt: p.AssociatedAt, ModifiedAt: p.ModifiedAt}
}

// lookupPolicy finds an access policy of the catalog by ARN.
func lookupPolicy(policyARN string) (accesspolicy.Policy, error) {
	p, ok := accesspolicy.Lookup(policyARN)
	if !ok {
		return accesspolicy.Policy{}, invalidParameter("The policyArn %q names no access policy: see ListAccessPolicies.", policyARN)
	}
	return p, nil
}

func scopeKeys(policyARN string, scope accesspolicy.Scope) iam.Keys {
	k := iam.Keys{Values: map[string]string{"eks:policyArn": policyARN}}
	if scope.Type != "" {
		k.Values["eks:accessScope"] = scope.Type
	}
	if len(scope.Namespaces) > 0 {
		k.Lists = map[string][]string{"eks:namespaces": scope.Namespaces}
	}
	return k
}

// ListAccessPolicies returns a page of the access policies podiam
// serves.
func (s *Service) ListAccessPolicies(ctx context.Context, c iam.Caller, page PageRequest) (Page[AccessPolicy], error) {
	if err := s.authorize(ctx, c, "ListAccessPolicies", "*", iam.Keys{}); err != nil {
		return Page[AccessPolicy]{}, err
	}
	var all []AccessPolicy
	for _, p := range accesspolicy.Catalog() {
		all = append(all, AccessPolicy{Name: p.Name, ARN: p.ARN})
	}
	return paginate(all, func(p AccessPolicy) string { return p.Name }, page, 100)
}

// AssociateAccessPolicy associates an access policy with a STANDARD
// access entry in a scope; associating a policy again replaces its scope.
func (s *Service) AssociateAccessPolicy(ctx context.Context, c iam.Caller, cluster, principalARN, policyARN string, scope accesspolicy.Scope) (AssociatedPolicy, error) {
	rec, err := s.authorizedEntry(ctx, c, "AssociateAccessPolicy", cluster, principalARN, scopeKeys(policyARN, scope))
	if err != nil {
		return AssociatedPolicy{}, err
	}
	if _, err := lookupPolicy(policyARN); err != nil {
		return AssociatedPolicy{}, err
	}
	if err := scope.Validate(); err != nil {
		return AssociatedPolicy{}, invalidParameter("The accessScope is not valid: %s.", err.Error())
	}
	if rec.Type != TypeStandard {
		return AssociatedPolicy{}, invalidParameter("Access policies can be associated only with access entries of type STANDARD, not %s.", rec.Type)
	}
	now := s.now()
	var out store.AssociatedAccessPolicy
	_, err = s.cfg.Store.UpdateAccessEntry(ctx, c.Account, cluster, principalARN, func(e *store.AccessEntry) error {
		p := store.AssociatedAccessPolicy{PolicyARN: policyARN, ScopeType: scope.Type, Namespaces: slices.Clone(scope.Namespaces),
			AssociatedAt: now, ModifiedAt: now}
		if i := slices.IndexFunc(e.Policies, func(p store.AssociatedAccessPolicy) bool { return p.PolicyARN == policyARN }); i >= 0 {
			p.AssociatedAt = e.Policies[i].AssociatedAt
			e.Policies[i] = p
		} else {
			e.Policies = append(e.Policies, p)
		}
		out = p
		return nil
	})
	switch {
	case isNotFound(err):
		return AssociatedPolicy{}, entryNotFound(cluster, principalARN)
	case err != nil:
		return AssociatedPolicy{}, fault.Internal("associate access policy", err)
	}
	return policyView(out), nil
}

// DisassociateAccessPolicy removes an access policy from an entry.
func (s *Service) DisassociateAccessPolicy(ctx context.Context, c iam.Caller, cluster, principalARN, policyARN string) error {
	rec, err := s.cfg.Store.GetAccessEntry(ctx, c.Account, cluster, principalARN)
	if err != nil && !isNotFound(err) {
		return fault.Internal("get access entry", err)
	}
	var scope accesspolicy.Scope
	if i := slices.IndexFunc(rec.Policies, func(p store.AssociatedAccessPolicy) bool { return p.PolicyARN == policyARN }); i >= 0 {
		scope = policyView(rec.Policies[i]).Scope
	}
	if _, err := s.authorizedEntry(ctx, c, "DisassociateAccessPolicy", cluster, principalARN, scopeKeys(policyARN, scope)); err != nil {
		return err
	}
	notAssociated := fault.Errorf(fault.NotFound, "The access policy %s is not associated with the access entry of %s.", policyARN, principalARN)
	_, err = s.cfg.Store.UpdateAccessEntry(ctx, c.Account, cluster, principalARN, func(e *store.AccessEntry) error {
		n := len(e.Policies)
		e.Policies = slices.DeleteFunc(e.Policies, func(p store.AssociatedAccessPolicy) bool { return p.PolicyARN == policyARN })
		if len(e.Policies) == n {
			return notAssociated
		}
		if len(e.Policies) == 0 {
			e.Policies = nil
		}
		return nil
	})
	switch {
	case errors.Is(err, notAssociated):
		return err
	case isNotFound(err):
		return entryNotFound(cluster, principalARN)
	case err != nil:
		return fault.Internal("disassociate access policy", err)
	}
	return nil
}

// ListAssociatedAccessPolicies returns a page of an entry's policies, by
// ARN.
func (s *Service) ListAssociatedAccessPolicies(ctx context.Context, c iam.Caller, cluster, principalARN string, page PageRequest) (Page[AssociatedPolicy], error) {
	rec, err := s.authorizedEntry(ctx, c, "ListAssociatedAccessPolicies", cluster, principalARN, iam.Keys{})
	if err != nil {
		return Page[AssociatedPolicy]{}, err
	}
	all := make([]AssociatedPolicy, 0, len(rec.Policies))
	for _, p := range rec.Policies {
		all = append(all, policyView(p))
	}
	slices.SortFunc(all, func(a, b AssociatedPolicy) int {
		switch {
		case a.PolicyARN < b.PolicyARN:
			return -1
		case a.PolicyARN > b.PolicyARN:
			return 1
		}
		return 0
	})
	return paginate(all, func(p AssociatedPolicy) string { return p.PolicyARN }, page, 100)
}
