package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/metrics"
	"github.com/podiam/podiam/internal/s3api"
)

// The probe endpoints, and how long /readyz waits for the store.
const (
	pathHealthz  = "/healthz"
	pathReadyz   = "/readyz"
	pathMetrics  = "/metrics"
	readyTimeout = 2 * time.Second
)

// probes answers /healthz (the process serves) and /readyz (the server
// has started: its keys are loaded, and its store answers), on the main
// listener in front of the AWS APIs and on the metrics listener.
type probes struct {
	s3Domains []string
	metrics   http.Handler
	done      chan struct{} // closed once the start has ended
	srv       *Server       // set before done is closed; nil when the start failed
}

func newProbes(s3Domains []string, m *metrics.Server) *probes {
	return &probes{s3Domains: s3Domains, metrics: m.Handler(), done: make(chan struct{})}
}

// started hands the started server to the probes and to the requests
// waiting for it.
func (p *probes) started(s *Server) {
	p.srv = s
	close(p.done)
}

// failed ends the wait of the requests that came during a start that
// failed: they are answered 503.
func (p *probes) failed() { close(p.done) }

// mux serves the probes and the metrics alone, for the metrics listener.
func (p *probes) mux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathHealthz, p.healthz)
	mux.HandleFunc("GET "+pathReadyz, p.readyz)
	mux.Handle("GET "+pathMetrics, p.metrics)
	return mux
}

// front serves the main listener: the probes, and the AWS APIs once the
// server has started (a request that comes before waits for the start).
func (p *probes) front() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.isProbe(r) {
			switch r.URL.Path {
			case pathHealthz:
				p.healthz(w, r)
			case pathReadyz:
				p.readyz(w, r)
			default:
				p.metrics.ServeHTTP(w, r)
			}
			return
		}
		select {
		case <-p.done:
		case <-r.Context().Done():
			return
		}
		if p.srv == nil {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "podiam did not start", http.StatusServiceUnavailable)
			return
		}
		if id, doc, ok := p.issuerRequest(r); ok {
			p.srv.serveIssuer(w, r, id, doc)
			return
		}
		p.srv.edge.ServeHTTP(w, r)
	})
}

// isProbe reports whether r asks the main listener for a probe (or the
// metrics) rather than for an AWS API: an unsigned GET or HEAD of exactly
// /healthz, /readyz or /metrics, with no query string and no X-Amz-* header, on a host that
// names no bucket. No AWS endpoint has these paths, but "healthz" and
// "readyz" are valid bucket names: a signed request, or one with a query
// (ListObjectsV2's list-type=2), reaches S3 as a request on that bucket.
// Only the anonymous ListObjects (version 1) without parameters and the
// anonymous HeadBucket of a bucket so named, path-style, are answered by
// the probe instead.
func (p *probes) isProbe(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.URL.Path != pathHealthz && r.URL.Path != pathReadyz && r.URL.Path != pathMetrics || r.URL.RawQuery != "" {
		return false
	}
	for name := range r.Header {
		if name == "Authorization" || strings.HasPrefix(name, "X-Amz-") {
			return false
		}
	}
	return !p.namesBucket(r.Host)
}

// namesBucket reports whether host addresses a bucket virtual-hosted
// style, as S3 reads it.
func (p *probes) namesBucket(host string) bool { return s3api.BucketOf(p.s3Domains, host) != "" }

// healthz answers 200 while the process serves.
func (p *probes) healthz(w http.ResponseWriter, _ *http.Request) {
	probeAnswer(w, http.StatusOK, "ok")
}

// readyz answers 200 once the server has started and while its store
// answers, else 503 with the reason.
func (p *probes) readyz(w http.ResponseWriter, r *http.Request) {
	if reason := p.notReady(r.Context()); reason != "" {
		probeAnswer(w, http.StatusServiceUnavailable, "not ready: "+reason)
		return
	}
	probeAnswer(w, http.StatusOK, "ok")
}

// notReady says why the server cannot serve requests now, or "" when it
// can.
func (p *probes) notReady(ctx context.Context) string {
	select {
	case <-p.done:
	default:
		return "starting: loading the keys and opening the store"
	}
	if p.srv == nil {
		return "the start failed (see the log)"
	}
	return p.srv.notReady(ctx)
}

// notReady says why the started server cannot serve requests, or "": the
// store must answer a read of one row within readyTimeout. The cause of a
// failure goes to the log, not to the probe's answer.
func (s *Server) notReady(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if _, err := s.store.GetAccount(ctx, s.account.ID); err != nil {
		s.cfg.Logger.Warn("not ready: the store did not answer", "error", err)
		return "the store did not answer (see the log)"
	}
	return ""
}

func probeAnswer(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, text+"\n")
}
