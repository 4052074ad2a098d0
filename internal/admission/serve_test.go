package admission

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/tlsreload"
)

// TestServeProtocols: a client that offers HTTP/2 gets HTTP/1.1 unless
// the server is told to offer HTTP/2; /healthz answers either way.
func TestServeProtocols(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "127.0.0.1")
	for _, h2 := range []bool{false, true} {
		certs, err := tlsreload.New(tlsreload.Config{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key")})
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		addr := make(chan string, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Serve(ctx, ServerConfig{Listen: "127.0.0.1:0", Certs: certs, Log: log, HTTP2: h2,
				Handler: &Handler{Metrics: NewMetrics(), Log: log, Now: time.Now}, OnListen: func(a string) { addr <- a }})
		}()
		var a string
		select {
		case a = <-addr:
		case err := <-done:
			t.Fatal(err)
		}
		client := &http.Client{Transport: &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := client.Get("https://" + a + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := map[bool]int{false: 1, true: 2}[h2]
		if resp.ProtoMajor != want || string(body) != "ok" {
			t.Errorf("HTTP2 %v: %s %q, want HTTP/%d and ok", h2, resp.Proto, body, want)
		}
		client.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("HTTP2 %v: Serve: %v", h2, err)
		}
	}
}

// writePair writes a self-signed certificate for cn and its key to
// dir/tls.crt and dir/tls.key.
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
