// Package oidc owns the verification of OpenID Connect ID tokens for STS
// AssumeRoleWithWebIdentity: parsing a compact JWS, checking its audience
// and time claims against an IAM OIDC provider in AWS's order, discovering
// the issuer's JWKS (issuer + "/.well-known/openid-configuration", then
// jwks_uri), caching the keys per issuer and checking the signature.
//
// It trusts an issuer's TLS certificate as AWS does: the chain must verify
// against the configured roots, or else the top certificate the server
// presents must match one of the provider's SHA-1 thumbprints and the leaf
// must still be valid for the host name and the current time.
//
// Only RS256/384/512 and ES256/384/512 are accepted; "none", HMAC and PSS
// never are, and keys come only from the issuer's JWKS, never from the
// token. The cryptography is go-jose's (github.com/go-jose/go-jose/v4):
// it parses the JWS, restricted to those algorithms, and checks the
// signature; this package keeps AWS's rules (the form of the token, the
// claims, the key limits and choice, the refetch limits, the TLS trust and
// the error kinds). Time is an input (Config.Now). The package does not log: every
// failure is an *Error of a Kind (invalid token, expired, rejected claim,
// issuer unreachable) that internal/sts maps to AWS's error code; its
// Message is safe to show the caller and never holds a token or key
// material.
//
// Package oidctest provides an HTTPS issuer on loopback for tests.
package oidc
