// Package sts owns the rules of AWS STS: AssumeRoleWithWebIdentity (a
// token from an OIDC issuer that an IAM OIDC provider trusts becomes a
// role session), AssumeRole (a user or session enters a role, in its own
// account or another, chained sessions included), GetSessionToken, and
// the identity a session presents. Decisions come from the policy engine
// over the role's trust policy and the caller's own policies; credentials
// are stateless sessions sealed by package creds. It speaks no wire
// format: its failures are *fault.Error values of a kind (see errors.go),
// which the Query codec of package awsproto gives STS's codes.
package sts
