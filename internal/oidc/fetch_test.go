package oidc_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// redirectDial dials addr whatever host:port is asked for, so that a
// provider URL can name a host the certificate does (not) cover.
func redirectDial(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func hostPort(t *testing.T, iss *oidctest.Issuer) string {
	t.Helper()
	return strings.TrimPrefix(iss.URL, "https://")
}

// TestTLSTrust checks the issuer's certificate against roots and
// thumbprints, over real HTTPS on loopback: a thumbprint admits a chain
// that does not verify against the roots only if it is the top
// certificate's and the leaf is still valid for the host and the time.
func TestTLSTrust(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	expired := oidctest.NewIssuer(t, oidctest.WithLeafValidity(time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)))
	notYet := oidctest.NewIssuer(t, oidctest.WithLeafValidity(time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour)))
	// Served as https://localhost:port or https://wrong.example:port; no
	// issuer in the discovery document, since it names 127.0.0.1.
	noIssuerField := oidctest.WithDiscoveryOverride(func(doc map[string]any) { delete(doc, "issuer") })
	named := oidctest.NewIssuer(t, noIssuerField)

	tests := []struct {
		name        string
		iss         *oidctest.Issuer
		url         string // provider URL; default iss.URL
		roots       bool   // trust the issuer's CA
		thumbprints []string
		want        oidc.Kind
		cause       any // an error type the cause must hold
	}{
		{name: "trusted root", iss: iss, roots: true},
		{name: "trusted root, thumbprint ignored", iss: iss, roots: true, thumbprints: []string{strings.Repeat("0", 40)}},
		{name: "untrusted, no thumbprint", iss: iss, want: oidc.InvalidToken, cause: new(x509.UnknownAuthorityError)},
		{name: "untrusted, right thumbprint", iss: iss, thumbprints: []string{iss.Thumbprint()}},
		{name: "untrusted, right thumbprint upper case among others", iss: iss, thumbprints: []string{strings.Repeat("a", 40), strings.ToUpper(iss.Thumbprint())}},
		{name: "untrusted, wrong thumbprint", iss: iss, thumbprints: []string{strings.Repeat("a", 40)}, want: oidc.InvalidToken, cause: new(x509.UnknownAuthorityError)},
		{name: "untrusted, another issuer's thumbprint", iss: iss, thumbprints: []string{expired.Thumbprint()}, want: oidc.InvalidToken},
		{name: "localhost, right thumbprint", iss: named, url: "https://localhost:" + port(t, named), thumbprints: []string{named.Thumbprint()}},
		{name: "wrong host, right thumbprint", iss: named, url: "https://wrong.example:" + port(t, named), thumbprints: []string{named.Thumbprint()}, want: oidc.InvalidToken, cause: new(x509.HostnameError)},
		{name: "wrong host, trusted root", iss: named, url: "https://wrong.example:" + port(t, named), roots: true, want: oidc.InvalidToken, cause: new(x509.HostnameError)},
		{name: "expired, right thumbprint", iss: expired, thumbprints: []string{expired.Thumbprint()}, want: oidc.InvalidToken, cause: new(x509.CertificateInvalidError)},
		{name: "expired, trusted root", iss: expired, roots: true, want: oidc.InvalidToken, cause: new(x509.CertificateInvalidError)},
		{name: "not yet valid, right thumbprint", iss: notYet, thumbprints: []string{notYet.Thumbprint()}, want: oidc.InvalidToken, cause: new(x509.CertificateInvalidError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := oidc.Config{DialContext: redirectDial(hostPort(t, tt.iss))}
			if tt.roots {
				cfg.RootCAs = tt.iss.CertPool()
			}
			v := oidc.New(cfg)
			p := oidc.Provider{URL: tt.iss.URL, ClientIDs: []string{clientID}, Thumbprints: tt.thumbprints}
			if tt.url != "" {
				p.URL = tt.url
			}
			claims := tt.iss.Claims("s", clientID, time.Hour)
			claims["iss"] = p.URL
			err := verify(t, v, tt.iss.Sign(claims), p)
			if got := kind(t, err); got != tt.want {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			if tt.want == oidc.InvalidToken && message(err) != msgNoKey {
				t.Fatalf("message %q", message(err))
			}
			if tt.cause != nil && !errors.As(err, tt.cause) {
				t.Fatalf("cause of %v is not a %T", err, tt.cause)
			}
		})
	}
}

func port(t *testing.T, iss *oidctest.Issuer) string {
	_, p, err := net.SplitHostPort(hostPort(t, iss))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCachePerTrustPolicy checks that keys fetched under a provider's
// thumbprint are not used for a provider of the same URL without it.
func TestCachePerTrustPolicy(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	v := oidc.New(oidc.Config{})
	token := iss.Sign(iss.Claims("s", clientID, time.Hour))
	lax := oidc.Provider{URL: iss.URL, ClientIDs: []string{clientID}, Thumbprints: []string{iss.Thumbprint()}}
	if err := verify(t, v, token, lax); err != nil {
		t.Fatalf("with the thumbprint: %v", err)
	}
	if err := verify(t, v, token, provider(iss)); kind(t, err) != oidc.InvalidToken {
		t.Fatalf("without the thumbprint: %v, want InvalidToken", err)
	}
	if err := verify(t, v, token, lax); err != nil || iss.Fetches() != 1 {
		t.Fatalf("with the thumbprint again: %v, %d fetches (want cached: 1)", err, iss.Fetches())
	}
}

// jwksOf returns a JWKS with n copies of k (under kids prefix1..n) plus
// extra keys.
func jwksOf(k map[string]any, prefix string, n int, extra ...map[string]any) []map[string]any {
	var out []map[string]any
	for i := 1; i <= n; i++ {
		c := map[string]any{}
		for name, v := range k {
			c[name] = v
		}
		c["kid"] = prefix + strconv.Itoa(i)
		out = append(out, c)
	}
	return append(out, extra...)
}

// TestFetch checks the discovery and JWKS fetches: limits, malformed
// documents, refused URLs and redirects, and which failures are
// InvalidToken and which Communication.
func TestFetch(t *testing.T) {
	base := oidctest.NewIssuer(t)
	k1 := func() map[string]any { return jsonMap(t, base.JWKS())["keys"].([]any)[0].(map[string]any) }()
	ecIss := oidctest.NewIssuer(t)
	ecKid := ecIss.Rotate("ES256")
	ecKey := jsonMap(t, ecIss.JWKS())["keys"].([]any)[1].(map[string]any)
	if ecKey["kid"] != ecKid {
		t.Fatal("EC key not second")
	}
	padded := func(n int) []byte { // base's JWKS, padded to n bytes
		b := base.JWKS()
		pad := n - len(b) - len(`,"pad":""`)
		return append(b[:len(b)-1], []byte(`,"pad":"`+strings.Repeat("x", pad)+`"}`)...)
	}
	jwks := func(keys []map[string]any) func() []byte {
		b := mustJSON(t, map[string]any{"keys": keys})
		return func() []byte { return b }
	}

	// A plain-HTTP JWKS server, to see whether it is ever asked.
	var plainHits atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		w.Write(base.JWKS())
	}))
	t.Cleanup(plain.Close)
	// A TLS server that redirects: /to-plain to the plain server, /hop/n
	// through n more hops to base's JWKS.
	redir := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/to-plain" {
			http.Redirect(w, r, plain.URL+"/keys", http.StatusFound)
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if n == 0 {
			http.Redirect(w, r, base.JWKSURL(), http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	}))
	t.Cleanup(redir.Close)
	jwksURI := func(u string) oidctest.Option {
		return oidctest.WithDiscoveryOverride(func(doc map[string]any) { doc["jwks_uri"] = u })
	}

	tests := []struct {
		name  string
		opts  []oidctest.Option
		cfg   func(c *oidc.Config)
		url   func(iss *oidctest.Issuer) string // provider URL and iss; default iss.URL
		base  bool                              // the JWKS served is base's: sign with base's k1
		want  oidc.Kind
		cause string // in Error()
	}{
		{name: "JWKS at the limit", base: true, opts: []oidctest.Option{oidctest.WithJWKSOverride(func() []byte { return padded(4096) })}, cfg: func(c *oidc.Config) { c.MaxDocumentBytes = 4096 }},
		{name: "JWKS one byte over the limit", opts: []oidctest.Option{oidctest.WithJWKSOverride(func() []byte { return padded(4097) })}, cfg: func(c *oidc.Config) { c.MaxDocumentBytes = 4096 }, want: oidc.InvalidToken, cause: "larger than 4096 bytes"},
		{name: "JWKS over the default 256 KiB", opts: []oidctest.Option{oidctest.WithJWKSOverride(func() []byte { return padded(300 << 10) })}, want: oidc.InvalidToken, cause: "larger than 262144 bytes"},
		{name: "discovery over the limit", opts: []oidctest.Option{oidctest.WithDiscoveryOverride(func(doc map[string]any) { doc["pad"] = strings.Repeat("x", 5000) })}, cfg: func(c *oidc.Config) { c.MaxDocumentBytes = 4096 }, want: oidc.InvalidToken, cause: "larger than"},
		{name: "100 RSA and 100 EC keys", base: true, opts: []oidctest.Option{oidctest.WithJWKSOverride(jwks(append(jwksOf(k1, "r", 99, k1), jwksOf(ecKey, "e", 100)...)))}},
		{name: "101 RSA keys", opts: []oidctest.Option{oidctest.WithJWKSOverride(jwks(jwksOf(k1, "r", 100, k1)))}, want: oidc.InvalidToken, cause: "JWKS has too many keys"},
		{name: "101 EC keys", opts: []oidctest.Option{oidctest.WithJWKSOverride(jwks(jwksOf(ecKey, "e", 101, k1)))}, want: oidc.InvalidToken, cause: "JWKS has too many keys"},
		{name: "101 encryption keys are not counted", base: true, opts: []oidctest.Option{oidctest.WithJWKSOverride(jwks(jwksOf(withUse(copyMap(k1), "enc"), "x", 101, k1)))}},
		{name: "JWKS not JSON", opts: []oidctest.Option{oidctest.WithJWKSOverride(func() []byte { return []byte("<html>") })}, want: oidc.InvalidToken, cause: "JWKS"},
		{name: "JWKS without keys", opts: []oidctest.Option{oidctest.WithJWKSOverride(func() []byte { return []byte(`{"kids":[]}`) })}, want: oidc.InvalidToken, cause: "no keys array"},
		{name: "empty JWKS", opts: []oidctest.Option{oidctest.WithJWKSOverride(func() []byte { return []byte(`{"keys":[]}`) })}, want: oidc.InvalidToken, cause: "no key for kid"},
		{name: "discovery names another issuer", opts: []oidctest.Option{oidctest.WithDiscoveryOverride(func(doc map[string]any) { doc["issuer"] = "https://evil.example" })}, want: oidc.InvalidToken, cause: "names issuer"},
		{name: "discovery issuer differs by a slash", opts: []oidctest.Option{oidctest.WithDiscoveryOverride(func(doc map[string]any) { doc["issuer"] = doc["issuer"].(string) + "/" })}, want: oidc.InvalidToken, cause: "names issuer"},
		{name: "discovery without issuer", opts: []oidctest.Option{oidctest.WithDiscoveryOverride(func(doc map[string]any) { delete(doc, "issuer") })}},
		{name: "discovery without jwks_uri", opts: []oidctest.Option{oidctest.WithDiscoveryOverride(func(doc map[string]any) { delete(doc, "jwks_uri") })}, want: oidc.InvalidToken, cause: "no jwks_uri"},
		{name: "jwks_uri not found", opts: []oidctest.Option{jwksURI(base.URL + "/nope")}, want: oidc.InvalidToken, cause: "404"},
		{name: "no discovery document", url: func(iss *oidctest.Issuer) string { return iss.URL + "/elsewhere" }, want: oidc.InvalidToken, cause: "404"},
		{name: "issuer URL with a path and a trailing slash", opts: []oidctest.Option{oidctest.WithPath("/id/ABC/")}},
		{name: "http issuer refused", url: func(iss *oidctest.Issuer) string { return strings.Replace(iss.URL, "https:", "http:", 1) }, want: oidc.InvalidToken, cause: "https required"},
		{name: "http jwks_uri refused", opts: []oidctest.Option{jwksURI(plain.URL + "/keys")}, want: oidc.InvalidToken, cause: "https required"},
		{name: "http jwks_uri with AllowHTTP", base: true, opts: []oidctest.Option{jwksURI(plain.URL + "/keys")}, cfg: func(c *oidc.Config) { c.AllowHTTP = true }},
		{name: "file jwks_uri refused", opts: []oidctest.Option{jwksURI("file:///etc/passwd")}, cfg: func(c *oidc.Config) { c.AllowHTTP = true }, want: oidc.InvalidToken},
		{name: "redirect to http refused", opts: []oidctest.Option{jwksURI(redir.URL + "/to-plain")}, want: oidc.InvalidToken, cause: "https required"},
		{name: "three redirects", base: true, opts: []oidctest.Option{jwksURI(redir.URL + "/hop/2")}},
		{name: "four redirects", opts: []oidctest.Option{jwksURI(redir.URL + "/hop/3")}, want: oidc.InvalidToken, cause: "more than 3 redirects"},
		{name: "connection refused", cfg: func(c *oidc.Config) {
			c.DialContext = func(context.Context, string, string) (net.Conn, error) {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
			}
		}, want: oidc.Communication, cause: "connection refused"},
		{name: "timeout", cfg: func(c *oidc.Config) {
			c.Timeout = 20 * time.Millisecond
			c.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) { <-ctx.Done(); return nil, ctx.Err() }
		}, want: oidc.Communication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := oidctest.NewIssuer(t, tt.opts...)
			// Trust the issuer, base and the redirector.
			pool := iss.CertPool()
			pool.AddCert(base.CA())
			pool.AddCert(redir.Certificate())
			cfg := oidc.Config{RootCAs: pool}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			v := oidc.New(cfg)
			p := provider(iss)
			if tt.url != nil {
				p.URL = tt.url(iss)
			}
			claims := iss.Claims("s", clientID, time.Hour)
			claims["iss"] = p.URL
			signer := iss
			if tt.base {
				signer = base
			}
			token := iss.SignWith(map[string]any{"alg": "RS256", "kid": "k1"}, claims, signer.Key("k1"))
			before := plainHits.Load()
			err := verify(t, v, token, p)
			t.Logf("error: %v", err)
			if got := kind(t, err); got != tt.want {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			if tt.want == oidc.InvalidToken && message(err) != msgNoKey {
				t.Fatalf("message %q, want the key-retrieval message", message(err))
			}
			if tt.cause != "" && !strings.Contains(err.Error(), tt.cause) {
				t.Fatalf("error %q lacks %q", err, tt.cause)
			}
			if !cfg.AllowHTTP && plainHits.Load() != before {
				t.Fatalf("the plain-HTTP server was asked")
			}
		})
	}
	t.Run("caller gives up", func(t *testing.T) {
		gate := make(chan struct{})
		iss := oidctest.NewIssuer(t, oidctest.WithJWKSGate(gate))
		defer close(gate)
		v := oidc.New(trusting(iss))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		tok, err := oidc.Parse(iss.Sign(iss.Claims("s", clientID, time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(ctx, tok, provider(iss)); kind(t, err) != oidc.Communication || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want Communication (canceled)", err)
		}
	})
}
