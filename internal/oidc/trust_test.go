package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// testCert is a certificate with its key.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var (
	certStart = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	certEnd   = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	certNow   = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

// issue makes a certificate from tmpl, signed by parent (self-signed when
// nil).
func issue(t *testing.T, tmpl *x509.Certificate, parent *testCert) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = certStart, certEnd
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{c, key}
}

func caTmpl(name string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
}

func leafTmpl(hosts ...string) *x509.Certificate {
	c := &x509.Certificate{Subject: pkix.Name{CommonName: "leaf"}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			c.IPAddresses = append(c.IPAddresses, ip)
		} else {
			c.DNSNames = append(c.DNSNames, h)
		}
	}
	return c
}

// TestVerifyPeer checks the trust decision on crafted chains: roots first,
// thumbprints of the top certificate only as a fallback, and never for a
// leaf that its thumbprinted top did not issue, that names another host,
// or that is out of its validity period.
func TestVerifyPeer(t *testing.T) {
	root := issue(t, caTmpl("root"), nil)
	inter := issue(t, caTmpl("intermediate"), root)
	leaf := issue(t, leafTmpl("oidc.example.com"), inter)
	direct := issue(t, leafTmpl("oidc.example.com"), root)
	ipLeaf := issue(t, leafTmpl("127.0.0.1"), root)
	selfSigned := issue(t, leafTmpl("oidc.example.com"), nil)
	expiredTmpl := leafTmpl("oidc.example.com")
	expiredTmpl.NotBefore, expiredTmpl.NotAfter = certStart, certNow.Add(-time.Hour)
	expired := issue(t, expiredTmpl, root)
	clientTmpl := leafTmpl("oidc.example.com")
	clientTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	clientOnly := issue(t, clientTmpl, root)
	expiredRootTmpl := caTmpl("old root")
	expiredRootTmpl.NotBefore, expiredRootTmpl.NotAfter = certStart, certNow.Add(-time.Hour)
	expiredRoot := issue(t, expiredRootTmpl, nil)
	underExpiredRoot := issue(t, leafTmpl("oidc.example.com"), expiredRoot)
	evilCA := issue(t, caTmpl("root"), nil) // same name as root
	evilLeaf := issue(t, leafTmpl("oidc.example.com"), evilCA)

	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	chain := func(cs ...*testCert) []*x509.Certificate {
		out := make([]*x509.Certificate, len(cs))
		for i, c := range cs {
			out[i] = c.cert
		}
		return out
	}
	tp := func(c *testCert) string { return Thumbprint(c.cert) }

	tests := []struct {
		name        string
		certs       []*x509.Certificate
		host        string // default oidc.example.com
		roots       *x509.CertPool
		thumbprints []string
		now         time.Time // default certNow
		ok          bool
		cause       any // the error must hold this type
	}{
		{name: "chain to a trusted root", certs: chain(leaf, inter), roots: pool, ok: true},
		{name: "chain with the root presented", certs: chain(leaf, inter, root), roots: pool, ok: true},
		{name: "trusted root, wrong host", certs: chain(leaf, inter), host: "other.example.com", roots: pool, cause: new(x509.HostnameError)},
		{name: "trusted root, expired leaf", certs: chain(expired), roots: pool, cause: new(x509.CertificateInvalidError)},
		{name: "trusted root, clock past every certificate", certs: chain(leaf, inter), roots: pool, now: certEnd.Add(time.Hour), cause: new(x509.CertificateInvalidError)},
		{name: "trusted root, client certificate", certs: chain(clientOnly), roots: pool, cause: new(x509.CertificateInvalidError)},
		{name: "IP address", certs: chain(ipLeaf), host: "127.0.0.1", roots: pool, ok: true},
		{name: "IP address, wrong IP", certs: chain(ipLeaf), host: "127.0.0.2", roots: pool, cause: new(x509.HostnameError)},
		{name: "no certificates", certs: nil, roots: pool, thumbprints: []string{tp(root)}},
		{name: "untrusted, no thumbprints", certs: chain(leaf, inter, root), cause: new(x509.UnknownAuthorityError)},
		{name: "thumbprint of the top (root)", certs: chain(leaf, inter, root), thumbprints: []string{tp(root)}, ok: true},
		{name: "thumbprint of the top (intermediate)", certs: chain(leaf, inter), thumbprints: []string{tp(inter)}, ok: true},
		{name: "thumbprint upper case", certs: chain(leaf, inter), thumbprints: []string{strings.ToUpper(tp(inter))}, ok: true},
		{name: "thumbprint of a certificate below the top", certs: chain(leaf, inter, root), thumbprints: []string{tp(inter)}, cause: new(x509.UnknownAuthorityError)},
		{name: "thumbprint of the leaf in a longer chain", certs: chain(leaf, inter), thumbprints: []string{tp(leaf)}, cause: new(x509.UnknownAuthorityError)},
		{name: "thumbprint of a root not presented", certs: chain(leaf, inter), thumbprints: []string{tp(root)}, cause: new(x509.UnknownAuthorityError)},
		{name: "self-signed leaf with its thumbprint", certs: chain(selfSigned), thumbprints: []string{tp(selfSigned)}, ok: true},
		{name: "self-signed leaf with its thumbprint, wrong host", certs: chain(selfSigned), host: "other.example.com", thumbprints: []string{tp(selfSigned)}, cause: new(x509.HostnameError)},
		{name: "thumbprint matches, wrong host", certs: chain(leaf, inter, root), host: "other.example.com", thumbprints: []string{tp(root)}, cause: new(x509.HostnameError)},
		{name: "thumbprint matches, expired leaf", certs: chain(expired, root), thumbprints: []string{tp(root)}, cause: new(x509.CertificateInvalidError)},
		{name: "thumbprint matches, leaf not yet valid", certs: chain(direct, root), now: certStart.Add(-time.Hour), thumbprints: []string{tp(root)}, cause: new(x509.CertificateInvalidError)},
		{name: "thumbprint matches, expired top", certs: chain(underExpiredRoot, expiredRoot), thumbprints: []string{tp(expiredRoot)}, cause: new(x509.CertificateInvalidError)},
		{name: "thumbprint matches, client certificate", certs: chain(clientOnly, root), thumbprints: []string{tp(root)}, cause: new(x509.CertificateInvalidError)},
		{name: "forged leaf under the real top", certs: chain(evilLeaf, root), thumbprints: []string{tp(root)}, cause: new(x509.UnknownAuthorityError)},
		{name: "forged leaf, real intermediate, real top", certs: chain(evilLeaf, inter, root), thumbprints: []string{tp(root)}, cause: new(x509.UnknownAuthorityError)},
		{name: "forged leaf under a look-alike top", certs: chain(evilLeaf, evilCA), thumbprints: []string{tp(root)}, cause: new(x509.UnknownAuthorityError)},
		{name: "real top presented as the leaf", certs: chain(root), thumbprints: []string{tp(root)}, cause: new(x509.HostnameError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := tt.host
			if host == "" {
				host = "oidc.example.com"
			}
			now := tt.now
			if now.IsZero() {
				now = certNow
			}
			roots := tt.roots
			if roots == nil {
				roots = x509.NewCertPool() // trust nothing (not the system)
			}
			err := verifyPeer(tt.certs, host, roots, normalizeThumbprints(tt.thumbprints), now)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *untrustedError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want an untrusted error", err)
			}
			if tt.cause != nil && !errors.As(err, tt.cause) {
				t.Fatalf("%v does not hold a %T", err, tt.cause)
			}
		})
	}
}

// TestDiscoveryURL checks that the well-known path is appended to the
// issuer URL as registered, without a double slash.
func TestDiscoveryURL(t *testing.T) {
	tests := []struct{ issuer, want string }{
		{"https://oidc.example.com", "https://oidc.example.com/.well-known/openid-configuration"},
		{"https://oidc.example.com/", "https://oidc.example.com/.well-known/openid-configuration"},
		{"https://oidc.example.com/id/ABC", "https://oidc.example.com/id/ABC/.well-known/openid-configuration"},
		{"https://oidc.example.com/id/ABC/", "https://oidc.example.com/id/ABC/.well-known/openid-configuration"},
	}
	for _, tt := range tests {
		if got := discoveryURL(tt.issuer); got != tt.want {
			t.Errorf("discoveryURL(%q) = %q, want %q", tt.issuer, got, tt.want)
		}
	}
}
