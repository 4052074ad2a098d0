package policy

import (
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/arn"
)

// IAM keeps a stored resource or trust policy's IAM principals by unique
// id: the users and roles that Principal and NotPrincipal name by ARN are
// resolved when the policy is written, and the policy names those
// entities from then on, not whoever holds the ARN later. Such a policy
// is compiled with its bindings (CompileBound), and shown with the unique
// id in place of the ARN of an entity that is gone (WithPrincipals).

// EntityARNs returns the IAM user and role ARNs that the document's
// Principal and NotPrincipal elements name under "AWS", each once, in the
// order they appear: the principals a stored policy binds to unique ids.
// Accounts, the account root, "*", session ARNs and the other principal
// types are not bound.
func (d *Document) EntityARNs() []string {
	var out []string
	for i := range d.Statements {
		st := &d.Statements[i]
		for _, p := range []*Principals{st.Principal, st.NotPrincipal} {
			if p == nil {
				continue
			}
			for _, e := range p.Types {
				if e.Type != "AWS" {
					continue
				}
				for _, v := range e.Values.Values {
					if _, ok := ParseEntity(v); ok && !slices.Contains(out, v) {
						out = append(out, v)
					}
				}
			}
		}
	}
	return out
}

// Entity is an IAM user or role that a policy names by ARN.
type Entity struct {
	ARN     string
	Account string
	Kind    string // "user" or "role"
	Name    string // the last part of the ARN, without the path
}

// ParseEntity reads an IAM user or role ARN; ok is false for anything
// else.
func ParseEntity(v string) (e Entity, ok bool) {
	if !strings.HasPrefix(v, "arn:") {
		return Entity{}, false
	}
	a, err := arn.Parse(v)
	if err != nil || a.Service != "iam" || !arn.IsAccountID(a.Account) {
		return Entity{}, false
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	if (kind != "user" && kind != "role") || name == "" {
		return Entity{}, false
	}
	return Entity{ARN: v, Account: a.Account, Kind: kind, Name: name}, true
}

// WithPrincipals returns a copy of d with the "AWS" principal values that
// replace holds replaced by what it maps them to (a unique id, for an
// entity that is gone), d itself when there is nothing to replace.
func (d *Document) WithPrincipals(replace map[string]string) *Document {
	if len(replace) == 0 {
		return d
	}
	out := *d
	out.Statements = slices.Clone(d.Statements)
	for i := range out.Statements {
		st := &out.Statements[i]
		for _, pp := range []**Principals{&st.Principal, &st.NotPrincipal} {
			if *pp == nil {
				continue
			}
			c := **pp
			c.Types = slices.Clone(c.Types)
			for j := range c.Types {
				if c.Types[j].Type != "AWS" {
					continue
				}
				vals := slices.Clone(c.Types[j].Values.Values)
				for k, v := range vals {
					if r, ok := replace[v]; ok {
						vals[k] = r
					}
				}
				c.Types[j].Values.Values = vals
			}
			*pp = &c
		}
	}
	return &out
}

// CompileBound compiles a validated document whose IAM principals are
// bound: ids maps each ARN of d.EntityARNs() to the unique id of the user
// or role it named when the policy was written, or to "" if it named
// none. A bound ARN names that entity whatever its ARN is now (a renamed
// user keeps it; a user or role made again under the ARN does not get
// it), and "" names nobody. ARNs that ids does not hold are matched by
// ARN, as Compile matches them.
func CompileBound(name string, d *Document, k Kind, ids map[string]string) *Policy {
	return compile(name, d, k, ids)
}
