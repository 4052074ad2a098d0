package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/webhook"
)

// BenchmarkPodCreate measures creating a pod through the API server in
// a namespace the webhook serves and in one it does not; it reports the
// p50 and p99 of each (the added latency is the difference).
func BenchmarkPodCreate(b *testing.B) {
	e := newEnv(b)
	startWebhook(b, e, webhook.Config{})
	role := "arn:aws:iam::111122223333:role/bench"
	// "without": the webhook is not called; "unchanged": it is called
	// and answers with no patch (the account names no role); "with": it
	// injects the identity.
	with, unchanged, without := "bench-with", "bench-unchanged", "bench-without"
	e.namespace(b, with, "podiam-irsa-"+strings.ToLower(b.Name()))
	e.namespace(b, unchanged, "podiam-irsa-"+strings.ToLower(b.Name()))
	e.namespace(b, without, "none")
	e.account(b, with, "app", role)
	e.account(b, unchanged, "app", "")
	e.account(b, without, "app", role)
	for _, ns := range []string{without, unchanged, with} {
		b.Run(ns, func(b *testing.B) {
			var took []time.Duration
			i := 0
			for b.Loop() {
				i++
				start := time.Now()
				if err := e.kube.Do(b.Context(), "POST", "/api/v1/namespaces/"+ns+"/pods?dryRun=All", podFor(fmt.Sprintf("p%d", i), "app"), nil); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}
