package tlsreload

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate for cn, and its key, to
// dir/tls.crt and dir/tls.key, each replaced by a rename as cert-manager
// and the kubelet do.
func writePair(t *testing.T, dir, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	replace(t, filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	replace(t, filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

func replace(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path+".new", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

func commonName(t *testing.T, c *Cert) string {
	t.Helper()
	crt, err := c.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(crt.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.Subject.CommonName
}

// TestReload: a replaced pair is served after the interval, not before;
// a broken one leaves the last good pair in use, and is reported once.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "first")
	now := time.Unix(1000, 0)
	var log bytes.Buffer
	c, err := New(Config{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), Interval: 10 * time.Second,
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if cn := commonName(t, c); cn != "first" {
		t.Fatalf("serving %q, want the first pair", cn)
	}
	writePair(t, dir, "second")
	now = now.Add(5 * time.Second)
	if cn := commonName(t, c); cn != "first" {
		t.Fatalf("serving %q before the interval passed", cn)
	}
	now = now.Add(10 * time.Second)
	if cn := commonName(t, c); cn != "second" {
		t.Fatalf("serving %q, want the new pair", cn)
	}
	if !strings.Contains(log.String(), "TLS certificate reloaded") {
		t.Errorf("no log of the reload:\n%s", log.String())
	}
	replace(t, filepath.Join(dir, "tls.key"), []byte("garbage"))
	for range 3 {
		now = now.Add(time.Minute)
		if cn := commonName(t, c); cn != "second" {
			t.Fatalf("serving %q after a broken pair, want the last good one", cn)
		}
	}
	if n := strings.Count(log.String(), "TLS certificate not reloaded"); n != 1 {
		t.Errorf("the broken pair was reported %d times, want once:\n%s", n, log.String())
	}
	if _, err := New(Config{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key")}); err == nil {
		t.Fatal("New loaded a broken pair")
	}
	if _, err := New(Config{CertFile: filepath.Join(dir, "none.crt"), KeyFile: filepath.Join(dir, "tls.key")}); err == nil {
		t.Fatal("New loaded a missing certificate")
	}
}

// TestHandshakeSeesNewCertificate: once the files are replaced, a new TLS
// handshake with a listener serving through Cert gets the new certificate.
func TestHandshakeSeesNewCertificate(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "first")
	c, err := New(Config{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{GetCertificate: c.GetCertificate})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.(*tls.Conn).Handshake()
			conn.Close()
		}
	}()
	served := func() string {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if cn := served(); cn != "first" {
		t.Fatalf("handshake served %q, want first", cn)
	}
	writePair(t, dir, "second")
	deadline := time.Now().Add(10 * time.Second)
	for cn := served(); cn != "second"; cn = served() {
		if time.Now().After(deadline) {
			t.Fatalf("handshakes still serve %q 10 s after the files were replaced", cn)
		}
	}
}
