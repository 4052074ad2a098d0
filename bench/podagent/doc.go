// Command podagent measures podiam's node agent for EKS Pod Identity
// against a real podiam server: it builds and starts `podiam server` on a
// fresh data directory (or runs -bin), makes a role that trusts
// pods.eks.amazonaws.com, a node user allowed
// eks-auth:AssumeRoleForPodIdentity, a cluster whose signing key it pushes
// (podiam's cluster binding) and one Pod Identity association per
// ServiceAccount, then runs the agent in this process: agent.New with the
// real eks-auth client (SigV4-signed with the node's key, toward the
// server), its handler on a loopback port and its renewal loop. The one
// difference from `podiam agent` on a node is the Host check: the allowed
// host is 127.0.0.1 instead of 169.254.170.23, so that no network
// namespace is needed. The agent's request limit (1,000/s, burst 500) is
// lifted, or the loads would measure the limiter.
//
// Three phases, each printing its figures and whether its checks hold:
//
//   - cold: -pods simulated pods, each with its own connection and its own
//     pod-bound token (RS256, signed by the cluster's key as kube-apiserver
//     signs a projected token), fetch /v1/credentials at the same moment.
//     Every fetch must succeed and eks-auth must be called exactly once a
//     pod (counted by the server's podiam_requests_total and the agent's
//     pod_identity_eks_auth_request_duration_seconds); it prints the
//     latency's p50 and p99.
//
//   - cached: -requests requests spread over the pods from -clients
//     concurrent clients, all answered from the cache (no eks-auth call):
//     the rate and the p50 and p99 of the round trip over loopback and of
//     the agent's handler alone (targets: p50 ≤ 100 µs, p99 ≤ 1 ms).
//
//   - renewal: a second agent whose credentials are renewed every
//     -retention (the agent's --max-credential-retention-before-renewal),
//     or, with -session D, whose clock runs ahead so that eks-auth's
//     six-hour sessions have D left when they arrive (renewed at two
//     thirds of that, as credentials near expiry are). It fills its cache,
//     then -clients clients fetch continuously, round robin over the pods,
//     until every pod has been seen with -renewals renewed credentials (a
//     new AccessKeyId): the errors must be 0, and so must the requests
//     that found no servable credentials in the cache.
//
//     go run ./bench/podagent -pods 1000 -clients 16 -requests 200000
package main
