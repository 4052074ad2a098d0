// Package e2e holds end-to-end tests that join podiam's parts with a
// real Kubernetes control plane: the server, the webhook, the API server
// that calls it and the AWS SDK that a mutated pod would run; for EKS
// Pod Identity also the node agent, inside a network namespace with
// 169.254.170.23 on its loopback (agenttest.InNetNS).
package e2e
