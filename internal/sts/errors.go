package sts

import (
	"fmt"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/oidc"
)

// STS's failures are *fault.Error values of these kinds: Validation,
// InvalidParameter, AccessDenied, Malformed (of a Policy), TooLarge (of a
// PackedPolicy) and, for web identity tokens, those of tokenKind. Their
// messages are AWS's; the Query codec (package awsproto) gives them STS's
// codes.

// invalidToken is the failure of a web identity token that does not
// verify or whose claims are not valid.
func invalidToken(format string, args ...any) *fault.Error {
	return &fault.Error{Kind: fault.InvalidToken, Subject: fault.IdentityToken, Message: fmt.Sprintf(format, args...)}
}

// tokenKind is the kind, and subject, of a failed web identity token
// verification: an expired token, claims refused (nbf or iat in the
// future), an issuer that could not be reached, or else a token that is
// not valid.
func tokenKind(k oidc.Kind) (fault.Kind, fault.Subject) {
	switch k {
	case oidc.ExpiredToken:
		return fault.Expired, fault.IdentityToken
	case oidc.Rejected:
		return fault.AccessDenied, fault.IdentityToken
	case oidc.Communication:
		return fault.Unavailable, fault.IdentityProvider
	}
	return fault.InvalidToken, fault.IdentityToken
}

// constraint is AWS's request-validation message.
func constraint(value, field, rule string) *fault.Error {
	return fault.Errorf(fault.Validation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, rule)
}
