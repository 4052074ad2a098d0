package policy

import "fmt"

// AWS error codes that validation returns.
const (
	CodeMalformed = "MalformedPolicyDocument"
	// CodeLimitExceeded is what IAM answers for a document over its size
	// quota ("Cannot exceed quota for PolicySize: 6144").
	CodeLimitExceeded = "LimitExceeded"
	// CodeValidation is what STS answers for a session policy longer than
	// its parameter allows.
	CodeValidation = "ValidationError"
	// CodeOrgMalformed and CodeOrgConstraint are the Organizations
	// equivalents for service control policies.
	CodeOrgMalformed  = "MalformedPolicyDocumentException"
	CodeOrgConstraint = "ConstraintViolationException"
)

// Error is a rejected policy document: the AWS error code and a message
// that says what is wrong and where.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorf builds a malformed-document error for kind k.
func errorf(k Kind, format string, args ...any) *Error {
	code := CodeMalformed
	if k == SCP {
		code = CodeOrgMalformed
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
