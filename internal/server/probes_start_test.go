//go:build unix

package server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/server"
)

// TestProbesDuringStart holds a start on its seal key (a named pipe in the
// file's place, which the start reads until the test writes the key):
// meanwhile both listeners answer /healthz 200 and /readyz 503 starting,
// and a request for an AWS API waits. Once the key is written, the start
// ends and that request is served; when what is written is no key, the
// start fails and the request is answered 503.
func TestProbesDuringStart(t *testing.T) {
	tests := []struct {
		name    string
		key     func([]byte) []byte
		started bool
	}{
		{name: "the start ends", key: func(k []byte) []byte { return k }, started: true},
		{name: "the start fails", key: func(k []byte) []byte { return k[:5] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := start(t, dir)
			root := readCredentials(t, dir)
			r.stop()
			fifo := filepath.Join(dir, "seal.key")
			key, err := os.ReadFile(fifo)
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(fifo)
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}

			addr := freeAddr(t)
			metricsAddr, listening, done := make(chan string, 1), make(chan string, 1), make(chan error, 1)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				done <- server.Run(ctx, server.Config{Listen: addr, DataDir: dir, MetricsListen: "127.0.0.1:0",
					OnMetricsListen: func(a string) { metricsAddr <- a }, OnListen: func(a string) { listening <- a }})
			}()
			released, ended := false, false
			release := func(b []byte) {
				released = true
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.Write(b)
				f.Close()
			}
			defer func() {
				if !released {
					release(nil) // an empty key ends a start still waiting
				}
				cancel()
				if !ended {
					<-done
				}
			}()
			var metrics string
			select {
			case metrics = <-metricsAddr:
			case err := <-done:
				t.Fatalf("Run: %v", err)
			}

			for _, base := range []string{"http://" + addr, "http://" + metrics} {
				if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
					t.Errorf("%s/healthz during the start: %d %q", base, code, body)
				}
				if code, body := get(t, base+"/readyz"); code != 503 || body != "not ready: starting: loading the keys and opening the store\n" {
					t.Errorf("%s/readyz during the start: %d %q", base, code, body)
				}
			}

			// A request for STS on a connection the server has taken (a
			// probe answered on it first).
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			probe, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
			probe.Write(conn)
			if resp, err := http.ReadResponse(br, probe); err != nil || resp.StatusCode != 200 {
				t.Fatalf("probe on the connection: %v", err)
			} else {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			call := signedRequest(t, "POST", "http://"+addr+"/", "Action=GetCallerIdentity&Version=2011-06-15", root, "sts", func(q *http.Request) {
				q.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			})
			if err := call.Write(conn); err != nil {
				t.Fatal(err)
			}
			type answer struct {
				status int
				body   string
				err    error
			}
			answered := make(chan answer, 1)
			go func() {
				resp, err := http.ReadResponse(br, call)
				if err != nil {
					answered <- answer{err: err}
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				answered <- answer{status: resp.StatusCode, body: string(b)}
			}()
			select {
			case a := <-answered:
				t.Fatalf("answered during the start: %+v", a)
			default:
			}

			release(tt.key(key))
			a := <-answered
			if !tt.started {
				// 503, or, when the server had not yet read the request
				// as it stopped, the connection closed unanswered.
				if a.err == nil && (a.status != 503 || a.body != "podiam did not start\n") {
					t.Errorf("the waiting request, the start failed: %+v", a)
				}
				err := <-done
				ended = true
				if err == nil || !strings.Contains(err.Error(), "holds 5 bytes, not 32") {
					t.Errorf("Run: %v", err)
				}
				return
			}
			if a.status != 200 || !strings.Contains(a.body, "<Arn>arn:aws:iam::") {
				t.Errorf("the waiting request: %+v", a)
			}
			select {
			case <-listening:
			case <-time.After(30 * time.Second):
				t.Fatal("OnListen was not called")
			}
			if code, body := get(t, "http://"+metrics+"/readyz"); code != 200 || body != "ok\n" {
				t.Errorf("/readyz once started: %d %q", code, body)
			}
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
