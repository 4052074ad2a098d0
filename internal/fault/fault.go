package fault

import (
	"errors"
	"fmt"
)

// Kind is what went wrong, in the terms of AWS's services but not in any
// one protocol's words: S3's NoSuchBucket and IAM's NoSuchEntity are both
// NotFound.
type Kind uint8

const (
	// Failure: the server failed; the caller sees a fixed message and the
	// cause goes to the log.
	Failure Kind = iota + 1
	// AccessDenied: the caller is not allowed to do this (of an
	// IdentityToken: the identity provider's claims are refused).
	AccessDenied
	// Unsigned: the request needs a signature and has none.
	Unsigned
	// InvalidToken: a credential is not accepted: an unknown AccessKey, a
	// SessionToken that does not open, an IdentityToken that does not
	// verify or whose claims are not valid.
	InvalidToken
	// Expired: the request's time is outside the signature's window (no
	// subject), or a PresignedURL, SessionToken or IdentityToken has
	// expired.
	Expired
	// NotFound: the named thing does not exist.
	NotFound
	// AlreadyExists: a thing of that name exists (of an OwnBucket: the
	// caller's own).
	AlreadyExists
	// DeleteConflict: the thing cannot be deleted while others depend on
	// it, or while it holds something (a Bucket with objects).
	DeleteConflict
	// LimitExceeded: a quota would be exceeded.
	LimitExceeded
	// Validation: a parameter breaks a constraint of the API's model
	// ("1 validation error detected: Value ... failed to satisfy
	// constraint: ...").
	Validation
	// InvalidInput: a value the service's rules refuse (of a Bucket: its
	// name; of a Tag, Location, Part, PartOrder, Digest, Range or Request:
	// that part of the request).
	InvalidInput
	// InvalidParameter: a parameter's value is refused, where the service
	// (STS) says so rather than InvalidInput.
	InvalidParameter
	// Malformed: a document cannot be read or is not valid (a Policy, the
	// XML of a body, the Authorization header or a PresignedURL's
	// parameters).
	Malformed
	// TooLarge: something is over its size limit (no subject: an object
	// or part; or a Key, the Metadata, the Headers, a PackedPolicy).
	TooLarge
	// TooSmall: a part of a multipart upload, other than the last, is
	// under the minimum size.
	TooSmall
	// Mismatch: what the request declares does not match what it holds:
	// its Signature, a Digest of its body, its ContentSHA256.
	Mismatch
	// Incomplete: the body is shorter than the request declared.
	Incomplete
	// Unsupported: what the request asks for is not supported (no
	// subject: not implemented; of an ACL or a Method: not allowed).
	Unsupported
	// PreconditionFailed: a condition of the request (If-Match, ...) does
	// not hold.
	PreconditionFailed
	// Unavailable: something the request needs could not be reached (an
	// IdentityProvider); retrying may help.
	Unavailable
	// Timeout: the request's body did not arrive in time.
	Timeout
	// Conflict: other requests kept changing what this one depends on
	// (a bucket's versioning state under a write) until it gave up;
	// retrying may help.
	Conflict
)

var kindNames = [...]string{"", "failure", "access denied", "unsigned", "invalid token", "expired", "not found",
	"already exists", "delete conflict", "limit exceeded", "validation", "invalid input", "invalid parameter",
	"malformed", "too large", "too small", "mismatch", "incomplete", "unsupported", "precondition failed",
	"unavailable", "timeout", "conflict"}

// String names the kind in words.
func (k Kind) String() string {
	if k != 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Subject is what a failure concerns, where a protocol names failures of
// one kind apart by it (NotFound of a Bucket, a Key, an Upload); most
// failures have none.
type Subject uint8

const (
	None Subject = iota
	// S3.
	Bucket
	OwnBucket // a bucket the caller itself owns
	Key
	Upload
	BucketPolicy
	Part
	PartOrder
	Tag
	Location
	Digest
	ContentSHA256
	Range
	Request
	Metadata
	ACL
	Method
	XML
	// Documents and credentials.
	Policy
	PackedPolicy
	AccessKey
	SessionToken
	IdentityToken
	IdentityProvider
	Signature
	Authorization
	PresignedURL
	Headers
	URI
	// Organizations.
	Account
	AccountRequest // a CreateAccount request
	// EKS.
	Tagging // a tag operation's resource or tags (EKS names their failures apart)
	// S3 bucket settings and object versions.
	TagSet
	Version
	Encryption
	PublicAccessBlock
	OwnershipControls
	Lifecycle
	CORS
	Website
	Replication
	ObjectLock
	KMSKey // a KMS key an S3 request names (podiam has no KMS)
)

var subjectNames = [...]string{"", "bucket", "own bucket", "key", "upload", "bucket policy", "part", "part order",
	"tag", "location", "digest", "content SHA-256", "range", "request", "metadata", "ACL", "method", "XML",
	"policy", "packed policy", "access key", "session token", "identity token", "identity provider",
	"signature", "authorization", "presigned URL", "headers", "URI", "account", "account request", "tagging",
	"tag set", "version", "encryption", "public access block", "ownership controls", "lifecycle", "CORS", "website",
	"replication", "object lock", "KMS key"}

// String names the subject in words.
func (s Subject) String() string {
	if int(s) < len(subjectNames) {
		return subjectNames[s]
	}
	return fmt.Sprintf("Subject(%d)", s)
}

// Error is a failure of a Kind, about a Subject. Message is for the
// caller, in AWS's words; Resource names the bucket, key or other thing it
// is about, where the protocol shows it (S3's <Resource>). Cause, when
// set, is for the log only: no protocol shows it.
type Error struct {
	Kind     Kind
	Subject  Subject
	Message  string
	Resource string
	Cause    error
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Subject != None {
		s += " (" + e.Subject.String() + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns a failure of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Internal returns the Failure of doing op because of cause: whatever
// kind cause has, the caller sees the server's failure.
func Internal(op string, cause error) *Error {
	return &Error{Kind: Failure, Message: op, Cause: cause}
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	return errors.AsType[*Error](err)
}

// KindOf returns the kind of the first *Error in err's chain, or 0 when
// there is none.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return 0
}
