// Package agent is podiam's node credential endpoint for EKS Pod
// Identity, wire-compatible with aws/eks-pod-identity-agent v0.2.x: the
// /v1/credentials handler (Host check, the raw service-account token from
// Authorization, read unverified for its expiry and pod UID), one cache of
// credentials per pod shared by every listener, renewed ahead of expiry,
// the eks-auth AssumeRoleForPodIdentity client that fills it (signed with
// the node's credentials), the probes and metrics, and the dummy link
// that carries the link-local addresses. It is a client of podiam's
// public API (or of AWS's eks-auth): it never reads podiam's store.
package agent
