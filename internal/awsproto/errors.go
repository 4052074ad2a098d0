package awsproto

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/podiam/podiam/internal/fault"
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

// The protocols' own errors: a request the codec cannot read or route.
// A failure of a domain package (a *fault.Error) gets its code and status
// from the protocol's table instead (codes.go).

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

// InvalidParameterValue: a parameter is not of its type or shape (400):
// the Query table's InvalidParameter.
func InvalidParameterValue(message string) *Error {
	return queryCodes.encode(&fault.Error{Kind: fault.InvalidParameter, Message: message})
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

// RequestEntityTooLarge: the request body is over the server's limit (413).
// AWS documents no code for it in Query services; this one is ours.
func RequestEntityTooLarge(limit int64) *Error {
	return NewError("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body must not be larger than %d bytes", limit))
}

// RequestTimeoutMessage is S3's message for RequestTimeout, the code every
// protocol's table gives a fault.Timeout.
const RequestTimeoutMessage = "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."

// UnsupportedMediaType: a POST body that is not a form (415). AWS documents
// no code for it in Query services; this one is ours.
func UnsupportedMediaType(contentType string) *Error {
	return NewError("UnsupportedMediaType", http.StatusUnsupportedMediaType, fmt.Sprintf("The request body must be application/x-www-form-urlencoded in UTF-8, not %q", contentType))
}

// UnknownOperation: a JSON or REST-JSON request names no operation served
// (400 for JSON's X-Amz-Target, 404 for a REST-JSON service not served).
func UnknownOperation(status int, message string) *Error {
	return NewError("UnknownOperationException", status, message)
}

// Serialization: a JSON or REST-JSON body that cannot be read or decoded
// (400).
func Serialization(message string) *Error {
	return NewError("SerializationException", http.StatusBadRequest, message)
}

// Throttling: too many requests (400; SDKs retry it).
func Throttling() *Error {
	return NewError("Throttling", http.StatusBadRequest, "Rate exceeded")
}

// ServiceFailure: the server failed (500, Receiver): the Query table's
// Failure. The cause is for the log; the client sees a fixed message.
func ServiceFailure(cause error) *Error {
	e := queryCodes.encode(&fault.Error{Kind: fault.Failure})
	e.Cause = cause
	return e
}

// Modelled errors of IAM and STS that no domain kind produces yet; a
// service that comes to raise one gives it a kind and a row in the Query
// table instead.

// ConcurrentModification: another request changed the entity (409).
func ConcurrentModification(message string) *Error {
	return NewError("ConcurrentModification", http.StatusConflict, message)
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

// RegionDisabled: STS is not enabled in the region (403).
func RegionDisabled(message string) *Error {
	return NewError("RegionDisabledException", http.StatusForbidden, message)
}
