// Package managed owns the AWS-managed policies podiam ships, read-only,
// under arn:aws:iam::aws:policy/: their documents (embedded) and Seed,
// which puts them in the store at start-up.
//
// The documents are AWS's, unchanged (ReadOnlyAccess is its version v178
// of 2026-02-12: 2,677 read actions across 305 services).
package managed
