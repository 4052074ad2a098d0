package agent

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCachedCredentials: a request answered from the cache, through
// the whole handler (rate limit, Host, token, lookup, write).
func BenchmarkCachedCredentials(b *testing.B) {
	c := newClock()
	f := newFakeEKSAuth(b, c)
	a, err := New(Config{Source: f.source(c), Now: c.Now, RequestsPerSec: 1e12, RequestBurst: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	tok := token(c.Now(), "uid")
	req := httptest.NewRequest(http.MethodGet, "http://"+HostIPv4+CredentialsPath, nil)
	req.Header.Set("Authorization", tok)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatal(w.Code, w.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
	if f.calls.Load() != 1 {
		b.Fatalf("%d calls", f.calls.Load())
	}
}
