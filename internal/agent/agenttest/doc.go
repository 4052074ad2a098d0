// Package agenttest runs a test inside a network namespace of its own
// (unshare -n) whose loopback carries EKS Pod Identity's link-local
// addresses, so that an agent listens where EKS's does and real SDKs call
// it exactly as in a pod.
package agenttest
