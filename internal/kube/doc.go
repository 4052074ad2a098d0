// Package kube is podiam's Kubernetes client layer, on client-go: the
// configuration from a kubeconfig (clientcmd: --kubeconfig, $KUBECONFIG,
// ~/.kube/config, --context, exec plugins, token files) or from inside a
// pod; the metadata, dynamic and REST clients built from it; the
// webhook's ServiceAccount cache, a client-go reflector into a store
// that keeps only the annotations read, with a direct read for an account
// it has not seen; and the watch of a ConfigMap (one key of it, or its
// whole data: the role mappings, aws-auth).
package kube
