// Package kube is the little of the Kubernetes API that podiam's webhook
// and helpers need, on the standard library: a client configured from a
// kubeconfig file or from inside a pod, reads of single objects, and a
// ServiceAccount cache kept by LIST and WATCH that falls back to a read
// when asked for an account it has not seen yet.
package kube
