package httpapi

import (
	"errors"

	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/sigv4"
)

// wireError is the protocol's error for err: the edge's own failures (a
// body too slow, an authentication that failed) become kinds, in the words
// of the Query and JSON services, and encode (awsproto.QueryError,
// JSONError, RESTJSONError) gives every kind the protocol's code and
// status.
func wireError(err error, encode func(error) *awsproto.Error) *awsproto.Error {
	var te *TimeoutError
	if errors.As(err, &te) {
		return encode(&fault.Error{Kind: fault.Timeout, Message: awsproto.RequestTimeoutMessage, Cause: err})
	}
	var ae *authn.Error
	if errors.As(err, &ae) {
		switch ae.Kind {
		case authn.UnknownKey:
			err = &fault.Error{Kind: fault.InvalidToken, Subject: fault.AccessKey, Message: "The security token included in the request is invalid."}
		case authn.ExpiredToken:
			err = &fault.Error{Kind: fault.Expired, Subject: fault.SessionToken, Message: "The security token included in the request is expired"}
		case authn.BadSignature:
			err = sigv4Error(ae.Err)
		default:
			err = fault.Internal("authenticate", err)
		}
	}
	return encode(err)
}

// sigv4Error is the Query and JSON services' failure for a signature that
// does not verify.
func sigv4Error(err error) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return fault.Internal("verify the signature", err)
	}
	switch e.Kind {
	case sigv4.MissingAuthentication:
		return unsigned()
	case sigv4.Mismatch:
		return &fault.Error{Kind: fault.Mismatch, Subject: fault.Signature, Message: e.Message}
	case sigv4.Expired:
		return &fault.Error{Kind: fault.Expired, Message: e.Message}
	case sigv4.MalformedQuery:
		return &fault.Error{Kind: fault.Malformed, Subject: fault.PresignedURL, Message: e.Message}
	}
	return &fault.Error{Kind: fault.Malformed, Subject: fault.Authorization, Message: e.Message}
}

// unsigned is the failure of a request without a signature that needs one.
func unsigned() error {
	return &fault.Error{Kind: fault.Unsigned, Message: "Request is missing Authentication Token"}
}

// wrongScope is the failure of a signature scoped to another service than
// the one the request addresses.
func wrongScope(message string) error {
	return &fault.Error{Kind: fault.Mismatch, Subject: fault.Signature, Message: message}
}

// failedAnswer is the answer a codec wrote when a result could not be
// encoded: its ServiceFailure.
func failedAnswer(err error) *Answered {
	e := awsproto.ServiceFailure(err)
	return &Answered{Code: e.Code, Status: e.Status, Err: err}
}
