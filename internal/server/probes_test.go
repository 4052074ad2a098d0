package server

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/metrics"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/sqlite"
)

// TestIsProbe: which requests on the main listener are the probes', and
// which go on to the AWS APIs (S3 may have buckets named healthz and
// readyz).
func TestIsProbe(t *testing.T) {
	p := newProbes([]string{"localhost", "s3.localhost"}, metrics.New())
	tests := []struct {
		name   string
		method string
		target string
		host   string
		header map[string]string
		probe  bool
	}{
		{name: "healthz", method: "GET", target: "/healthz", probe: true},
		{name: "readyz", method: "GET", target: "/readyz", probe: true},
		{name: "HEAD healthz", method: "HEAD", target: "/healthz", probe: true},
		{name: "on the S3 endpoint's host", method: "GET", target: "/readyz", host: "s3.localhost:4580", probe: true},
		{name: "signed: S3 bucket healthz", method: "GET", target: "/healthz", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=..."}},
		{name: "an x-amz header", method: "GET", target: "/healthz", header: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}},
		{name: "query: ListObjectsV2 of bucket healthz", method: "GET", target: "/healthz?list-type=2"},
		{name: "presigned", method: "GET", target: "/healthz?X-Amz-Signature=00"},
		{name: "PUT: CreateBucket healthz", method: "PUT", target: "/healthz"},
		{name: "a key under bucket healthz", method: "GET", target: "/healthz/x"},
		{name: "trailing slash", method: "GET", target: "/healthz/"},
		{name: "virtual-hosted: key healthz of bucket b", method: "GET", target: "/healthz", host: "b.localhost"},
		{name: "virtual-hosted under the longer domain", method: "GET", target: "/readyz", host: "b.s3.localhost:4580"},
		{name: "metrics", method: "GET", target: "/metrics", probe: true},
		{name: "signed: S3 bucket metrics", method: "GET", target: "/metrics", header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=..."}},
		{name: "another path", method: "GET", target: "/metricz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = "127.0.0.1:4580"
			if tt.host != "" {
				r.Host = tt.host
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := p.isProbe(r); got != tt.probe {
				t.Errorf("isProbe = %v, want %v", got, tt.probe)
			}
		})
	}
}

// TestReadyzStore: /readyz is 200 while the store answers, and 503 with
// a reason once it does not (here, a real database closed under it).
func TestReadyzStore(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "podiam.db"))
	if err != nil {
		t.Fatal(err)
	}
	acct := store.Account{ID: "111122223333", Name: "podiam", CreatedAt: time.Now()}
	if err := db.CreateAccount(t.Context(), acct); err != nil {
		t.Fatal(err)
	}
	cfg := Config{}
	cfg.SetDefaults()
	p := newProbes(nil, metrics.New())
	readyz := func() (int, string) {
		w := httptest.NewRecorder()
		p.readyz(w, httptest.NewRequest("GET", "/readyz", nil))
		return w.Code, w.Body.String()
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || body != "not ready: starting: loading the keys and opening the store\n" {
		t.Errorf("while starting: %d %q", code, body)
	}
	p.started(&Server{cfg: cfg, store: db, account: acct})
	if code, body := readyz(); code != http.StatusOK || body != "ok\n" {
		t.Errorf("started, the store open: %d %q", code, body)
	}
	db.Close()
	if code, body := readyz(); code != http.StatusServiceUnavailable || body != "not ready: the store did not answer (see the log)\n" {
		t.Errorf("the store closed: %d %q", code, body)
	}
}

// TestFrontWaitsForStart: on the main listener, a request for the AWS
// APIs that comes during the start waits for it, and is then served, or
// answered 503 if the start failed; a probe does not wait.
func TestFrontWaitsForStart(t *testing.T) {
	for _, ok := range []bool{true, false} {
		p := newProbes(nil, metrics.New())
		front := p.front()
		w := httptest.NewRecorder()
		served := make(chan struct{})
		go func() {
			front.ServeHTTP(w, httptest.NewRequest("GET", "/bucket", nil))
			close(served)
		}()
		probe := httptest.NewRecorder()
		front.ServeHTTP(probe, httptest.NewRequest("GET", "/healthz", nil))
		if probe.Code != http.StatusOK {
			t.Fatalf("/healthz during the start: %d", probe.Code)
		}
		select {
		case <-served:
			t.Fatalf("a request was answered during the start: %d %q", w.Code, w.Body)
		default:
		}
		if ok {
			p.started(&Server{edge: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("served " + r.URL.Path)) })})
		} else {
			p.failed()
		}
		<-served
		if ok && (w.Code != http.StatusOK || w.Body.String() != "served /bucket") ||
			!ok && (w.Code != http.StatusServiceUnavailable || w.Body.String() != "podiam did not start\n") {
			t.Errorf("started %v: %d %q", ok, w.Code, w.Body)
		}
	}
}
