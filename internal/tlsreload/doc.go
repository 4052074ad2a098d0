// Package tlsreload is a TLS certificate that reloads when its files
// change: the serving certificate of the server and of the webhook, which
// cert-manager, the kubelet (Secret volumes) or an operator replace in
// place while the process runs; and Serve, which serves HTTPS with one
// until its context ends (the webhook's and the authenticator's
// listeners).
package tlsreload
