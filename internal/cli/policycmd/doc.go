// Package policycmd owns the "podiam policy" commands, which work offline
// on policy files: validate checks documents as IAM would when they are
// written, simulate decides one request against a set of policies.
package policycmd
