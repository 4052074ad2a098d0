package s3

import "fmt"

// S3 error codes.
const (
	CodeAccessDenied            = "AccessDenied"
	CodeNoSuchBucket            = "NoSuchBucket"
	CodeNoSuchKey               = "NoSuchKey"
	CodeNoSuchBucketPolicy      = "NoSuchBucketPolicy"
	CodeBucketAlreadyExists     = "BucketAlreadyExists"
	CodeBucketAlreadyOwnedByYou = "BucketAlreadyOwnedByYou"
	CodeBucketNotEmpty          = "BucketNotEmpty"
	CodeInvalidBucketName       = "InvalidBucketName"
	CodeKeyTooLong              = "KeyTooLongError"
	CodeInvalidArgument         = "InvalidArgument"
	CodeMalformedPolicy         = "MalformedPolicy"
	CodeInvalidLocation         = "InvalidLocationConstraint"
	CodeBadDigest               = "BadDigest"
	CodeIncompleteBody          = "IncompleteBody"
	CodeContentSHA256Mismatch   = "XAmzContentSHA256Mismatch"
	CodeEntityTooLarge          = "EntityTooLarge"
)

// Error is a failed S3 request: AWS's code and a message for the caller;
// Resource names the bucket or key the error is about. Err is a cause for
// the log only.
type Error struct {
	Code     string
	Message  string
	Resource string
	Err      error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func noSuchBucket(name string) *Error {
	return &Error{Code: CodeNoSuchBucket, Message: "The specified bucket does not exist", Resource: name}
}

func noSuchKey(key string) *Error {
	return &Error{Code: CodeNoSuchKey, Message: "The specified key does not exist.", Resource: key}
}
