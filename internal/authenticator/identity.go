package authenticator

import (
	"strings"
	"time"

	"github.com/podiam/podiam/internal/fault"
)

// Identity is who signed a token, as STS's GetCallerIdentity answers,
// and the access key that signed it.
type Identity struct {
	Account     string // 12 digits
	ARN         string // as STS gives it: arn:aws:sts::A:assumed-role/R/S, arn:aws:iam::A:user/P/U, ...
	UserID      string // STS's UserId: AROA...:session for a role session, AIDA... for a user
	AccessKeyID string // the first field of the token's X-Amz-Credential
	// Expires, when set, is when the token stops being good (its
	// X-Amz-Date and STS's 15 minutes): no cache answers for it after.
	Expires time.Time
}

// Caller is an Identity with what the mappings match and show derived
// once: the canonical ARN, the principal's unique id and the session
// name.
type Caller struct {
	Identity
	// CanonicalARN is the principal behind the ARN: an assumed role's
	// session ARN becomes its role's ARN (arn:aws:iam::A:role/R, with no
	// path: a session ARN carries none); users, roots and federated users
	// are kept as they are.
	CanonicalARN string
	// PrincipalID is the unique id of the user or role (UserID before
	// its ':'); for a root or a federated user, UserID whole.
	PrincipalID string
	// SessionName is a role session's name (after the ':' of UserID);
	// "" for others.
	SessionName string
}

// NewCaller derives a Caller from id, refusing an ARN that names no
// principal podiam knows how to map.
func NewCaller(id Identity) (Caller, error) {
	canonical, err := Canonicalize(id.ARN)
	if err != nil {
		return Caller{}, err
	}
	c := Caller{Identity: id, CanonicalARN: canonical, PrincipalID: id.UserID}
	if strings.Contains(canonical, ":role/") {
		principal, session, ok := strings.Cut(id.UserID, ":")
		if !ok || principal == "" || session == "" {
			return Caller{}, fault.Errorf(fault.InvalidToken, "the UserId %q of the role session %q is not ROLEID:session", id.UserID, id.ARN)
		}
		c.PrincipalID, c.SessionName = principal, session
	}
	return c, nil
}

// Canonicalize returns the principal an STS caller ARN stands for:
// arn:P:sts::A:assumed-role/R/S becomes arn:P:iam::A:role/R; IAM users
// (with their path), roles, the root and STS federated users are kept.
// Anything else is InvalidToken.
func Canonicalize(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || !isAccount(parts[4]) {
		return "", fault.Errorf(fault.InvalidToken, "%q is not a caller ARN", arn)
	}
	partition, service, account, resource := parts[1], parts[2], parts[4], parts[5]
	kind, rest, _ := strings.Cut(resource, "/")
	switch {
	case service == "sts" && kind == "assumed-role":
		role, session, ok := strings.Cut(rest, "/")
		if !ok || role == "" || session == "" || strings.Contains(session, "/") {
			return "", fault.Errorf(fault.InvalidToken, "%q is not an assumed-role ARN", arn)
		}
		return "arn:" + partition + ":iam::" + account + ":role/" + role, nil
	case service == "sts" && kind == "federated-user" && rest != "":
		return arn, nil
	case service == "iam" && (kind == "user" || kind == "role") && rest != "" && !strings.HasSuffix(rest, "/"):
		return arn, nil
	case service == "iam" && resource == "root":
		return arn, nil
	}
	return "", fault.Errorf(fault.InvalidToken, "%q is not a caller ARN", arn)
}

// StripPath returns an IAM role or user ARN without its path
// (arn:aws:iam::A:role/team/R becomes arn:aws:iam::A:role/R); other ARNs
// are returned as they are.
func StripPath(arn string) string {
	prefix, resource, ok := strings.Cut(arn, ":role/")
	kind := ":role/"
	if !ok {
		if prefix, resource, ok = strings.Cut(arn, ":user/"); !ok {
			return arn
		}
		kind = ":user/"
	}
	return prefix + kind + resource[strings.LastIndexByte(resource, '/')+1:]
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
