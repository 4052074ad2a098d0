package eksauth

import "github.com/podiam/podiam/internal/fault"

// The model's constraints on AssumeRoleForPodIdentity's input.
const (
	maxClusterName = 100
	clusterPattern = `[0-9A-Za-z][A-Za-z0-9\-_]*`
	tokenPattern   = `[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+`
)

// ValidateClusterName checks a cluster name against the model: 1 to 100
// characters of [0-9A-Za-z][A-Za-z0-9\-_]*.
func ValidateClusterName(name string) error {
	switch {
	case name == "":
		return fault.Errorf(fault.InvalidParameter, "1 validation error detected: Value at 'clusterName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(name) > maxClusterName:
		return fault.Errorf(fault.InvalidParameter, "1 validation error detected: Value '%s' at 'clusterName' failed to satisfy constraint: Member must have length less than or equal to 100", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if alnum(c) || i > 0 && (c == '-' || c == '_') {
			continue
		}
		return fault.Errorf(fault.InvalidParameter, "1 validation error detected: Value '%s' at 'clusterName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, clusterPattern)
	}
	return nil
}

// ValidateToken checks a token's form against the model: three non-empty
// dot-separated segments of [A-Za-z0-9-_=]. The token is never echoed.
func ValidateToken(token string) error {
	if token == "" {
		return fault.Errorf(fault.InvalidParameter, "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	segments, n := 1, 0
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c == '.':
			if n == 0 {
				return badToken()
			}
			segments, n = segments+1, 0
		case alnum(c) || c == '-' || c == '_' || c == '=':
			n++
		default:
			return badToken()
		}
	}
	if segments != 3 || n == 0 {
		return badToken()
	}
	return nil
}

func badToken() error {
	return fault.Errorf(fault.InvalidParameter, "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", tokenPattern)
}

func alnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
