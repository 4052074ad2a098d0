// Package authenticatorcmd is `podiam authenticator`: serve runs the
// TokenReview and SubjectAccessReview webhooks (package authenticator)
// with the aws-auth ConfigMap followed through the API server, and init
// writes the files kube-apiserver reads to call them and prints the
// flags that name those files.
package authenticatorcmd
