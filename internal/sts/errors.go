package sts

import (
	"fmt"

	"github.com/podiam/podiam/internal/oidc"
)

// AWS error codes STS answers with.
const (
	CodeValidation            = "ValidationError"
	CodeInvalidParameterValue = "InvalidParameterValue"
	CodeAccessDenied          = "AccessDenied"
	CodeMalformedPolicy       = "MalformedPolicyDocument"
	CodePackedPolicyTooLarge  = "PackedPolicyTooLarge"
	CodeInvalidIdentityToken  = "InvalidIdentityToken"
	CodeExpiredTokenException = "ExpiredTokenException"
	CodeIDPRejectedClaim      = "IDPRejectedClaim"
	CodeIDPCommunication      = "IDPCommunicationError"
)

// Error is a failed STS request: AWS's code and a message for the caller.
// Err, when set, is a cause for the log only.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// tokenCode is AWS's error code for a kind of failed web identity token
// verification.
func tokenCode(k oidc.Kind) string {
	switch k {
	case oidc.ExpiredToken:
		return CodeExpiredTokenException
	case oidc.Rejected:
		return CodeIDPRejectedClaim
	case oidc.Communication:
		return CodeIDPCommunication
	}
	return CodeInvalidIdentityToken
}

// constraint is AWS's request-validation message.
func constraint(value, field, rule string) *Error {
	return errorf(CodeValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, rule)
}
