package policy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/arn"
)

// Policy is a compiled policy document, ready to match requests.
type Policy struct {
	Name     string
	Kind     Kind
	Document *Document
	Rules    []Rule // one per statement, in document order

	// filters[i] is a quick test of Rules[i]'s actions, packed for the
	// scan that NextMatch makes over every rule.
	filters []ruleFilter
}

// ruleFilter holds bits of the hashes of a rule's exact actions (act) and
// of the services of its service:Pattern* actions (svc). A rule with
// NotAction or a wildcard in a service has every bit of act set.
type ruleFilter struct {
	act, svc uint64
}

// Rule is one compiled statement.
type Rule struct {
	Policy *Policy
	Index  int
	Sid    string
	Effect Effect

	principal    *principals // Principal or NotPrincipal; nil when neither
	notPrincipal bool
	actions      []arn.Glob // lower case
	byVendor     *vendorIndex
	notAction    bool
	anyResource  bool // "*" among Resource/NotResource, or neither element (trust)
	resources    []arn.ARNGlob
	notResource  bool
	conds        []cond
	vars         []variable
}

// Ref names the rule as "<policy>/<Sid>", or "<policy>/#<index>" when the
// statement has no Sid.
func (r *Rule) Ref() string {
	name := ""
	if r.Policy != nil {
		name = r.Policy.Name
	}
	if r.Sid != "" {
		return name + "/" + r.Sid
	}
	return name + "/#" + strconv.Itoa(r.Index)
}

// Parse parses, validates and compiles a document of kind k.
func Parse(name string, data []byte, k Kind, opt Options) (*Policy, error) {
	d, err := ParseDocument(data, k, opt)
	if err != nil {
		return nil, err
	}
	return Compile(name, d, k), nil
}

// Compile compiles a validated document.
func Compile(name string, d *Document, k Kind) *Policy { return compile(name, d, k, nil) }

// compile compiles d with the principal bindings ids (see CompileBound).
func compile(name string, d *Document, k Kind, ids map[string]string) *Policy {
	p := &Policy{Name: name, Kind: k, Document: d, Rules: make([]Rule, len(d.Statements)), filters: make([]ruleFilter, len(d.Statements))}
	vars := d.Version == Version2012
	// One backing array each for the actions, resources and conditions of
	// all rules.
	var nAct, nRes, nCond int
	for i := range d.Statements {
		s := &d.Statements[i]
		for _, v := range []*Strings{s.Action, s.NotAction, s.Resource, s.NotResource} {
			if v == nil {
				continue
			}
			if v == s.Action || v == s.NotAction {
				nAct += len(v.Values)
			} else {
				nRes += len(v.Values)
			}
		}
		nCond += len(s.Condition)
	}
	allActs := make([]arn.Glob, 0, nAct)
	allRes := make([]arn.ARNGlob, 0, nRes)
	allConds := make([]cond, 0, nCond)
	for i := range d.Statements {
		s := &d.Statements[i]
		r := &p.Rules[i]
		*r = Rule{Policy: p, Index: i, Sid: s.Sid, Effect: s.Effect}
		if s.Principal != nil {
			r.principal = compilePrincipals(s.Principal, ids)
		} else if s.NotPrincipal != nil {
			r.principal, r.notPrincipal = compilePrincipals(s.NotPrincipal, ids), true
		}
		acts := s.Action
		if s.NotAction != nil {
			acts, r.notAction = s.NotAction, true
		}
		f := &p.filters[i]
		if r.notAction {
			f.act = ^uint64(0)
		}
		if acts != nil {
			start := len(allActs)
			for _, a := range acts.Values {
				a = strings.ToLower(a)
				allActs = append(allActs, arn.ParseGlob(a))
				vendor, _, _ := strings.Cut(a, ":")
				switch {
				case !strings.ContainsAny(a, "*?"):
					f.act |= hashBit(a)
				case strings.Contains(a, ":") && !strings.ContainsAny(vendor, "*?"):
					f.svc |= hashBit(vendor)
				default:
					f.act = ^uint64(0)
				}
			}
			r.actions = allActs[start:len(allActs):len(allActs)]
			if len(r.actions) >= indexMin {
				r.byVendor = indexActions(acts.Values, r.actions)
			}
		}
		res := s.Resource
		if s.NotResource != nil {
			res, r.notResource = s.NotResource, true
		}
		if res == nil {
			r.anyResource = true
		} else {
			start := len(allRes)
			for _, v := range res.Values {
				if v == "*" {
					r.anyResource = true
					continue
				}
				allRes = append(allRes, arnGlob(v, vars, &r.vars))
			}
			r.resources = allRes[start:len(allRes):len(allRes)]
		}
		start := len(allConds)
		for j := range s.Condition {
			allConds = append(allConds, compileCondition(&s.Condition[j], vars, &r.vars))
		}
		r.conds = allConds[start:len(allConds):len(allConds)]
		// All conditions must hold and none has side effects: try the
		// cheap ones first.
		slices.SortStableFunc(r.conds, func(a, b cond) int { return a.op.kind.cost() - b.op.kind.cost() })
	}
	return p
}

// MatchAction reports whether the rule's Action (or NotAction) element
// covers the request's action.
func (r *Rule) MatchAction(req *Request) bool {
	req.ensure()
	return r.matchAction(req.action)
}

// hashBit maps s to one of 64 bits (FNV-1a).
func hashBit(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return 1 << (h >> 58)
}

// indexMin is the number of actions from which a rule indexes them by
// service (AWS's ReadOnlyAccess has statements of over a thousand).
const indexMin = 16

// vendorIndex groups a rule's action patterns by their service prefix.
// A pattern "svc:..." can only match an action of service svc; patterns
// whose service has a wildcard (or that have no colon) may match any.
type vendorIndex struct {
	byVendor map[string][]arn.Glob
	any      []arn.Glob
}

func indexActions(values []string, globs []arn.Glob) *vendorIndex {
	x := &vendorIndex{byVendor: map[string][]arn.Glob{}}
	for i, v := range values {
		v = strings.ToLower(v)
		vendor, _, ok := strings.Cut(v, ":")
		if !ok || strings.ContainsAny(vendor, "*?") {
			x.any = append(x.any, globs[i])
			continue
		}
		x.byVendor[vendor] = append(x.byVendor[vendor], globs[i])
	}
	return x
}

func matchAny(globs []arn.Glob, action string) bool {
	for i := range globs {
		if m, _ := globs[i].Match(action, false, nil); m {
			return true
		}
	}
	return false
}

func (r *Rule) matchAction(action string) bool {
	var hit bool
	if x := r.byVendor; x != nil {
		vendor, _, _ := strings.Cut(action, ":")
		hit = matchAny(x.byVendor[vendor], action) || matchAny(x.any, action)
	} else {
		hit = matchAny(r.actions, action)
	}
	return hit != r.notAction
}

func (r *Rule) matchResource(req *Request) bool {
	hit := r.anyResource
	if !hit && req.Resource != "*" {
		// An action without a resource type is matched only by "*".
		for i := range r.resources {
			if m, _ := r.resources[i].MatchSplit(req.Resource, &req.resSeg, req.resARN, &req.fill); m {
				hit = true
				break
			}
		}
	}
	return hit != r.notResource
}

// Match reports whether the rule applies to req: principal (for resource
// and trust policies), action, resource and every condition. For rules
// with a Principal element, how it named the caller is returned too;
// rules without one return MatchAnyone.
func (r *Rule) Match(req *Request) (bool, PrincipalMatch) {
	req.ensure()
	return r.match(req)
}

// NextMatch returns the index of the first rule at or after i that
// matches req and how its Principal element named the caller, or -1.
// It is the fast way to visit every matching rule of a policy.
func (p *Policy) NextMatch(req *Request, i int) (int, PrincipalMatch) {
	req.ensure()
	for ; i < len(p.filters); i++ {
		f := &p.filters[i]
		if f.act&req.actBit == 0 && f.svc&req.svcBit == 0 {
			continue
		}
		if ok, pm := p.Rules[i].match(req); ok {
			return i, pm
		}
	}
	return -1, NoPrincipalMatch
}

func (r *Rule) match(req *Request) (bool, PrincipalMatch) {
	if !r.matchAction(req.action) {
		return false, NoPrincipalMatch
	}
	pm := MatchAnyone
	if r.principal != nil {
		pm = r.principal.match(&req.Principal)
		if r.notPrincipal {
			if pm != NoPrincipalMatch && !(r.Effect == Deny && req.hasBoundary) {
				return false, NoPrincipalMatch
			}
			pm = MatchAnyone
		} else if pm == NoPrincipalMatch {
			return false, NoPrincipalMatch
		}
	}
	if len(r.vars) > 0 {
		req.fill.vars, req.fill.ctx = r.vars, &req.Context
	}
	if !r.matchResource(req) {
		return false, NoPrincipalMatch
	}
	for i := range r.conds {
		if !r.conds[i].eval(req) {
			return false, NoPrincipalMatch
		}
	}
	return true, pm
}
