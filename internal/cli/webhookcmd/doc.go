// Package webhookcmd is "podiam webhook": the IRSA mutating admission
// webhook's commands. "mutate" runs the webhook's mutation offline on a
// pod and ServiceAccount manifest.
package webhookcmd
