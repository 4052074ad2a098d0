package policy

import (
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
func Compile(name string, d *Document, k Kind) *Policy {
	p := &Policy{Name: name, Kind: k, Document: d, Rules: make([]Rule, len(d.Statements))}
	vars := d.Version == Version2012
	for i := range d.Statements {
		s := &d.Statements[i]
		r := &p.Rules[i]
		*r = Rule{Policy: p, Index: i, Sid: s.Sid, Effect: s.Effect}
		if s.Principal != nil {
			r.principal = compilePrincipals(s.Principal)
		} else if s.NotPrincipal != nil {
			r.principal, r.notPrincipal = compilePrincipals(s.NotPrincipal), true
		}
		acts := s.Action
		if s.NotAction != nil {
			acts, r.notAction = s.NotAction, true
		}
		if acts != nil {
			for _, a := range acts.Values {
				r.actions = append(r.actions, arn.ParseGlob(strings.ToLower(a)))
			}
		}
		res := s.Resource
		if s.NotResource != nil {
			res, r.notResource = s.NotResource, true
		}
		if res == nil {
			r.anyResource = true
		} else {
			for _, v := range res.Values {
				if v == "*" {
					r.anyResource = true
					continue
				}
				r.resources = append(r.resources, arn.NewARNGlob(tokenize(v, true, vars, &r.vars)...))
			}
		}
		for j := range s.Condition {
			r.conds = append(r.conds, compileCondition(&s.Condition[j], vars, &r.vars))
		}
	}
	return p
}

// MatchAction reports whether the rule's Action (or NotAction) element
// covers the request's action.
func (r *Rule) MatchAction(req *Request) bool {
	req.ensure()
	return r.matchAction(req.action)
}

func (r *Rule) matchAction(action string) bool {
	hit := false
	for i := range r.actions {
		if m, _ := r.actions[i].Match(action, false, nil); m {
			hit = true
			break
		}
	}
	return hit != r.notAction
}

func (r *Rule) matchResource(req *Request) bool {
	hit := r.anyResource
	if !hit && req.Resource != "*" {
		// An action without a resource type is matched only by "*".
		for i := range r.resources {
			if m, _ := r.resources[i].MatchSplit(req.resSeg, req.resARN, &req.fill); m {
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
	if !r.matchAction(req.action) {
		return false, NoPrincipalMatch
	}
	pm := MatchAnyone
	if r.principal != nil {
		pm = r.principal.match(&req.Principal)
		if r.notPrincipal {
			if pm != NoPrincipalMatch {
				return false, NoPrincipalMatch
			}
			pm = MatchAnyone
		} else if pm == NoPrincipalMatch {
			return false, NoPrincipalMatch
		}
	}
	req.fill.vars, req.fill.ctx = r.vars, &req.Context
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
