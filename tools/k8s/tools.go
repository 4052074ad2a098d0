//go:build tools

// Package tools names the Kubernetes and etcd commands the tests run, so
// that this module's go.mod pins them; build.sh builds them. It is a
// module of its own to keep Kubernetes out of podiam's go.mod.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
