// Package eksauth owns EKS Auth's AssumeRoleForPodIdentity, the exchange
// by which a node's Pod Identity agent turns a pod's projected
// service-account token into the credentials of the role its namespace
// and ServiceAccount are associated with.
//
// The operation checks, in order: the request's parameters (the cluster
// name and the token's form); the caller's eks-auth:AssumeRoleForPodIdentity
// on the cluster's ARN, through IAM policy evaluation; the cluster, in
// the caller's account; the token against the cluster's keys (its pushed
// JWKS, or else its issuer's published keys through package oidc), its
// issuer, audience (pods.eks.amazonaws.com), time claims and the
// kubernetes.io claims that name the pod and its ServiceAccount; the
// association. It then assumes the association's role as the service
// principal pods.eks.amazonaws.com (sts.AssumeRoleForService) with EKS's
// session name and six transitive session tags, and, for an association
// with a target role, assumes that role as the first session
// (sts.AssumeRole).
//
// Clusters and associations come from a Directory, which the EKS control
// plane implements; this package keeps no record of its own and caches
// nothing per token. Failures are fault kinds with EKS Auth's messages;
// the REST-JSON adapter (internal/eksauthapi) gives them EKS Auth's codes.
package eksauth
