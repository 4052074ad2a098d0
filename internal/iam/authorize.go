package iam

import (
	"context"
	"fmt"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// Authorize decides whether caller may perform action (iam:CreateRole) on
// resource (an ARN), with the condition keys that the resource and the
// request give (keys) besides the caller's own. The root user is always
// allowed; an IAM user or a role session is allowed when its identity
// policies (attached managed policies at their default versions, and
// inline policies) allow. A denial is a *fault.Error of kind AccessDenied
// with // AWS's message.
func (s *Service) Authorize(ctx context.Context, caller Caller, action, resource string, keys Keys) error {
	if caller.Root && caller.Session == nil {
		report(ctx, Decision{Action: action, Resource: resource, Decision: "allowed", Reason: "root"})
		return nil
	}
	if caller.Session != nil && caller.Session.Kind == creds.UserSession && strings.HasPrefix(action, "iam:") {
		// Credentials from GetSessionToken without MFA may not call IAM.
		report(ctx, Decision{Action: action, Resource: resource, Decision: "implicitDeny", Reason: "session-without-mfa"})
		return &fault.Error{Kind: fault.AccessDenied, Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because temporary credentials from GetSessionToken without MFA cannot call IAM", caller.ARN, action, resource)}
	}
	id, err := s.CallerIdentity(ctx, caller)
	if err != nil {
		return err
	}
	if id.Principal.Type == policy.Account {
		report(ctx, Decision{Action: action, Resource: resource, Decision: "allowed", Reason: "root"})
		return nil
	}
	if id.Principal.Type != policy.User && id.Principal.Type != policy.AssumedRole {
		return s.denied(caller, action, resource, authz.NoIdentityAllow)
	}
	req := &authz.Request{Principal: id.Principal, Action: action, Resource: resource}
	for k, v := range id.Context {
		req.Context.Set(k, v)
	}
	keys.Apply(&req.Context, action)
	var res authz.Result
	authz.Evaluate(req, &id.Set, &res)
	d := Decision{Action: action, Resource: resource, Decision: res.Decision.String(), Reason: res.Reason.String(), Keys: req.Context}
	for _, r := range res.Statements {
		d.Statements = append(d.Statements, r.Ref())
	}
	report(ctx, d)
	if res.Decision == authz.Allowed {
		return nil
	}
	return s.denied(caller, action, resource, res.Reason)
}

func (s *Service) denied(caller Caller, action, resource string, reason authz.Reason) error {
	// AWS says "User:" for every kind of principal.
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s ", caller.ARN, action, resource)
	switch reason {
	case authz.DeniedByIdentity, authz.DeniedByBoundary, authz.DeniedBySession:
		msg += "with " + reason.Explain()
	case authz.NoBoundaryAllow, authz.NoSessionAllow:
		msg += "because " + strings.TrimSuffix(reason.Explain(), "the action") + "the " + action + " action"
	default:
		msg += "because no identity-based policy allows the " + action + " action"
	}
	return &fault.Error{Kind: fault.AccessDenied, Message: msg}
}

// identityPolicies loads and compiles the policies of a user or role. A
// principal that no longer exists has none.
func (s *Service) identityPolicies(ctx context.Context, p store.Principal) (*authz.Set, error) {
	set := &authz.Set{}
	attached, err := s.store.ListAttachedPolicies(ctx, p)
	if isNotFound(err) {
		return set, nil
	}
	if err != nil {
		return nil, unexpected("authorize", err)
	}
	for _, a := range attached {
		mp, err := s.store.GetManagedPolicy(ctx, p.AccountID, a.PolicyARN)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, unexpected("authorize", err)
		}
		for _, v := range mp.Versions {
			if v.ID == mp.DefaultVersionID {
				pol, err := s.compiled.get(mp.ARN, v.Document)
				if err != nil {
					return nil, unexpected("authorize: stored policy "+mp.ARN, err)
				}
				set.Identity = append(set.Identity, pol)
			}
		}
	}
	inline, err := s.store.ListInlinePolicies(ctx, p)
	if err != nil && !isNotFound(err) {
		return nil, unexpected("authorize", err)
	}
	for _, ip := range inline {
		pol, err := s.compiled.get(ip.Name, ip.Document)
		if err != nil {
			return nil, unexpected("authorize: stored inline policy "+ip.Name, err)
		}
		set.Identity = append(set.Identity, pol)
	}
	return set, nil
}
