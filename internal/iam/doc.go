// Package iam owns the rules of the IAM service: what a valid user, role,
// policy, path, tag or OIDC provider is, and (as the server lands) the
// operations on them over the store. Its failures are *fault.Error values
// of a kind (see errors.go) with AWS's messages; the Query codec of
// package awsproto gives them IAM's codes and statuses.
package iam
