package kube

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/podiam/podiam/internal/kubetest"
)

// BenchmarkAccounts measures the ServiceAccount cache on a cluster of
// its own holding 20,000 and then 50,000 ServiceAccounts (1,000 a
// namespace, each annotated with a role as IRSA accounts are): the heap
// the synced cache holds (in use after a GC, against before it
// started), what its first list allocated, how long it took, and the
// LIST requests the API server counted (its pages). Run it alone:
//
//	go test -run '^$' -bench BenchmarkAccounts -benchtime 1x ./internal/kube/
func BenchmarkAccounts(b *testing.B) {
	kubetest.Bins(b)
	cl, err := kubetest.Start(b, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Stop()
	admin := clientFor(b, cl.Kubeconfig)
	// Creating: no client-side rate limit, 32 requests at a time.
	rc := rest.CopyConfig(admin.Config)
	rc.QPS = -1
	creator, err := newClient(rc, "default")
	if err != nil {
		b.Fatal(err)
	}
	have := 0
	for _, n := range []int{20_000, 50_000} {
		start := time.Now()
		createAccounts(b, creator, have, n)
		b.Logf("created %d ServiceAccounts in %v", n-have, time.Since(start).Round(time.Second))
		have = n
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				lists := listRequests(b, admin)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				a := NewAccounts(clientFor(b, cl.Kubeconfig), "eks.amazonaws.com", discard)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { a.Run(ctx); close(done) }()
				<-a.Synced()
				took := time.Since(start)
				runtime.GC()
				runtime.ReadMemStats(&after)
				if got := a.size(); got < n {
					b.Fatalf("the cache holds %d accounts, want at least %d", got, n)
				}
				b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MiB")
				b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(a.size()), "heap-B/account")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MiB")
				b.ReportMetric(took.Seconds(), "sync-s")
				b.ReportMetric(listRequests(b, admin)-lists, "list-requests")
				runtime.KeepAlive(a)
				cancel()
				<-done
			}
		})
	}
}

// createAccounts creates the ServiceAccounts from to to (1,000 a
// namespace), 32 at a time.
func createAccounts(b *testing.B, c *Client, from, to int) {
	ctx := b.Context()
	for ns := from / 1000; ns < (to+999)/1000; ns++ {
		if err := do(ctx, c, "POST", "/api/v1/namespaces", corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%03d", ns)}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < to; i = int(next.Add(1) - 1) {
				ns := fmt.Sprintf("bench-%03d", i/1000)
				sa := corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%05d", i), Namespace: ns,
					Annotations: map[string]string{"eks.amazonaws.com/role-arn": fmt.Sprintf("arn:aws:iam::111122223333:role/app-%05d", i)}}}
				if err := do(ctx, c, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts", sa, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

var listMetric = regexp.MustCompile(`(?m)^apiserver_request_total\{[^}]*resource="serviceaccounts"[^}]*verb="LIST"[^}]*\} (\S+)$`)

// listRequests is the number of LISTs of ServiceAccounts the API server
// has answered.
func listRequests(b *testing.B, admin *Client) float64 {
	body, err := admin.REST.Get().AbsPath("/metrics").SetHeader("Accept", "text/plain").DoRaw(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	var n float64
	for _, m := range listMetric.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		n += v
	}
	return n
}
