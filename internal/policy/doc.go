// Package policy owns IAM policy documents: strict parsing with AWS's
// validation rules for each kind of policy (identity, resource, role trust,
// session, permissions boundary, service control policy), canonical
// printing, and compilation into matchers.
//
// A document is parsed and compiled once, when it is written. The compiled
// [Policy] matches a [Request] (principal, action, resource, context keys)
// statement by statement without touching JSON and without allocating;
// combining the answers of several policies into a decision is the job of
// package authz.
package policy
