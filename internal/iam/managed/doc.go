// Package managed owns the AWS-managed policies podiam ships, read-only,
// under arn:aws:iam::aws:policy/: their documents (embedded) and Seed,
// which puts them in the store at start-up.
//
// ReadOnlyAccess is AWS's document cut down to its entries for the
// services podiam serves (iam, organizations, s3, s3-object-lambda, sts),
// taken unchanged from a published copy of AWS's version; the full
// document covers every AWS service.
package managed
