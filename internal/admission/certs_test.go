package admission

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writePair(t *testing.T, dir, cn string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
}

// TestCertReload: a replaced pair is served after the interval; a broken
// one leaves the last good pair in use.
func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "first")
	now := time.Unix(1000, 0)
	c := &CertFiles{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), Interval: 10 * time.Second,
		Now: func() time.Time { return now }}
	if err := c.Load(); err != nil {
		t.Fatal(err)
	}
	cn := func() string {
		crt, err := c.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := x509.ParseCertificate(crt.Certificate[0])
		return x.Subject.CommonName
	}
	if cn() != "first" {
		t.Fatal("not the first pair")
	}
	writePair(t, dir, "second")
	os.Chtimes(filepath.Join(dir, "tls.crt"), time.Now().Add(time.Minute), time.Now().Add(time.Minute))
	now = now.Add(5 * time.Second)
	if cn() != "first" {
		t.Fatal("reloaded before the interval")
	}
	now = now.Add(10 * time.Second)
	if cn() != "second" {
		t.Fatal("the new pair was not picked up")
	}
	os.WriteFile(filepath.Join(dir, "tls.key"), []byte("garbage"), 0o600)
	now = now.Add(time.Minute)
	if cn() != "second" {
		t.Fatal("a broken pair replaced the good one")
	}
	bad := &CertFiles{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), Interval: time.Second, Now: time.Now}
	if err := bad.Load(); err == nil {
		t.Fatal("a broken pair loaded")
	}
}
