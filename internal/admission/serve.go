package admission

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/podiam/podiam/internal/tlsreload"
)

// ServerConfig configures Serve.
type ServerConfig struct {
	Listen   string          // host:port
	Certs    *tlsreload.Cert // the serving certificate, reloaded as it changes
	Handler  *Handler
	Log      *slog.Logger
	OnListen func(addr string) // called with the bound address; may be nil
	// HTTP2 offers HTTP/2 as well as HTTP/1.1. Off by default: the API
	// server spends less per webhook call over HTTP/1.1
	// (docs/BENCHMARKS.md), and HTTP/2's stream handling has been the
	// ground of denial-of-service flaws (CVE-2023-44487) that a
	// webhook every pod creation passes through need not carry.
	HTTP2 bool
}

// Serve answers /mutate, /healthz and /metrics over TLS until ctx ends,
// then lets requests in flight finish (at most 10 s).
func Serve(ctx context.Context, cfg ServerConfig) error {
	mux := http.NewServeMux()
	mux.Handle("/mutate", cfg.Handler)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	mux.Handle("/metrics", cfg.Handler.Metrics)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: cfg.Certs.GetCertificate},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		Protocols:         new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(cfg.HTTP2)
	if cfg.OnListen != nil {
		cfg.OnListen(ln.Addr().String())
	}
	cfg.Log.Info("webhook listening", "addr", ln.Addr().String())
	return tlsreload.Serve(ctx, srv, ln)
}
