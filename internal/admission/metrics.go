package admission

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request
// latency histogram.
var latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1}

// Metrics counts the webhook's work for Prometheus.
type Metrics struct {
	mutated        atomic.Int64
	missedAccounts atomic.Int64
	podIdentity    atomic.Int64
	// associationsFailed counts pods admitted without Pod Identity (IRSA
	// only) because the associations could not be read.
	associationsFailed atomic.Int64

	mu       sync.Mutex
	requests map[int]int64 // by HTTP status
	buckets  []int64       // cumulative counts are computed when written
	count    int64
	sum      float64
}

// NewMetrics returns zeroed metrics.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[int]int64{}, buckets: make([]int64, len(latencyBuckets))}
}

func (m *Metrics) observe(code int, d time.Duration) {
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[code]++
	m.count++
	m.sum += s
	for i, le := range latencyBuckets {
		if s <= le {
			m.buckets[i]++
			break
		}
	}
}

// ServeHTTP writes the metrics in Prometheus's text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	m.WriteTo(w)
}

// WriteTo writes the metrics in Prometheus's text format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	codes := make([]int, 0, len(m.requests))
	for c := range m.requests {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var b []byte
	b = fmt.Appendf(b, "# HELP podiam_webhook_requests_total Admission requests by HTTP status.\n# TYPE podiam_webhook_requests_total counter\n")
	for _, c := range codes {
		b = fmt.Appendf(b, "podiam_webhook_requests_total{code=\"%d\"} %d\n", c, m.requests[c])
	}
	b = fmt.Appendf(b, "# HELP podiam_webhook_request_duration_seconds Time to answer an admission request.\n# TYPE podiam_webhook_request_duration_seconds histogram\n")
	var cum int64
	for i, le := range latencyBuckets {
		cum += m.buckets[i]
		b = fmt.Appendf(b, "podiam_webhook_request_duration_seconds_bucket{le=\"%g\"} %d\n", le, cum)
	}
	b = fmt.Appendf(b, "podiam_webhook_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", m.count)
	b = fmt.Appendf(b, "podiam_webhook_request_duration_seconds_sum %g\npodiam_webhook_request_duration_seconds_count %d\n", m.sum, m.count)
	m.mu.Unlock()
	b = fmt.Appendf(b, "# HELP podiam_webhook_pods_mutated_total Pods given an identity.\n# TYPE podiam_webhook_pods_mutated_total counter\npodiam_webhook_pods_mutated_total %d\n", m.mutated.Load())
	b = fmt.Appendf(b, "# HELP podiam_webhook_service_accounts_missed_total Pods left unmutated because their ServiceAccount could not be read.\n# TYPE podiam_webhook_service_accounts_missed_total counter\npodiam_webhook_service_accounts_missed_total %d\n", m.missedAccounts.Load())
	b = fmt.Appendf(b, "# HELP podiam_webhook_pods_pod_identity_total Pods given EKS Pod Identity (also counted in podiam_webhook_pods_mutated_total).\n# TYPE podiam_webhook_pods_pod_identity_total counter\npodiam_webhook_pods_pod_identity_total %d\n", m.podIdentity.Load())
	b = fmt.Appendf(b, "# HELP podiam_webhook_associations_unavailable_total Pods admitted without Pod Identity (IRSA only) because the associations could not be read.\n# TYPE podiam_webhook_associations_unavailable_total counter\npodiam_webhook_associations_unavailable_total %d\n", m.associationsFailed.Load())
	n, err := w.Write(b)
	return int64(n), err
}
