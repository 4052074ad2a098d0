package s3api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/sigv4"
)

// s3Status is the HTTP status of each S3 error code.
var s3Status = map[string]int{
	s3.CodeAccessDenied:            http.StatusForbidden,
	s3.CodeNoSuchBucket:            http.StatusNotFound,
	s3.CodeNoSuchKey:               http.StatusNotFound,
	s3.CodeNoSuchBucketPolicy:      http.StatusNotFound,
	s3.CodeBucketAlreadyExists:     http.StatusConflict,
	s3.CodeBucketAlreadyOwnedByYou: http.StatusConflict,
	s3.CodeBucketNotEmpty:          http.StatusConflict,
	"SignatureDoesNotMatch":        http.StatusForbidden,
	"InvalidAccessKeyId":           http.StatusForbidden,
	"RequestTimeTooSkewed":         http.StatusForbidden,
	"InvalidRange":                 http.StatusRequestedRangeNotSatisfiable,
	"PreconditionFailed":           http.StatusPreconditionFailed,
	"NotImplemented":               http.StatusNotImplemented,
	"MethodNotAllowed":             http.StatusMethodNotAllowed,
	"InternalError":                http.StatusInternalServerError,
}

// s3Err is an S3 error with the extras SignatureDoesNotMatch carries.
type s3Err struct {
	awsproto.S3Error
	status int
}

func (e *s3Err) Error() string { return e.Code + ": " + e.Message }

func newS3Err(code, msg string) *s3Err {
	status, ok := s3Status[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &s3Err{S3Error: awsproto.S3Error{Code: code, Message: msg}, status: status}
}

// asS3Err converts any error to the one S3 renders; anything unexpected
// is an InternalError whose cause goes to the log only.
func asS3Err(err error) (*s3Err, bool) {
	var e *s3Err
	if errors.As(err, &e) {
		return e, true
	}
	var se *s3.Error
	if errors.As(err, &se) {
		out := newS3Err(se.Code, se.Message)
		out.Resource = se.Resource
		return out, true
	}
	return newS3Err("InternalError", "We encountered an internal error. Please try again."), false
}

// s3SigError maps a signature failure to S3's error.
func s3SigError(err error, accessKeyID string) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case sigv4.Mismatch:
		out := newS3Err("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		out.AWSAccessKeyID, out.StringToSign, out.CanonicalRequest = accessKeyID, e.StringToSign, e.CanonicalRequest
		return out
	case sigv4.Expired:
		if strings.HasPrefix(e.Message, "Request has expired") {
			return newS3Err(s3.CodeAccessDenied, "Request has expired")
		}
		return newS3Err("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	if e.Kind == sigv4.MalformedQuery {
		return newS3Err("AuthorizationQueryParametersError", e.Message)
	}
	return newS3Err("AuthorizationHeaderMalformed", e.Message)
}

func chunkError(err error) error {
	var ce *sigv4.ChecksumError
	if errors.As(err, &ce) {
		return newS3Err(s3.CodeBadDigest, "The "+ce.Algorithm+" you specified did not match the calculated checksum.")
	}
	var e *sigv4.Error
	if errors.As(err, &e) {
		if e.Kind == sigv4.Mismatch {
			return newS3Err("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		}
		return newS3Err(s3.CodeIncompleteBody, e.Message)
	}
	return err
}
