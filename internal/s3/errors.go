package s3

import (
	"fmt"

	"github.com/podiam/podiam/internal/fault"
)

// S3's failures are *fault.Error values: a kind and what it concerns,
// from which the REST-XML codec (package awsproto) derives S3's many
// codes (NotFound of a Bucket is NoSuchBucket, of a Key NoSuchKey, of an
// Upload NoSuchUpload, of a BucketPolicy NoSuchBucketPolicy; InvalidInput
// of a Bucket is InvalidBucketName, of a Tag InvalidTag, of nothing in
// particular InvalidArgument). Resource names the bucket or key an error
// is about, where S3 shows it.

// about is a failure of kind k concerning s; resource, when not "", is
// the bucket or key it names.
func about(k fault.Kind, s fault.Subject, resource, message string) *fault.Error {
	return &fault.Error{Kind: k, Subject: s, Message: message, Resource: resource}
}

// invalid is InvalidInput concerning s (a Tag, a Part, ...).
func invalid(s fault.Subject, format string, args ...any) *fault.Error {
	return about(fault.InvalidInput, s, "", fmt.Sprintf(format, args...))
}

func noSuchBucket(name string) *fault.Error {
	return about(fault.NotFound, fault.Bucket, name, "The specified bucket does not exist")
}

func noSuchKey(key string) *fault.Error {
	return about(fault.NotFound, fault.Key, key, "The specified key does not exist.")
}

// operationAborted is S3's refusal of a write that kept conflicting with
// others (cause, for the log) until it gave up.
func operationAborted(cause error) *fault.Error {
	return &fault.Error{Kind: fault.Conflict, Message: "A conflicting conditional operation is currently in progress against this resource. Please try again.", Cause: cause}
}

// malformedXML is S3's error for a request body it cannot read.
func malformedXML() *fault.Error {
	return about(fault.Malformed, fault.XML, "", "The XML you provided was not well-formed or did not validate against our published schema.")
}
