package oidc_test

import (
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// TestKeyRotation walks an issuer through key rotation on an injected
// clock and counts its JWKS fetches: a new kid is picked up by a refetch,
// refetches for unknown kids come at most once per MinRefetch, keys are
// refetched after CacheTTL, and a retired key stops verifying then.
func TestKeyRotation(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	clk := newClock(time.Now())
	cfg := trusting(iss)
	cfg.Now = clk.Now
	cfg.MinRefetch = 30 * time.Second
	cfg.CacheTTL = time.Hour
	v := oidc.New(cfg)
	p := provider(iss)
	// Tokens valid for the whole walk (a few hours of clock).
	claims := func() map[string]any { return iss.Claims("s", clientID, 24*time.Hour) }
	signWith := func(kid string) string {
		alg := "RS256"
		if kid != "k1" {
			alg = "ES256"
		}
		return iss.SignWith(map[string]any{"alg": alg, "kid": kid}, claims(), iss.Key(kid))
	}
	t1 := iss.Sign(claims())
	var k2 string

	steps := []struct {
		name    string
		do      func() // before the verification
		token   func() string
		want    oidc.Kind
		fetches int // after the step
	}{
		{name: "cold cache fetches", token: func() string { return t1 }, fetches: 1},
		{name: "warm cache does not", token: func() string { return t1 }, fetches: 1},
		{name: "new kid within MinRefetch of the last fetch: refused, no fetch",
			do:    func() { k2 = iss.Rotate("ES256"); clk.Advance(29 * time.Second) },
			token: func() string { return signWith(k2) }, want: oidc.InvalidToken, fetches: 1},
		{name: "new kid after MinRefetch: refetched and verified",
			do:    func() { clk.Advance(time.Second) },
			token: func() string { return signWith(k2) }, fetches: 2},
		{name: "old kid still verifies from the cache", token: func() string { return t1 }, fetches: 2},
		{name: "unknown kid right after: no fetch",
			token: func() string {
				return iss.SignWith(map[string]any{"alg": "RS256", "kid": "k9"}, claims(), iss.Key("k1"))
			},
			want: oidc.InvalidToken, fetches: 2},
		{name: "unknown kid after MinRefetch: one fetch", do: func() { clk.Advance(31 * time.Second) },
			token: func() string {
				return iss.SignWith(map[string]any{"alg": "RS256", "kid": "k9"}, claims(), iss.Key("k1"))
			},
			want: oidc.InvalidToken, fetches: 3},
		{name: "unknown kid again: rate-limited",
			do: func() { clk.Advance(10 * time.Second) },
			token: func() string {
				return iss.SignWith(map[string]any{"alg": "RS256", "kid": "k8"}, claims(), iss.Key("k1"))
			},
			want: oidc.InvalidToken, fetches: 3},
		{name: "retired key verifies until the cache expires",
			do:    func() { iss.Retire("k1") },
			token: func() string { return t1 }, fetches: 3},
		{name: "after CacheTTL the keys are refetched and the retired key fails",
			do:    func() { clk.Advance(time.Hour) },
			token: func() string { return t1 }, want: oidc.InvalidToken, fetches: 4},
		{name: "the current key still verifies", token: func() string { return signWith(k2) }, fetches: 4},
	}
	for _, st := range steps {
		if st.do != nil {
			st.do()
		}
		err := verify(t, v, st.token(), p)
		if got := kind(t, err); got != st.want {
			t.Fatalf("%s: got %v, want kind %v", st.name, err, st.want)
		}
		if st.want == oidc.InvalidToken && message(err) != msgNoKey {
			t.Fatalf("%s: message %q", st.name, message(err))
		}
		if got := iss.Fetches(); got != st.fetches {
			t.Fatalf("%s: %d JWKS fetches, want %d", st.name, got, st.fetches)
		}
	}
}
