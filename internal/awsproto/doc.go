// Package awsproto owns AWS's wire formats on the server side. So far it
// speaks the Query protocol of IAM and STS: it decodes a form POST or a GET
// query string into an Action, a Version and parameters, reads the
// parameters the way the protocol flattens them (Prefix.member.N lists,
// lists of structures, Prefix.entry.N maps), writes a result struct as the
// <ActionResponse> XML envelope with its request id, and writes an Error as
// AWS's <ErrorResponse> with its HTTP status.
//
// AWS's wire names live here, in struct tags, in the protocols' tables and
// in the constructors of the protocols' own errors; the services above know
// nothing of them. There is one error type on the wire, *Error (code,
// message, status, fault, cause). The domain packages return kinds of
// failure (package fault); each protocol's codec (QueryError, JSONError,
// RESTXMLError, RESTJSONError) maps a kind, and what it concerns, to the
// protocol's code and status with one table (codes.go). Every error this
// package returns is an *Error, ready to be written with WriteError.
package awsproto
