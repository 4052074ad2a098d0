package agentcmd_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/cli/agentcmd"
	"github.com/podiam/podiam/internal/cli/command"
)

func TestServerBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "--cluster-name is required"},
		{[]string{"-c", "c1"}, "--region or AWS_REGION is required"},
		{[]string{"-c", "c1", "--region", "us-west-2", "--endpoint", "ftp://x"}, "is not an http(s) URL"},
		{[]string{"-c", "c1", "--region", "us-west-2", "--port", "70000"}, "ports are 0 to 65535"},
		{[]string{"-c", "c1", "--region", "us-west-2", "--allowed-hosts", "[::1]"}, "give a bare host"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		err := agentcmd.Run(t.Context(), command.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}, append([]string{"server"}, tt.args...))
		var usage *command.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("server %v: %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServer: "podiam agent server" configured by PODIAM_* variables
// serves a token's credentials from eks-auth (a stand-in here), signed
// with the node's credentials from the environment. An https eks-auth
// whose CA is only in AWS_CA_BUNDLE is trusted as the SDK trusts it; the
// same without the bundle is refused.
func TestServer(t *testing.T) {
	for _, tt := range []struct {
		name        string
		tls, bundle bool
		wantRefusal bool
	}{
		{name: "http"},
		{name: "https, CA in AWS_CA_BUNDLE", tls: true, bundle: true},
		{name: "https, CA nowhere (refused)", tls: true, wantRefusal: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			testServer(t, tt.tls, tt.bundle, tt.wantRefusal)
		})
	}
}

func testServer(t *testing.T, useTLS, bundle, wantRefusal bool) {
	var auth string
	var mu sync.Mutex
	eks := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = r.Header.Get("Authorization")
		mu.Unlock()
		exp := time.Now().Add(time.Hour).Unix()
		io.WriteString(w, `{"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/r/s"},"credentials":{"accessKeyId":"ASIAX","secretAccessKey":"s","sessionToken":"t","expiration":`+strconv.FormatInt(exp, 10)+`}}`)
	}))
	eks.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	if useTLS {
		eks.StartTLS()
	} else {
		eks.Start()
	}
	defer eks.Close()
	caBundle := ""
	if bundle {
		caBundle = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caBundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: eks.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		"PODIAM_CLUSTER_NAME": "c1", "PODIAM_ENDPOINT": eks.URL, "PODIAM_BIND_HOSTS": "127.0.0.1", "PODIAM_PORT": "0",
		"PODIAM_PROBE_PORT": "0", "PODIAM_ALLOWED_HOSTS": "127.0.0.1", "AWS_REGION": "us-west-2",
	}
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIANODE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_CONFIG_FILE": "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CA_BUNDLE": caBundle, "AWS_PROFILE": "", "AWS_SESSION_TOKEN": ""} {
		t.Setenv(k, v)
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- agentcmd.Run(ctx, command.Env{Stdout: out, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}, []string{"server"})
	}()
	addr := regexp.MustCompile(`serving credentials on (\S+)`)
	var m []string
	for m == nil {
		select {
		case err := <-done:
			t.Fatalf("server ended: %v", err)
		case <-time.After(10 * time.Millisecond):
			m = addr.FindStringSubmatch(out.String())
		}
	}
	req, _ := http.NewRequest("GET", "http://"+m[1]+"/v1/credentials", nil)
	req.Header.Set("Authorization", "eyJhbGciOiJSUzI1NiJ9.eyJrdWJlcm5ldGVzLmlvIjp7InBvZCI6eyJ1aWQiOiJ1In19fQ.c2ln")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	switch {
	case wantRefusal:
		if resp.StatusCode == 200 || auth != "" {
			t.Fatalf("an eks-auth of an unknown CA: %d %s (eks-auth saw %q)", resp.StatusCode, body, auth)
		}
	case resp.StatusCode != 200 || !strings.HasPrefix(string(body), `{"AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t","AccountId":"111122223333","Expiration":"`):
		t.Fatalf("%d %s", resp.StatusCode, body)
	case !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIANODE/") || !strings.Contains(auth, "/us-west-2/eks-auth/aws4_request"):
		t.Errorf("eks-auth call signed as %q", auth)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
