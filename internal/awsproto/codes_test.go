package awsproto_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
)

// TestCodecs: each protocol's table gives a kind of failure, and what it
// concerns, the protocol's code and status, with the error's message; a
// subject the table does not tell apart falls back to the kind's row, and
// a kind it lacks is the protocol's failure.
func TestCodecs(t *testing.T) {
	type codec func(error) *awsproto.Error
	query, json, restJSON, restXML := codec(awsproto.QueryError), codec(awsproto.JSONError), codec(awsproto.RESTJSONError), codec(awsproto.RESTXMLError)
	tests := []struct {
		name    string
		codec   codec
		kind    fault.Kind
		subject fault.Subject
		code    string
		status  int
	}{
		{"query not found", query, fault.NotFound, fault.None, "NoSuchEntity", 404},
		{"query not found of a bucket", query, fault.NotFound, fault.Bucket, "NoSuchEntity", 404},
		{"query already exists", query, fault.AlreadyExists, fault.None, "EntityAlreadyExists", 409},
		{"query delete conflict", query, fault.DeleteConflict, fault.None, "DeleteConflict", 409},
		{"query limit", query, fault.LimitExceeded, fault.None, "LimitExceeded", 409},
		{"query validation", query, fault.Validation, fault.None, "ValidationError", 400},
		{"query invalid input", query, fault.InvalidInput, fault.None, "InvalidInput", 400},
		{"query invalid parameter", query, fault.InvalidParameter, fault.None, "InvalidParameterValue", 400},
		{"query malformed policy", query, fault.Malformed, fault.Policy, "MalformedPolicyDocument", 400},
		{"query access denied", query, fault.AccessDenied, fault.None, "AccessDenied", 403},
		{"query packed policy", query, fault.TooLarge, fault.PackedPolicy, "PackedPolicyTooLarge", 400},
		{"query identity token", query, fault.InvalidToken, fault.IdentityToken, "InvalidIdentityToken", 400},
		{"query identity token expired", query, fault.Expired, fault.IdentityToken, "ExpiredTokenException", 400},
		{"query claim rejected", query, fault.AccessDenied, fault.IdentityToken, "IDPRejectedClaim", 403},
		{"query issuer unreachable", query, fault.Unavailable, fault.IdentityProvider, "IDPCommunicationError", 400},
		{"query session expired", query, fault.Expired, fault.SessionToken, "ExpiredToken", 403},
		{"query unknown key", query, fault.InvalidToken, fault.AccessKey, "InvalidClientTokenId", 403},
		{"query unsigned", query, fault.Unsigned, fault.None, "MissingAuthenticationToken", 403},
		{"query signature", query, fault.Mismatch, fault.Signature, "SignatureDoesNotMatch", 403},
		{"query request expired", query, fault.Expired, fault.None, "RequestExpired", 400},
		{"query malformed authorization", query, fault.Malformed, fault.Authorization, "IncompleteSignature", 400},
		{"query timeout", query, fault.Timeout, fault.None, "RequestTimeout", 400},
		{"query lacks a kind", query, fault.TooSmall, fault.None, "ServiceFailure", 500},
		{"json access denied", json, fault.AccessDenied, fault.None, "AccessDeniedException", 400},
		{"json unsigned headers", json, fault.AccessDenied, fault.Headers, "AccessDeniedException", 403},
		{"json account", json, fault.NotFound, fault.Account, "AccountNotFoundException", 400},
		{"json account request", json, fault.NotFound, fault.AccountRequest, "CreateAccountStatusNotFoundException", 400},
		{"json not found of nothing it names", json, fault.NotFound, fault.None, "ServiceFailure", 500},
		{"json invalid input", json, fault.InvalidInput, fault.None, "InvalidInputException", 400},
		{"json limit", json, fault.LimitExceeded, fault.None, "ConstraintViolationException", 400},
		{"json malformed policy", json, fault.Malformed, fault.Policy, "MalformedPolicyDocumentException", 400},
		{"json unknown key", json, fault.InvalidToken, fault.AccessKey, "InvalidClientTokenId", 403},
		{"rest-json signature", restJSON, fault.Mismatch, fault.Signature, "SignatureDoesNotMatch", 403},
		{"rest-json failure", restJSON, fault.Failure, fault.None, "ServiceFailure", 500},
		{"s3 no such bucket", restXML, fault.NotFound, fault.Bucket, "NoSuchBucket", 404},
		{"s3 no such key", restXML, fault.NotFound, fault.Key, "NoSuchKey", 404},
		{"s3 no such upload", restXML, fault.NotFound, fault.Upload, "NoSuchUpload", 404},
		{"s3 no such bucket policy", restXML, fault.NotFound, fault.BucketPolicy, "NoSuchBucketPolicy", 404},
		{"s3 bucket exists", restXML, fault.AlreadyExists, fault.Bucket, "BucketAlreadyExists", 409},
		{"s3 bucket owned", restXML, fault.AlreadyExists, fault.OwnBucket, "BucketAlreadyOwnedByYou", 409},
		{"s3 bucket not empty", restXML, fault.DeleteConflict, fault.Bucket, "BucketNotEmpty", 409},
		{"s3 operation aborted", restXML, fault.Conflict, fault.None, "OperationAborted", 409},
		{"query conflict is a failure", query, fault.Conflict, fault.None, "ServiceFailure", 500},
		{"s3 invalid argument", restXML, fault.InvalidInput, fault.None, "InvalidArgument", 400},
		{"s3 invalid bucket name", restXML, fault.InvalidInput, fault.Bucket, "InvalidBucketName", 400},
		{"s3 invalid range", restXML, fault.InvalidInput, fault.Range, "InvalidRange", 416},
		{"s3 key too long", restXML, fault.TooLarge, fault.Key, "KeyTooLongError", 400},
		{"s3 entity too large", restXML, fault.TooLarge, fault.None, "EntityTooLarge", 400},
		{"s3 entity too small", restXML, fault.TooSmall, fault.None, "EntityTooSmall", 400},
		{"s3 bad digest", restXML, fault.Mismatch, fault.Digest, "BadDigest", 400},
		{"s3 malformed policy", restXML, fault.Malformed, fault.Policy, "MalformedPolicy", 400},
		{"s3 malformed XML", restXML, fault.Malformed, fault.XML, "MalformedXML", 400},
		{"s3 not implemented", restXML, fault.Unsupported, fault.None, "NotImplemented", 501},
		{"s3 method", restXML, fault.Unsupported, fault.Method, "MethodNotAllowed", 405},
		{"s3 precondition", restXML, fault.PreconditionFailed, fault.None, "PreconditionFailed", 412},
		{"s3 unknown key", restXML, fault.InvalidToken, fault.AccessKey, "InvalidAccessKeyId", 403},
		{"s3 bad session token", restXML, fault.InvalidToken, fault.SessionToken, "InvalidToken", 400},
		{"s3 session expired", restXML, fault.Expired, fault.SessionToken, "ExpiredToken", 400},
		{"s3 skew", restXML, fault.Expired, fault.None, "RequestTimeTooSkewed", 403},
		{"s3 presigned URL expired", restXML, fault.Expired, fault.PresignedURL, "AccessDenied", 403},
		{"s3 failure", restXML, fault.Failure, fault.None, "InternalError", 500},
		{"s3 lacks a kind", restXML, fault.Validation, fault.None, "InternalError", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &fault.Error{Kind: tt.kind, Subject: tt.subject, Message: "the message", Cause: errors.New("the cause")}
			e := tt.codec(fmt.Errorf("do it: %w", in))
			if e.Code != tt.code || e.Status != tt.status {
				t.Fatalf("got %s %d, want %s %d", e.Code, e.Status, tt.code, tt.status)
			}
			failure := tt.code == "ServiceFailure" || tt.code == "InternalError"
			if !failure && e.Message != "the message" {
				t.Errorf("message %q, want the error's", e.Message)
			}
			if failure && (e.Type != awsproto.Receiver || strings.Contains(e.Message, "the message")) {
				t.Errorf("failure %+v: want Receiver and a fixed message", e)
			}
			if !errors.Is(e, in) {
				t.Error("the domain error is not the cause")
			}
		})
	}
}

// TestCodecPassesWireErrors: an *awsproto.Error is the protocol's own and
// passes unchanged; an error without a kind is a failure whose text stays
// out of the message; nil stays nil.
func TestCodecPassesWireErrors(t *testing.T) {
	own := awsproto.MissingParameter("RoleName")
	for name, codec := range map[string]func(error) *awsproto.Error{"query": awsproto.QueryError, "json": awsproto.JSONError, "rest-json": awsproto.RESTJSONError, "rest-xml": awsproto.RESTXMLError} {
		t.Run(name, func(t *testing.T) {
			if got := codec(fmt.Errorf("wrapped: %w", own)); got != own {
				t.Errorf("got %v, want the error itself", got)
			}
			plain := errors.New("database is locked: secret detail")
			got := codec(plain)
			if got.Status != 500 || strings.Contains(got.Message, "secret") || !errors.Is(got, plain) {
				t.Errorf("plain error: %+v", got)
			}
			if got := codec(nil); got != nil {
				t.Errorf("nil: %v", got)
			}
			// The outermost decides: a slow body that made the parser
			// fail is a timeout, not the parser's error.
			slow := &fault.Error{Kind: fault.Timeout, Message: awsproto.RequestTimeoutMessage, Cause: fmt.Errorf("read: %w", awsproto.MalformedQueryString("cut"))}
			if got := codec(slow); got.Code != "RequestTimeout" {
				t.Errorf("timeout over a wire error: %v", got)
			}
			joined := errors.Join(errors.New("first"), &fault.Error{Kind: fault.Mismatch, Subject: fault.Signature, Message: "no"})
			if got := codec(joined); got.Code != "SignatureDoesNotMatch" {
				t.Errorf("joined: %v", got)
			}
		})
	}
}

// TestCodes lists every code of the tables once.
func TestCodes(t *testing.T) {
	codes := awsproto.Codes()
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] || c == "" {
			t.Errorf("code %q twice or empty", c)
		}
		seen[c] = true
	}
	for _, c := range []string{"NoSuchEntity", "AccountNotFoundException", "NoSuchBucket", "InternalError", "ServiceFailure"} {
		if !seen[c] {
			t.Errorf("%s missing from %v", c, codes)
		}
	}
}
