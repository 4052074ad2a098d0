package authn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/sigv4"
)

// Request is what is read of every request once, before any service sees
// it: its query string decoded (the one decoding that both the signature
// check and the handlers read) and its signature's authorization parsed.
type Request struct {
	Query    url.Values
	QueryErr error
	// Auth is the parsed authorization; AuthErr says why there is none (a
	// *sigv4.Error, of kind MissingAuthentication for an unsigned call).
	Auth    *sigv4.Auth
	AuthErr error
}

// Read reads r's query string and authorization; decode is the query
// string's one decoding (awsproto.DecodeForm).
func Read(r *http.Request, decode func(string) (url.Values, error)) *Request {
	in := &Request{}
	in.Query, in.QueryErr = decode(r.URL.RawQuery)
	if in.QueryErr == nil {
		in.Auth, in.AuthErr = sigv4.Parse(r, in.Query)
	}
	return in
}

// Unsigned reports whether the request carries no signature at all.
func (in *Request) Unsigned() bool {
	se, ok := in.AuthErr.(*sigv4.Error)
	return ok && se.Kind == sigv4.MissingAuthentication
}

// Presigned reports whether the request is signed in its query string.
func (in *Request) Presigned() bool { return in.Auth != nil && in.Auth.Presigned }

// Keys finds the caller and secret behind an access key id (and the
// session token sent with it, for session keys). It returns ErrUnknownKey
// for a key that does not exist or is inactive (or a token that does not
// open), and ErrExpiredToken for a session that has ended.
type Keys interface {
	LookupKey(ctx context.Context, accessKeyID, sessionToken string) (*iam.Caller, creds.Secret, error)
}

// Lookup errors.
var (
	ErrUnknownKey   = errors.New("unknown access key")
	ErrExpiredToken = errors.New("expired session token")
)

// Kind classifies an authentication failure; each protocol maps it to
// its code (an unknown key is InvalidClientTokenId to IAM,
// InvalidAccessKeyId to S3).
type Kind uint8

const (
	// UnknownKey: the access key id (or its session token) is unknown.
	UnknownKey Kind = iota + 1
	// ExpiredToken: the session has ended.
	ExpiredToken
	// BadSignature: the signature does not verify or is outside its time
	// window; Err is the *sigv4.Error.
	BadSignature
	// Failure: the key could not be looked up (the store failed).
	Failure
)

// Error is an authentication failure.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	switch e.Kind {
	case UnknownKey:
		return "unknown access key"
	case ExpiredToken:
		return "expired session token"
	}
	return fmt.Sprintf("authenticate: %v", e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Authenticator verifies signatures against the secrets of their keys.
type Authenticator struct {
	keys  Keys
	now   func() time.Time
	cache sigv4.KeyCache
}

// New builds an Authenticator over keys, with the clock now.
func New(keys Keys, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{keys: keys, now: now}
}

// Verified is a request whose signature verified: its caller and the
// signing key of its scope (an aws-chunked body's chunks are signed with
// it).
type Verified struct {
	Caller     *iam.Caller
	SigningKey [32]byte
}

// Options say how a protocol's signatures are checked.
type Options struct {
	// S3 canonicalizes the path as S3 signs it.
	S3 bool
	// IgnoreExpires holds a presigned request to 15 minutes after its
	// X-Amz-Date whatever its X-Amz-Expires says (STS's presigned
	// GetCallerIdentity; sigv4.Options.IgnoreExpires).
	IgnoreExpires bool
}

// Verify finds the caller behind a's access key and checks a's signature
// over r, with payloadHash the canonical request's payload line.
func (x *Authenticator) Verify(r *http.Request, a *sigv4.Auth, payloadHash string, opt Options) (Verified, error) {
	c, secret, err := x.keys.LookupKey(r.Context(), a.AccessKeyID, a.SecurityToken)
	switch {
	case errors.Is(err, ErrUnknownKey):
		return Verified{}, &Error{Kind: UnknownKey}
	case errors.Is(err, ErrExpiredToken):
		return Verified{}, &Error{Kind: ExpiredToken}
	case err != nil:
		return Verified{}, &Error{Kind: Failure, Err: err}
	}
	key, err := sigv4.VerifyKey(r, a, secret.Reveal(), payloadHash, x.now(), sigv4.Options{S3: opt.S3, IgnoreExpires: opt.IgnoreExpires, Keys: &x.cache})
	if err != nil {
		return Verified{}, &Error{Kind: BadSignature, Err: err}
	}
	c.AccessKeyID = a.AccessKeyID
	c.SourceIP = SourceIP(r)
	return Verified{Caller: c, SigningKey: key}, nil
}

// SourceIP is the client address of r, without port.
func SourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
