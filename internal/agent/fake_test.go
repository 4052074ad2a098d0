package agent

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/podiam/podiam/internal/sigv4"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const (
	nodeKey    = "AKIANODE0000EXAMPLE"
	nodeSecret = "node-secret-key"
	region     = "us-west-2"
	cluster    = "c1"
)

// fakeEKSAuth is eks-auth for the unit tests: it verifies every call's
// SigV4 signature with podiam's verifier, answers each token with
// credentials that live for lifetime (by the test's clock), or with the
// refusal set for it, and counts calls.
type fakeEKSAuth struct {
	*httptest.Server
	t        testing.TB
	clock    *clock
	lifetime time.Duration
	calls    atomic.Int64
	hook     func() // run at the start of each call; may block

	mu      sync.Mutex
	tokens  []string          // in call order
	refuse  map[string]string // token -> error code ("" token: every token)
	badSigs []string
}

func newFakeEKSAuth(t testing.TB, c *clock) *fakeEKSAuth {
	f := &fakeEKSAuth{t: t, clock: c, lifetime: time.Hour, refuse: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

var errorStatus = map[string]int{
	"AccessDeniedException": 400, "ExpiredTokenException": 400, "InvalidTokenException": 400,
	"ResourceNotFoundException": 404, "ThrottlingException": 429, "InternalServerException": 500,
}

func (f *fakeEKSAuth) serve(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	if f.hook != nil {
		f.hook()
	}
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	a, err := sigv4.Parse(r, r.URL.Query())
	if err == nil {
		if a.AccessKeyID != nodeKey || a.Service != "eks-auth" || a.Region != region {
			err = fmt.Errorf("scope %s/%s/%s", a.AccessKeyID, a.Region, a.Service)
		} else {
			err = sigv4.Verify(r, a, nodeSecret, hex.EncodeToString(sum[:]), a.Date, sigv4.Options{})
		}
	}
	var in struct{ Token string }
	json.Unmarshal(body, &in)
	f.mu.Lock()
	if err != nil {
		f.badSigs = append(f.badSigs, err.Error())
	}
	if r.Method != http.MethodPost || r.URL.Path != "/clusters/"+cluster+"/assume-role-for-pod-identity" {
		f.badSigs = append(f.badSigs, "wrong request "+r.Method+" "+r.URL.Path)
	}
	f.tokens = append(f.tokens, in.Token)
	code, refused := f.refuse[in.Token]
	if !refused {
		code, refused = f.refuse[""]
	}
	f.mu.Unlock()
	id := fmt.Sprintf("req-%d", n)
	w.Header().Set("X-Amzn-Requestid", id)
	if refused {
		w.Header().Set("X-Amzn-Errortype", code+":http://internal.amazon.com/coral/com.amazon.eksauth/")
		w.Header().Set("Content-Type", "application/json")
		status, ok := errorStatus[code]
		if !ok {
			status = 400
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":"refused %s"}`, code)
		return
	}
	exp := f.clock.Now().Add(f.lifetime)
	fmt.Fprintf(w, `{"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/r/eks-c1-pod-%d","assumeRoleId":"AROA:x"},`+
		`"audience":"pods.eks.amazonaws.com","credentials":{"accessKeyId":"ASIA%06d","secretAccessKey":"secret%d","sessionToken":"session%d","expiration":%d},`+
		`"podIdentityAssociation":{"associationArn":"arn","associationId":"a-1"},"subject":{"namespace":"ns","serviceAccount":"sa"}}`,
		n, n, n, n, exp.Unix())
}

func (f *fakeEKSAuth) setRefusal(token, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if code == "" {
		delete(f.refuse, token)
	} else {
		f.refuse[token] = code
	}
}

func (f *fakeEKSAuth) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// checkSignatures fails the test if any call was not signed right.
func (f *fakeEKSAuth) checkSignatures(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.badSigs) > 0 {
		t.Fatalf("eks-auth calls not signed right: %v", f.badSigs)
	}
}

func (f *fakeEKSAuth) source(c *clock) *EKSAuth {
	return &EKSAuth{Endpoint: f.URL, Cluster: cluster, Region: region, Now: c.Now, HTTP: f.Client(),
		Credentials: aws.NewCredentialsCache(staticCreds{})}
}

type staticCreds struct{}

func (staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: nodeKey, SecretAccessKey: nodeSecret, Source: "test"}, nil
}

// token makes an unsigned service-account token for pod uid, valid for
// an hour from now.
func token(now time.Time, uid string) string {
	return makeToken(map[string]any{"alg": "RS256", "kid": "k"}, map[string]any{
		"aud": []string{"pods.eks.amazonaws.com"}, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"kubernetes.io": map[string]any{"namespace": "ns", "pod": map[string]any{"name": "pod-" + uid, "uid": uid},
			"serviceaccount": map[string]any{"name": "sa", "uid": "sa-uid"}},
	})
}

func makeToken(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return b64(h) + "." + b64(c) + ".c2lnbmF0dXJl"
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rig is an agent over a fake eks-auth with a test clock.
type rig struct {
	clock *clock
	eks   *fakeEKSAuth
	agent *Agent
}

func newRig(t *testing.T, mod func(*Config)) *rig {
	t.Helper()
	c := newClock()
	f := newFakeEKSAuth(t, c)
	cfg := Config{Source: f.source(c), Now: c.Now, MaxServiceQPS: 1e6, RequestsPerSec: 1e9, RequestBurst: 1 << 20, Metrics: NewMetrics()}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.checkSignatures(t) })
	return &rig{clock: c, eks: f, agent: a}
}

// get asks the agent for credentials with token through Host host.
func (r *rig) get(host, tok string) (int, string) {
	req := httptest.NewRequest(http.MethodGet, "http://"+host+CredentialsPath, nil)
	req.Host = host
	if tok != "" {
		req.Header.Set("Authorization", tok)
	}
	w := httptest.NewRecorder()
	r.agent.ServeHTTP(w, req)
	return w.Code, strings.TrimSuffix(w.Body.String(), "\n")
}
