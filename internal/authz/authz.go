package authz

import (
	"github.com/podiam/podiam/internal/policy"
)

// Request is the request being decided.
type Request = policy.Request

// Set is the set of policies that apply to one request.
type Set struct {
	// Identity holds the caller's identity policies: inline and managed
	// policies of the user and its groups, or of the role.
	Identity []*policy.Policy
	// Boundary is the caller's permissions boundary; nil when it has none.
	Boundary *policy.Policy
	// Session holds the session policies passed when the caller's session
	// was created; empty when none were passed.
	Session []*policy.Policy
	// Resource is the resource-based policy, or the role's trust policy
	// when its Kind is policy.Trust; nil when the resource has none.
	Resource *policy.Policy
	// SCPs holds the service control policies of the caller's account,
	// one slice per level of the organization (root, OUs, account); at
	// every level some policy must allow.
	SCPs [][]*policy.Policy
}

// Decision is the outcome of an evaluation, named as IAM's simulator names
// it.
type Decision uint8

const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

var decisionNames = [...]string{"implicitDeny", "allowed", "explicitDeny"}

func (d Decision) String() string {
	if int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return "?"
}

// Reason says which kind of policy decided; denial messages are built from
// it.
type Reason uint8

const (
	ReasonNone Reason = iota
	// Explicit deny in a policy of this kind.
	DeniedBySCP
	DeniedByResource
	DeniedByIdentity
	DeniedByBoundary
	DeniedBySession
	// Implicit deny: no allow in policies of this kind.
	NoSCPAllow
	NoIdentityAllow
	NoBoundaryAllow
	NoSessionAllow
	NoResourceAllow // cross-account or anonymous: no resource policy allows
	NoTrustAllow    // the role's trust policy does not allow
	// Allowed by the identity side, or by the resource policy alone.
	AllowedByIdentity
	AllowedByResource
	AllowedByTrust // the role's trust policy allows the caller on its own
)

var reasonNames = [...]string{
	"", "scp-deny", "resource-deny", "identity-deny", "boundary-deny", "session-deny",
	"no-scp-allow", "no-identity-allow", "no-boundary-allow", "no-session-allow",
	"no-resource-allow", "no-trust-allow", "identity-allow", "resource-allow", "trust-allow",
}

var reasonTexts = [...]string{
	"",
	"an explicit deny in a service control policy",
	"an explicit deny in a resource-based policy",
	"an explicit deny in an identity-based policy",
	"an explicit deny in a permissions boundary",
	"an explicit deny in a session policy",
	"no service control policy allows the action",
	"no identity-based policy allows the action",
	"no permissions boundary allows the action",
	"no session policy allows the action",
	"no resource-based policy allows the action",
	"the role's trust policy does not allow the action",
	"an identity-based policy allows the action",
	"a resource-based policy allows the action",
	"the role's trust policy allows the action",
}

// Explain says in words why the decision was made, in the style of AWS's
// AccessDenied messages ("... because no identity-based policy allows the
// action").
func (r Reason) Explain() string {
	if int(r) < len(reasonTexts) {
		return reasonTexts[r]
	}
	return ""
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "?"
}

// Result is the outcome of [Evaluate]. Reuse one Result across calls to
// avoid allocation.
type Result struct {
	Decision Decision
	Reason   Reason
	// Statements are the statements that decided: for Allowed every Allow
	// statement that matched in the policies evaluated, for ExplicitDeny
	// every Deny statement that matched, for ImplicitDeny none.
	Statements []*policy.Rule
}

// source tags where a rule came from while evaluating.
type source uint8

const (
	fromSCP source = iota
	fromResource
	fromIdentity
	fromBoundary
	fromSession
)

// tally counts what matched in one evaluation.
type tally struct {
	deny        [5]bool
	allow       [5]bool
	scpLevelsOK int
	resMatch    uint16 // bit set of the principal matches of Allow statements in the resource policy
}

// Evaluate decides req against set and writes the outcome to out.
func Evaluate(req *Request, set *Set, out *Result) {
	out.Statements = out.Statements[:0]
	req.SetHasBoundary(set.Boundary != nil)
	var t tally
	scps := set.SCPs
	if !scpApplies(&req.Principal) {
		scps = nil
	}
	for _, level := range scps {
		ok := false
		for _, p := range level {
			ok = collect(req, p, fromSCP, &t, out) || ok
		}
		if ok {
			t.scpLevelsOK++
		}
	}
	if set.Resource != nil {
		collect(req, set.Resource, fromResource, &t, out)
	}
	if identityApplies(&req.Principal) {
		for _, p := range set.Identity {
			collect(req, p, fromIdentity, &t, out)
		}
		if set.Boundary != nil {
			collect(req, set.Boundary, fromBoundary, &t, out)
		}
		for _, p := range set.Session {
			collect(req, p, fromSession, &t, out)
		}
	}
	decide(req, set, len(scps), &t, out)
	if out.Reason == AllowedByResource && set.Resource.Kind == policy.Trust {
		out.Reason = AllowedByTrust
	}
	keep := policy.Allow
	switch out.Decision {
	case ExplicitDeny:
		keep = policy.Deny
	case ImplicitDeny:
		out.Statements = out.Statements[:0]
		return
	}
	n := 0
	for _, r := range out.Statements {
		if r.Effect == keep {
			out.Statements[n] = r
			n++
		}
	}
	out.Statements = out.Statements[:n]
}

// scpApplies reports whether service control policies limit the caller:
// they apply to the IAM principals of an account (users, roles and their
// sessions, the root) and to web identities assuming a role there, not to
// anonymous callers or AWS services.
func scpApplies(p *policy.Principal) bool {
	return p.Type != policy.Anonymous && p.Type != policy.Service
}

// identityApplies reports whether the caller has identity policies at all:
// anonymous callers, services and web identities have none.
func identityApplies(p *policy.Principal) bool {
	switch p.Type {
	case policy.Account, policy.User, policy.AssumedRole, policy.FederatedUser:
		return true
	}
	return false
}

// collect matches every rule of p, records matches in out and t, and
// reports whether some Allow rule matched.
func collect(req *Request, p *policy.Policy, from source, t *tally, out *Result) bool {
	allowed := false
	for i, pm := p.NextMatch(req, 0); i >= 0; i, pm = p.NextMatch(req, i+1) {
		r := &p.Rules[i]
		out.Statements = append(out.Statements, r)
		if r.Effect == policy.Deny {
			t.deny[from] = true
			continue
		}
		allowed = true
		t.allow[from] = true
		if from == fromResource {
			t.resMatch |= 1 << pm
		}
	}
	return allowed
}

// names reports whether an Allow in the resource policy named the caller
// in one of the ways given.
func (t *tally) names(ms ...policy.PrincipalMatch) bool {
	for _, m := range ms {
		if t.resMatch&(1<<m) != 0 {
			return true
		}
	}
	return false
}

var denyReasons = [5]Reason{DeniedBySCP, DeniedByResource, DeniedByIdentity, DeniedByBoundary, DeniedBySession}

func decide(req *Request, set *Set, scpLevels int, t *tally, out *Result) {
	for from, d := range t.deny {
		if d {
			out.Decision, out.Reason = ExplicitDeny, denyReasons[from]
			return
		}
	}
	deny := func(r Reason) { out.Decision, out.Reason = ImplicitDeny, r }
	allow := func(r Reason) { out.Decision, out.Reason = Allowed, r }

	if t.scpLevelsOK < scpLevels {
		deny(NoSCPAllow)
		return
	}
	p := &req.Principal
	trust := set.Resource != nil && set.Resource.Kind == policy.Trust
	resAllows := t.allow[fromResource]

	if !identityApplies(p) {
		// Anonymous callers, services and web identities are allowed only
		// by a resource (or trust) policy.
		if resAllows {
			allow(AllowedByResource)
		} else if trust {
			deny(NoTrustAllow)
		} else {
			deny(NoResourceAllow)
		}
		return
	}

	idAllows := t.allow[fromIdentity] || p.Type == policy.Account
	bAllows := set.Boundary == nil || t.allow[fromBoundary]
	// A role session without session policies is limited by its role's
	// policies alone; a federated user always has a session policy, and
	// is denied without one.
	sAllows := t.allow[fromSession] || (len(set.Session) == 0 && p.Type != policy.FederatedUser)
	// The identity side: identity policies, boundary and session policies
	// must all allow.
	identityReason := ReasonNone
	switch {
	case !idAllows:
		identityReason = NoIdentityAllow
	case !bAllows:
		identityReason = NoBoundaryAllow
	case !sAllows:
		identityReason = NoSessionAllow
	}

	crossAccount := req.ResourceAccount != "" && p.Account != "" && req.ResourceAccount != p.Account
	if crossAccount {
		switch {
		case identityReason != ReasonNone:
			deny(identityReason)
		case !resAllows && trust:
			deny(NoTrustAllow)
		case !resAllows:
			deny(NoResourceAllow)
		default:
			allow(AllowedByResource)
		}
		return
	}

	switch {
	case t.names(policy.MatchExact, policy.MatchFederated, policy.MatchService, policy.MatchCanonicalUser):
		// Names the user or the session: allows on its own.
		allow(AllowedByResource)
		return
	case t.names(policy.MatchAnyone) && sAllows:
		// "*" covers the caller itself, so no identity policy or boundary
		// is needed; a session policy still limits it, since "*" does not
		// name the session (AWS documents the exception only for the
		// session's own ARN).
		allow(AllowedByResource)
		return
	case t.names(policy.MatchRole) && bAllows && sAllows:
		// Names the role: the boundary and session policies still apply.
		allow(AllowedByResource)
		return
	}
	if trust && !resAllows {
		deny(NoTrustAllow)
		return
	}
	if identityReason != ReasonNone {
		deny(identityReason)
		return
	}
	allow(AllowedByIdentity)
}
