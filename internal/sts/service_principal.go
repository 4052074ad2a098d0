package sts

import (
	"context"
	"errors"
	"fmt"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// ServiceInput is what an AWS service asks when it assumes a role on a
// workload's behalf, as EKS Auth does for EKS Pod Identity: the service
// principal the role's trust policy must name (pods.eks.amazonaws.com),
// the session's name and duration, and the session tags the service sets
// (the cluster, namespace, ServiceAccount and pod of the workload), and
// the session policy it applies, if any.
type ServiceInput struct {
	Service         string
	RoleARN         string
	RoleSessionName string
	// DurationSeconds is the session's length, up to MaxRoleDuration (0:
	// the default). A service's session is not bound by the role's
	// MaxSessionDuration: EKS Pod Identity's last six hours whatever the
	// role's maximum.
	DurationSeconds   int
	Policy            string // an inline session policy; "" for none
	Tags              []Tag
	TransitiveTagKeys []string
	SourceIP          string
}

// AssumeRoleForService makes a session of a role for a service principal.
// The role's trust policy alone decides, as for any service principal:
// sts:AssumeRole must be allowed to the service and, when the service sets
// session tags, sts:TagSession too (the trust policy EKS Pod Identity
// documents allows both). The tags are checked as AssumeRole's are.
func (s *Service) AssumeRoleForService(ctx context.Context, in ServiceInput) (Result, error) {
	if in.Service == "" {
		return Result{}, fault.Errorf(fault.Validation, "A service principal is required")
	}
	if err := validateRoleARN(in.RoleARN); err != nil {
		return Result{}, err
	}
	if err := validateSessionName(in.RoleSessionName); err != nil {
		return Result{}, err
	}
	if err := validateDuration(in.DurationSeconds, MaxRoleDuration); err != nil {
		return Result{}, err
	}
	if err := validateTags(in.Tags, "tags"); err != nil {
		return Result{}, err
	}
	if err := s.checkSessionPolicies(in.Policy, nil); err != nil {
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
	denied := func(action, target string) error {
		return &fault.Error{Kind: fault.AccessDenied, Message: fmt.Sprintf("Service %s is not authorized to perform: %s on resource: %s", in.Service, action, target)}
	}
	ref, ok := parseRoleARN(in.RoleARN)
	if !ok {
		return Result{}, denied("sts:AssumeRole", in.RoleARN)
	}
	gen, err := s.generation(ctx)
	if err != nil {
		return Result{}, err
	}
	role, err := s.role(ctx, gen, ref)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Result{}, denied("sts:AssumeRole", in.RoleARN)
	case err != nil:
		return Result{}, err
	}
	set, err := s.trustSet(role, authz.Set{})
	if err != nil {
		return Result{}, err
	}
	t := &trustRequest{principal: policy.Principal{Type: policy.Service, ARN: in.Service}, role: role, set: set,
		context: map[string]string{}, sourceIP: in.SourceIP, sessionName: in.RoleSessionName, tags: tags, transitive: in.TransitiveTagKeys}
	if res := s.decide(ctx, t, "sts:AssumeRole"); res.Decision != authz.Allowed {
		return Result{}, denied("sts:AssumeRole", role.ARN)
	}
	if len(tags) > 0 {
		if res := s.decide(ctx, t, "sts:TagSession"); res.Decision != authz.Allowed {
			return Result{}, denied("sts:TagSession", role.ARN)
		}
	}
	return s.newRoleSession(role, sessionRequest{name: in.RoleSessionName, duration: in.DurationSeconds, policy: in.Policy, tags: tags,
		transitiveKeys: append([]string(nil), in.TransitiveTagKeys...), service: true, packedGiven: len(tags) > 0 || in.Policy != ""})
}
