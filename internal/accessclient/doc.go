// Package accessclient is the authenticator's client of podiam's
// ResolveAccess (GET /clusters/{name}/podiam/access, podiam's own EKS
// operation): one signed call per identity gives a cluster's
// authentication mode and the caller's access entry with its access
// policies. It is a client of the server's public API (SigV4 by
// aws-sdk-go-v2's signer, credentials from the caller's aws.Config),
// never the store or a service.
package accessclient
