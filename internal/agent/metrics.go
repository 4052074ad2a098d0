package agent

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the agent's Prometheus metrics, with AWS's agent's names
// (pod_identity_*) and podiam's eks-auth latency. A nil *Metrics records
// nothing.
type Metrics struct {
	reg        *prometheus.Registry
	responses  *prometheus.CounterVec
	cacheState *prometheus.CounterVec
	cacheErrs  *prometheus.CounterVec
	calls      *prometheus.HistogramVec
}

// NewMetrics registers the agent's collectors on a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pod_identity_http_response",
			Help: "Answers of /v1/credentials, by HTTP status.",
		}, []string{"code"}),
		cacheState: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pod_identity_cache_state",
			Help: "Credential cache lookups (hit, miss) and evictions (evicted).",
		}, []string{"state"}),
		cacheErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pod_identity_cache_errors",
			Help: "Failed renewals, by type (Recoverable keeps the credentials, NonRecoverable evicts them) and eks-auth's error code.",
		}, []string{"type", "code"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pod_identity_eks_auth_request_duration_seconds",
			Help:    "Time of eks-auth AssumeRoleForPodIdentity calls, by outcome (ok, the error code, or error).",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.responses, m.cacheState, m.cacheErrs, m.calls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *Metrics) response(code int) {
	if m != nil {
		m.responses.WithLabelValues(strconv.Itoa(code)).Inc()
	}
}

func (m *Metrics) cache(state string) {
	if m != nil {
		m.cacheState.WithLabelValues(state).Inc()
	}
}

func (m *Metrics) cacheError(irrecoverable bool, code string) {
	if m == nil {
		return
	}
	typ := "Recoverable"
	if irrecoverable {
		typ = "NonRecoverable"
	}
	m.cacheErrs.WithLabelValues(typ, code).Inc()
}

func (m *Metrics) call(outcome string, d time.Duration) {
	if m != nil {
		m.calls.WithLabelValues(outcome).Observe(d.Seconds())
	}
}
