package oidc

import (
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// TestColdCacheOneFetch checks that concurrent verifications for an issuer
// whose keys are not cached make one JWKS fetch: the issuer holds its
// response until every caller has started a fetch or joined the one in
// flight.
func TestColdCacheOneFetch(t *testing.T) {
	const callers = 16
	gate := make(chan struct{})
	iss := oidctest.NewIssuer(t, oidctest.WithJWKSGate(gate))
	v := New(Config{RootCAs: iss.CertPool()})
	var (
		mu              sync.Mutex
		leaders, joined int
		arrived         sync.WaitGroup
	)
	arrived.Add(callers)
	v.onFlight = func(join bool) {
		mu.Lock()
		defer mu.Unlock()
		if join {
			joined++
		} else {
			leaders++
		}
		arrived.Done()
	}
	p := Provider{URL: iss.URL, ClientIDs: []string{"sts.amazonaws.com"}}
	tok, err := Parse(iss.Sign(iss.Claims("s", "sts.amazonaws.com", time.Hour)))
	if err != nil {
		t.Fatal(err)
	}

	errs := make(chan error, callers)
	for range callers {
		go func() { errs <- v.Verify(t.Context(), tok, p) }()
	}
	arrived.Wait() // every caller has started a fetch or joined one
	close(gate)
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if leaders != 1 || joined != callers-1 {
		t.Fatalf("%d callers fetched and %d joined, want 1 and %d", leaders, joined, callers-1)
	}
	if n := iss.Fetches(); n != 1 {
		t.Fatalf("%d JWKS fetches, want 1", n)
	}
	if n := iss.Discoveries(); n != 1 {
		t.Fatalf("%d discovery fetches, want 1", n)
	}
}
