// Package agentcmd is "podiam agent": the node credential endpoint of EKS
// Pod Identity. "server" serves /v1/credentials with the node's
// credentials from the AWS SDK's default chain; "init" puts the
// link-local addresses on their dummy link.
package agentcmd
