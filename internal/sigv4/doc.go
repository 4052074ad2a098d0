// Package sigv4 owns AWS Signature Version 4 on the receiving side: it
// parses the Authorization header or the presigned query parameters of a
// request, rebuilds the canonical request and the string to sign as the
// client did, and checks the signature in constant time.
//
// It knows nothing about accounts or keys: the caller looks up the secret
// for the access key id that Parse returns and passes it to Verify with the
// current time and the payload hash. Errors carry a Kind that the wire layer
// maps to AWS's error codes (MissingAuthenticationToken,
// IncompleteSignature, SignatureDoesNotMatch, RequestExpired, ...); a
// SignatureDoesNotMatch error keeps the canonical request and the string to
// sign, as AWS's message shows them, so that a client can see what differs.
package sigv4
