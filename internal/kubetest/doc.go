// Package kubetest runs a real Kubernetes control plane for tests: etcd,
// kube-apiserver and kube-controller-manager (its serviceaccount,
// namespace and root-ca controllers) on loopback, with certificates and
// a service-account signing key generated in Go. The binaries come from
// tools/k8s/build.sh, named by PODIAM_K8S_BINS; without it tests skip,
// or fail when PODIAM_REQUIRE_K8S is set (as `make test` does); kubectl,
// built beside them, is asked for by the tests that run it (Kubectl). The
// API server may call token authentication and authorization webhooks
// that the test starts first (Options.Webhooks). There is no kubelet:
// pods are admitted and stored, never run.
package kubetest
