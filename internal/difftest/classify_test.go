package difftest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/corpus"
	"github.com/podiam/podiam/internal/policy"
)

// category is a known kind of disagreement: a name, the side AWS's
// documentation supports, and a predicate that recognizes it. A category
// whose name starts with "podiam-bug-" is a defect in podiam: its
// disagreements still fail the test.
type category struct {
	name  string
	why   string
	match func(o *outcome) bool
}

// bugPrefix marks categories that are podiam's defects.
const bugPrefix = "podiam-bug-"

// categories are tried in order; the first that matches names the
// disagreement. docs/differential-testing.md has a row for each.
var categories = []category{
	{
		name:  bugPrefix + "scp-applies-to-non-iam-principal",
		why:   "SCPs limit only IAM users and roles (and root) of member accounts (Organizations User Guide, SCP effects on permissions); podiam applies them to anonymous and service-principal callers",
		match: scpOnNonIAMPrincipal,
	},
	{
		name:  bugPrefix + "role-match-hides-anyone",
		why:   "adding an Allow statement never takes access away (IAM User Guide, policy evaluation logic: any matching Allow counts); podiam ranks one principal match per policy, so a statement naming the session's role (limited by the boundary) hides a Principal \"*\" statement that allows on its own",
		match: roleMatchHidesAnyone,
	},
	{
		name:  "version-2008-variables",
		why:   "policy variables are literal text under Version 2008-10-17 or without Version (IAM User Guide, Version element and policy variables); iam-simulate substitutes them (NOTES.md (k))",
		match: version2008Variables,
	},
	{
		name:  "single-valued-operator-on-multivalued-key",
		why:   "iam-simulate never lets an operator without ForAllValues/ForAnyValue match a multi-valued key (NOTES.md (l)); the IAM User Guide (multivalued context keys) calls this usage unsupported, not false, and podiam compares each value",
		match: singleOperatorOnMultiKey,
	},
	{
		name:  "role-arn-without-path",
		why:   "a role principal is the role's full ARN, path included (IAM User Guide, Principal element, IAM role principals); iam-simulate compares role names only (NOTES.md (b))",
		match: roleARNWithoutPath,
	},
	{
		name:  "unresolved-variable-negated-operator",
		why:   "a variable with no value is effectively null and a negated operator such as StringNotEquals matches it (IAM User Guide, policy variables with no value); iam-simulate makes the whole condition false (NOTES.md (d))",
		match: unresolvedVariableNegated,
	},
	{
		name:  "federated-user-without-session-policy",
		why:   "a GetFederationToken session without a session policy has no identity-based permissions (IAM User Guide, permissions for GetFederationToken); iam-simulate does not model it",
		match: federatedWithoutSessionPolicy,
	},
	{
		name:  "unresolved-variable-in-notresource",
		why:   "a NotResource entry whose variable has no value matches no resource, so the statement applies to every resource (IAM User Guide, policy variables with no value); iam-simulate drops the statement",
		match: unresolvedVariableNotResource,
	},
	{
		name:  "null-operator-on-empty-set",
		why:   "a multi-valued key with no values is a null dataset, which Null with false is documented to reject (IAM User Guide, condition operators, ForAllValues and Null); iam-simulate counts [] as present (NOTES.md (e))",
		match: nullOnEmptySet,
	},
	{
		name:  "ipv4-zero-prefix",
		why:   "0.0.0.0/0 covers every IPv4 address (RFC 4632; IAM User Guide, IP address condition operators take CIDR notation); iam-simulate matches nothing with it",
		match: ipv4ZeroPrefix,
	},
	{
		name:  "not-ip-bare-address-other-family",
		why:   "NotIpAddress holds for an address outside every listed address or range (IAM User Guide, IP address condition operators); iam-simulate makes it false when a bare address in the policy is of the other IP family",
		match: notIPBareOtherFamily,
	},
	{
		name:  "for-any-value-if-exists-missing-key",
		why:   "IfExists makes a condition true when its key is absent, with no exception for set operators (IAM User Guide, condition operators, ...IfExists); iam-simulate ignores IfExists after ForAnyValue, so the condition is false",
		match: forAnyValueIfExistsMissing,
	},
	{
		name:  "session-policy-vs-session-arn",
		why:   "a same-account resource policy that names the session's own ARN is not limited by the session policy (IAM User Guide, session policies); iam-simulate lets the session policy's implicit deny win (NOTES.md (b))",
		match: sessionPolicyVsSessionARN,
	},
}

// classify names the category of a disagreement, or "" when none fits.
func classify(o *outcome) string {
	for i := range categories {
		if categories[i].match(o) {
			return categories[i].name
		}
	}
	return ""
}

// policyRef is one policy of a case with its statements parsed loosely.
type policyRef struct {
	kind  string // identity, boundary, session, resource, trust, scp
	name  string
	doc   document
	stmts []statement
}

// policiesOf parses every policy of c; a document that does not parse is
// skipped (the engine would not have built the case).
func policiesOf(c *corpus.Case) []policyRef {
	var out []policyRef
	add := func(kind string, np *corpus.NamedPolicy) {
		if np == nil {
			return
		}
		var raw struct {
			Version   string          `json:"Version"`
			Statement json.RawMessage `json:"Statement"`
		}
		if json.Unmarshal(np.Document, &raw) != nil {
			return
		}
		p := policyRef{kind: kind, name: np.Name, doc: document{Version: raw.Version}}
		var one statement
		if json.Unmarshal(raw.Statement, &p.stmts) != nil {
			if json.Unmarshal(raw.Statement, &one) != nil {
				return
			}
			p.stmts = []statement{one}
		}
		out = append(out, p)
	}
	ps := &c.Policies
	for i := range ps.Identity {
		add("identity", &ps.Identity[i])
	}
	add("boundary", ps.Boundary)
	for i := range ps.Session {
		add("session", &ps.Session[i])
	}
	add("resource", ps.Resource)
	add("trust", ps.Trust)
	for i := range ps.SCPs {
		add("scp", &ps.SCPs[i])
	}
	return out
}

// strs turns a JSON string-or-list value into a list.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	return nil
}

// principalValues lists the AWS values of a Principal element.
func principalValues(p any) []string {
	m, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	return strs(m["AWS"])
}

var variableRe = regexp.MustCompile(`\$\{([^}]*)\}`)

func version2008Variables(o *outcome) bool {
	for _, p := range policiesOf(o.Case) {
		if p.doc.Version == policy.Version2012 {
			continue
		}
		b, _ := json.Marshal(p.stmts)
		if variableRe.Match(b) {
			return true
		}
	}
	return false
}

// conditions calls fn for every operator/key/values of every statement.
func eachCondition(c *corpus.Case, fn func(p *policyRef, s *statement, op, key string, vals []string) bool) bool {
	ps := policiesOf(c)
	for i := range ps {
		for j := range ps[i].stmts {
			s := &ps[i].stmts[j]
			for op, keys := range s.Condition {
				for key, v := range keys {
					if fn(&ps[i], s, op, key, strs(v)) {
						return true
					}
				}
			}
		}
	}
	return false
}

func singleOperatorOnMultiKey(o *outcome) bool {
	return eachCondition(o.Case, func(_ *policyRef, _ *statement, op, key string, _ []string) bool {
		if strings.Contains(op, ":") || strings.HasPrefix(op, "Null") {
			return false
		}
		_, multi, ok := o.Req.Context.Get(key)
		return ok && multi
	})
}

func roleARNWithoutPath(o *outcome) bool {
	p := &o.Req.Principal
	if p.Type != policy.AssumedRole {
		return false
	}
	name := p.RoleARN[strings.LastIndexByte(p.RoleARN, '/')+1:]
	for _, pol := range policiesOf(o.Case) {
		for _, s := range pol.stmts {
			for _, v := range append(principalValues(s.Principal), principalValues(s.NotPrincipal)...) {
				if v != p.RoleARN && strings.HasPrefix(v, "arn:aws:iam::"+p.Account+":role/") &&
					strings.EqualFold(v[strings.LastIndexByte(v, '/')+1:], name) {
					return true
				}
			}
		}
	}
	return false
}

// negatedOps are the operators that hold when no value matches.
var negatedOps = []string{"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}

func unresolvedVariableNegated(o *outcome) bool {
	return eachCondition(o.Case, func(_ *policyRef, _ *statement, op, _ string, vals []string) bool {
		base := op[strings.IndexByte(op, ':')+1:]
		base = strings.TrimSuffix(base, "IfExists")
		if !contains(negatedOps, base) {
			return false
		}
		for _, v := range vals {
			for _, m := range variableRe.FindAllStringSubmatch(v, -1) {
				key, _, hasDefault := strings.Cut(m[1], ",")
				if hasDefault {
					continue
				}
				vals, multi, ok := o.Req.Context.Get(strings.TrimSpace(key))
				if !ok || multi || len(vals) != 1 {
					return true
				}
			}
		}
		return false
	})
}

func federatedWithoutSessionPolicy(o *outcome) bool {
	if o.Req.Principal.Type != policy.FederatedUser || len(o.Case.Policies.Session) != 0 {
		return false
	}
	// With a session policy that allows everything, podiam answers as
	// iam-simulate does: the missing session policy made the difference.
	d, ok := podiamWith(o, func(c *corpus.Case) {
		c.Policies.Session = []corpus.NamedPolicy{*named("allow-all", document{Version: policy.Version2012,
			Statement: []statement{{Effect: "Allow", Action: "*", Resource: "*"}}})}
	})
	return ok && d.String() == o.Oracle.Decision
}

func sessionPolicyVsSessionARN(o *outcome) bool {
	p := &o.Req.Principal
	if len(o.Case.Policies.Session) == 0 || o.Podiam.Decision != authz.Allowed || o.Podiam.Reason != authz.AllowedByResource {
		return false
	}
	for _, pol := range policiesOf(o.Case) {
		if pol.kind != "resource" && pol.kind != "trust" {
			continue
		}
		for _, s := range pol.stmts {
			if s.Effect == "Allow" && contains(principalValues(s.Principal), p.ARN) {
				return true
			}
		}
	}
	return false
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// podiamWith reevaluates the case with podiam after change has edited a
// copy of it, and returns the decision; ok is false when the edited case
// does not build.
func podiamWith(o *outcome, change func(c *corpus.Case)) (d authz.Decision, ok bool) {
	c := *o.Case
	change(&c)
	req, set, err := c.Build()
	if err != nil {
		return 0, false
	}
	var res authz.Result
	authz.Evaluate(req, set, &res)
	return res.Decision, true
}

func scpOnNonIAMPrincipal(o *outcome) bool {
	switch o.Req.Principal.Type {
	case policy.Anonymous, policy.Service:
	default:
		return false
	}
	if len(o.Case.Policies.SCPs) == 0 {
		return false
	}
	d, ok := podiamWith(o, func(c *corpus.Case) { c.Policies.SCPs = nil })
	return ok && d.String() == o.Oracle.Decision
}

// unresolved reports whether a ${...} in s has no value in the request
// and no default.
func unresolved(o *outcome, s string) bool {
	for _, m := range variableRe.FindAllStringSubmatch(s, -1) {
		key, _, hasDefault := strings.Cut(m[1], ",")
		if hasDefault {
			continue
		}
		vals, multi, ok := o.Req.Context.Get(strings.TrimSpace(key))
		if !ok || multi || len(vals) != 1 {
			return true
		}
	}
	return false
}

func unresolvedVariableNotResource(o *outcome) bool {
	for _, p := range policiesOf(o.Case) {
		if p.doc.Version != policy.Version2012 {
			continue
		}
		for _, s := range p.stmts {
			for _, r := range strs(s.NotResource) {
				if unresolved(o, r) {
					return true
				}
			}
		}
	}
	return false
}

func nullOnEmptySet(o *outcome) bool {
	return eachCondition(o.Case, func(_ *policyRef, _ *statement, op, key string, _ []string) bool {
		if op != "Null" {
			return false
		}
		vals, multi, ok := o.Req.Context.Get(key)
		return ok && multi && len(vals) == 0
	})
}

// ipOperator reports whether op is IpAddress or NotIpAddress, with any
// qualifier or IfExists.
func ipOperator(op string) (base string, ok bool) {
	base = op[strings.IndexByte(op, ':')+1:]
	base = strings.TrimSuffix(base, "IfExists")
	return base, base == "IpAddress" || base == "NotIpAddress"
}

func ipv4ZeroPrefix(o *outcome) bool {
	return eachCondition(o.Case, func(_ *policyRef, _ *statement, op, key string, vals []string) bool {
		if _, ok := ipOperator(op); !ok || !contains(vals, "0.0.0.0/0") {
			return false
		}
		rv, _, ok := o.Req.Context.Get(key)
		return ok && slices.ContainsFunc(rv, func(v string) bool { return !strings.Contains(v, ":") })
	})
}

func notIPBareOtherFamily(o *outcome) bool {
	return eachCondition(o.Case, func(_ *policyRef, _ *statement, op, key string, vals []string) bool {
		if base, ok := ipOperator(op); !ok || base != "NotIpAddress" {
			return false
		}
		rv, _, ok := o.Req.Context.Get(key)
		if !ok {
			return false
		}
		for _, pv := range vals {
			if strings.Contains(pv, "/") {
				continue
			}
			for _, v := range rv {
				if strings.Contains(pv, ":") != strings.Contains(v, ":") {
					return true
				}
			}
		}
		return false
	})
}

func roleMatchHidesAnyone(o *outcome) bool {
	p := &o.Req.Principal
	if p.Type != policy.AssumedRole || o.Podiam.Decision != authz.ImplicitDeny || o.Oracle.Decision != "allowed" {
		return false
	}
	// Without the Allow statements that name the role, podiam allows: a
	// statement podiam ranked higher had hidden one that allows.
	d, ok := podiamWith(o, func(c *corpus.Case) {
		ps := &c.Policies
		if ps.Resource != nil {
			ps.Resource = dropStatements(ps.Resource, func(s *statement) bool {
				return s.Effect == "Allow" && contains(principalValues(s.Principal), p.RoleARN)
			})
		}
		if ps.Trust != nil {
			ps.Trust = dropStatements(ps.Trust, func(s *statement) bool {
				return s.Effect == "Allow" && contains(principalValues(s.Principal), p.RoleARN)
			})
		}
	})
	return ok && d == authz.Allowed
}

// dropStatements returns a copy of np without the statements drop
// reports; np itself when none is dropped or none would be left.
func dropStatements(np *corpus.NamedPolicy, drop func(s *statement) bool) *corpus.NamedPolicy {
	var doc struct {
		Version   string            `json:"Version,omitempty"`
		Statement []json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal(np.Document, &doc) != nil {
		return np
	}
	kept := doc.Statement[:0:0]
	for _, raw := range doc.Statement {
		var s statement
		if json.Unmarshal(raw, &s) == nil && drop(&s) {
			continue
		}
		kept = append(kept, raw)
	}
	if len(kept) == len(doc.Statement) || len(kept) == 0 {
		return np
	}
	doc.Statement = kept
	b, err := json.Marshal(doc)
	if err != nil {
		return np
	}
	return &corpus.NamedPolicy{Name: np.Name, Document: b}
}

func forAnyValueIfExistsMissing(o *outcome) bool {
	return eachCondition(o.Case, func(_ *policyRef, _ *statement, op, key string, _ []string) bool {
		return strings.HasPrefix(op, "ForAnyValue:") && strings.HasSuffix(op, "IfExists") && !o.Req.Context.Has(key)
	})
}
