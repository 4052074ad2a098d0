// Package httpapi is podiam's HTTP edge: the one pipeline every AWS
// request takes. It gives the request an id, reads its query string and
// signature once (authn), picks the protocol from the request's shape
// (Query, JSON 1.1, or the REST protocol of S3), lets that protocol
// authenticate the request against the service its signature's scope must
// name and run the service's adapter (iamapi, stsapi, orgsapi, s3api),
// renders any error in the protocol's format, and writes one audit record
// and at most one log line per request. It also paces request bodies
// (a minimum rate).
package httpapi
