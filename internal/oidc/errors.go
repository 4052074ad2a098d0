package oidc

import "fmt"

// Kind classifies a failed verification. It is oidc's own: the STS layer
// maps each kind to AWS's error code (internal/sts) and the wire layer to
// an HTTP status.
type Kind uint8

const (
	// InvalidToken: the token is malformed, its audience or signature is
	// wrong, or the issuer's keys could not be retrieved.
	InvalidToken Kind = iota + 1
	// ExpiredToken: the token's exp has passed.
	ExpiredToken
	// Rejected: a claim is not acceptable now, such as nbf or iat in the
	// future.
	Rejected
	// Communication: the issuer could not be reached or did not answer in
	// time; retrying may help.
	Communication
)

var kindNames = [...]string{"", "invalid token", "expired", "rejected claim", "issuer unreachable"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Error is a failed verification. Message is safe to show the caller; Err,
// when set, is the cause for the log. Neither holds a token or key material.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Kind.String() + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Kind.String() + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Messages as AWS words them (or close to it where AWS's wording is not
// known).
const (
	msgNotJWT       = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	msgAudience     = "Incorrect token audience"
	msgMultiAud     = "Token audience contains more than one audience while authorized party is not present"
	msgNoKey        = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgUnreachable  = "The identity provider could not be reached to verify the token; retry the request"
	msgAlg          = "The token's signing algorithm is not supported; use RS256, RS384, RS512, ES256, ES384 or ES512"
	msgSignature    = "The token's signature does not verify with the identity provider's key"
	msgKeyMismatch  = "The identity provider's key for the token's kid does not fit the token's signing algorithm"
	msgKeyTooShort  = "The identity provider's RSA key is shorter than 2048 bits"
	msgAmbiguousKey = "The token has no kid and the identity provider publishes several keys for its signing algorithm"
	msgIssuer       = "The token's issuer is not the OpenID Connect provider's URL"
)

func newError(k Kind, msg string, cause error) *Error {
	return &Error{Kind: k, Message: msg, Err: cause}
}

func errorf(k Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Err: cause}
}
