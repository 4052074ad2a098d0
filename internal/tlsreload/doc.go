// Package tlsreload is a TLS certificate that reloads when its files
// change: the serving certificate of the server and of the webhook, which
// cert-manager, the kubelet (Secret volumes) or an operator replace in
// place while the process runs.
package tlsreload
