// Package managed owns the AWS-managed policies podiam ships, read-only,
// under arn:aws:iam::aws:policy/: their documents (embedded) and Seed,
// which puts them in the store at start-up.
package managed
