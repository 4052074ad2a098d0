// Package authn owns who a request is. It reads what a request says of
// its signature once (the query string decoded, the Authorization header
// or presigned parameters parsed), finds the secret and the caller behind
// the access key (a long-term key from the store, unsealed; session
// credentials opened from their sealed token), verifies the signature,
// and builds the one iam.Caller every service sees, with its parsed
// principal and source address. Failures are kinds (Error); each
// protocol's codec turns them into its own codes.
package authn
