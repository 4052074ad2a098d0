package authenticator

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/podiam/podiam/internal/tlsreload"
)

// DefaultListen is aws-iam-authenticator's address and port.
const DefaultListen = "127.0.0.1:21362"

// The paths kube-apiserver posts to (with ?timeout=30s appended).
const (
	AuthenticatePath = "/authenticate"
	AuthorizePath    = "/authorize"
)

// ServerConfig configures Serve.
type ServerConfig struct {
	Listen       string          // host:port
	Certs        *tlsreload.Cert // the serving certificate, reloaded as it changes
	Authenticate *Authenticate
	Authorize    *Authorize
	Log          *slog.Logger
	OnListen     func(addr string) // told the bound address; may be nil
}

// Serve answers /authenticate, /authorize and /healthz over TLS (HTTP/1.1)
// until ctx ends, then lets requests in flight finish (at most 10 s).
func Serve(ctx context.Context, cfg ServerConfig) error {
	mux := http.NewServeMux()
	mux.Handle(AuthenticatePath, cfg.Authenticate)
	mux.Handle(AuthorizePath, cfg.Authorize)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: cfg.Certs.GetCertificate},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      35 * time.Second, // STS's 10 s, and kube-apiserver's 30 s timeout
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		Protocols:         new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	if cfg.OnListen != nil {
		cfg.OnListen(ln.Addr().String())
	}
	cfg.Log.Info("authenticator listening", "addr", ln.Addr().String())
	return tlsreload.Serve(ctx, srv, ln)
}
