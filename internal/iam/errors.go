package iam

import (
	"github.com/podiam/podiam/internal/fault"
)

// IAM's failures are *fault.Error values of these kinds: NotFound,
// AlreadyExists, DeleteConflict, LimitExceeded, Validation, InvalidInput,
// Malformed (of a Policy), AccessDenied and Failure. Their messages are
// AWS's; the Query codec (package awsproto) gives them IAM's codes.

// malformed is IAM's error for a policy document it refuses.
func malformed(message string) *fault.Error {
	return &fault.Error{Kind: fault.Malformed, Subject: fault.Policy, Message: message}
}

// constraint builds the message AWS's request validation gives ("1
// validation error detected: Value 'x' at 'roleName' failed to satisfy
// constraint: ...").
func constraint(value, field, rule string) *fault.Error {
	return fault.Errorf(fault.Validation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, rule)
}
