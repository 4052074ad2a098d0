// Package webhook decides what the mutating admission webhook does to a
// pod. For IRSA, from the pod, its ServiceAccount's annotations and the
// webhook's flags it builds the JSON patch that injects AWS_ROLE_ARN,
// AWS_WEB_IDENTITY_TOKEN_FILE, the region and STS variables, and the
// projected service-account token volume. For EKS Pod Identity (a
// ServiceAccount with an association, which the caller finds out) it
// builds the patch that adds the pod-identity label,
// AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// and the eks-pod-identity-token volume. The patches are the ones
// amazon-eks-pod-identity-webhook builds for the same input, so existing
// manifests and annotations behave unchanged; podiam's additions
// (AWS_ENDPOINT_URL, AWS_ROLE_SESSION_NAME) are off unless configured.
// The package is pure: no I/O, no clock; randomness (the token lifetime's
// jitter) is an argument.
package webhook
