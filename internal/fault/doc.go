// Package fault names the kinds of failure that the domain packages (iam,
// sts, s3, orgs, policy) return: a Kind (NotFound, AccessDenied,
// Validation, ...) and, where a protocol names failures of one kind apart
// by it, a Subject (NoSuchBucket and NoSuchKey are NotFound of a Bucket
// and of a Key). A failure carries the message for the caller, written in
// AWS's words where it happens, and a cause for the log; it carries no AWS
// error code and no HTTP status: each protocol's codec (package awsproto)
// maps a kind and subject to its code and status with one table.
package fault
