package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// AssumeRoleInput is AssumeRole's input.
type AssumeRoleInput struct {
	RoleARN           string
	RoleSessionName   string
	DurationSeconds   int // 0: default
	Policy            string
	PolicyARNs        []string
	Tags              []Tag
	TransitiveTagKeys []string
	ExternalID        string
	SourceIdentity    string
	SourceIP          string
}

// AssumeRole makes a session of a role for caller (a user, a root or a
// session). The role's trust policy and the caller's own policies decide
// together, as the policy engine does for any resource policy: across
// accounts both must allow; in the role's account a trust policy that
// names the caller (or its role) allows on its own, and one that names
// the account needs the caller's identity policies too. A session made
// from a role session is chained: it lasts at most an hour and inherits
// the caller's transitive tags and source identity.
func (s *Service) AssumeRole(ctx context.Context, caller iam.Caller, in AssumeRoleInput) (Result, error) {
	if err := validateRoleARN(in.RoleARN); err != nil {
		return Result{}, err
	}
	if err := validateSessionName(in.RoleSessionName); err != nil {
		return Result{}, err
	}
	if err := validateDuration(in.DurationSeconds, MaxRoleDuration); err != nil {
		return Result{}, err
	}
	if err := validateExternalID(in.ExternalID); err != nil {
		return Result{}, err
	}
	if err := validateSourceIdentity(in.SourceIdentity); err != nil {
		return Result{}, err
	}
	if err := validateTags(in.Tags, "tags"); err != nil {
		return Result{}, err
	}
	if len(in.TransitiveTagKeys) > MaxSessionTags {
		return Result{}, constraint(fmt.Sprintf("[%d keys]", len(in.TransitiveTagKeys)), "transitiveTagKeys", "Member must have length less than or equal to 50")
	}
	if err := s.checkSessionPolicies(in.Policy, in.PolicyARNs); err != nil {
		return Result{}, err
	}
	tags := make([]creds.SessionTag, len(in.Tags))
	for i, t := range in.Tags {
		tags[i] = creds.SessionTag{Key: t.Key, Value: t.Value}
	}
	for _, k := range in.TransitiveTagKeys {
		if !hasTag(tags, k) {
			return Result{}, fault.Errorf(fault.InvalidParameter, "The transitive tag key %s is not among the session tags of the request", k)
		}
	}
	transitive := append([]string(nil), in.TransitiveTagKeys...)
	sourceIdentity := in.SourceIdentity

	// What a calling role session passes on.
	chained := caller.Session != nil && caller.Session.Kind == creds.RoleSession
	if caller.Session != nil {
		prev := caller.Session
		for _, k := range prev.TransitiveKeys {
			for _, t := range prev.Tags {
				if !strings.EqualFold(t.Key, k) {
					continue
				}
				if hasTag(tags, t.Key) {
					return Result{}, fault.Errorf(fault.InvalidParameter, "The session tag %s conflicts with a transitive tag that the calling session passes on; a chained session cannot set it again", t.Key)
				}
				tags = append(tags, t)
				transitive = append(transitive, t.Key)
			}
		}
		if prev.SourceIdentity != "" {
			if sourceIdentity != "" && sourceIdentity != prev.SourceIdentity {
				return Result{}, fault.Errorf(fault.InvalidParameter, "The source identity of a session cannot be changed along a role chain: the calling session's is %s", prev.SourceIdentity)
			}
			sourceIdentity = prev.SourceIdentity
		}
	}

	id, err := s.ids.CallerIdentity(ctx, caller)
	if err != nil {
		return Result{}, err
	}
	if id.Principal.Type == policy.Account {
		// As on AWS: a root user (or a session of one) enters roles only
		// through an IAM user or role of its account.
		return Result{}, fault.Errorf(fault.AccessDenied, "Roles may not be assumed by root accounts.")
	}
	denied := func(action, target string, reason authz.Reason) error {
		msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", caller.ARN, action, target)
		if reason != authz.ReasonNone && reason != authz.NoTrustAllow {
			msg += " because " + reason.Explain()
		}
		return &fault.Error{Kind: fault.AccessDenied, Message: msg}
	}
	ref, ok := parseRoleARN(in.RoleARN)
	if !ok {
		return Result{}, denied("sts:AssumeRole", in.RoleARN, authz.ReasonNone)
	}
	gen, err := s.generation(ctx)
	if err != nil {
		return Result{}, err
	}
	role, err := s.role(ctx, gen, ref)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Result{}, denied("sts:AssumeRole", in.RoleARN, authz.ReasonNone)
	case err != nil:
		return Result{}, err
	}
	set, err := s.trustSet(role, id.Set)
	if err != nil {
		return Result{}, err
	}
	keys := map[string]string{}
	for k, v := range id.Context {
		keys[k] = v
	}
	if in.ExternalID != "" {
		keys["sts:ExternalId"] = in.ExternalID
	}
	t := &trustRequest{principal: id.Principal, role: role, set: set, context: keys, sourceIP: in.SourceIP,
		sessionName: in.RoleSessionName, sourceIdentity: sourceIdentity, tags: tags, transitive: transitive}
	decide := func(action string) authz.Result { return s.decide(ctx, t, action) }
	if res := decide("sts:AssumeRole"); res.Decision != authz.Allowed {
		return Result{}, denied("sts:AssumeRole", role.ARN, res.Reason)
	}
	if len(in.Tags) > 0 {
		if res := decide("sts:TagSession"); res.Decision != authz.Allowed {
			return Result{}, denied("sts:TagSession", role.ARN, res.Reason)
		}
	}
	if in.SourceIdentity != "" {
		if res := decide("sts:SetSourceIdentity"); res.Decision != authz.Allowed {
			return Result{}, denied("sts:SetSourceIdentity", role.ARN, res.Reason)
		}
	}
	return s.newRoleSession(role, sessionRequest{
		name: in.RoleSessionName, duration: in.DurationSeconds, policy: in.Policy, policyARNs: in.PolicyARNs,
		tags: tags, transitiveKeys: transitive, sourceIdentity: sourceIdentity, chained: chained,
		packedGiven: in.Policy != "" || len(in.PolicyARNs) > 0 || len(in.Tags) > 0,
	})
}
