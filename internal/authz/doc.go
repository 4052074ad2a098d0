// Package authz owns AWS's policy evaluation logic: given a request and the
// policies that apply to it (identity policies, permissions boundary,
// session policies, resource or trust policy, service control policies) it
// decides explicit deny, allow or implicit deny, and names the statements
// that decided.
//
// The order is AWS's documented one: an explicit Deny anywhere wins; every
// level of SCPs must allow; within one account a resource policy that
// names the caller's user or session allows on its own, one that names the
// role stays limited by the boundary and session policies, and otherwise
// the identity policies, the boundary and the session policies must all
// allow; across accounts both the caller's account and the resource's
// resource policy must allow; a role's trust policy must always allow
// explicitly; the root user is not limited by identity policies; anonymous
// callers are allowed only by resource policies.
//
// Evaluation cannot fail and does not allocate once its [Result] has grown
// to the number of matching statements.
package authz
