package kube

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/kubetest"
)

// countingProxy stands in front of the shared cluster's API server and
// records when each list and watch of ServiceAccounts was sent; with
// cut, it ends every such watch as soon as the API server has answered
// it, before any event, as a server that closes watches does.
type countingProxy struct {
	URL string

	mu      sync.Mutex
	cut     bool
	lists   []time.Time
	watches []time.Time
}

func newCountingProxy(t testing.TB, cl *kubetest.Cluster, cut bool) *countingProxy {
	t.Helper()
	upstream, _ := url.Parse(cl.URL)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cl.CAPEM)
	p := &countingProxy{cut: cut}
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	rp.FlushInterval = -1
	rp.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		if !strings.HasSuffix(r.URL.Path, "/serviceaccounts") {
			return nil
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if r.URL.Query().Get("watch") != "true" {
			p.lists = append(p.lists, time.Now())
			return nil
		}
		p.watches = append(p.watches, time.Now())
		if p.cut && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			resp.Body = http.NoBody
		}
		return nil
	}
	// TLS, with a certificate of the cluster's CA: client-go sends a
	// kubeconfig's credentials over TLS only.
	crt, key, err := cl.CertFor("proxy")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(rp)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *countingProxy) counts() (lists, watches []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.lists...), append([]time.Time(nil), p.watches...)
}

// TestWatchBackoff: when the API server closes every watch at once, the
// cache backs off (client-go's reflector: 0.8 s, doubling, at most 30 s,
// each with up to as much again of jitter) before it lists and watches
// again, instead of reopening the watch at once. The positive control:
// through the same proxy, not cutting, one watch serves the cache.
func TestWatchBackoff(t *testing.T) {
	cl := kubetest.Shared(t)
	user := "{token: " + cl.Token + "}"

	t.Run("closed", func(t *testing.T) {
		p := newCountingProxy(t, cl, true)
		a := NewAccounts(clientFor(t, writeKubeconfig(t, p.URL, "", user)), "eks.amazonaws.com", discard)
		a.run(t)
		const n = 4
		var watches []time.Time
		for deadline := time.Now().Add(60 * time.Second); len(watches) < n; time.Sleep(50 * time.Millisecond) {
			if _, watches = p.counts(); time.Now().After(deadline) {
				t.Fatalf("%d watches in 60 s, want %d", len(watches), n)
			}
		}
		lists, _ := p.counts()
		least := 800 * time.Millisecond
		for i := 1; i < n; i++ {
			gap := watches[i].Sub(watches[i-1])
			t.Logf("watch %d came %v after watch %d (at least %v)", i+1, gap.Round(time.Millisecond), i, least)
			if gap < least {
				t.Errorf("watch %d came %v after watch %d, want at least %v", i+1, gap, i, least)
			}
			least *= 2
		}
		t.Logf("%d lists and %d watches in %v", len(lists), len(watches), watches[n-1].Sub(watches[0]).Round(time.Millisecond))
	})

	t.Run("open", func(t *testing.T) {
		p := newCountingProxy(t, cl, false)
		c := clientFor(t, writeKubeconfig(t, p.URL, "", user))
		a := NewAccounts(c, "eks.amazonaws.com", discard)
		a.run(t)
		namespace(t, client(t), "watched")
		createAccount(t, client(t), "watched", "late", "arn:aws:iam::111122223333:role/late")
		waitFor(t, func() bool { return a.cached("watched", "late") != nil }, "the watch to deliver an account")
		if lists, watches := p.counts(); len(lists) != 1 || len(watches) != 1 {
			t.Fatalf("%d lists and %d watches, want 1 and 1", len(lists), len(watches))
		}
	})
}
