package policy

import (
	"fmt"

	"github.com/podiam/podiam/internal/fault"
)

// errorf builds a malformed-document error: a *fault.Error of kind
// Malformed about a Policy, with a message that says what is wrong and
// where. Each service's codec names it (MalformedPolicyDocument for IAM
// and STS, MalformedPolicyDocumentException for Organizations,
// MalformedPolicy for S3).
func errorf(format string, args ...any) *fault.Error {
	return &fault.Error{Kind: fault.Malformed, Subject: fault.Policy, Message: fmt.Sprintf(format, args...)}
}
