// Package discovery hosts a cluster's OIDC discovery document and key set
// under a URL of podiam's choosing, as EKS hosts
// oidc.eks.<region>.amazonaws.com/id/<id>: for clusters whose own issuer
// no one outside can reach. A Mirror reads the key set through the API
// server and serves it with a discovery document naming its own URL;
// polling keeps it in step when the cluster rotates keys.
package discovery
