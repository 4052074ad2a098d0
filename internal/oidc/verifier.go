package oidc

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout          = 5 * time.Second
	DefaultMaxDocumentBytes = 256 << 10
	DefaultCacheTTL         = time.Hour
	DefaultMinRefetch       = 30 * time.Second
	DefaultLeeway           = 5 * time.Minute
)

// Config configures a Verifier. Zero values get the defaults named.
type Config struct {
	// Now is the clock for the time claims, the key cache and the validity
	// of the issuer's certificates; default time.Now.
	Now func() time.Time
	// AllowHTTP accepts http:// issuers and jwks_uri (local testing only);
	// by default only https is fetched.
	AllowHTTP bool
	// RootCAs are the roots for the issuer's TLS certificate; nil means the
	// system's.
	RootCAs *x509.CertPool
	// Timeout bounds each HTTP fetch; default 5s.
	Timeout time.Duration
	// MaxDocumentBytes limits the discovery document and the JWKS; a
	// larger one is an error. Default 256 KiB.
	MaxDocumentBytes int64
	// CacheTTL is how long fetched keys are used before a refetch; default
	// 1h. Keys past it are not used if the refetch fails.
	CacheTTL time.Duration
	// MinRefetch is how often, at most, a token whose kid is not in the
	// cached keys makes the verifier refetch them (per issuer); default
	// 30s. Negative: no limit.
	MinRefetch time.Duration
	// Leeway is the clock skew allowed for exp, nbf and iat; default 5m.
	// Negative: none.
	Leeway time.Duration
	// DialContext, if set, opens the verifier's TCP connections (tests).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// OnFetch, if set, is told of every fetch of an issuer's discovery
	// document and keys, and whether it gave keys (the server's metrics).
	OnFetch func(ok bool)
}

// withDefaults returns c with the defaults filled in.
func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxDocumentBytes <= 0 {
		c.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if c.CacheTTL <= 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	switch {
	case c.MinRefetch == 0:
		c.MinRefetch = DefaultMinRefetch
	case c.MinRefetch < 0:
		c.MinRefetch = 0
	}
	switch {
	case c.Leeway == 0:
		c.Leeway = DefaultLeeway
	case c.Leeway < 0:
		c.Leeway = 0
	}
	return c
}

// Provider is what IAM knows of an issuer (an IAM OIDC provider).
type Provider struct {
	// URL is the issuer URL exactly as registered, with "https://", e.g.
	// "https://oidc.example.com/id/ABC"; a trailing slash is significant.
	URL string
	// ClientIDs are the accepted audiences.
	ClientIDs []string
	// Thumbprints are the lower-case hex SHA-1 thumbprints of the top CA
	// certificate of the issuer's chain; they are used only when the chain
	// does not verify against the roots. May be empty.
	Thumbprints []string
}

// Verifier verifies tokens against providers, fetching and caching each
// issuer's keys. It is safe for concurrent use.
type Verifier struct {
	cfg Config

	mu      sync.Mutex
	entries map[string]*entry // by cacheKey

	// onFlight, a test hook, runs when a caller starts a fetch (joined
	// false) or waits for another caller's (joined true).
	onFlight func(joined bool)
}

// entry is the cached keys of one issuer under one trust policy.
type entry struct {
	keys    *keySet   // nil until a fetch succeeds
	fetched time.Time // when the fetch that got keys began
	attempt time.Time // when the last fetch began
	flight  *flight   // the fetch in progress, if any
}

// flight is one fetch that concurrent callers share.
type flight struct {
	done chan struct{}
	keys *keySet
	err  *Error
}

// New returns a Verifier; zero fields of cfg get their defaults.
func New(cfg Config) *Verifier {
	return &Verifier{cfg: cfg.withDefaults(), entries: map[string]*entry{}}
}

// Verify checks a parsed token against the provider, after the caller has
// matched the token's iss to the provider's URL, in AWS's order:
//
//  1. audience: the effective audience (azp if present, else aud) must be
//     one of p.ClientIDs; several aud values without azp are refused;
//  2. time: exp, iat and sub are required; an exp in the past, an nbf or an
//     iat in the future (each beyond Config.Leeway) is refused;
//  3. signature: RS256/384/512 (PKCS#1 v1.5) or ES256/384/512, checked by
//     go-jose with the key of the header's kid from the issuer's JWKS
//     (without a kid: the JWKS's only key that fits the alg), fetched over
//     TLS trusted by the roots or else by p.Thumbprints (see the package
//     doc) and cached; an unknown kid makes the verifier refetch the keys
//     at most once per Config.MinRefetch.
//
// Errors are *Error.
func (v *Verifier) Verify(ctx context.Context, t *Token, p Provider) error {
	if t == nil {
		return notJWT(nil)
	}
	c := &t.Claims
	if c.Issuer != p.URL {
		return newError(InvalidToken, msgIssuer, nil)
	}
	if err := checkAudience(c, p.ClientIDs); err != nil {
		return err
	}
	now := v.cfg.Now()
	if err := checkTimes(c, now, v.cfg.Leeway); err != nil {
		return err
	}
	return v.checkSignature(ctx, t, p, now)
}

func checkAudience(c *Claims, clientIDs []string) *Error {
	if c.AuthorizedParty == "" && len(c.Audience) > 1 {
		return newError(InvalidToken, msgMultiAud, nil)
	}
	aud := c.EffectiveAudience()
	if aud == "" || !slices.Contains(clientIDs, aud) {
		return newError(InvalidToken, msgAudience, nil)
	}
	return nil
}

func missing(claim string) *Error {
	return newError(InvalidToken, "Missing a required claim: "+claim, nil)
}

func checkTimes(c *Claims, now time.Time, leeway time.Duration) *Error {
	switch {
	case c.Expiry.IsZero():
		return missing("exp")
	case c.IssuedAt.IsZero():
		return missing("iat")
	case c.Subject == "":
		return missing("sub")
	}
	if !now.Before(c.Expiry.Add(leeway)) {
		return errorf(ExpiredToken, nil, "Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), c.Expiry.Unix())
	}
	if !c.NotBefore.IsZero() && now.Add(leeway).Before(c.NotBefore) {
		return errorf(Rejected, nil, "Token is not valid yet: current date/time %d must not be before the not-before date/time %d", now.Unix(), c.NotBefore.Unix())
	}
	if now.Add(leeway).Before(c.IssuedAt) {
		return errorf(Rejected, nil, "Token was issued in the future: current date/time %d must not be before the issued-at date/time %d", now.Unix(), c.IssuedAt.Unix())
	}
	return nil
}

func (v *Verifier) checkSignature(ctx context.Context, t *Token, p Provider, now time.Time) error {
	a := algs[t.Header.Alg]
	if a == nil || t.jws == nil {
		return newError(InvalidToken, msgAlg, nil)
	}
	keys, err := v.candidates(ctx, p, t.Header.Kid, a, now)
	if err != nil {
		return err
	}
	return verifyWith(keys, t)
}

// candidates returns the keys that may have signed a token with kid and
// alg a, refetching the issuer's keys once if none is known.
func (v *Verifier) candidates(ctx context.Context, p Provider, kid string, a *alg, now time.Time) ([]*jwk, error) {
	set, err := v.keySet(ctx, p, now, false)
	if err != nil {
		return nil, err
	}
	keys, err := set.candidates(kid, a)
	if err != errNoKey {
		return keys, err
	}
	if set, err = v.keySet(ctx, p, now, true); err != nil {
		return nil, err
	}
	keys, err = set.candidates(kid, a)
	if err == errNoKey {
		return nil, newError(InvalidToken, msgNoKey, fmt.Errorf("no key for kid %q and alg %s in the JWKS", truncateKid(kid), a.name))
	}
	return keys, err
}

// truncateKid bounds a kid in an error message.
func truncateKid(kid string) string {
	if len(kid) > 64 {
		return kid[:64] + "..."
	}
	return kid
}

// cacheKey identifies an issuer's keys under a trust policy: keys fetched
// under one provider's thumbprints are not reused for a provider that
// trusts other certificates.
func cacheKey(issuer string, thumbprints []string) string {
	return issuer + "\x00" + strings.Join(thumbprints, ",")
}

// older reports whether t is at least d before now (or after now, which a
// clock set back can cause; the entry then counts as old).
func older(now, t time.Time, d time.Duration) bool {
	age := now.Sub(t)
	return age < 0 || age >= d
}

// keySet returns the provider's keys: the cached ones while younger than
// CacheTTL, else a fresh fetch. With refetch, it fetches again unless the
// last fetch began less than MinRefetch ago, in which case it returns the
// cached keys (which another caller's refetch may have renewed).
// Concurrent fetches for one entry collapse into one.
func (v *Verifier) keySet(ctx context.Context, p Provider, now time.Time, refetch bool) (*keySet, error) {
	thumbprints := normalizeThumbprints(p.Thumbprints)
	key := cacheKey(p.URL, thumbprints)
	v.mu.Lock()
	e := v.entries[key]
	if e == nil {
		e = &entry{}
		v.entries[key] = e
	}
	if f := e.flight; f != nil {
		v.mu.Unlock()
		if v.onFlight != nil {
			v.onFlight(true)
		}
		return wait(ctx, f)
	}
	if e.keys != nil {
		fresh := !older(now, e.fetched, v.cfg.CacheTTL)
		if fresh && (!refetch || !older(now, e.attempt, v.cfg.MinRefetch)) {
			keys := e.keys
			v.mu.Unlock()
			return keys, nil
		}
	}
	f := &flight{done: make(chan struct{})}
	e.flight, e.attempt = f, now
	v.mu.Unlock()
	if v.onFlight != nil {
		v.onFlight(false)
	}

	// The fetch outlives a caller that gives up: the others, and the
	// cache, still get its result.
	go func() {
		keys, err := v.newFetcher(thumbprints, now).download(context.WithoutCancel(ctx), p.URL)
		if v.cfg.OnFetch != nil {
			v.cfg.OnFetch(err == nil)
		}
		v.mu.Lock()
		if err == nil {
			e.keys, e.fetched = keys, now
			f.keys = keys
		} else {
			f.err = fetchError(err)
		}
		e.flight = nil
		v.mu.Unlock()
		close(f.done)
	}()
	return wait(ctx, f)
}

func wait(ctx context.Context, f *flight) (*keySet, error) {
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return f.keys, nil
	case <-ctx.Done():
		return nil, newError(Communication, msgUnreachable, ctx.Err())
	}
}
