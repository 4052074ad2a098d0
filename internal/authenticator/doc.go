// Package authenticator is podiam's cluster access for IAM identities, in
// the manner of aws-iam-authenticator: a TokenReview webhook
// (authentication.k8s.io v1 and v1beta1) for kube-apiserver's
// --authentication-token-webhook-config-file that turns a `k8s-aws-v1.`
// token (a presigned STS GetCallerIdentity) into the caller's AWS
// identity through a Verifier, and that identity into a Kubernetes user
// and groups through the cluster's mappings: EKS access entries (an
// AccessEntries source, when the authentication mode allows them) before
// the kube-system/aws-auth ConfigMap (mapRoles, mapUsers, mapAccounts and
// their templates). It also serves a SubjectAccessReview webhook
// (authorization.k8s.io v1 and v1beta1) that allows what an AccessPolicies
// source allows a principal, with no opinion otherwise, so that RBAC
// decides next. It owns the wire shapes of both reviews, the aws-auth
// format, the short success cache in front of STS, the files
// kube-apiserver reads to call it, and its TLS listener.
package authenticator
