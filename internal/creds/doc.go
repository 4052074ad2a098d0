// Package creds owns credentials material: access key ids and unique ids
// with AWS's prefixes, secret access keys as a type that cannot be printed
// or logged by accident and compares in constant time, and the sealing of
// long-term secrets at rest with AES-256-GCM under a server key.
//
// Randomness comes in as an io.Reader so that tests are deterministic.
package creds
