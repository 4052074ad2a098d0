package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/webhook"
)

// BenchmarkPodCreate measures creating a pod through the API server in
// four namespaces, one of each per iteration so that all four see the
// same machine: one no webhook serves ("without"), one served by a
// webhook that answers "allowed" without looking at the pod ("floor":
// what calling any webhook costs the API server), one served by podiam's
// webhook where the account names no role ("unchanged") and one where
// it injects the identity ("with"). It reports each one's p50 and p99
// and, for the webhook namespaces, the p99 added over "without".
func BenchmarkPodCreate(b *testing.B) {
	e := newEnv(b)
	startWebhook(b, e, webhook.Config{})
	served := "podiam-irsa-" + strings.ToLower(b.Name())
	floorLabel, calls := startFloorWebhook(b, e)
	role := "arn:aws:iam::111122223333:role/bench"
	namespaces := []struct{ name, label, role string }{
		{"bench-without", "none", role},
		{"bench-floor", floorLabel, role},
		{"bench-unchanged", served, ""},
		{"bench-with", served, role},
	}
	for _, ns := range namespaces {
		e.namespace(b, ns.name, ns.label)
		e.account(b, ns.name, "app", ns.role)
	}
	create := func(ns string, i int) time.Duration {
		start := time.Now()
		if err := e.kube.Do(b.Context(), "POST", "/api/v1/namespaces/"+ns+"/pods?dryRun=All", podFor(fmt.Sprintf("p%d", i), "app"), nil); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	// The floor webhook is registered once its namespace answers through it.
	for deadline := time.Now().Add(20 * time.Second); calls.Load() == 0; time.Sleep(100 * time.Millisecond) {
		create("bench-floor", 0)
		if time.Now().After(deadline) {
			b.Fatal("the floor webhook is not called")
		}
	}
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
	p := func(d []time.Duration, q int) time.Duration { return d[len(d)*q/100] }
	for j, ns := range namespaces {
		slices.Sort(took[j])
		short := strings.TrimPrefix(ns.name, "bench-")
		b.ReportMetric(float64(p(took[j], 50).Microseconds()), short+"-p50-µs")
		b.ReportMetric(float64(p(took[j], 99).Microseconds()), short+"-p99-µs")
		if j > 0 {
			b.ReportMetric(float64((p(took[j], 99) - p(took[0], 99)).Microseconds()), short+"-added-p99-µs")
		}
	}
}

// startFloorWebhook serves, over TLS and HTTP/2 as podiam's webhook
// does, a webhook that allows every pod without a patch, reading only
// the request's uid. It returns the namespace label it is registered for
// and a count of its calls.
func startFloorWebhook(b *testing.B, e *env) (string, *atomic.Int64) {
	crt, key, err := e.cluster.CertFor("floor-webhook")
	if err != nil {
		b.Fatal(err)
	}
	cert, err := tls.X509KeyPair(crt, key)
	if err != nil {
		b.Fatal(err)
	}
	calls := new(atomic.Int64)
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
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"apiVersion": review.APIVersion, "kind": "AdmissionReview",
			"response": map[string]any{"uid": review.Request.UID, "allowed": true}})
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	b.Cleanup(srv.Close)
	name := "podiam-floor-" + strings.ToLower(b.Name())
	registerWebhook(b, e, name, srv.URL+"/mutate")
	return name, calls
}
