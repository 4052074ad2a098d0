// Package kube is podiam's Kubernetes client layer, on client-go: the
// configuration from a kubeconfig (clientcmd: --kubeconfig, $KUBECONFIG,
// ~/.kube/config, --context, exec plugins, token files) or from inside a
// pod; the metadata, dynamic and REST clients built from it; the
// ServiceAccount metadata cache of the webhook, an informer that keeps
// only the annotations read and falls back to a direct read for an
// account it has not seen; and the watch of the role-mappings ConfigMap.
package kube
