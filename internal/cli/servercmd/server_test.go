package servercmd_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/servercmd"
	"github.com/podiam/podiam/internal/server"
)

// TestHelp: "podiam server --help" lists every service served, with its
// protocol, how a request finds its service, and the probes.
func TestHelp(t *testing.T) {
	var out bytes.Buffer
	env := command.Env{Stdout: &out, Stderr: &out}
	if err := command.Run(t.Context(), env, servercmd.New(env), []string{"--help"}); err != nil {
		t.Fatalf("Run --help: %v", err)
	}
	help := out.String()
	for _, s := range server.Services {
		if !regexp.MustCompile(`(?m)^  ` + s.Name + ` +` + regexp.QuoteMeta(s.Protocol) + `$`).MatchString(help) {
			t.Errorf("the help does not list %s (%s):\n%s", s.Name, s.Protocol, help)
		}
	}
	for _, want := range []string{server.ServicesRouting, "GET /healthz", "/readyz", "-metrics-listen"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q:\n%s", want, help)
		}
	}
}

// TestMetricsListen: --metrics-listen, or PODIAM_METRICS_LISTEN, opens
// the second listener, and the banner says where; a bad address is bad
// input.
func TestMetricsListen(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{name: "flag", args: []string{"--metrics-listen", "127.0.0.1:0"}},
		{name: "environment", env: map[string]string{"PODIAM_METRICS_LISTEN": "127.0.0.1:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				args := append([]string{"--listen", "127.0.0.1:0", "--data", t.TempDir()}, tt.args...)
				env := command.Env{Stdout: pw, Stderr: io.Discard, Getenv: func(k string) string { return tt.env[k] }}
				done <- command.Run(ctx, env, servercmd.New(env), args)
				pw.Close()
			}()
			defer func() {
				cancel()
				go io.Copy(io.Discard, pr)
				if err := <-done; err != nil {
					t.Errorf("Run: %v", err)
				}
			}()
			probes := regexp.MustCompile(`Probes: GET /healthz and /readyz on (\S+) and (\S+)\.`)
			sc := bufio.NewScanner(pr)
			var metrics string
			for sc.Scan() {
				if m := probes.FindStringSubmatch(sc.Text()); m != nil {
					metrics = m[2]
					break
				}
			}
			if metrics == "" {
				t.Fatal("the banner names no metrics listener")
			}
			resp, err := http.Get(metrics + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s/readyz: %d", metrics, resp.StatusCode)
			}
		})
	}
	var out bytes.Buffer
	env := command.Env{Stdout: &out, Stderr: &out}
	err := command.Run(t.Context(), env, servercmd.New(env), []string{"--metrics-listen", "nowhere", "--data", t.TempDir()})
	var usage *command.UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), `metrics listen address "nowhere"`) {
		t.Fatalf("a bad metrics address: %v", err)
	}
}
