// Package clustercmd is "podiam cluster": it binds a real Kubernetes
// cluster to its EKS cluster record in podiam. bind (run once, with a
// kubeconfig) and sync (run in the cluster, a Deployment) read what the
// cluster says of itself through its API server (the kubeconfig's server
// URL and CA, the service-account keys at /openid/v1/jwks, and with
// --external-issuer its own issuer) and push it to podiam's
// PUT /clusters/{name}/podiam/binding, signed with SigV4 for "eks". podiam
// never reaches the cluster: clusters behind NAT work. sync pushes again
// whenever the keys change, so that a rotated key reaches podiam within
// its interval.
package clustercmd
