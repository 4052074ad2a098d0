// Package oidctest owns a test OpenID Connect issuer: an HTTPS server on
// loopback, with its own CA, that serves a discovery document and a JWKS,
// signs tokens with its current key, rotates and retires keys, and counts
// the JWKS requests it serves. Options make it misbehave (arbitrary JWKS
// bytes, a rewritten discovery document, an expired certificate, a held
// JWKS response) for the tests of verifiers.
//
// It imports only the standard library, so that any package's tests can
// use it, including those of package oidc.
package oidctest
