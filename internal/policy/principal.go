package policy

import (
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/arn"
)

// PrincipalMatch says how a statement's Principal element named the caller.
// The evaluation logic treats these differently (a resource policy naming
// a session allows on its own; one naming the role stays limited by the
// role's boundary and session policies).
type PrincipalMatch uint8

const (
	NoPrincipalMatch PrincipalMatch = iota
	// MatchAnyone: "*", {"AWS": "*"}, or a NotPrincipal that excludes the
	// caller.
	MatchAnyone
	// MatchAccount: the caller's account (12-digit id or its root ARN).
	MatchAccount
	// MatchRole: the ARN of the role behind the caller's session.
	MatchRole
	// MatchExact: the caller's own user, session or federated-user ARN.
	MatchExact
	// MatchFederated: the identity provider of a web-identity caller.
	MatchFederated
	// MatchService: the service principal making the call.
	MatchService
	// MatchCanonicalUser: an S3 canonical user id equal to the caller's
	// user id.
	MatchCanonicalUser
)

var principalMatchNames = [...]string{"none", "anyone", "account", "role", "exact", "federated", "service", "canonical-user"}

func (m PrincipalMatch) String() string {
	if int(m) < len(principalMatchNames) {
		return principalMatchNames[m]
	}
	return "?"
}

// principals is a compiled Principal element.
type principals struct {
	anyone   bool
	accounts []string
	arns     []string
	// userIDs and roleIDs are the unique ids of the users and roles that
	// bound ARNs name (CompileBound).
	userIDs   []string
	roleIDs   []string
	federated []string
	services  []string
	canonical []string
}

// compilePrincipals compiles a Principal element; ids binds user and
// role ARNs to unique ids (nil: none is bound).
func compilePrincipals(p *Principals, ids map[string]string) *principals {
	if p == nil {
		return nil
	}
	c := &principals{anyone: p.Wildcard}
	for _, e := range p.Types {
		for _, v := range e.Values.Values {
			switch e.Type {
			case "AWS":
				switch {
				case v == "*":
					c.anyone = true
				case arn.IsAccountID(v):
					c.accounts = append(c.accounts, v)
				default:
					if a, err := arn.Parse(v); err == nil && a.Service == "iam" && a.Resource == "root" {
						c.accounts = append(c.accounts, a.Account)
					} else if id, ok := ids[v]; ok {
						c.bind(v, id)
					} else {
						c.arns = append(c.arns, v)
					}
				}
			case "Federated":
				c.federated = append(c.federated, v)
			case "Service":
				c.services = append(c.services, strings.ToLower(v))
			case "CanonicalUser":
				c.canonical = append(c.canonical, v)
			}
		}
	}
	return c
}

// bind records that the ARN v names the user or role with unique id id
// (nobody when id is "").
func (c *principals) bind(v, id string) {
	e, ok := ParseEntity(v)
	switch {
	case !ok:
		c.arns = append(c.arns, v)
	case id == "":
	case e.Kind == "user":
		c.userIDs = append(c.userIDs, id)
	default:
		c.roleIDs = append(c.roleIDs, id)
	}
}

// match reports how the element names p.
func (c *principals) match(p *Principal) PrincipalMatch {
	best := NoPrincipalMatch
	if c.anyone {
		best = MatchAnyone
	}
	switch p.Type {
	case Account, User, AssumedRole, FederatedUser:
		for _, a := range c.arns {
			if a == p.ARN {
				return MatchExact
			}
			if p.Type == AssumedRole && a == p.RoleARN {
				best = MatchRole
			}
		}
		// Bound ARNs name an entity by its unique id.
		if p.UserID != "" {
			switch p.Type {
			case User:
				if slices.Contains(c.userIDs, p.UserID) {
					return MatchExact
				}
			case AssumedRole:
				if roleID, _, _ := strings.Cut(p.UserID, ":"); slices.Contains(c.roleIDs, roleID) {
					best = MatchRole
				}
			}
		}
		if p.UserID != "" {
			for _, id := range c.canonical {
				if id == p.UserID {
					return MatchCanonicalUser
				}
			}
		}
		// The values are a union: naming the account as well as the role
		// or "*" must not weaken the match.
		if best == NoPrincipalMatch {
			for _, a := range c.accounts {
				if a == p.Account {
					return MatchAccount
				}
			}
		}
	case WebIdentity:
		for _, f := range c.federated {
			if f == p.ARN {
				return MatchFederated
			}
		}
	case Service:
		for _, s := range c.services {
			if strings.EqualFold(s, p.ARN) {
				return MatchService
			}
		}
	}
	return best
}
