package iam

import "fmt"

// AWS error codes IAM answers with.
const (
	CodeValidation     = "ValidationError"
	CodeInvalidInput   = "InvalidInput"
	CodeNoSuchEntity   = "NoSuchEntity"
	CodeAlreadyExists  = "EntityAlreadyExists"
	CodeDeleteConflict = "DeleteConflict"
	CodeLimitExceeded  = "LimitExceeded"
	CodeMalformed      = "MalformedPolicyDocument"
	CodeAccessDenied   = "AccessDenied"
)

// Error is a failed IAM request: AWS's code and a message for the caller.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// constraint builds the message AWS's request validation gives ("1
// validation error detected: Value 'x' at 'roleName' failed to satisfy
// constraint: ...").
func constraint(value, field, rule string) *Error {
	return errorf(CodeValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, rule)
}
