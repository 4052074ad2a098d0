// Package kubetest runs a real Kubernetes control plane for tests: etcd,
// kube-apiserver and kube-controller-manager (its serviceaccount,
// namespace and root-ca controllers) on loopback, with certificates and
// a service-account signing key generated in Go. The binaries come from
// tools/k8s/build.sh, named by PODIAM_K8S_BINS; without it tests skip,
// or fail when PODIAM_REQUIRE_K8S is set (as `make test` does). There is
// no kubelet: pods are admitted and stored, never run.
package kubetest
