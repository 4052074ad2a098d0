package policy

import (
	"fmt"
	"strings"

	"github.com/podiam/podiam/internal/fault"
)

// Kind is the role a policy document plays; each kind has its own rules.
type Kind uint8

const (
	Identity Kind = iota // attached to a user, group or role
	Resource             // attached to a resource (bucket policy, ...)
	Trust                // a role's trust (assume-role) policy
	Session              // passed when a session is created
	Boundary             // a permissions boundary
	SCP                  // an Organizations service control policy
)

var kindNames = [...]string{"identity", "resource", "trust", "session", "boundary", "scp"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// ParseKind parses the lower-case name of a kind.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if strings.EqualFold(s, n) {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown policy kind %q (want one of %s)", s, strings.Join(kindNames[:], ", "))
}

// hasPrincipal reports whether statements of kind k name a principal.
func (k Kind) hasPrincipal() bool { return k == Resource || k == Trust }

// MaxSize is AWS's default limit on a document of kind k, in characters
// counted without whitespace; 0 means no limit is enforced here.
func (k Kind) MaxSize() int {
	switch k {
	case Identity, Boundary:
		return 6144 // managed policy
	case Trust:
		return 2048 // ACLSizePerRole default quota
	case Session:
		return 2048
	case SCP:
		return 5120
	case Resource:
		return 20480 // S3 bucket policy
	}
	return 0
}

// sizeError is what a service answers for a document of kind k over its
// size: IAM's quota (LimitExceeded) for identity, boundary and trust
// policies, STS's parameter constraint (Validation) for session policies,
// Organizations' (LimitExceeded, which it calls a constraint violation)
// for SCPs, and a malformed policy for S3's bucket policies.
func (k Kind) sizeError(n, max int) *fault.Error {
	switch k {
	case Trust:
		return fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for ACLSizePerRole: %d (document has %d characters without whitespace)", max, n)
	case Session:
		return fault.Errorf(fault.Validation, "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d (document has %d characters without whitespace)", max, n)
	case SCP:
		return fault.Errorf(fault.LimitExceeded, "POLICY_CONTENT_LIMIT_EXCEEDED: the policy has %d characters without whitespace, more than the limit of %d", n, max)
	case Resource:
		return errorf("Policies must not exceed %d characters without whitespace (this one has %d)", max, n)
	}
	return fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for PolicySize: %d (document has %d characters without whitespace)", max, n)
}
