package authenticator

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkTokenReview measures one TokenReview in process, from the
// request body to the answer, on a warm path: "cached", the token's
// identity in the success cache (what kube-apiserver's repeated reviews
// of one token cost); "sts", every review verified by a real podiam
// server's STS on loopback (the cache off). The mapping is aws-auth's.
// It reports the p50 and p99 in microseconds.
func BenchmarkTokenReview(b *testing.B) {
	endpoint, root := podiamServer(b)
	session := roleSession(b, endpoint, root, "bench", "bench-1")
	ep, _ := url.Parse(endpoint)
	token := k8sToken(b, endpoint, session, "prod")
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", DefaultCacheTTL}, {"sts", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			sts := &STS{Prepare: TokenPrepare(PrepareConfig{ClusterID: "prod", Endpoint: ep})}
			m := &Mapper{}
			a, err := ParseAWSAuth(map[string]string{"mapRoles": "- rolearn: arn:aws:iam::" + accountOf(b, sts, token) + ":role/bench\n  username: bench:{{SessionName}}\n  groups: [system:masters]\n"})
			if err != nil {
				b.Fatal(err)
			}
			m.SetAWSAuth(a)
			h := &Authenticate{Verifier: &Cached{Verifier: sts, TTL: bc.ttl}, Mapper: m, Log: slog.New(slog.DiscardHandler)}
			body := review(authenticationV1, token)
			serve := func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, AuthenticatePath+"?timeout=30s", strings.NewReader(body)))
				if rec.Code != http.StatusOK {
					b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
				}
			}
			serve() // warm: the cache, STS's caches, the connection
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				serve()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
			b.ReportMetric(us(took[len(took)/2]), "p50-us")
			b.ReportMetric(us(took[min(len(took)-1, len(took)*99/100)]), "p99-us")
		})
	}
}

// accountOf is the account of token's signer, as STS answers.
func accountOf(b *testing.B, v Verifier, token string) string {
	id, err := v.Verify(b.Context(), token)
	if err != nil {
		b.Fatal(err)
	}
	return id.Account
}
