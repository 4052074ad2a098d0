// Package iam owns the rules of the IAM service: what a valid user, role,
// policy, path, tag or OIDC provider is, and (as the server lands) the
// operations on them over the store. It returns typed errors with AWS's
// codes and messages; rendering them on the wire is package awsproto's job.
package iam
