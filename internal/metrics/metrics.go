// Package metrics owns the server's Prometheus metrics: its collectors, on
// a registry of their own with the Go and process collectors, the small
// methods the edge, the adapters and the store call to record what
// happened, and the handler that serves them. Label values come from
// bounded sets (served actions, error codes, decisions), never from what
// a client may choose.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the server's metrics. A nil *Server records nothing, so that
// packages can take one without caring whether metrics are wanted.
type Server struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	decisions   *prometheus.CounterVec
	webIdentity *prometheus.CounterVec
	jwks        *prometheus.CounterVec
	s3Bytes     *prometheus.CounterVec
	store       *prometheus.HistogramVec
}

// Latency buckets, in seconds: from a cached signature check to a slow
// disk.
var latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5}

// New registers the server's collectors on a new registry.
func New() *Server {
	m := &Server{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podiam_requests_total",
			Help: "AWS API requests answered, by service, action and outcome (ok, or the error code answered).",
		}, []string{"service", "action", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "podiam_request_duration_seconds",
			Help:    "Time to answer an AWS API request, by service and action.",
			Buckets: latencyBuckets,
		}, []string{"service", "action"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podiam_authorization_decisions_total",
			Help: "Policy decisions, by outcome (allowed, explicitDeny, implicitDeny).",
		}, []string{"decision"}),
		webIdentity: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podiam_web_identity_exchanges_total",
			Help: "AssumeRoleWithWebIdentity calls, by result (ok, or the error code answered).",
		}, []string{"result"}),
		jwks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podiam_jwks_fetches_total",
			Help: "Fetches of OIDC issuers' discovery documents and key sets, by result (ok, error).",
		}, []string{"result"}),
		s3Bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podiam_s3_bytes_total",
			Help: "Object bytes received (in) and sent (out) by S3.",
		}, []string{"direction"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "podiam_store_duration_seconds",
			Help:    "Time of the store's transactions and single reads, by kind (read, write).",
			Buckets: latencyBuckets,
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.decisions, m.webIdentity, m.jwks, m.s3Bytes, m.store,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's exposition formats.
func (m *Server) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Request records an answered request.
func (m *Server) Request(service, action, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(service, action, outcome).Inc()
	m.latency.WithLabelValues(service, action).Observe(d.Seconds())
	if service == "sts" && action == "AssumeRoleWithWebIdentity" {
		m.webIdentity.WithLabelValues(outcome).Inc()
	}
}

// Decision records a policy decision.
func (m *Server) Decision(decision string) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(decision).Inc()
}

// JWKSFetch records a fetch of an issuer's discovery document or keys.
func (m *Server) JWKSFetch(ok bool) {
	if m == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "error"
	}
	m.jwks.WithLabelValues(result).Inc()
}

// S3Bytes records object bytes received ("in") or sent ("out").
func (m *Server) S3Bytes(direction string, n int64) {
	if m == nil || n <= 0 {
		return
	}
	m.s3Bytes.WithLabelValues(direction).Add(float64(n))
}

// Store records the time of a store transaction or read ("read",
// "write").
func (m *Server) Store(kind string, d time.Duration) {
	if m == nil {
		return
	}
	m.store.WithLabelValues(kind).Observe(d.Seconds())
}
