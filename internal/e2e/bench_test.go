package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/webhook"
)

// BenchmarkPodCreate measures creating a pod through the API server in
// five namespaces, one of each per iteration so that all five see the
// same machine: one no webhook serves ("without"), one served by a
// webhook that answers "allowed" without looking at the pod ("floor":
// what calling any webhook costs the API server; over HTTP/1.1 as
// podiam's, and "floor-h2" over HTTP/2), one served by podiam's
// webhook where the account names no role ("unchanged") and one where
// it injects the identity ("with"). It reports each one's p50 and p99;
// for the webhook namespaces, the p99 added over "without" and the API
// server's mean time in the webhook call (from its own metrics: the
// review built and sent, the answer read and its patch applied); and
// podiam's mean time to answer (from its metrics).
func BenchmarkPodCreate(b *testing.B) {
	e := newEnv(b)
	url := startWebhook(b, e, webhook.Config{})
	served := "podiam-irsa-" + strings.ToLower(b.Name())
	// A second registration of podiam's webhook, for "unchanged" alone,
	// so that the API server's metrics tell the two apart.
	unchanged := "podiam-unchanged-" + strings.ToLower(b.Name())
	registerWebhook(b, e, unchanged, url)
	floor, floorH2 := startFloorWebhook(b, e, false), startFloorWebhook(b, e, true)
	role := "arn:aws:iam::111122223333:role/bench"
	namespaces := []struct{ name, label, role string }{
		{"bench-without", "none", role},
		{"bench-floor-h2", floorH2, role},
		{"bench-floor", floor, role},
		{"bench-unchanged", unchanged, ""},
		{"bench-with", served, role},
	}
	for _, ns := range namespaces {
		e.namespace(b, ns.name, ns.label)
		e.account(b, ns.name, "app", ns.role)
	}
	create := func(ns string, i int) time.Duration {
		start := time.Now()
		if err := do(b.Context(), e.kube, "POST", "/api/v1/namespaces/"+ns+"/pods?dryRun=All", podFor(fmt.Sprintf("p%d", i), "app"), nil); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	// A new registration takes effect a moment later: wait until the API
	// server has called each webhook.
	for _, ns := range namespaces[1:] {
		for deadline := time.Now().Add(20 * time.Second); webhookCalls(b, e)[ns.label].n == 0; time.Sleep(100 * time.Millisecond) {
			create(ns.name, 0)
			if time.Now().After(deadline) {
				b.Fatalf("the webhook of %s is not called", ns.name)
			}
		}
	}
	before, podiamBefore := webhookCalls(b, e), podiamAnswers(b, e, url)
	took := make([][]time.Duration, len(namespaces))
	i := 0
	for b.Loop() {
		i++
		// Rotate the order so that no namespace always follows another.
		for k := range namespaces {
			j := (i + k) % len(namespaces)
			took[j] = append(took[j], create(namespaces[j].name, i))
		}
	}
	after, podiamAfter := webhookCalls(b, e), podiamAnswers(b, e, url)
	p := func(d []time.Duration, q int) time.Duration { return d[len(d)*q/100] }
	for j, ns := range namespaces {
		slices.Sort(took[j])
		short := strings.TrimPrefix(ns.name, "bench-")
		b.ReportMetric(float64(p(took[j], 50).Microseconds()), short+"-p50-µs")
		b.ReportMetric(float64(p(took[j], 99).Microseconds()), short+"-p99-µs")
		if j > 0 {
			b.ReportMetric(float64((p(took[j], 99) - p(took[0], 99)).Microseconds()), short+"-added-p99-µs")
			b.ReportMetric(after[ns.label].since(before[ns.label]), short+"-call-mean-µs")
		}
	}
	b.ReportMetric(podiamAfter.since(podiamBefore), "podiam-answer-mean-µs")
}

// seconds is a Prometheus summary's sum and count.
type seconds struct{ sum, n float64 }

// since is the mean, in microseconds, of what was observed after s0.
func (s seconds) since(s0 seconds) float64 {
	if s.n == s0.n {
		return 0
	}
	return (s.sum - s0.sum) / (s.n - s0.n) * 1e6
}

var (
	webhookMetric = regexp.MustCompile(`(?m)^apiserver_admission_webhook_admission_duration_seconds_(sum|count)\{[^}]*name="([^"]+)\.test\.podiam\.dev"[^}]*type="admit"[^}]*\} (\S+)$`)
	podiamMetric  = regexp.MustCompile(`(?m)^podiam_webhook_request_duration_seconds_(sum|count) (\S+)$`)
)

// webhookCalls reads the API server's time spent calling each of the
// test's webhooks, by registration name.
func webhookCalls(b *testing.B, e *env) map[string]seconds {
	out := map[string]seconds{}
	for _, m := range webhookMetric.FindAllStringSubmatch(string(getMetrics(b, e, e.cluster.URL+"/metrics")), -1) {
		s := out[m[2]]
		s.add(m[1], m[3])
		out[m[2]] = s
	}
	return out
}

// podiamAnswers reads podiam's webhook's time spent answering.
func podiamAnswers(b *testing.B, e *env, url string) seconds {
	var s seconds
	for _, m := range podiamMetric.FindAllStringSubmatch(string(getMetrics(b, e, strings.TrimSuffix(url, "/mutate")+"/metrics")), -1) {
		s.add(m[1], m[2])
	}
	return s
}

func (s *seconds) add(kind, value string) {
	v, _ := strconv.ParseFloat(value, 64)
	if kind == "sum" {
		s.sum += v
	} else {
		s.n += v
	}
}

// getMetrics reads a metrics page with the cluster's admin token.
func getMetrics(b *testing.B, e *env, url string) []byte {
	req, err := http.NewRequestWithContext(b.Context(), "GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.cluster.Token)
	resp, err := e.cluster.HTTPClient().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}

// startFloorWebhook serves, over TLS (with HTTP/2 when h2), a webhook
// that allows every pod without a patch, reading only the request's uid.
// It returns the namespace label it is registered for.
func startFloorWebhook(b *testing.B, e *env, h2 bool) string {
	crt, key, err := e.cluster.CertFor("floor-webhook")
	if err != nil {
		b.Fatal(err)
	}
	cert, err := tls.X509KeyPair(crt, key)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review struct {
			APIVersion string `json:"apiVersion"`
			Request    struct {
				UID string `json:"uid"`
			} `json:"request"`
		}
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"apiVersion": review.APIVersion, "kind": "AdmissionReview",
			"response": map[string]any{"uid": review.Request.UID, "allowed": true}})
	}))
	srv.EnableHTTP2 = h2
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	b.Cleanup(srv.Close)
	name := "podiam-floor-" + strings.ToLower(b.Name())
	if h2 {
		name = "podiam-floor-h2-" + strings.ToLower(b.Name())
	}
	registerWebhook(b, e, name, srv.URL+"/mutate")
	return name
}
