package oidctest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Issuer is an OIDC issuer on loopback TLS serving discovery and JWKS,
// with key rotation. Its methods are safe for concurrent use.
type Issuer struct {
	// URL is the issuer URL: https://127.0.0.1:port, plus the path of
	// WithPath.
	URL string

	t    testing.TB
	opts options
	srv  *httptest.Server
	ca   *x509.Certificate

	mu      sync.Mutex
	keys    []*signingKey // published, oldest first
	current *signingKey
	next    int // number of the next kid

	fetches     atomic.Int64
	discoveries atomic.Int64
}

type signingKey struct {
	kid, alg string
	priv     crypto.Signer
}

// Option changes a new Issuer.
type Option func(*options)

type options struct {
	host          string
	path          string
	keys          int
	jwks          func() []byte
	discovery     func(doc map[string]any)
	gate          <-chan struct{}
	leafNotBefore time.Time
	leafNotAfter  time.Time
}

// WithPath gives the issuer URL a path, e.g. "/id/ABC"; discovery is then
// served at /id/ABC/.well-known/openid-configuration.
func WithPath(p string) Option { return func(o *options) { o.path = p } }

// WithHost names the issuer by a host name without a port, as IAM wants
// provider URLs: the URL becomes https://host plus the path, the
// certificate is also valid for host, and clients reach the loopback
// server through DialContext.
func WithHost(host string) Option { return func(o *options) { o.host = host } }

// WithKeys publishes n RSA keys, "k1" to "kn", with alg RS256; "k1" is the
// current one.
func WithKeys(n int) Option { return func(o *options) { o.keys = n } }

// WithJWKSOverride serves the bytes f returns as the JWKS instead of the
// issuer's keys (for oversized or malformed JWKS tests).
func WithJWKSOverride(f func() []byte) Option { return func(o *options) { o.jwks = f } }

// WithDiscoveryOverride lets f change the discovery document (keys
// "issuer" and "jwks_uri") before each response.
func WithDiscoveryOverride(f func(doc map[string]any)) Option {
	return func(o *options) { o.discovery = f }
}

// WithJWKSGate holds every JWKS response until gate is closed (the request
// still counts in Fetches as soon as it arrives).
func WithJWKSGate(gate <-chan struct{}) Option { return func(o *options) { o.gate = gate } }

// WithLeafValidity sets the validity period of the server's certificate
// (default: 2000 to 2100), e.g. to serve an expired one.
func WithLeafValidity(notBefore, notAfter time.Time) Option {
	return func(o *options) { o.leafNotBefore, o.leafNotAfter = notBefore, notAfter }
}

var (
	certNotBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	certNotAfter  = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// NewIssuer starts an issuer; t.Cleanup stops it. By default it publishes
// one RSA-2048 key "k1" with alg RS256. Its TLS certificate is issued for
// 127.0.0.1, ::1 and localhost by a CA of its own, and it presents the
// chain leaf, CA.
func NewIssuer(t testing.TB, opts ...Option) *Issuer {
	t.Helper()
	o := options{keys: 1, leafNotBefore: certNotBefore, leafNotAfter: certNotAfter}
	for _, opt := range opts {
		opt(&o)
	}
	i := &Issuer{t: t, opts: o}
	cert, err := i.newCertificates()
	if err != nil {
		t.Fatalf("oidctest: certificates: %v", err)
	}
	for n := 0; n < max(o.keys, 1); n++ {
		i.addKey("RS256")
	}
	i.current = i.keys[0]

	mux := http.NewServeMux()
	base := strings.TrimSuffix(o.path, "/")
	mux.HandleFunc("GET "+base+"/.well-known/openid-configuration", i.serveDiscovery)
	mux.HandleFunc("GET "+base+"/keys", i.serveJWKS)
	i.srv = httptest.NewUnstartedServer(mux)
	i.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// Refused handshakes are what the tests are about; keep them quiet.
	i.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	i.srv.StartTLS()
	t.Cleanup(i.srv.Close)
	i.URL = i.srv.URL + o.path
	if o.host != "" {
		i.URL = "https://" + o.host + o.path
	}
	return i
}

// newCertificates makes the CA and the server certificate.
func (i *Issuer) newCertificates() (tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "oidctest CA"},
		NotBefore:             certNotBefore,
		NotAfter:              certNotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if i.ca, err = x509.ParseCertificate(caDER); err != nil {
		return tls.Certificate{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "oidctest issuer"},
		NotBefore:    i.opts.leafNotBefore,
		NotAfter:     i.opts.leafNotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     append([]string{"localhost"}, i.opts.hostNames()...),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, i.ca, leafKey.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

// newKey generates a private key for alg.
func newKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	}
	return nil, fmt.Errorf("unsupported alg %q", alg)
}

// addKey generates and publishes a key; the caller holds mu or owns i.
func (i *Issuer) addKey(alg string) *signingKey {
	i.t.Helper()
	priv, err := newKey(alg)
	if err != nil {
		i.t.Fatalf("oidctest: %v", err)
	}
	i.next++
	k := &signingKey{kid: fmt.Sprintf("k%d", i.next), alg: alg, priv: priv}
	i.keys = append(i.keys, k)
	return k
}

// Rotate adds a new key for alg (RS256, RS384, RS512, ES256, ES384 or
// ES512) and makes it current; old keys stay published. It returns the
// new kid.
func (i *Issuer) Rotate(alg string) (kid string) {
	i.t.Helper()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.current = i.addKey(alg)
	return i.current.kid
}

// Retire removes a key from the JWKS. Retiring the current key leaves
// Sign using it.
func (i *Issuer) Retire(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, k := range i.keys {
		if k.kid == kid {
			i.keys = append(i.keys[:n:n], i.keys[n+1:]...)
			return
		}
	}
}

// Key returns the private key of kid (retired or not), or nil.
func (i *Issuer) Key(kid string) crypto.Signer {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.current.kid == kid {
		return i.current.priv
	}
	for _, k := range i.keys {
		if k.kid == kid {
			return k.priv
		}
	}
	return nil
}

// Sign signs claims with the current key (header alg, kid and typ "JWT")
// and returns the compact JWS.
func (i *Issuer) Sign(claims map[string]any) string {
	i.t.Helper()
	i.mu.Lock()
	k := i.current
	i.mu.Unlock()
	return i.SignWith(map[string]any{"alg": k.alg, "kid": k.kid, "typ": "JWT"}, claims, k.priv)
}

// SignWith signs claims under an arbitrary header with an arbitrary key,
// for attack tests. The header's alg chooses the scheme and hash: key may
// be an *rsa.PrivateKey (RS*, or PS* for PSS), an *ecdsa.PrivateKey (ES*),
// a []byte HMAC secret (HS*), or nil for an empty signature (alg none).
func (i *Issuer) SignWith(header, claims map[string]any, key any) string {
	i.t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		i.t.Fatalf("oidctest: header: %v", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		i.t.Fatalf("oidctest: claims: %v", err)
	}
	alg, _ := header["alg"].(string)
	return i.SignRaw(alg, h, c, key)
}

// SignRaw signs the given header and payload bytes (for tokens that
// map[string]any cannot express) with key under alg, as SignWith does.
func (i *Issuer) SignRaw(alg string, header, payload []byte, key any) string {
	i.t.Helper()
	input := b64(header) + "." + b64(payload)
	sig, err := sign(alg, key, []byte(input))
	if err != nil {
		i.t.Fatalf("oidctest: sign: %v", err)
	}
	return input + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// hashFor returns the hash that alg's suffix names (SHA-256 by default).
func hashFor(alg string) crypto.Hash {
	switch {
	case strings.HasSuffix(alg, "384"):
		return crypto.SHA384
	case strings.HasSuffix(alg, "512"):
		return crypto.SHA512
	}
	return crypto.SHA256
}

func newHash(h crypto.Hash) hash.Hash {
	switch h {
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	}
	return sha256.New()
}

func sign(alg string, key any, input []byte) ([]byte, error) {
	h := hashFor(alg)
	d := newHash(h)
	d.Write(input)
	digest := d.Sum(nil)
	switch k := key.(type) {
	case nil:
		return nil, nil
	case []byte:
		m := hmac.New(func() hash.Hash { return newHash(h) }, k)
		m.Write(input)
		return m.Sum(nil), nil
	case *rsa.PrivateKey:
		if strings.HasPrefix(alg, "PS") {
			return rsa.SignPSS(rand.Reader, k, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand.Reader, k, h, digest)
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// Claims returns iss, sub, aud, iat (now) and exp (now + ttl) from
// time.Now.
func (i *Issuer) Claims(sub, aud string, ttl time.Duration) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": i.URL, "sub": sub, "aud": aud,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	}
}

// CertPool returns a pool holding the issuer's CA: the TLS root to trust.
func (i *Issuer) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(i.ca)
	return p
}

// CA returns the issuer's CA certificate, the top of the chain it
// presents.
func (i *Issuer) CA() *x509.Certificate { return i.ca }

// Thumbprint is the lower-case hex SHA-1 of the top certificate the
// issuer presents (its CA), as in IAM's ThumbprintList.
func (i *Issuer) Thumbprint() string {
	sum := sha1.Sum(i.ca.Raw)
	return hex.EncodeToString(sum[:])
}

// Fetches returns how many JWKS requests the issuer has received.
func (i *Issuer) Fetches() int { return int(i.fetches.Load()) }

// Discoveries returns how many discovery requests the issuer has received.
func (i *Issuer) Discoveries() int { return int(i.discoveries.Load()) }

// Client returns an HTTP client that trusts the issuer.
func (i *Issuer) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: i.CertPool()}}}
}

// JWKSURL is the URL of the issuer's JWKS.
func (i *Issuer) JWKSURL() string { return strings.TrimSuffix(i.URL, "/") + "/keys" }

// JWKS returns the JSON Web Key Set of the published keys.
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	defer i.mu.Unlock()
	keys := make([]map[string]any, 0, len(i.keys))
	for _, k := range i.keys {
		keys = append(keys, PublicJWK(k.kid, k.alg, k.priv.Public()))
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

// PublicJWK renders an RSA or ECDSA public key as a JWK with use "sig"
// (alg omitted when empty).
func PublicJWK(kid, alg string, pub crypto.PublicKey) map[string]any {
	m := map[string]any{"kid": kid, "use": "sig"}
	if alg != "" {
		m["alg"] = alg
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = b64(p.N.Bytes())
		m["e"] = b64(big.NewInt(int64(p.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := p.Bytes()
		if err != nil {
			panic(err)
		}
		size := (len(raw) - 1) / 2
		m["kty"] = "EC"
		m["crv"] = p.Curve.Params().Name
		m["x"] = b64(raw[1 : 1+size])
		m["y"] = b64(raw[1+size:])
	default:
		panic(fmt.Sprintf("oidctest: unsupported public key %T", pub))
	}
	return m
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	i.discoveries.Add(1)
	doc := map[string]any{
		"issuer":                                i.URL,
		"jwks_uri":                              i.JWKSURL(),
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
	}
	if i.opts.discovery != nil {
		i.opts.discovery(doc)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(doc)
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	i.fetches.Add(1)
	if i.opts.gate != nil {
		select {
		case <-i.opts.gate:
		case <-r.Context().Done():
			return
		}
	}
	body := i.opts.jwks
	if body == nil {
		body = i.JWKS
	}
	// As a Kubernetes API server does: the key set goes only to a client
	// that accepts its media type.
	if !strings.Contains(r.Header.Get("Accept"), "application/jwk-set+json") {
		http.Error(w, "not acceptable", http.StatusNotAcceptable)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Write(body())
}

func (o *options) hostNames() []string {
	if o.host == "" {
		return nil
	}
	return []string{o.host}
}

// DialContext connects to the issuer's loopback server for its host
// name (WithHost) on port 443, and dials any other address as usual: give
// it to the verifier under test.
func (i *Issuer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	if i.opts.host != "" && addr == i.opts.host+":443" {
		addr = i.srv.Listener.Addr().String()
	}
	return d.DialContext(ctx, network, addr)
}

// CAPEM returns the issuer's CA certificate in PEM form (for a CA bundle
// file).
func (i *Issuer) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.ca.Raw})
}
