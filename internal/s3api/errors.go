package s3api

import (
	"errors"
	"strings"

	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/sigv4"
)

// Every S3 error is a *fault.Error, package s3's or the edge's own (the
// signature, the body, the form of the request), in S3's words; awsproto's
// REST-XML table gives it S3's code and status.

// refuse is the edge's failure of kind k concerning s.
func refuse(k fault.Kind, s fault.Subject, message string) *fault.Error {
	return &fault.Error{Kind: k, Subject: s, Message: message}
}

// invalidArgument is S3's InvalidArgument: a parameter it refuses.
func invalidArgument(message string) *fault.Error {
	return refuse(fault.InvalidInput, fault.None, message)
}

// malformedXML is S3's error for a request body it cannot read.
func malformedXML() *fault.Error {
	return refuse(fault.Malformed, fault.XML, "The XML you provided was not well-formed or did not validate against our published schema.")
}

// methodNotAllowed is S3's error for a method the resource does not have.
func methodNotAllowed() *fault.Error {
	return refuse(fault.Unsupported, fault.Method, "The specified method is not allowed against this resource.")
}

// detailed is a failure whose error document has more than a code and a
// message: what the server computed for SignatureDoesNotMatch, the
// headers that were not signed, the size allowed, a refused preflight's
// method and resource type. Only those fields of doc are read.
type detailed struct {
	err *fault.Error
	doc awsproto.S3Error
}

func (e *detailed) Error() string { return e.err.Error() }
func (e *detailed) Unwrap() error { return e.err }

// authnError maps an authentication failure to S3's error.
func authnError(err error, a *sigv4.Auth) error {
	var ae *authn.Error
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Kind {
	case authn.UnknownKey:
		if a.SecurityToken != "" {
			return refuse(fault.InvalidToken, fault.SessionToken, "The provided token is malformed or otherwise invalid.")
		}
		return refuse(fault.InvalidToken, fault.AccessKey, "The AWS Access Key Id you provided does not exist in our records.")
	case authn.ExpiredToken:
		return refuse(fault.Expired, fault.SessionToken, "The provided token has expired.")
	case authn.BadSignature:
		return s3SigError(ae.Err, a.AccessKeyID)
	}
	return err
}

// s3SigError maps a signature failure to S3's error.
func s3SigError(err error, accessKeyID string) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case sigv4.Mismatch:
		out := &detailed{err: refuse(fault.Mismatch, fault.Signature, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")}
		out.doc.AWSAccessKeyID, out.doc.StringToSign, out.doc.CanonicalRequest = accessKeyID, e.StringToSign, e.CanonicalRequest
		return out
	case sigv4.Expired:
		if strings.HasPrefix(e.Message, "Request has expired") {
			return refuse(fault.Expired, fault.PresignedURL, "Request has expired")
		}
		return refuse(fault.Expired, fault.None, "The difference between the request time and the current time is too large.")
	case sigv4.MalformedQuery:
		return refuse(fault.Malformed, fault.PresignedURL, e.Message)
	}
	return refuse(fault.Malformed, fault.Authorization, e.Message)
}

// chunkError maps a failure of an aws-chunked body to S3's error.
func chunkError(err error) error {
	var ce *sigv4.ChecksumError
	if errors.As(err, &ce) {
		return refuse(fault.Mismatch, fault.Digest, "The "+ce.Algorithm+" you specified did not match the calculated checksum.")
	}
	var e *sigv4.Error
	if errors.As(err, &e) {
		if e.Kind == sigv4.Mismatch {
			return refuse(fault.Mismatch, fault.Signature, "The request signature we calculated does not match the signature you provided.")
		}
		return refuse(fault.Incomplete, fault.None, e.Message)
	}
	return err
}
