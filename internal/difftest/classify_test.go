package difftest

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/corpus"
	"github.com/podiam/podiam/internal/policy"
)

// category is a known kind of disagreement between podiam and
// iam-simulate.
//
// match is a cheap test for the construct behind the difference. edit
// returns a copy of the case with that construct taken out, or rewritten
// into a form both engines read alike; a disagreement is put in the
// category only if match holds and both sides then agree on the edited
// case. So a category cannot hide a second, unknown difference in the
// same case.
//
// A category whose name starts with bugPrefix is a defect in podiam: its
// disagreements still fail the test until the engine is fixed.
type category struct {
	name  string
	why   string // which side AWS's documentation supports, and why
	match func(o *outcome) bool
	edit  func(o *outcome, c *corpus.Case)
}

const bugPrefix = "podiam-bug-"

// categories are tried in order. docs/differential-testing.md has a row
// for each.
var categories = []category{
	{
		name:  "version-2008-variables",
		why:   "under Version 2008-10-17, or without Version, ${...} is literal text (IAM User Guide, Version element; policy variables); iam-simulate substitutes variables whatever the version (NOTES.md (k))",
		match: version2008Variables,
		edit:  setVersion2012,
	},
	{
		name:  "single-valued-operator-on-multivalued-key",
		why:   "AWS requires ForAllValues or ForAnyValue with a multi-valued key and does not define the bare operator on one (IAM User Guide, single-valued vs multivalued context keys); podiam compares every value (any match, or none for a negated operator); iam-simulate never matches (NOTES.md (l))",
		match: singleOperatorOnMultiKey,
		edit:  qualifyMultiKeyOperators,
	},
	{
		name:  "role-arn-without-path",
		why:   "a role is named in Principal by its full ARN, path included (IAM User Guide, Principal element, IAM role principals); iam-simulate compares role names only (NOTES.md (b))",
		match: roleARNWithoutPath,
		edit:  fullRoleARNs,
	},
	{
		name:  "unresolved-variable-negated-operator",
		why:   "a variable with no value is effectively null, and negated operators such as StringNotEquals match it (IAM User Guide, policy variables with no value); iam-simulate makes the whole condition false (NOTES.md (d))",
		match: unresolvedVariableNegated,
		edit:  dropUnresolvedNegatedValues,
	},
	{
		name:  "unresolved-variable-in-notresource",
		why:   "a Resource or NotResource entry whose variable has no value matches no resource (IAM User Guide, policy variables with no value), so NotResource covers the request; iam-simulate drops the statement",
		match: unresolvedVariableNotResource,
		edit:  dropUnresolvedNotResources,
	},
	{
		name:  "null-operator-on-empty-set",
		why:   "a multi-valued key with no values is a null dataset, which Null with \"false\" is documented to reject (IAM User Guide, condition operators: ForAllValues and the Null check); iam-simulate counts [] as present (NOTES.md (e))",
		match: nullOnEmptySet,
		edit:  resolveNullOnEmptySets,
	},
	{
		name:  "for-any-value-if-exists-missing-key",
		why:   "IfExists makes a condition true when its key is absent, and AWS states no exception for set operators (IAM User Guide, condition operators, ...IfExists); iam-simulate ignores IfExists after ForAnyValue",
		match: forAnyValueIfExistsMissing,
		edit:  dropForAnyValueIfExistsMissing,
	},
	{
		name:  "ipv4-zero-prefix",
		why:   "0.0.0.0/0 is the CIDR block of every IPv4 address (IAM User Guide, IP address condition operators take RFC 4632 CIDR notation); iam-simulate matches nothing with it",
		match: ipv4ZeroPrefix,
		edit:  splitZeroPrefix,
	},
	{
		name:  "not-ip-bare-address-other-family",
		why:   "NotIpAddress holds for an address outside every listed address and range (IAM User Guide, IP address condition operators); iam-simulate makes it false when a bare address in the policy belongs to the other IP family",
		match: notIPBareOtherFamily,
		edit:  bareAddressesAsPrefixes,
	},
	{
		name:  "federated-user-without-session-policy",
		why:   "a GetFederationToken session without a session policy has no identity-based permissions; only resource policies naming the session grant (IAM User Guide, permissions for GetFederationToken); iam-simulate does not model it",
		match: federatedWithoutSessionPolicy,
		edit:  addAllowAllSessionPolicy,
	},
	{
		name:  "session-policy-vs-session-arn",
		why:   "a same-account resource policy that names the session's own ARN grants past the session policy (IAM User Guide, session policies); iam-simulate lets the session policy's implicit deny win (NOTES.md (b))",
		match: sessionPolicyVsSessionARN,
		edit:  func(_ *outcome, c *corpus.Case) { c.Policies.Session = nil },
	},
}

// candidates lists the categories whose construct is in the case.
func candidates(o *outcome) []*category {
	var out []*category
	for i := range categories {
		if categories[i].match(o) {
			out = append(out, &categories[i])
		}
	}
	return out
}

// edited returns a copy of o's case with the edits of cats applied in
// turn. Policies are copied before they are edited; the original case
// stays as it was.
func edited(o *outcome, cats ...*category) corpus.Case {
	c := *o.Case
	c.Name += "~" + cats[0].name
	c.Request.Context = maps.Clone(c.Request.Context)
	ps := &c.Policies
	ps.Identity = slices.Clone(ps.Identity)
	ps.Session = slices.Clone(ps.Session)
	ps.SCPs = slices.Clone(ps.SCPs)
	for _, cat := range cats {
		cat.edit(o, &c)
	}
	return c
}

// editDoc is a policy document opened for editing: statements stay
// generic so that nothing the edit does not touch changes.
type editDoc struct {
	Version   string           `json:"Version,omitempty"`
	ID        string           `json:"Id,omitempty"`
	Statement []map[string]any `json:"Statement"`
}

func openDoc(np *corpus.NamedPolicy) (*editDoc, bool) {
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal(np.Document, &raw) != nil {
		return nil, false
	}
	d := &editDoc{Version: raw.Version, ID: raw.ID}
	if json.Unmarshal(raw.Statement, &d.Statement) != nil {
		var one map[string]any
		if json.Unmarshal(raw.Statement, &one) != nil {
			return nil, false
		}
		d.Statement = []map[string]any{one}
	}
	return d, true
}

// editPolicies applies fn to every policy of c and stores the result in
// place of the original (a new NamedPolicy; the old one is not touched).
func editPolicies(c *corpus.Case, fn func(kind string, d *editDoc)) {
	do := func(kind string, np *corpus.NamedPolicy) *corpus.NamedPolicy {
		if np == nil {
			return nil
		}
		d, ok := openDoc(np)
		if !ok {
			return np
		}
		fn(kind, d)
		b, err := json.Marshal(d)
		if err != nil {
			return np
		}
		return &corpus.NamedPolicy{Name: np.Name, Document: b}
	}
	ps := &c.Policies
	for i := range ps.Identity {
		ps.Identity[i] = *do("identity", &ps.Identity[i])
	}
	ps.Boundary = do("boundary", ps.Boundary)
	for i := range ps.Session {
		ps.Session[i] = *do("session", &ps.Session[i])
	}
	ps.Resource = do("resource", ps.Resource)
	ps.Trust = do("trust", ps.Trust)
	for i := range ps.SCPs {
		ps.SCPs[i] = *do("scp", &ps.SCPs[i])
	}
}

// editConditions calls fn for every operator/key of every statement of c;
// fn returns the new values, or nil to delete the key. Operators and
// Condition blocks left empty are deleted.
func editConditions(c *corpus.Case, fn func(version, op, key string, vals []string) []string) {
	editPolicies(c, func(_ string, d *editDoc) {
		for _, st := range d.Statement {
			cond, _ := st["Condition"].(map[string]any)
			for op, keys := range cond {
				km, _ := keys.(map[string]any)
				for key, v := range km {
					if nv := fn(d.Version, op, key, strs(v)); nv == nil {
						delete(km, key)
					} else {
						km[key] = nv
					}
				}
				if len(km) == 0 {
					delete(cond, op)
				}
			}
			if cond != nil && len(cond) == 0 {
				delete(st, "Condition")
			}
		}
	})
}

// policyRef is one policy of a case with its statements parsed loosely.
type policyRef struct {
	kind  string // identity, boundary, session, resource, trust, scp
	doc   *editDoc
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
		d, ok := openDoc(np)
		if !ok {
			return
		}
		p := policyRef{kind: kind, doc: d}
		b, _ := json.Marshal(d.Statement)
		if json.Unmarshal(b, &p.stmts) != nil {
			return
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

// eachCondition reports whether fn holds for some operator/key/values of
// some statement of c.
func eachCondition(c *corpus.Case, fn func(version, op, key string, vals []string) bool) bool {
	for _, p := range policiesOf(c) {
		for _, s := range p.stmts {
			for op, keys := range s.Condition {
				for key, v := range keys {
					if fn(p.doc.Version, op, key, strs(v)) {
						return true
					}
				}
			}
		}
	}
	return false
}

// strs turns a JSON string-or-list value into a list of strings; numbers
// and booleans become their JSON text.
func strs(v any) []string {
	one := func(e any) (string, bool) {
		switch x := e.(type) {
		case string:
			return x, true
		case float64, bool:
			b, _ := json.Marshal(x)
			return string(b), true
		}
		return "", false
	}
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := one(e); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	if s, ok := one(v); ok {
		return []string{s}
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

// baseOperator strips the set qualifier and IfExists from op.
func baseOperator(op string) string {
	return strings.TrimSuffix(op[strings.IndexByte(op, ':')+1:], "IfExists")
}

var variableRe = regexp.MustCompile(`\$\{([^}]*)\}`)

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

// setVersion2012 makes both sides substitute the variables.
func setVersion2012(_ *outcome, c *corpus.Case) {
	editPolicies(c, func(_ string, d *editDoc) { d.Version = policy.Version2012 })
}

func singleOperatorOnMultiKey(o *outcome) bool {
	return eachCondition(o.Case, func(_, op, key string, _ []string) bool {
		if strings.Contains(op, ":") || op == "Null" {
			return false
		}
		_, multi, ok := o.Req.Context.Get(key)
		return ok && multi
	})
}

// negatedOps hold when no value matches.
var negatedOps = []string{"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
	"DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}

// qualifyMultiKeyOperators writes podiam's reading of a bare operator on a
// multi-valued key with a set qualifier: a positive operator holds when
// any value matches (ForAnyValue), a negated one when every value fails to
// match (ForAllValues).
func qualifyMultiKeyOperators(o *outcome, c *corpus.Case) {
	editPolicies(c, func(_ string, d *editDoc) {
		for _, st := range d.Statement {
			cond, _ := st["Condition"].(map[string]any)
			for _, op := range slices.Sorted(maps.Keys(cond)) {
				if strings.Contains(op, ":") || op == "Null" {
					continue
				}
				km, _ := cond[op].(map[string]any)
				for _, key := range slices.Sorted(maps.Keys(km)) {
					if _, multi, ok := o.Req.Context.Get(key); !ok || !multi {
						continue
					}
					q := "ForAnyValue:"
					if contains(negatedOps, baseOperator(op)) {
						q = "ForAllValues:"
					}
					to, _ := cond[q+op].(map[string]any)
					if to == nil {
						to = map[string]any{}
						cond[q+op] = to
					}
					to[key] = km[key]
					delete(km, key)
				}
				if len(km) == 0 {
					delete(cond, op)
				}
			}
		}
	})
}

// pathlessRole reports whether v names the session's role without its
// path (or in another case): the same account and role name, another ARN.
func pathlessRole(p *policy.Principal, v string) bool {
	name := p.RoleARN[strings.LastIndexByte(p.RoleARN, '/')+1:]
	return v != p.RoleARN && strings.HasPrefix(v, "arn:aws:iam::"+p.Account+":role/") &&
		strings.EqualFold(v[strings.LastIndexByte(v, '/')+1:], name)
}

func roleARNWithoutPath(o *outcome) bool {
	p := &o.Req.Principal
	if p.Type != policy.AssumedRole {
		return false
	}
	for _, pol := range policiesOf(o.Case) {
		for _, s := range pol.stmts {
			for _, v := range append(principalValues(s.Principal), principalValues(s.NotPrincipal)...) {
				if pathlessRole(p, v) {
					return true
				}
			}
		}
	}
	return false
}

// fullRoleARNs names the role as iam-simulate reads a path-less name: by
// its full ARN.
func fullRoleARNs(o *outcome, c *corpus.Case) {
	p := &o.Req.Principal
	editPolicies(c, func(_ string, d *editDoc) {
		for _, st := range d.Statement {
			for _, field := range []string{"Principal", "NotPrincipal"} {
				m, _ := st[field].(map[string]any)
				if m == nil {
					continue
				}
				vals := strs(m["AWS"])
				for i, v := range vals {
					if pathlessRole(p, v) {
						vals[i] = p.RoleARN
					}
				}
				if len(vals) > 0 {
					m["AWS"] = vals
				}
			}
		}
	})
}

func unresolvedVariableNegated(o *outcome) bool {
	return eachCondition(o.Case, func(version, op, _ string, vals []string) bool {
		return version == policy.Version2012 && contains(negatedOps, baseOperator(op)) &&
			slices.ContainsFunc(vals, func(v string) bool { return unresolved(o, v) })
	})
}

// dropUnresolvedNegatedValues removes the values that match nothing from
// negated operators; a key left with none holds and is deleted.
func dropUnresolvedNegatedValues(o *outcome, c *corpus.Case) {
	editConditions(c, func(version, op, _ string, vals []string) []string {
		if version != policy.Version2012 || !contains(negatedOps, baseOperator(op)) {
			return vals
		}
		kept := slices.DeleteFunc(vals, func(v string) bool { return unresolved(o, v) })
		if len(kept) == 0 {
			return nil
		}
		return kept
	})
}

func unresolvedVariableNotResource(o *outcome) bool {
	for _, p := range policiesOf(o.Case) {
		if p.doc.Version != policy.Version2012 {
			continue
		}
		for _, s := range p.stmts {
			if slices.ContainsFunc(strs(s.NotResource), func(r string) bool { return unresolved(o, r) }) {
				return true
			}
		}
	}
	return false
}

// dropUnresolvedNotResources removes the NotResource entries that match no
// resource; a statement left with none applies to every resource.
func dropUnresolvedNotResources(o *outcome, c *corpus.Case) {
	editPolicies(c, func(_ string, d *editDoc) {
		if d.Version != policy.Version2012 {
			return
		}
		for _, st := range d.Statement {
			nr, ok := st["NotResource"]
			if !ok {
				continue
			}
			kept := slices.DeleteFunc(strs(nr), func(r string) bool { return unresolved(o, r) })
			if len(kept) == 0 {
				delete(st, "NotResource")
				st["Resource"] = "*"
				continue
			}
			st["NotResource"] = kept
		}
	})
}

func nullOnEmptySet(o *outcome) bool {
	return eachCondition(o.Case, func(_, op, key string, _ []string) bool {
		vals, multi, ok := o.Req.Context.Get(key)
		return op == "Null" && ok && multi && len(vals) == 0
	})
}

// resolveNullOnEmptySets settles Null on a key with no values as podiam
// reads it (absent): a condition that holds is deleted, one that fails is
// replaced by a Null test that fails on both sides.
func resolveNullOnEmptySets(o *outcome, c *corpus.Case) {
	editPolicies(c, func(_ string, d *editDoc) {
		for _, st := range d.Statement {
			cond, _ := st["Condition"].(map[string]any)
			km, _ := cond["Null"].(map[string]any)
			for key, v := range km {
				if vals, multi, ok := o.Req.Context.Get(key); !ok || !multi || len(vals) != 0 {
					continue
				}
				delete(km, key)
				if !slices.ContainsFunc(strs(v), func(s string) bool { return strings.EqualFold(s, "true") }) {
					km["difftest:absent"] = "false"
				}
			}
			if km != nil && len(km) == 0 {
				delete(cond, "Null")
			}
			if cond != nil && len(cond) == 0 {
				delete(st, "Condition")
			}
		}
	})
}

func forAnyValueIfExistsMissing(o *outcome) bool {
	return eachCondition(o.Case, func(_, op, key string, _ []string) bool {
		return strings.HasPrefix(op, "ForAnyValue:") && strings.HasSuffix(op, "IfExists") && !o.Req.Context.Has(key)
	})
}

// dropForAnyValueIfExistsMissing deletes the conditions that hold because
// IfExists meets a missing key.
func dropForAnyValueIfExistsMissing(o *outcome, c *corpus.Case) {
	editConditions(c, func(_, op, key string, vals []string) []string {
		if strings.HasPrefix(op, "ForAnyValue:") && strings.HasSuffix(op, "IfExists") && !o.Req.Context.Has(key) {
			return nil
		}
		return vals
	})
}

func isIPOperator(op string) bool {
	b := baseOperator(op)
	return b == "IpAddress" || b == "NotIpAddress"
}

func ipv4ZeroPrefix(o *outcome) bool {
	return eachCondition(o.Case, func(_, op, key string, vals []string) bool {
		if !isIPOperator(op) || !contains(vals, "0.0.0.0/0") {
			return false
		}
		rv, _, ok := o.Req.Context.Get(key)
		return ok && slices.ContainsFunc(rv, func(v string) bool { return !strings.Contains(v, ":") })
	})
}

// splitZeroPrefix writes 0.0.0.0/0 as its two halves.
func splitZeroPrefix(_ *outcome, c *corpus.Case) {
	editConditions(c, func(_, op, _ string, vals []string) []string {
		if !isIPOperator(op) {
			return vals
		}
		var out []string
		for _, v := range vals {
			if v == "0.0.0.0/0" {
				out = append(out, "0.0.0.0/1", "128.0.0.0/1")
				continue
			}
			out = append(out, v)
		}
		return out
	})
}

func notIPBareOtherFamily(o *outcome) bool {
	return eachCondition(o.Case, func(_, op, key string, vals []string) bool {
		rv, _, ok := o.Req.Context.Get(key)
		if baseOperator(op) != "NotIpAddress" || !ok {
			return false
		}
		for _, pv := range vals {
			for _, v := range rv {
				if !strings.Contains(pv, "/") && strings.Contains(pv, ":") != strings.Contains(v, ":") {
					return true
				}
			}
		}
		return false
	})
}

// bareAddressesAsPrefixes writes a bare address as the /32 or /128 block
// AWS documents it to mean.
func bareAddressesAsPrefixes(_ *outcome, c *corpus.Case) {
	editConditions(c, func(_, op, _ string, vals []string) []string {
		if !isIPOperator(op) {
			return vals
		}
		for i, v := range vals {
			switch {
			case strings.Contains(v, "/"):
			case strings.Contains(v, ":"):
				vals[i] = v + "/128"
			default:
				vals[i] = v + "/32"
			}
		}
		return vals
	})
}

func federatedWithoutSessionPolicy(o *outcome) bool {
	return o.Req.Principal.Type == policy.FederatedUser && len(o.Case.Policies.Session) == 0 &&
		o.Podiam.Decision == authz.ImplicitDeny
}

// addAllowAllSessionPolicy gives the federated user the session policy
// that iam-simulate behaves as if it had.
func addAllowAllSessionPolicy(_ *outcome, c *corpus.Case) {
	c.Policies.Session = []corpus.NamedPolicy{*named("allow-all", document{Version: policy.Version2012,
		Statement: []statement{{Effect: "Allow", Action: "*", Resource: "*"}}})}
}

func sessionPolicyVsSessionARN(o *outcome) bool {
	p := &o.Req.Principal
	byResource := o.Podiam.Reason == authz.AllowedByResource || o.Podiam.Reason == authz.AllowedByTrust
	if len(o.Case.Policies.Session) == 0 || o.Podiam.Decision != authz.Allowed || !byResource {
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
	return slices.Contains(xs, s)
}
