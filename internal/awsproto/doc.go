// Package awsproto owns AWS's wire formats on the server side. So far it
// speaks the Query protocol of IAM and STS: it decodes a form POST or a GET
// query string into an Action, a Version and parameters, reads the
// parameters the way the protocol flattens them (Prefix.member.N lists,
// lists of structures, Prefix.entry.N maps), writes a result struct as the
// <ActionResponse> XML envelope with its request id, and writes an Error as
// AWS's <ErrorResponse> with its HTTP status.
//
// AWS's wire names live here, in struct tags and in the Error constructors;
// the services above know nothing of them. Every error this package returns
// is an *Error, ready to be written with WriteError.
package awsproto
