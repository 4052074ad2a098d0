// Package httpapi owns podiam's HTTP edge for the Query services (IAM,
// STS): it gives each request an id, verifies its SigV4 signature against
// the secret of its access key, picks the service from the credential
// scope (or, for calls AWS accepts unsigned such as
// AssumeRoleWithWebIdentity, from the Action), runs the handler, renders
// the result or the error in AWS's wire format once, and writes one audit
// record per request.
//
// Services and the key lookup come in as small interfaces, so the edge
// knows nothing about the store.
package httpapi
