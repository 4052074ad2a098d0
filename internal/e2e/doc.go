// Package e2e holds end-to-end tests that join podiam's parts with a
// real Kubernetes control plane: the server, the webhook, the API server
// that calls it and the AWS SDK that a mutated pod would run.
package e2e
