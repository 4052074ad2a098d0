// Package tokencmd is "podiam token": tokens for other systems made from
// the caller's AWS credentials. "podiam token k8s" prints the
// ExecCredential of an EKS cluster-access token, as aws eks get-token
// does, for users without the AWS CLI.
package tokencmd
