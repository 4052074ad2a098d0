// Package server is podiam's composition root: it turns a Config into the
// listeners, the data directory, the store and the services, and runs them
// until the context ends. It owns the data directory (its lock, so that
// one server at a time uses it, and its key files, which a directory past
// its first start must keep), the first start (creating the first account
// and writing its root access key to a credentials file readable by the
// owner only), and the probes /healthz and /readyz in front of the AWS
// APIs and on the metrics listener.
package server
