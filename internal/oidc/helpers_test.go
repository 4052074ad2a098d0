package oidc_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
)

const clientID = "sts.amazonaws.com"

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// trusting returns a Config that trusts iss's CA.
func trusting(iss *oidctest.Issuer) oidc.Config {
	return oidc.Config{RootCAs: iss.CertPool()}
}

func provider(iss *oidctest.Issuer) oidc.Provider {
	return oidc.Provider{URL: iss.URL, ClientIDs: []string{clientID}}
}

// verify parses and verifies token.
func verify(t testing.TB, v *oidc.Verifier, token string, p oidc.Provider) error {
	tok, err := oidc.Parse(token)
	if err != nil {
		return err
	}
	return v.Verify(t.Context(), tok, p)
}

// kind returns the Kind of an *oidc.Error, 0 for nil, and fails the test
// for an untyped error.
func kind(t testing.TB, err error) oidc.Kind {
	t.Helper()
	if err == nil {
		return 0
	}
	var e *oidc.Error
	if !errors.As(err, &e) || e.Kind == 0 {
		t.Fatalf("untyped error %v", err)
	}
	return e.Kind
}

// message returns the Message of an *oidc.Error.
func message(err error) string {
	var e *oidc.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

const msgNoKey = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonMap(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
