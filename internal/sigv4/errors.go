package sigv4

import "fmt"

// Kind classifies a failed verification; the wire layer maps each kind to
// AWS's error code and HTTP status.
type Kind uint8

const (
	// MissingAuthentication: neither an Authorization header nor presigned
	// query parameters (MissingAuthenticationToken, 403).
	MissingAuthentication Kind = iota + 1
	// Incomplete: the authorization is malformed or lacks a part
	// (IncompleteSignature, 400; S3: AuthorizationHeaderMalformed).
	Incomplete
	// Mismatch: the signature does not match (SignatureDoesNotMatch, 403).
	Mismatch
	// Expired: the request time is outside the allowed window, or a
	// presigned URL has expired (RequestExpired, 400; S3:
	// RequestTimeTooSkewed or AccessDenied "Request has expired").
	Expired
	// Unsupported: another algorithm than AWS4-HMAC-SHA256 (SigV4a, v2).
	Unsupported
	// MalformedQuery: the presigned query parameters are malformed or
	// lack a part (S3: AuthorizationQueryParametersError, 400; other
	// services: IncompleteSignature).
	MalformedQuery
)

var kindNames = [...]string{"", "missing authentication", "incomplete", "mismatch", "expired", "unsupported", "malformed query"}

// String names the kind in words; the wire layer names its code.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Error is a failed verification. Message is safe to show the caller; it
// never holds a secret.
type Error struct {
	Kind    Kind
	Message string
	// For Mismatch: what the server computed.
	CanonicalRequest string
	StringToSign     string
}

func (e *Error) Error() string { return e.Kind.String() + ": " + e.Message }

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}
