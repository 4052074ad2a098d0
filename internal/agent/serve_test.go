package agent

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestServe: Serve answers /v1/credentials on its bind host and the
// probes and metrics on the probe address; a bind host it cannot bind is
// fatal for IPv4 and skipped for IPv6.
func TestServe(t *testing.T) {
	r := newRig(t, func(c *Config) { c.AllowedHosts = []string{"127.0.0.1"} })
	ctx, cancel := context.WithCancel(t.Context())
	addrs := map[string]string{}
	var mu sync.Mutex
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeConfig{BindHosts: []string{"127.0.0.1", "[fd00:ec2::99]"}, Port: 0, ProbeAddr: "127.0.0.1:0",
			Agent: r.agent, Metrics: r.agent.cfg.Metrics, Log: slog.New(slog.DiscardHandler),
			OnListen: func(kind, addr string) {
				mu.Lock()
				defer mu.Unlock()
				addrs[kind] = addr
				if len(addrs) == 2 {
					close(ready)
				}
			}})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+addrs["credentials"]+CredentialsPath, nil)
	req.Header.Set("Authorization", token(r.clock.Now(), "uid"))
	if code, body := do(t, req); code != 200 || !strings.Contains(body, `"AccessKeyId":"ASIA000001"`) {
		t.Fatalf("credentials: %d %s", code, body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		req, _ := http.NewRequest("GET", "http://"+addrs["probe"]+p, nil)
		if code, body := do(t, req); code != 200 {
			t.Fatalf("%s: %d %s", p, code, body)
		}
	}
	req, _ = http.NewRequest("GET", "http://"+addrs["probe"]+"/metrics", nil)
	if code, body := do(t, req); code != 200 || !strings.Contains(body, `pod_identity_http_response{code="200"}`) {
		t.Fatalf("metrics: %d %s", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	err := Serve(t.Context(), ServeConfig{BindHosts: []string{"192.0.2.1"}, Port: 0, Agent: r.agent, Log: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "listen on 192.0.2.1:0") {
		t.Fatalf("an IPv4 bind host that cannot be bound: %v", err)
	}
}

// TestProbe: 200 when every listener answers "/" with 404, else 500.
func TestProbe(t *testing.T) {
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer ok.Close()
	for _, tt := range []struct {
		targets []string
		code    int
	}{
		{[]string{notFound.URL + "/"}, 200},
		{[]string{notFound.URL + "/", ok.URL + "/"}, 500},
		{[]string{"http://127.0.0.1:1/"}, 500},
	} {
		w := httptest.NewRecorder()
		(&Probe{Targets: tt.targets}).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		if w.Code != tt.code {
			t.Errorf("%v: %d, want %d", tt.targets, w.Code, tt.code)
		}
	}
}

// TestInit: the ip commands Init runs, and which failures are fatal.
func TestInit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fail    string // the command that fails
		wantErr bool
		want    []string
	}{
		{"new link", "ip link show dev pod-id-link0", false, []string{
			"ip link show dev pod-id-link0", "ip link add pod-id-link0 type dummy", "ip link set dev pod-id-link0 up",
			"ip -4 addr replace 169.254.170.23/32 dev pod-id-link0", "ip -6 addr replace fd00:ec2::23/128 dev pod-id-link0"}},
		{"link there", "", false, []string{
			"ip link show dev pod-id-link0", "ip link set dev pod-id-link0 up",
			"ip -4 addr replace 169.254.170.23/32 dev pod-id-link0", "ip -6 addr replace fd00:ec2::23/128 dev pod-id-link0"}},
		{"no IPv6", "ip -6 addr replace fd00:ec2::23/128 dev pod-id-link0", false, nil},
		{"no IPv4", "ip -4 addr replace 169.254.170.23/32 dev pod-id-link0", true, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ran []string
			run := func(_ context.Context, name string, args ...string) ([]byte, error) {
				cmd := name + " " + strings.Join(args, " ")
				ran = append(ran, cmd)
				if cmd == tt.fail {
					return []byte("RTNETLINK answers: Operation not permitted"), errors.New("exit status 2")
				}
				return nil, nil
			}
			err := Init(t.Context(), run, slog.New(slog.DiscardHandler))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v", err)
			}
			if tt.want != nil && strings.Join(ran, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("ran\n%s", strings.Join(ran, "\n"))
			}
		})
	}
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
