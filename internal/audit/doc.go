// Package audit owns the audit log: one JSON line per request with who
// asked for what, the decision and the statement that decided, like
// CloudTrail with the reason added. Records hold no secrets by
// construction: there is no field for a key, a token or a signature.
package audit
