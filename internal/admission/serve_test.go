package admission

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestServeProtocols: a client that offers HTTP/2 gets HTTP/1.1 unless
// the server is told to offer HTTP/2; /healthz answers either way.
func TestServeProtocols(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "127.0.0.1")
	for _, h2 := range []bool{false, true} {
		certs := &CertFiles{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), Interval: time.Second, Now: time.Now}
		if err := certs.Load(); err != nil {
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
