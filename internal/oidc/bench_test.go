package oidc_test

import (
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// BenchmarkVerify parses and verifies a service-account-like token with
// the issuer's keys cached, for an RSA-2048 and a P-256 key.
func BenchmarkVerify(b *testing.B) {
	iss := oidctest.NewIssuer(b)
	esKid := iss.Rotate("ES256")
	v := oidc.New(oidc.Config{RootCAs: iss.CertPool()})
	p := oidc.Provider{URL: iss.URL, ClientIDs: []string{clientID}}
	for _, c := range []struct{ alg, kid string }{{"RS256", "k1"}, {"ES256", esKid}} {
		claims := iss.Claims("system:serviceaccount:default:app", clientID, time.Hour)
		claims["kubernetes.io"] = map[string]any{"namespace": "default", "serviceaccount": map[string]any{"name": "app", "uid": "6a3b7c2e-0000-4000-8000-000000000000"}}
		token := iss.SignWith(map[string]any{"alg": c.alg, "kid": c.kid}, claims, iss.Key(c.kid))
		if err := verify(b, v, token, p); err != nil { // warm the cache
			b.Fatal(err)
		}
		b.Run(c.alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tok, err := oidc.Parse(token)
				if err != nil {
					b.Fatal(err)
				}
				if err := v.Verify(b.Context(), tok, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
