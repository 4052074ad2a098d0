package awsproto

import (
	"errors"
	"fmt"
	"net/http"
)

// Fault says whose fault an error is, as the <Type> of AWS's ErrorResponse.
type Fault string

const (
	// Sender: the request was wrong (4xx).
	Sender Fault = "Sender"
	// Receiver: the server failed (5xx).
	Receiver Fault = "Receiver"
)

// Error is an AWS error as the client sees it: a code that SDKs match on,
// a message safe to show the caller, the HTTP status and the fault. Cause,
// when set, is for the log only and never written to the client.
type Error struct {
	Code    string
	Message string
	Status  int
	Type    Fault
	Cause   error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// AsError returns the *Error in err's chain, or else a ServiceFailure
// caused by err, so that any error a handler returns can be written with
// WriteError without showing its text. It returns nil for nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return ServiceFailure(err)
}

// NewError makes an error with a code that has no constructor here. The
// fault follows from the status: Receiver from 500 on, Sender below.
func NewError(code string, status int, message string) *Error {
	t := Sender
	if status >= 500 {
		t = Receiver
	}
	return &Error{Code: code, Message: message, Status: status, Type: t}
}

// The statuses below are those of botocore's service models
// (iam/2010-05-08, sts/2011-06-15) for modelled errors and of AWS's "Common
// Errors" reference for the rest; where observed AWS behaviour differs from
// that reference, the comment says so.

// MissingAuthenticationToken: a request that is neither signed nor
// presigned, to an action that needs it (403).
func MissingAuthenticationToken() *Error {
	return NewError("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
}

// IncompleteSignature: the Authorization header or presigned parameters are
// malformed or incomplete (400).
func IncompleteSignature(message string) *Error {
	return NewError("IncompleteSignature", http.StatusBadRequest, message)
}

// InvalidClientTokenID: the access key id or session token is unknown
// (403). The code keeps AWS's spelling, InvalidClientTokenId.
func InvalidClientTokenID() *Error {
	return NewError("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")
}

// SignatureDoesNotMatch: the signature is wrong (403). AWS's message shows
// the canonical request and the string to sign it computed.
func SignatureDoesNotMatch(message string) *Error {
	return NewError("SignatureDoesNotMatch", http.StatusForbidden, message)
}

// RequestExpired: the request's time is too far from the server's, or a
// presigned request has expired (400).
func RequestExpired(message string) *Error {
	return NewError("RequestExpired", http.StatusBadRequest, message)
}

// ExpiredToken: the session token of the request's credentials has expired.
// The Common Errors reference says 400, but IAM and STS answer 403 (observed
// responses quoted in public SDK issues), and so do we.
func ExpiredToken() *Error {
	return NewError("ExpiredToken", http.StatusForbidden, "The security token included in the request is expired")
}

// AccessDenied: the caller is not allowed to do this (403). Query services
// use the code AccessDenied, not AccessDeniedException.
func AccessDenied(message string) *Error {
	return NewError("AccessDenied", http.StatusForbidden, message)
}

// InvalidAction: no operation of that name for that API version (400).
func InvalidAction(action, version string) *Error {
	return NewError("InvalidAction", http.StatusBadRequest, fmt.Sprintf("Could not find operation %s for version %s", action, version))
}

// MissingAction: the request has no Action parameter (400).
func MissingAction() *Error {
	return NewError("MissingAction", http.StatusBadRequest, "The request must contain the parameter Action")
}

// MissingParameter: a required parameter is absent (400).
func MissingParameter(name string) *Error {
	return NewError("MissingParameter", http.StatusBadRequest, "The request must contain the parameter "+name)
}

// InvalidParameterValue: a parameter is not of its type or shape (400).
func InvalidParameterValue(message string) *Error {
	return NewError("InvalidParameterValue", http.StatusBadRequest, message)
}

// InvalidQueryParameter: the query string does not follow AWS's rules, for
// instance a parameter given twice (400).
func InvalidQueryParameter(message string) *Error {
	return NewError("InvalidQueryParameter", http.StatusBadRequest, message)
}

// MalformedQueryString: the query string or form body cannot be decoded.
// 404 is the status of AWS's Common Errors reference.
func MalformedQueryString(message string) *Error {
	return NewError("MalformedQueryString", http.StatusNotFound, message)
}

// ValidationError: a parameter breaks a constraint of the API model (400),
// as in "1 validation error detected: Value 'x' at 'roleName' failed to
// satisfy constraint: ...".
func ValidationError(message string) *Error {
	return NewError("ValidationError", http.StatusBadRequest, message)
}

// RequestEntityTooLarge: the request body is over the server's limit (413).
// AWS documents no code for it in Query services; this one is ours.
func RequestEntityTooLarge(limit int64) *Error {
	return NewError("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body must not be larger than %d bytes", limit))
}

// RequestTimeoutMessage is S3's message for RequestTimeout.
const RequestTimeoutMessage = "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."

// RequestTimeout: the request body did not arrive in time (400). It is
// S3's code and message: AWS documents none for the Query and JSON
// services, and SDKs retry this code (aws-sdk-go-v2 and botocore list
// RequestTimeout among their transient errors).
func RequestTimeout() *Error {
	return NewError("RequestTimeout", http.StatusBadRequest, RequestTimeoutMessage)
}

// UnsupportedMediaType: a POST body that is not a form (415). AWS documents
// no code for it in Query services; this one is ours.
func UnsupportedMediaType(contentType string) *Error {
	return NewError("UnsupportedMediaType", http.StatusUnsupportedMediaType, fmt.Sprintf("The request body must be application/x-www-form-urlencoded in UTF-8, not %q", contentType))
}

// Throttling: too many requests (400; SDKs retry it).
func Throttling() *Error {
	return NewError("Throttling", http.StatusBadRequest, "Rate exceeded")
}

// ServiceFailure: the server failed (500, Receiver). The cause is for the
// log; the client sees a fixed message.
func ServiceFailure(cause error) *Error {
	e := NewError("ServiceFailure", http.StatusInternalServerError, "The request processing has failed because of an unknown error, exception or failure.")
	e.Cause = cause
	return e
}

// IAM's modelled errors.

// NoSuchEntity: the named entity does not exist (404).
func NoSuchEntity(message string) *Error {
	return NewError("NoSuchEntity", http.StatusNotFound, message)
}

// EntityAlreadyExists: an entity of that name exists (409).
func EntityAlreadyExists(message string) *Error {
	return NewError("EntityAlreadyExists", http.StatusConflict, message)
}

// DeleteConflict: the entity still has subordinate entities (409).
func DeleteConflict(message string) *Error {
	return NewError("DeleteConflict", http.StatusConflict, message)
}

// LimitExceeded: a quota would be exceeded (409).
func LimitExceeded(message string) *Error {
	return NewError("LimitExceeded", http.StatusConflict, message)
}

// ConcurrentModification: another request changed the entity (409).
func ConcurrentModification(message string) *Error {
	return NewError("ConcurrentModification", http.StatusConflict, message)
}

// MalformedPolicyDocument: a policy document is invalid (400; STS uses the
// same code for session policies).
func MalformedPolicyDocument(message string) *Error {
	return NewError("MalformedPolicyDocument", http.StatusBadRequest, message)
}

// InvalidInput: an invalid parameter value, in IAM's words (400).
func InvalidInput(message string) *Error {
	return NewError("InvalidInput", http.StatusBadRequest, message)
}

// UnmodifiableEntity: the entity is protected, such as a service-linked
// role (400).
func UnmodifiableEntity(message string) *Error {
	return NewError("UnmodifiableEntity", http.StatusBadRequest, message)
}

// PolicyNotAttachable: the managed policy cannot be attached (400).
func PolicyNotAttachable(message string) *Error {
	return NewError("PolicyNotAttachable", http.StatusBadRequest, message)
}

// STS's modelled errors.

// InvalidIdentityToken: the web identity token is malformed or its
// signature, issuer or audience do not check (400).
func InvalidIdentityToken(message string) *Error {
	return NewError("InvalidIdentityToken", http.StatusBadRequest, message)
}

// IDPRejectedClaim: the identity provider's token was refused, for
// instance because the trust policy does not allow it (403).
func IDPRejectedClaim(message string) *Error {
	return NewError("IDPRejectedClaim", http.StatusForbidden, message)
}

// IDPCommunicationError: the identity provider's keys could not be fetched
// (400).
func IDPCommunicationError(message string) *Error {
	return NewError("IDPCommunicationError", http.StatusBadRequest, message)
}

// ExpiredWebIdentityToken: the web identity token has expired (400). Its
// code is ExpiredTokenException, unlike ExpiredToken for expired
// credentials.
func ExpiredWebIdentityToken(message string) *Error {
	return NewError("ExpiredTokenException", http.StatusBadRequest, message)
}

// PackedPolicyTooLarge: session policies and tags do not fit (400).
func PackedPolicyTooLarge(message string) *Error {
	return NewError("PackedPolicyTooLarge", http.StatusBadRequest, message)
}

// RegionDisabled: STS is not enabled in the region (403).
func RegionDisabled(message string) *Error {
	return NewError("RegionDisabledException", http.StatusForbidden, message)
}
