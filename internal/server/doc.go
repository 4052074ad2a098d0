// Package server is podiam's composition root: it turns a Config into the
// data directory, the store, the services and the listener, and runs them
// until the context ends. It also owns the first start: creating the first
// account and writing its root access key to a credentials file readable
// by the owner only.
package server
