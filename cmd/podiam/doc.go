// Command podiam is the podiam binary: a self-hosted, AWS-compatible
// workload-identity system for Kubernetes. main only hands the arguments,
// the standard streams and the environment to package cli, which owns the
// command tree; run "podiam --help" for the commands.
package main
