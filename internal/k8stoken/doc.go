// Package k8stoken reads and makes the bearer tokens of EKS cluster
// access: "k8s-aws-v1." and a presigned STS GetCallerIdentity URL, in
// base64url without padding, that signs the x-k8s-aws-id header (the
// cluster's id), as aws eks get-token and aws-iam-authenticator make them.
//
// Parse checks a token's shape as aws-iam-authenticator's verifier does
// (its size, prefix, encoding, a scheme and host among those trusted, the
// path, the allow-listed query parameters, the action, the signed cluster
// header, the age) before anything is sent anywhere; the token is the
// caller's, so every part of its URL is attacker-controlled. The
// signature, and with it the cluster id, is checked by STS: Request's
// HTTPRequest builds the GET for podiam's STS endpoint, with the signed
// Host kept and the expected cluster id in x-k8s-aws-id, so that a token
// made for another cluster, or tampered with, does not verify. The URL's
// own host is never contacted.
//
// Generate makes a token with an aws-sdk-go-v2 STS presigner.
package k8stoken
