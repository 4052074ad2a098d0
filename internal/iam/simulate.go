package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// ContextEntry is a condition key and its values for a simulation; Type
// is one of AWS's ContextKeyType values (string, stringList, numeric,
// ...).
type ContextEntry struct {
	Key    string
	Values []string
	Type   string
}

// SimulateInput is the input of SimulateCustomPolicy (PolicyInputList)
// and SimulatePrincipalPolicy (PolicySourceARN, and PolicyInputList as
// extra policies of the principal).
type SimulateInput struct {
	PolicyInputList                    []string
	PolicySourceARN                    string
	PermissionsBoundaryPolicyInputList []string
	ActionNames                        []string
	ResourceARNs                       []string // default "*"
	ResourcePolicy                     string
	ResourceOwner                      string // an account's ARN or id
	CallerARN                          string
	ContextEntries                     []ContextEntry
	PageRequest
}

// MatchedStatement names a statement that decided a simulated request:
// the policy it belongs to and the kind of that policy (user, role,
// aws-managed, user-managed, resource or none), as IAM's simulator names
// them.
type MatchedStatement struct {
	SourcePolicyID   string
	SourcePolicyType string
}

// EvaluationResult is the outcome of one action on one resource.
type EvaluationResult struct {
	Action, Resource  string
	Decision          string // allowed, explicitDeny, implicitDeny
	MatchedStatements []MatchedStatement
	// AllowedByBoundary is set when a permissions boundary applied.
	AllowedByBoundary *bool
	// MissingContextValues, for a simulation on "*", names the condition
	// keys of statements about the action that no context entry gave.
	MissingContextValues []string

	seq int // position in the simulation, for paging
}

// simulatedUser is the caller of SimulateCustomPolicy when the request
// names none: an IAM user of the caller's account.
const simulatedUser = "SimulatedUser"

var contextKeyTypes = []string{
	"string", "stringList", "numeric", "numericList", "boolean", "booleanList",
	"ip", "ipList", "binary", "binaryList", "date", "dateList",
}

// simulation is what a simulation evaluates: the policies, where each
// came from, and the caller.
type simulation struct {
	set     authz.Set
	sources map[*policy.Policy]MatchedStatement
	caller  policy.Principal
}

func (sim *simulation) add(name, typ, doc string, k policy.Kind) (*policy.Policy, error) {
	if err := checkDocument(doc, k, policy.Options{MaxSize: -1}); err != nil {
		return nil, err
	}
	p, err := policy.Parse(name, []byte(doc), k, policy.Options{MaxSize: -1})
	if err != nil {
		return nil, err
	}
	sim.sources[p] = MatchedStatement{SourcePolicyID: name, SourcePolicyType: typ}
	return p, nil
}

// SimulateCustomPolicy evaluates each action on each resource against the
// policies given.
func (s *Service) SimulateCustomPolicy(ctx context.Context, caller Caller, in SimulateInput) (Page[EvaluationResult], error) {
	if err := s.Authorize(ctx, caller, "iam:SimulateCustomPolicy", "*", Keys{}); err != nil {
		return Page[EvaluationResult]{}, err
	}
	if len(in.PolicyInputList) == 0 {
		return Page[EvaluationResult]{}, constraint("null", "policyInputList", "Member must not be null")
	}
	sim := &simulation{sources: map[*policy.Policy]MatchedStatement{}}
	for i, doc := range in.PolicyInputList {
		p, err := sim.add(fmt.Sprintf("PolicyInputList.%d", i+1), "none", doc, policy.Identity)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		sim.set.Identity = append(sim.set.Identity, p)
	}
	callerARN := in.CallerARN
	if callerARN == "" {
		callerARN = entityARN(caller.Account, "user", "/", simulatedUser)
	}
	return s.simulate(sim, callerARN, in)
}

// SimulatePrincipalPolicy evaluates each action on each resource against
// the policies of a user or role: its attached and inline policies, any
// given in PolicyInputList, and its permissions boundary (or the one
// given in PermissionsBoundaryPolicyInputList instead).
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, caller Caller, in SimulateInput) (Page[EvaluationResult], error) {
	if err := s.Authorize(ctx, caller, "iam:SimulatePrincipalPolicy", in.PolicySourceARN, s.entityTarget(ctx, caller, in.PolicySourceARN)); err != nil {
		return Page[EvaluationResult]{}, err
	}
	a, err := arn.Parse(in.PolicySourceARN)
	typ, rest, _ := strings.Cut(a.Resource, "/")
	if err != nil || a.Service != "iam" || (typ != "user" && typ != "role") || rest == "" {
		return Page[EvaluationResult]{}, fault.Errorf(fault.InvalidInput, "Invalid ARN: Could not be parsed!")
	}
	if a.Account != caller.Account {
		return Page[EvaluationResult]{}, fault.Errorf(fault.NotFound, "The entity %s cannot be found.", in.PolicySourceARN)
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	owner := store.Principal{AccountID: caller.Account, Name: name}
	var boundaryARN string
	if typ == "user" {
		owner.Kind = store.PrincipalUser
		u, err := s.getUser(ctx, caller.Account, name)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		boundaryARN = u.PermissionsBoundaryARN
	} else {
		owner.Kind = store.PrincipalRole
		r, err := s.getRole(ctx, caller.Account, name)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		boundaryARN = r.PermissionsBoundaryARN
	}
	sim := &simulation{sources: map[*policy.Policy]MatchedStatement{}}
	if err := s.loadPrincipal(ctx, sim, owner, typ); err != nil {
		return Page[EvaluationResult]{}, err
	}
	for i, doc := range in.PolicyInputList {
		p, err := sim.add(fmt.Sprintf("PolicyInputList.%d", i+1), "none", doc, policy.Identity)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		sim.set.Identity = append(sim.set.Identity, p)
	}
	if boundaryARN != "" && len(in.PermissionsBoundaryPolicyInputList) == 0 {
		mp, err := s.getPolicy(ctx, caller.Account, boundaryARN)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		typ := "user-managed"
		if mp.AccountID == "" {
			typ = "aws-managed"
		}
		p, err := sim.add(mp.Name, typ, UpdateDate(mp).Document, policy.Identity)
		if err != nil {
			return Page[EvaluationResult]{}, unexpected("simulate: stored policy "+mp.ARN, err)
		}
		sim.set.Boundary = p
	}
	callerARN := in.CallerARN
	if callerARN == "" {
		callerARN = in.PolicySourceARN
	}
	return s.simulate(sim, callerARN, in)
}

// loadPrincipal adds a user's or role's attached and inline policies.
func (s *Service) loadPrincipal(ctx context.Context, sim *simulation, owner store.Principal, kind string) error {
	attached, err := s.store.ListAttachedPolicies(ctx, owner)
	if err != nil && !isNotFound(err) {
		return unexpected("simulate", err)
	}
	for _, at := range attached {
		mp, err := s.store.GetManagedPolicy(ctx, owner.AccountID, at.PolicyARN)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return unexpected("simulate", err)
		}
		typ := "user-managed"
		if mp.AccountID == "" {
			typ = "aws-managed"
		}
		p, err := sim.add(mp.Name, typ, UpdateDate(mp).Document, policy.Identity)
		if err != nil {
			return unexpected("simulate: stored policy "+mp.ARN, err)
		}
		sim.set.Identity = append(sim.set.Identity, p)
	}
	inline, err := s.store.ListInlinePolicies(ctx, owner)
	if err != nil && !isNotFound(err) {
		return unexpected("simulate", err)
	}
	for _, ip := range inline {
		p, err := sim.add(ip.Name, kind, ip.Document, policy.Identity)
		if err != nil {
			return unexpected("simulate: stored inline policy "+ip.Name, err)
		}
		sim.set.Identity = append(sim.set.Identity, p)
	}
	return nil
}

// simulate checks the rest of the input and evaluates every action on
// every resource.
func (s *Service) simulate(sim *simulation, callerARN string, in SimulateInput) (Page[EvaluationResult], error) {
	if len(in.ActionNames) == 0 {
		return Page[EvaluationResult]{}, constraint("null", "actionNames", "Member must not be null")
	}
	principal, err := policy.ParsePrincipal(callerARN)
	if err != nil {
		return Page[EvaluationResult]{}, fault.Errorf(fault.InvalidInput, "Invalid CallerArn %s.", callerARN)
	}
	sim.caller = principal
	switch len(in.PermissionsBoundaryPolicyInputList) {
	case 0:
	case 1:
		p, err := sim.add("PermissionsBoundaryPolicyInputList.1", "none", in.PermissionsBoundaryPolicyInputList[0], policy.Identity)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		sim.set.Boundary = p
	default:
		return Page[EvaluationResult]{}, fault.Errorf(fault.InvalidInput, "Only one permissions boundary policy can be simulated.")
	}
	if in.ResourcePolicy != "" {
		p, err := sim.add("ResourcePolicy", "resource", in.ResourcePolicy, policy.Resource)
		if err != nil {
			return Page[EvaluationResult]{}, err
		}
		sim.set.Resource = p
	}
	owner := ""
	if in.ResourceOwner != "" {
		if a, err := arn.Parse(in.ResourceOwner); err == nil && arn.IsAccountID(a.Account) {
			owner = a.Account
		} else if arn.IsAccountID(in.ResourceOwner) {
			owner = in.ResourceOwner
		} else {
			return Page[EvaluationResult]{}, fault.Errorf(fault.InvalidInput, "Invalid ResourceOwner %s.", in.ResourceOwner)
		}
	}
	for _, e := range in.ContextEntries {
		if e.Key == "" {
			return Page[EvaluationResult]{}, constraint("null", "contextKeyName", "Member must not be null")
		}
		if !contains(contextKeyTypes, e.Type) {
			return Page[EvaluationResult]{}, constraint(e.Type, "contextKeyType", "Member must satisfy enum value set: ["+strings.Join(contextKeyTypes, ", ")+"]")
		}
	}
	resources := in.ResourceARNs
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var out []EvaluationResult
	var res, bres authz.Result
	for _, action := range in.ActionNames {
		for _, resource := range resources {
			req := &authz.Request{Principal: sim.caller, Action: action, Resource: resource, ResourceAccount: owner}
			for _, e := range in.ContextEntries {
				if strings.HasSuffix(e.Type, "List") || len(e.Values) != 1 {
					req.Context.SetMulti(e.Key, e.Values...)
				} else {
					req.Context.Set(e.Key, e.Values[0])
				}
			}
			authz.Evaluate(req, &sim.set, &res)
			r := EvaluationResult{Action: action, Resource: resource, Decision: res.Decision.String(), seq: len(out)}
			for _, st := range res.Statements {
				r.MatchedStatements = append(r.MatchedStatements, sim.sources[st.Policy])
			}
			if resource == "*" {
				r.MissingContextValues = sim.missingKeys(req, in.ContextEntries)
			}
			if sim.set.Boundary != nil {
				// The boundary alone, as if it were the only identity policy.
				authz.Evaluate(req, &authz.Set{Identity: []*policy.Policy{sim.set.Boundary}}, &bres)
				ok := bres.Decision == authz.Allowed
				r.AllowedByBoundary = &ok
			}
			out = append(out, r)
		}
	}
	return paginate(out, func(r EvaluationResult) string { return fmt.Sprintf("%010d", r.seq) }, in.PageRequest)
}

// missingKeys lists, sorted and once each, the condition keys of the
// simulation's statements about req's action that no context entry gives.
func (sim *simulation) missingKeys(req *authz.Request, given []ContextEntry) []string {
	have := map[string]bool{}
	for _, e := range given {
		have[strings.ToLower(e.Key)] = true
	}
	seen := map[string]bool{}
	var out []string
	for p := range sim.sources {
		for i := range p.Rules {
			r := &p.Rules[i]
			if !r.MatchAction(req) || r.Index >= len(p.Document.Statements) {
				continue
			}
			for _, c := range p.Document.Statements[r.Index].Condition {
				k := strings.ToLower(c.Key)
				if !have[k] && !seen[k] {
					seen[k] = true
					out = append(out, c.Key)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
