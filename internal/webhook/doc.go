// Package webhook decides what the IRSA mutating admission webhook does
// to a pod: from the pod, its ServiceAccount's annotations and the
// webhook's flags it builds the JSON patch that injects AWS_ROLE_ARN,
// AWS_WEB_IDENTITY_TOKEN_FILE, the region and STS variables, and the
// projected service-account token volume. The patch is the one
// amazon-eks-pod-identity-webhook builds for the same input, so existing
// manifests and annotations behave unchanged; podiam's additions
// (AWS_ENDPOINT_URL, AWS_ROLE_SESSION_NAME) are off unless configured.
// The package is pure: no I/O, no clock.
package webhook
