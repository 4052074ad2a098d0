package agent

import (
	"container/list"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// The addresses EKS Pod Identity's SDKs call.
const (
	HostIPv4 = "169.254.170.23"
	HostIPv6 = "fd00:ec2::23"
)

// MaxSlotWait bounds how long a call waits for one of the MaxCalls slots
// (its requests' clients may all have gone: the call outlives them); the
// call, once started, has its own budget (CallTimeout).
const MaxSlotWait = 2 * time.Second

// Defaults, AWS's agent's where it has one.
const (
	DefaultMaxCacheSize   = 2000
	DefaultMaxCalls       = 32
	DefaultMaxRetention   = 3 * time.Hour
	DefaultMaxServiceQPS  = 3
	DefaultRefusalTTL     = 5 * time.Second
	DefaultRenewInterval  = 15 * time.Second
	DefaultRetryAfter     = time.Minute
	DefaultRequestsPerSec = 1000
	DefaultRequestBurst   = 500
	// MinRemaining: credentials with this long or less to live are never
	// served, and are fetched anew.
	MinRemaining = 15 * time.Second
)

// Config configures an Agent. Zero values take the defaults (WithDefaults).
type Config struct {
	// AllowedHosts are the Host header values (port and [] stripped)
	// answered; others get 403. AWS's agent allows exactly HostIPv4 and
	// HostIPv6 and cannot be told otherwise.
	AllowedHosts []string
	Source       Source // eks-auth
	// MaxCacheSize bounds the pods kept (the least recently used goes);
	// negative disables the cache: every request calls eks-auth.
	MaxCacheSize int
	// MaxRetention bounds how long credentials are served before they
	// are renewed (--max-credential-retention-before-renewal).
	MaxRetention time.Duration
	// MaxCalls bounds the eks-auth calls in flight; more wait for one to
	// end (up to MaxSlotWait) before their 1-second budget starts, so that a thousand pods
	// starting at once do not all time out together on a small server.
	// Negative: no bound (AWS's agent has none).
	MaxCalls int
	// MaxServiceQPS bounds renewals per second toward eks-auth.
	MaxServiceQPS float64
	// RefusalTTL is how long eks-auth's refusal of a token (a 4xx) is
	// answered again without asking; negative: never kept.
	RefusalTTL time.Duration
	// RenewInterval is how often Run looks for credentials due for renewal.
	RenewInterval time.Duration
	// RetryAfter is when a renewal that failed recoverably is tried again
	// (plus up to as much again of jitter).
	RetryAfter time.Duration
	// RequestsPerSec and RequestBurst bound /v1/credentials (429 beyond).
	RequestsPerSec float64
	RequestBurst   int
	Now            func() time.Time
	Log            *slog.Logger
	Metrics        *Metrics // nil records nothing
}

// WithDefaults fills c's zero values.
func (c Config) WithDefaults() Config {
	if len(c.AllowedHosts) == 0 {
		c.AllowedHosts = []string{HostIPv4, HostIPv6}
	}
	if c.MaxCacheSize == 0 {
		c.MaxCacheSize = DefaultMaxCacheSize
	}
	if c.MaxRetention == 0 {
		c.MaxRetention = DefaultMaxRetention
	}
	if c.MaxCalls == 0 {
		c.MaxCalls = DefaultMaxCalls
	}
	if c.MaxServiceQPS == 0 {
		c.MaxServiceQPS = DefaultMaxServiceQPS
	}
	if c.RefusalTTL == 0 {
		c.RefusalTTL = DefaultRefusalTTL
	}
	if c.RenewInterval == 0 {
		c.RenewInterval = DefaultRenewInterval
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.RequestsPerSec == 0 {
		c.RequestsPerSec = DefaultRequestsPerSec
	}
	if c.RequestBurst == 0 {
		c.RequestBurst = DefaultRequestBurst
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Source == nil {
		errs = append(errs, errors.New("no credential source (eks-auth)"))
	}
	if c.MaxRetention < 0 {
		errs = append(errs, fmt.Errorf("max credential retention %v is negative", c.MaxRetention))
	}
	if c.MaxServiceQPS < 0 {
		errs = append(errs, fmt.Errorf("max service QPS %v is negative", c.MaxServiceQPS))
	}
	if c.RequestsPerSec < 0 || c.RequestBurst < 0 {
		errs = append(errs, errors.New("request rate and burst must not be negative"))
	}
	for _, h := range c.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "[]") {
			errs = append(errs, fmt.Errorf("allowed host %q: give a bare host or address", h))
		}
	}
	return errors.Join(errs...)
}

// Agent answers /v1/credentials from one cache of credentials per pod,
// shared by every listener it serves.
type Agent struct {
	cfg      Config
	denied   string // the 403 text's list of hosts
	limiter  *rate.Limiter
	renewals *rate.Limiter
	flight   singleflight.Group // keyed by token: one eks-auth call per token at a time
	calls    chan struct{}      // a slot per eks-auth call in flight; nil: no bound

	mu       sync.Mutex
	pods     map[string]*entry   // by pod UID
	byToken  map[[32]byte]*entry // the same entries, by the SHA-256 of their token
	lru      list.List           // of *entry, most recently used first
	refusals map[string]refusal
}

// entry is one pod's credentials.
type entry struct {
	podUID   string
	token    string    // the last token eks-auth accepted for the pod: renewals send it
	tokenSum [32]byte  // its SHA-256
	tokenExp time.Time // its exp claim; zero when it has none
	tokenNbf time.Time // its nbf claim; zero when it has none
	body     []byte    // the encoded answer
	expires  time.Time
	renewAt  time.Time
	elem     *list.Element
}

// refusal is eks-auth's refusal of a token, kept for RefusalTTL.
type refusal struct {
	err   *UpstreamError
	until time.Time
}

// New builds an Agent.
func New(cfg Config) (*Agent, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var calls chan struct{}
	if cfg.MaxCalls > 0 {
		calls = make(chan struct{}, cfg.MaxCalls)
	}
	return &Agent{
		cfg:      cfg,
		calls:    calls,
		denied:   fmt.Sprint(cfg.AllowedHosts),
		limiter:  rate.NewLimiter(rate.Limit(cfg.RequestsPerSec), cfg.RequestBurst),
		renewals: rate.NewLimiter(rate.Limit(cfg.MaxServiceQPS), max(1, int(cfg.MaxServiceQPS))),
		pods:     map[string]*entry{},
		byToken:  map[[32]byte]*entry{},
		refusals: map[string]refusal{},
	}, nil
}

// CredentialsPath is the one path answered.
const CredentialsPath = "/v1/credentials"

// ServeHTTP answers /v1/credentials (any method) as AWS's agent does:
// rate limit, path, Host, token, then the cache or eks-auth.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.limiter.Allow() {
		a.fail(w, http.StatusTooManyRequests, http.StatusText(http.StatusTooManyRequests))
		return
	}
	if r.URL.Path != CredentialsPath {
		a.fail(w, http.StatusNotFound, "404 page not found")
		return
	}
	if host := stripHost(r.Host); !a.allowed(host) {
		a.fail(w, http.StatusForbidden, "Access Denied. Called agent through invalid address, please use either "+a.denied+" address not "+host)
		return
	}
	token := r.Header.Get("Authorization")
	now := a.cfg.Now()
	if body := a.cached(token, now); body != nil {
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write(body)
		a.cfg.Metrics.response(http.StatusOK)
		return
	}
	claims, err := ParseToken(token, now)
	if err != nil {
		a.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	body, err := a.credentials(r.Context(), token, claims, now)
	if err != nil {
		var up *UpstreamError
		if errors.As(err, &up) {
			a.fail(w, up.Status, up.Error())
			return
		}
		a.cfg.Log.Warn("credentials not fetched", "pod_uid", claims.PodUID, "err", err)
		a.fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header()["Content-Type"] = []string{"application/json"}
	w.Write(body)
	a.cfg.Metrics.response(http.StatusOK)
}

func (a *Agent) fail(w http.ResponseWriter, code int, msg string) {
	http.Error(w, msg, code)
	a.cfg.Metrics.response(code)
}

// stripHost is a Host header's host: the port and an IPv6 literal's
// brackets removed.
func stripHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

func (a *Agent) allowed(host string) bool {
	for _, h := range a.cfg.AllowedHosts {
		if h == host {
			return true
		}
	}
	return false
}

// cached is the cached answer for exactly token, found by its hash before
// it is parsed, or nil: the token must be the one eks-auth last accepted
// for its pod (compared in constant time), within its exp and nbf as
// ParseToken would check them, with credentials that have more than
// MinRemaining to live. Anything else takes ParseToken and credentials,
// which answer it as before.
func (a *Agent) cached(token string, now time.Time) []byte {
	if token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	a.mu.Lock()
	e := a.byToken[sum]
	if e == nil || !sameToken(e.token, token) || e.expires.Sub(now) <= MinRemaining ||
		(!e.tokenExp.IsZero() && !now.Before(e.tokenExp)) || (!e.tokenNbf.IsZero() && now.Before(e.tokenNbf)) {
		a.mu.Unlock()
		return nil
	}
	a.lru.MoveToFront(e.elem)
	body := e.body
	a.mu.Unlock()
	a.cfg.Metrics.cache("hit")
	return body
}

// credentials is the encoded answer for token: the pod's cached
// credentials when token is the one eks-auth last accepted for the pod
// and they have more than MinRemaining to live, else eks-auth's answer.
// A token the cache has not seen always goes to eks-auth (its claims are
// unverified: a forged token naming another pod's UID must not read that
// pod's credentials).
func (a *Agent) credentials(ctx context.Context, token string, c Claims, now time.Time) ([]byte, error) {
	a.mu.Lock()
	if body := a.cachedLocked(token, c, now); body != nil {
		a.mu.Unlock()
		a.cfg.Metrics.cache("hit")
		return body, nil
	}
	if r, ok := a.refusals[token]; ok {
		if now.Before(r.until) {
			a.mu.Unlock()
			return nil, r.err
		}
		delete(a.refusals, token)
	}
	a.mu.Unlock()
	a.cfg.Metrics.cache("miss")
	// The call is shared by the requests with this token and outlives
	// any one of them; each request leaves when its client does.
	ch := a.flight.DoChan(token, func() (any, error) {
		// A call for this token may have finished between the look
		// above and this flight: its answer is in the cache now.
		a.mu.Lock()
		body := a.cachedLocked(token, c, a.cfg.Now())
		a.mu.Unlock()
		if body != nil {
			return body, nil
		}
		return a.fetch(context.WithoutCancel(ctx), token, c, "")
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]byte), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// cachedLocked is the pod's cached answer when token is the one eks-auth
// last accepted for it and it has more than MinRemaining to live, else
// nil. The caller holds a.mu.
func (a *Agent) cachedLocked(token string, c Claims, now time.Time) []byte {
	e := a.pods[c.PodUID]
	if e == nil || !sameToken(e.token, token) || e.expires.Sub(now) <= MinRemaining {
		return nil
	}
	a.lru.MoveToFront(e.elem)
	return e.body
}

func sameToken(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// answer is the success body, fields in AWS's agent's order.
type answer struct {
	AccessKeyID     string `json:"AccessKeyId,omitempty"`
	SecretAccessKey string `json:"SecretAccessKey,omitempty"`
	Token           string `json:"Token,omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// Encode is the /v1/credentials answer for creds: Expiration in UTC with
// a Z, whatever the local zone (the JavaScript SDK refuses offsets).
func Encode(creds Credentials) []byte {
	var exp string
	if !creds.Expiration.IsZero() {
		exp = creds.Expiration.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(answer{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, creds.AccountID, exp})
	return b
}

// fetch calls eks-auth with token and keeps what it answers. A renewal
// passes the token it renews with as renewing: its answer replaces the
// pod's entry only while that is still the entry's token.
func (a *Agent) fetch(ctx context.Context, token string, c Claims, renewing string) ([]byte, error) {
	if a.calls != nil {
		wait := time.NewTimer(MaxSlotWait)
		select {
		case a.calls <- struct{}{}:
			wait.Stop()
		case <-wait.C:
			return nil, fmt.Errorf("assume role for pod identity: no eks-auth call slot free within %v (%d calls in flight)", MaxSlotWait, cap(a.calls))
		case <-ctx.Done():
			wait.Stop()
			return nil, ctx.Err()
		}
		defer func() { <-a.calls }()
	}
	start := time.Now()
	creds, err := a.cfg.Source.AssumeRoleForPodIdentity(ctx, token)
	d := time.Since(start)
	now := a.cfg.Now()
	var up *UpstreamError
	switch {
	case err == nil:
		a.cfg.Metrics.call("ok", d)
	case errors.As(err, &up):
		outcome := up.Code
		if _, ok := modelledFaults[outcome]; !ok {
			outcome = "other"
		}
		a.cfg.Metrics.call(outcome, d)
		if renewing == "" && up.Status/100 == 4 && up.Status != http.StatusTooManyRequests && a.cfg.RefusalTTL > 0 {
			a.keepRefusal(token, up, now)
		}
		return nil, err
	default:
		a.cfg.Metrics.call("error", d)
		return nil, err
	}
	if creds.Expiration.Sub(now) <= MinRemaining {
		return nil, fmt.Errorf("assume role for pod identity: the credentials expire at %s, too soon to serve", creds.Expiration.UTC().Format(time.RFC3339))
	}
	body := Encode(creds)
	if a.cfg.MaxCacheSize < 0 {
		return body, nil
	}
	life := creds.Expiration.Sub(now)
	e := &entry{podUID: c.PodUID, token: token, tokenSum: sha256.Sum256([]byte(token)), tokenExp: c.Expires, tokenNbf: c.NotBefore,
		body: body, expires: creds.Expiration, renewAt: now.Add(min(life*2/3, a.cfg.MaxRetention))}
	a.mu.Lock()
	defer a.mu.Unlock()
	old := a.pods[c.PodUID]
	if renewing != "" && (old == nil || old.token != renewing) {
		return body, nil // evicted, or a newer token arrived meanwhile
	}
	if old != nil {
		a.removeLocked(old)
	}
	e.elem = a.lru.PushFront(e)
	a.pods[c.PodUID] = e
	a.byToken[e.tokenSum] = e
	for len(a.pods) > a.cfg.MaxCacheSize {
		last := a.lru.Back()
		a.removeLocked(last.Value.(*entry))
		a.cfg.Metrics.cache("evicted")
	}
	return body, nil
}

func (a *Agent) removeLocked(e *entry) {
	a.lru.Remove(e.elem)
	if a.pods[e.podUID] == e {
		delete(a.pods, e.podUID)
	}
	if a.byToken[e.tokenSum] == e {
		delete(a.byToken, e.tokenSum)
	}
}

// keepRefusal keeps eks-auth's refusal of token for RefusalTTL; the map
// is bounded as the cache is, dropping what has lapsed and, if still
// full, everything.
func (a *Agent) keepRefusal(token string, up *UpstreamError, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if limit := max(a.cfg.MaxCacheSize, 1); len(a.refusals) >= limit {
		for k, r := range a.refusals {
			if !now.Before(r.until) {
				delete(a.refusals, k)
			}
		}
		if len(a.refusals) >= limit {
			clear(a.refusals)
		}
	}
	a.refusals[token] = refusal{up, now.Add(a.cfg.RefusalTTL)}
}

// Run renews credentials ahead of expiry every RenewInterval until ctx
// ends.
func (a *Agent) Run(ctx context.Context) {
	t := time.NewTicker(a.cfg.RenewInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.Renew(ctx)
		}
	}
}

// Renew renews every entry that is due, one at a time and at most
// MaxServiceQPS a second. An entry whose token has expired is dropped
// without a call (eks-auth would refuse it: the pod is gone or has a new
// token); one that eks-auth refuses for good is dropped; one that fails
// otherwise is kept while it has time to live and tried again later.
func (a *Agent) Renew(ctx context.Context) {
	now := a.cfg.Now()
	type due struct {
		podUID, token      string
		tokenExp, tokenNbf time.Time
	}
	var list []due
	a.mu.Lock()
	for _, e := range a.pods {
		if now.Before(e.renewAt) {
			continue
		}
		if !e.tokenExp.IsZero() && !now.Before(e.tokenExp) {
			a.removeLocked(e)
			a.cfg.Metrics.cache("evicted")
			continue
		}
		list = append(list, due{e.podUID, e.token, e.tokenExp, e.tokenNbf})
	}
	a.mu.Unlock()
	for _, d := range list {
		if err := a.renewals.Wait(ctx); err != nil {
			return
		}
		c := Claims{PodUID: d.podUID, Expires: d.tokenExp, NotBefore: d.tokenNbf}
		_, err, _ := a.flight.Do(d.token, func() (any, error) { return a.fetch(ctx, d.token, c, d.token) })
		if err != nil {
			a.renewFailed(d.podUID, d.token, err)
		}
	}
}

func (a *Agent) renewFailed(podUID, token string, err error) {
	var up *UpstreamError
	irrecoverable := errors.As(err, &up) && up.Irrecoverable()
	code := "Unknown"
	if up != nil {
		code = up.Code
		if _, ok := modelledFaults[code]; !ok {
			code = "Unknown"
		}
	}
	a.cfg.Metrics.cacheError(irrecoverable, code)
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.pods[podUID]
	if e == nil || e.token != token {
		return
	}
	if irrecoverable || e.expires.Sub(now) <= MinRemaining {
		a.removeLocked(e)
		a.cfg.Metrics.cache("evicted")
		a.cfg.Log.Info("credentials dropped", "pod_uid", podUID, "err", err)
		return
	}
	e.renewAt = now.Add(a.cfg.RetryAfter + rand.N(a.cfg.RetryAfter+1))
	a.cfg.Log.Warn("credentials not renewed", "pod_uid", podUID, "err", err, "retry_at", e.renewAt)
}

// Len is the number of pods whose credentials are kept.
func (a *Agent) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pods)
}
