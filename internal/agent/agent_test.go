package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const host = HostIPv4

// TestRefusals: every refusal the agent answers itself, with AWS's
// agent's status and text, each beside a request that succeeds.
func TestRefusals(t *testing.T) {
	r := newRig(t, nil)
	now := r.clock.Now()
	good := token(now, "uid-1")
	k8s := func(k map[string]any) string {
		return makeToken(map[string]any{"alg": "RS256"}, map[string]any{"exp": now.Add(time.Hour).Unix(), "kubernetes.io": k})
	}
	tests := []struct {
		name, host, token string
		code              int
		body              string
	}{
		{"ok", host, good, 200, ""},
		{"ok with port", host + ":80", good, 200, ""},
		{"ok ipv6", "[fd00:ec2::23]:4213", good, 200, ""},
		{"ok ipv6 bare", "[fd00:ec2::23]", good, 200, ""},
		{"wrong host", "127.0.0.1:80", good, 403, "Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not 127.0.0.1"},
		{"wrong name", "localhost", good, 403, "Access Denied. Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not localhost"},
		{"empty", host, "", 400, "Service account token cannot be empty"},
		{"bearer", host, "Bearer " + good, 400, "Service account token cannot be parsed: token is malformed: could not base64 decode header: illegal base64 data at input byte 6"},
		{"two segments", host, "a.b", 400, "Service account token cannot be parsed: token is malformed: token contains an invalid number of segments"},
		{"four segments", host, good + ".x", 400, "Service account token cannot be parsed: token is malformed: token contains an invalid number of segments"},
		{"header not JSON", host, b64([]byte("{")) + ".e30.x", 400, "Service account token cannot be parsed: token is malformed: could not JSON decode header: unexpected end of JSON input"},
		{"claims not base64", host, b64([]byte(`{"alg":"RS256"}`)) + ".%.x", 400, "Service account token cannot be parsed: token is malformed: could not base64 decode claim: illegal base64 data at input byte 0"},
		{"no alg", host, makeToken(map[string]any{}, map[string]any{}), 400, "Service account token cannot be parsed: token is unverifiable: signing method (alg) is unspecified"},
		{"unknown alg", host, makeToken(map[string]any{"alg": "XS1"}, map[string]any{}), 400, "Service account token cannot be parsed: token is unverifiable: signing method (alg) is unavailable"},
		{"expired", host, makeToken(map[string]any{"alg": "RS256"}, map[string]any{"exp": now.Unix()}), 400, "Service account token failed basic claim validations: token is expired"},
		{"not yet", host, makeToken(map[string]any{"alg": "RS256"}, map[string]any{"nbf": now.Add(time.Second).Unix()}), 400, "Service account token failed basic claim validations: token is not valid yet"},
		{"both", host, makeToken(map[string]any{"alg": "RS256"}, map[string]any{"exp": now.Add(-time.Hour).Unix(), "nbf": now.Add(time.Hour).Unix()}), 400, "Service account token failed basic claim validations: token is expired, token is not valid yet"},
		{"exp a string", host, makeToken(map[string]any{"alg": "RS256"}, map[string]any{"exp": "soon"}), 400, "Service account token failed basic claim validations: invalid type for claim: exp is invalid"},
		{"no kubernetes.io", host, makeToken(map[string]any{"alg": "RS256"}, map[string]any{"exp": now.Add(time.Hour).Unix()}), 400, "Service account token missing kubernetes.io claims"},
		{"no pod", host, k8s(map[string]any{"namespace": "ns"}), 400, "Service account token missing pod claims"},
		{"no pod uid", host, k8s(map[string]any{"pod": map[string]any{"name": "p"}}), 400, "Service account token missing pod uid"},
		{"pod uid ok", host, k8s(map[string]any{"pod": map[string]any{"name": "p", "uid": "u2"}}), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := r.get(tt.host, tt.token)
			if code != tt.code || (tt.code != 200 && body != tt.body) {
				t.Fatalf("%d %q, want %d %q", code, body, tt.code, tt.body)
			}
		})
	}
}

// TestPathsAndMethods: any method on /v1/credentials; other paths 404.
func TestPathsAndMethods(t *testing.T) {
	r := newRig(t, nil)
	tok := token(r.clock.Now(), "uid")
	for _, tt := range []struct {
		method, path string
		code         int
	}{
		{"GET", CredentialsPath, 200}, {"POST", CredentialsPath, 200}, {"PUT", CredentialsPath, 200},
		{"GET", "/", 404}, {"GET", "/v1/credentials/", 404}, {"GET", "/v2/credentials", 404},
	} {
		req := httptest.NewRequest(tt.method, "http://"+host+tt.path, nil)
		req.Header.Set("Authorization", tok)
		w := httptest.NewRecorder()
		r.agent.ServeHTTP(w, req)
		if w.Code != tt.code || (tt.code == 404 && w.Body.String() != "404 page not found\n") {
			t.Errorf("%s %s: %d %q, want %d", tt.method, tt.path, w.Code, w.Body, tt.code)
		}
	}
}

// TestRateLimit: beyond the burst, 429 "Too Many Requests".
func TestRateLimit(t *testing.T) {
	r := newRig(t, func(c *Config) { c.RequestsPerSec, c.RequestBurst = 0.001, 2 })
	tok := token(r.clock.Now(), "uid")
	for i, want := range []int{200, 200, 429} {
		code, body := r.get(host, tok)
		if code != want || (want == 429 && body != "Too Many Requests") {
			t.Fatalf("request %d: %d %q, want %d", i, code, body, want)
		}
	}
	if d := DefaultRequestsPerSec; d != 1000 || DefaultRequestBurst != 500 {
		t.Fatalf("defaults %d/%d", d, DefaultRequestBurst)
	}
}

// TestAnswer: the success body's fields in AWS's agent's order, the
// account from the assumed-role ARN, Expiration in UTC with a Z even when
// the local zone is not UTC; a second request is a cache hit.
func TestAnswer(t *testing.T) {
	local := time.Local
	time.Local = time.FixedZone("UTC+2", 2*3600)
	t.Cleanup(func() { time.Local = local })
	r := newRig(t, nil)
	tok := token(r.clock.Now(), "uid")
	req := httptest.NewRequest("GET", "http://"+host+CredentialsPath, nil)
	req.Header.Set("Authorization", tok)
	w := httptest.NewRecorder()
	r.agent.ServeHTTP(w, req)
	exp := r.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	want := `{"AccessKeyId":"ASIA000001","SecretAccessKey":"secret1","Token":"session1","AccountId":"111122223333","Expiration":"` + exp + `"}`
	if w.Code != 200 || w.Body.String() != want || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s %q\nwant %s", w.Code, w.Header().Get("Content-Type"), w.Body, want)
	}
	if !strings.HasSuffix(exp, "Z") {
		t.Fatalf("expiration %s", exp)
	}
	if _, body := r.get(host, tok); body != want || r.eks.calls.Load() != 1 {
		t.Fatalf("second answer %s after %d calls", body, r.eks.calls.Load())
	}
	// Encode on its own: nanoseconds kept, trailing zeros dropped, UTC.
	for in, out := range map[time.Time]string{
		time.Date(1996, 3, 27, 9, 45, 23, 123456789, time.FixedZone("x", 2*3600)): `"Expiration":"1996-03-27T07:45:23.123456789Z"`,
		time.Date(1996, 3, 27, 7, 45, 23, 0, time.Local):                          `"Expiration":"1996-03-27T05:45:23Z"`,
	} {
		if got := string(Encode(Credentials{AccessKeyID: "A", Expiration: in})); !strings.Contains(got, out) {
			t.Errorf("Encode(%v) = %s, want %s", in, got, out)
		}
	}
}

// TestConcurrentRequestsOneCall: N requests of one pod at once make one
// eks-auth call; the call is held until all N are inside the handler.
func TestConcurrentRequestsOneCall(t *testing.T) {
	const n = 50
	var inside atomic.Int64
	all := make(chan struct{})
	r := newRig(t, nil)
	r.eks.hook = func() { <-all }
	tok := token(r.clock.Now(), "uid")
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if inside.Add(1) == n {
			close(all)
		}
		r.agent.ServeHTTP(w, req)
	})
	var wg sync.WaitGroup
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			req := httptest.NewRequest("GET", "http://"+host+CredentialsPath, nil)
			req.Header.Set("Authorization", tok)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			bodies[i] = fmt.Sprint(w.Code, w.Body)
		})
	}
	wg.Wait()
	if c := r.eks.calls.Load(); c != 1 {
		t.Fatalf("%d calls, want 1", c)
	}
	for _, b := range bodies {
		if b != bodies[0] || !strings.HasPrefix(b, "200") {
			t.Fatalf("answers differ: %s vs %s", b, bodies[0])
		}
	}
}

// TestThousandPods: 1000 pods at once cause one call each, and asking
// again causes none.
func TestThousandPods(t *testing.T) {
	r := newRig(t, nil)
	now := r.clock.Now()
	toks := make([]string, 1000)
	for i := range toks {
		toks[i] = token(now, fmt.Sprintf("uid-%d", i))
	}
	var failed atomic.Int64
	for range 2 {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64) // within the 1 s timeout of each call on a busy machine
		for _, tok := range toks {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if code, body := r.get(host, tok); code != 200 {
					if failed.Add(1) == 1 {
						t.Errorf("%d %s", code, body)
					}
				}
			})
		}
		wg.Wait()
		if c := r.eks.calls.Load(); c != 1000 || failed.Load() != 0 {
			t.Fatalf("%d calls, %d failures; want 1000, 0", c, failed.Load())
		}
	}
	if r.agent.Len() != 1000 {
		t.Fatalf("%d pods kept", r.agent.Len())
	}
}

// TestRenewal: credentials that live 60 s are renewed ahead of expiry by
// Renew, the janitor's pass, so that across several renewals every
// request is answered from the cache, never with credentials that have
// 15 s or less to live, and requests never call eks-auth themselves.
func TestRenewal(t *testing.T) {
	r := newRig(t, nil)
	r.eks.lifetime = time.Minute
	tok := token(r.clock.Now(), "uid")
	if code, _ := r.get(host, tok); code != 200 {
		t.Fatal(code)
	}
	keys := map[string]bool{}
	for step := range 60 { // 5 minutes in steps of 5 s
		r.clock.Add(5 * time.Second)
		before := r.eks.calls.Load()
		code, body := r.get(host, tok)
		if code != 200 {
			t.Fatalf("step %d: %d %s", step, code, body)
		}
		if r.eks.calls.Load() != before {
			t.Fatalf("step %d: the request called eks-auth", step)
		}
		var ans struct{ AccessKeyId, Expiration string }
		json.Unmarshal([]byte(body), &ans)
		exp, _ := time.Parse(time.RFC3339, ans.Expiration)
		if exp.Sub(r.clock.Now()) <= MinRemaining {
			t.Fatalf("step %d: served credentials expiring at %s at %s", step, exp, r.clock.Now())
		}
		keys[ans.AccessKeyId] = true
		r.agent.Renew(t.Context())
	}
	if len(keys) < 3 || r.eks.calls.Load() < 3 {
		t.Fatalf("%d distinct keys served, %d calls: want at least 2 renewals", len(keys), r.eks.calls.Load())
	}
	// The positive control of the assertion above: without Renew, the
	// credentials run out and a request must call again.
	r.clock.Add(time.Minute)
	before := r.eks.calls.Load()
	if code, _ := r.get(host, tok); code != 200 || r.eks.calls.Load() != before+1 {
		t.Fatalf("after expiry: %d, calls %d -> %d", code, before, r.eks.calls.Load())
	}
}

// TestRetentionBound: renewal comes at MaxRetention when that is sooner
// than two thirds of the lifetime.
func TestRetentionBound(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxRetention = 10 * time.Second })
	tok := token(r.clock.Now(), "uid")
	r.get(host, tok)
	r.clock.Add(9 * time.Second)
	r.agent.Renew(t.Context())
	if c := r.eks.calls.Load(); c != 1 {
		t.Fatalf("renewed before the retention: %d calls", c)
	}
	r.clock.Add(time.Second)
	r.agent.Renew(t.Context())
	if c := r.eks.calls.Load(); c != 2 {
		t.Fatalf("not renewed at the retention: %d calls", c)
	}
}

// TestNewToken: a pod's new token goes to eks-auth (it is unverified
// until then) and then replaces the token renewals send; a forged token
// naming a cached pod's UID is refused by eks-auth and neither reads nor
// disturbs the pod's credentials.
func TestNewToken(t *testing.T) {
	r := newRig(t, nil)
	now := r.clock.Now()
	old := token(now, "uid")
	_, first := r.get(host, old)
	r.clock.Add(time.Second)
	fresh := token(r.clock.Now(), "uid")
	code, second := r.get(host, fresh)
	if code != 200 || second == first || r.eks.calls.Load() != 2 {
		t.Fatalf("new token: %d, same answer %v, %d calls", code, second == first, r.eks.calls.Load())
	}
	r.clock.Add(time.Hour - 5*time.Minute)
	r.agent.Renew(t.Context())
	seen := r.eks.seen()
	if len(seen) != 3 || seen[2] != fresh {
		t.Fatalf("renewal sent the old token (or none): %d calls", len(seen))
	}
	forged := makeToken(map[string]any{"alg": "none"}, map[string]any{"kubernetes.io": map[string]any{"pod": map[string]any{"uid": "uid"}}})
	r.eks.setRefusal(forged, "InvalidTokenException")
	code, body := r.get(host, forged)
	if code != 400 || !strings.Contains(body, "(InvalidTokenException)") {
		t.Fatalf("forged token: %d %s", code, body)
	}
	before := r.eks.calls.Load()
	if code, _ := r.get(host, fresh); code != 200 || r.eks.calls.Load() != before {
		t.Fatalf("the pod's own token after a forged one: %d, %d calls", code, r.eks.calls.Load()-before)
	}
	// The token it replaced is no longer answered from the cache.
	if code, _ := r.get(host, old); code != 200 || r.eks.calls.Load() != before+1 {
		t.Fatalf("the replaced token: %d, %d calls", code, r.eks.calls.Load()-before)
	}
}

// TestCachedTokenTimes: a cached answer is served only within its token's
// exp, as ParseToken checks it before the cache is consulted.
func TestCachedTokenTimes(t *testing.T) {
	r := newRig(t, nil)
	r.eks.lifetime = 6 * time.Hour
	tok := token(r.clock.Now(), "uid") // valid for an hour
	if code, body := r.get(host, tok); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	r.clock.Add(time.Hour - time.Second)
	if code, body := r.get(host, tok); code != 200 || r.eks.calls.Load() != 1 {
		t.Fatalf("within the token's exp: %d %s, %d calls", code, body, r.eks.calls.Load())
	}
	r.clock.Add(time.Second)
	if code, body := r.get(host, tok); code != 400 || body != "Service account token failed basic claim validations: token is expired" || r.eks.calls.Load() != 1 {
		t.Fatalf("at the token's exp: %d %s, %d calls", code, body, r.eks.calls.Load())
	}
}

// TestEviction: a renewal refused for good (AccessDenied) drops the pod;
// a refusal that may pass (InternalServerException) keeps its
// credentials; an expired token is dropped without a call.
func TestEviction(t *testing.T) {
	r := newRig(t, nil)
	a, b := token(r.clock.Now(), "a"), token(r.clock.Now(), "b")
	r.get(host, a)
	r.get(host, b)
	r.eks.setRefusal(a, "AccessDeniedException")
	r.eks.setRefusal(b, "InternalServerException")
	r.clock.Add(45 * time.Minute)
	r.agent.Renew(t.Context())
	if r.agent.Len() != 1 || r.eks.calls.Load() != 4 {
		t.Fatalf("%d pods kept after %d calls, want b only", r.agent.Len(), r.eks.calls.Load())
	}
	if code, _ := r.get(host, b); code != 200 || r.eks.calls.Load() != 4 {
		t.Fatalf("b after a recoverable failure: %d, %d calls", code, r.eks.calls.Load())
	}
	code, body := r.get(host, a)
	if code != 400 || body != "[req-5]: (AccessDeniedException): refused AccessDeniedException, fault: client" {
		t.Fatalf("a: %d %q", code, body)
	}
	// b's token expires (an hour after it was made): dropped unasked.
	r.eks.setRefusal(b, "")
	r.clock.Add(16 * time.Minute)
	calls := r.eks.calls.Load()
	r.agent.Renew(t.Context())
	if r.agent.Len() != 0 || r.eks.calls.Load() != calls {
		t.Fatalf("expired token: %d pods, %d calls", r.agent.Len(), r.eks.calls.Load()-calls)
	}
}

// TestRefusalKept: eks-auth's refusal of a token is answered again for
// RefusalTTL without a call; after it, or with refusals not kept, each
// request calls.
func TestRefusalKept(t *testing.T) {
	for _, ttl := range []time.Duration{DefaultRefusalTTL, -1} {
		r := newRig(t, func(c *Config) { c.RefusalTTL = ttl })
		tok := token(r.clock.Now(), "uid")
		r.eks.setRefusal(tok, "ResourceNotFoundException")
		var bodies []string
		for range 3 {
			code, body := r.get(host, tok)
			if code != 404 {
				t.Fatalf("ttl %v: %d %s", ttl, code, body)
			}
			bodies = append(bodies, body)
		}
		want := int64(1)
		if ttl < 0 {
			want = 3
		}
		if r.eks.calls.Load() != want || bodies[2] != "[req-1]: (ResourceNotFoundException): refused ResourceNotFoundException, fault: client" && ttl > 0 {
			t.Fatalf("ttl %v: %d calls, want %d; %q", ttl, r.eks.calls.Load(), want, bodies[2])
		}
		r.clock.Add(DefaultRefusalTTL)
		r.eks.setRefusal(tok, "")
		if code, _ := r.get(host, tok); code != 200 {
			t.Fatalf("ttl %v: after the refusal lapsed: %d", ttl, code)
		}
	}
}

// TestUpstreamErrors: eks-auth's status passed through with its code,
// message, request id and fault; an unmodelled code is fault unknown;
// an unreachable eks-auth is 500; credentials with 15 s or less to live
// are not served.
func TestUpstreamErrors(t *testing.T) {
	r := newRig(t, func(c *Config) { c.RefusalTTL = -1 })
	tok := token(r.clock.Now(), "uid")
	for code, want := range map[string]struct {
		status int
		body   string
	}{
		"ThrottlingException":     {429, "[req-%d]: (ThrottlingException): refused ThrottlingException, fault: client"},
		"InternalServerException": {500, "[req-%d]: (InternalServerException): refused InternalServerException, fault: server"},
		"SomethingNew":            {400, "[req-%d]: (SomethingNew): refused SomethingNew, fault: unknown"},
	} {
		r.eks.setRefusal(tok, code)
		status, body := r.get(host, tok)
		if status != want.status || body != fmt.Sprintf(want.body, r.eks.calls.Load()) {
			t.Errorf("%s: %d %q", code, status, body)
		}
	}
	r.eks.setRefusal(tok, "")
	r.eks.lifetime = MinRemaining
	if status, body := r.get(host, tok); status != 500 || !strings.Contains(body, "too soon to serve") {
		t.Errorf("short-lived credentials: %d %q", status, body)
	}
	r.eks.lifetime = time.Hour
	if status, _ := r.get(host, tok); status != 200 {
		t.Errorf("positive control: %d", status)
	}
	r.eks.Close()
	if status, body := r.get(host, token(r.clock.Now(), "other")); status != 500 || !strings.HasPrefix(body, "assume role for pod identity: ") {
		t.Errorf("eks-auth down: %d %q", status, body)
	}
}

// TestCacheSize: beyond MaxCacheSize the least recently used pod goes.
func TestCacheSize(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxCacheSize = 2 })
	now := r.clock.Now()
	a, b, c := token(now, "a"), token(now, "b"), token(now, "c")
	r.get(host, a)
	r.get(host, b)
	r.get(host, a) // a is now the most recent
	r.get(host, c) // b goes
	if r.eks.calls.Load() != 3 || r.agent.Len() != 2 {
		t.Fatalf("%d calls, %d pods", r.eks.calls.Load(), r.agent.Len())
	}
	r.get(host, a)
	if r.eks.calls.Load() != 3 {
		t.Fatal("a was evicted")
	}
	r.get(host, b)
	if r.eks.calls.Load() != 4 {
		t.Fatal("b was kept")
	}
}

// TestSignatureCheck: the fake's verifier refuses a request signed with
// another secret (so that its acceptance of the agent's calls means
// something).
func TestSignatureCheck(t *testing.T) {
	r := newRig(t, nil)
	r.agent.cfg.Source.(*EKSAuth).Credentials = wrongCreds{}
	r.get(host, token(r.clock.Now(), "uid"))
	r.eks.mu.Lock()
	bad := len(r.eks.badSigs)
	r.eks.badSigs = nil
	r.eks.mu.Unlock()
	if bad != 1 {
		t.Fatalf("a wrong signature was not caught: %d", bad)
	}
}

type wrongCreds struct{}

func (wrongCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: nodeKey, SecretAccessKey: "wrong"}, nil
}

// TestMetrics: the answers and the cache's work are counted.
func TestMetrics(t *testing.T) {
	r := newRig(t, nil)
	tok := token(r.clock.Now(), "uid")
	r.get(host, tok)
	r.get(host, tok)
	r.get("127.0.0.1", tok)
	w := httptest.NewRecorder()
	r.agent.cfg.Metrics.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`pod_identity_http_response{code="200"} 2`, `pod_identity_http_response{code="403"} 1`,
		`pod_identity_cache_state{state="hit"} 1`, `pod_identity_cache_state{state="miss"} 1`,
		`pod_identity_eks_auth_request_duration_seconds_count{outcome="ok"} 1`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if regexp.MustCompile(`pod_identity_cache_state\{state="evicted"\}`).MatchString(w.Body.String()) {
		t.Error("an eviction counted")
	}
}

// TestMaxCalls: with MaxCalls 8, 100 pods at once are all answered, with
// one call each and never more than 8 calls in flight; with no bound (the
// control), 20 calls are in flight together.
func TestMaxCalls(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxCalls int
		together int64 // the calls the fake holds until they are all in flight
	}{
		{"bounded", 8, 8},
		{"unbounded", -1, 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, func(cfg *Config) { cfg.MaxCalls = c.maxCalls })
			var inflight, most atomic.Int64
			full := make(chan struct{})
			var once sync.Once
			r.eks.hook = func() {
				n := inflight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				if n == c.together {
					once.Do(func() { close(full) })
				}
				<-full
				inflight.Add(-1)
			}
			now := r.clock.Now()
			var wg sync.WaitGroup
			var failed atomic.Int64
			for i := range 100 {
				wg.Go(func() {
					if code, body := r.get(host, token(now, fmt.Sprintf("uid-%d", i))); code != 200 && failed.Add(1) == 1 {
						t.Errorf("%d %s", code, body)
					}
				})
			}
			wg.Wait()
			if calls := r.eks.calls.Load(); calls != 100 || failed.Load() != 0 {
				t.Fatalf("%d calls, %d failures; want 100, 0", calls, failed.Load())
			}
			if c.maxCalls > 0 && most.Load() != int64(c.maxCalls) {
				t.Fatalf("%d calls in flight at most, want %d", most.Load(), c.maxCalls)
			}
			if c.maxCalls < 0 && most.Load() < c.together {
				t.Fatalf("%d calls in flight at most, want %d or more", most.Load(), c.together)
			}
		})
	}
}

// heldSource answers every call once release is closed, the first
// call signalling held: a Source for this package's unit tests only,
// without the HTTP client's 1 s budget.
type heldSource struct {
	held, release chan struct{}
	once          sync.Once
	exp           time.Time
}

func (h *heldSource) AssumeRoleForPodIdentity(ctx context.Context, _ string) (Credentials, error) {
	h.once.Do(func() { close(h.held) })
	<-h.release
	return Credentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", AccountID: "111122223333", Expiration: h.exp}, nil
}

// TestSlotWaiterLeaves: with the one call slot held, a request whose
// client goes away leaves at once instead of waiting for the slot; the
// control, a request whose client stays, is answered once the slot
// frees.
func TestSlotWaiterLeaves(t *testing.T) {
	c := newClock()
	src := &heldSource{held: make(chan struct{}), release: make(chan struct{}), exp: c.Now().Add(6 * time.Hour)}
	var released sync.Once
	free := func() { released.Do(func() { close(src.release) }) }
	t.Cleanup(free) // a failed test must not leave the calls held
	a, err := New(Config{Source: src, Now: c.Now, MaxCalls: 1, MaxServiceQPS: 1e6, RequestsPerSec: 1e9, RequestBurst: 1 << 20, Metrics: NewMetrics()})
	if err != nil {
		t.Fatal(err)
	}
	now := c.Now()
	ask := func(ctx context.Context, uid string) error {
		tok := token(now, uid)
		claims, err := ParseToken(tok, now)
		if err != nil {
			return err
		}
		_, err = a.credentials(ctx, tok, claims, now)
		return err
	}
	first := make(chan error, 1)
	go func() { first <- ask(t.Context(), "uid-holder") }()
	<-src.held

	ctx, cancel := context.WithCancel(t.Context())
	gone := make(chan error, 1)
	go func() { gone <- ask(ctx, "uid-gone") }()
	staying := make(chan error, 1)
	go func() { staying <- ask(t.Context(), "uid-staying") }()
	cancel()
	select {
	case err := <-gone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the request whose client went: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request whose client went still waits for a slot")
	}
	select {
	case err := <-staying:
		t.Fatalf("the staying request answered (%v) before the slot freed", err)
	default:
	}
	free()
	if err := <-first; err != nil {
		t.Errorf("the holder: %v", err)
	}
	if err := <-staying; err != nil {
		t.Errorf("the staying request: %v", err)
	}
}
