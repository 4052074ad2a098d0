package authenticatorcmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/podiam/podiam/internal/authenticator"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/k8stoken"
	"github.com/podiam/podiam/internal/kubetest"
	"github.com/podiam/podiam/internal/server/servertest"
)

// TestKubeAPIServer: a real kube-apiserver, configured by init's files
// and flags, authenticates a real k8s-aws-v1. token (a role session of a
// real podiam server, presigned by aws-sdk-go-v2) as the user aws-auth
// maps the role to, and asks the authorization webhook.
func TestKubeAPIServer(t *testing.T) {
	kubetest.Bins(t)
	endpoint, root := podiamServer(t)
	const clusterID = "podiam-test"

	// The authenticator's address, self-signed pair and kube-apiserver's
	// files come first: the API server reads them at start.
	port := freePort(t)
	listen := "127.0.0.1:" + strconv.Itoa(port)
	state := t.TempDir()
	certFile, _, err := authenticator.SelfSigned(state, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	files := t.TempDir()
	if err := Run(t.Context(), command.Env{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }},
		[]string{"init", "--server-url", "https://" + listen, "--ca-file", certFile, "--out", files}); err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.TrimSpace(l); strings.HasPrefix(f, "--") {
			flags = append(flags, f)
		}
	}
	if len(flags) != len(APIServerFlags("a", "b")) {
		t.Fatalf("init printed %q", out.String())
	}
	cluster, err := kubetest.StartWith(t, t.TempDir(), kubetest.Options{APIServerArgs: flags})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop()

	ci := roleSession(t, endpoint, root, "ci", "build@7")
	other := roleSession(t, endpoint, root, "other", "s2")
	var principal string
	{
		who, err := sts.NewFromConfig(awsConfig(ci), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		principal, _, _ = strings.Cut(*who.UserId, ":")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	listening := make(chan string, 1)
	var logs syncBuffer
	go func() {
		done <- Serve(ctx, ServeConfig{ClusterID: clusterID, Listen: listen, StateDir: state, Kubeconfig: cluster.Kubeconfig,
			STSEndpoint: endpoint, OnListen: func(a string) { listening <- a },
			AccessPolicies: listNamespaces(principal)}, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	select {
	case <-listening:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()

	// aws-auth maps the role (named with a path, which is not matched).
	putConfigMap(t, cluster, map[string]string{"mapRoles": `
- rolearn: arn:aws:iam::` + accountOf(t, endpoint, root) + `:role/team/ci
  username: ci:{{SessionName}}
  groups: [podiam-devs]
`})

	token := k8sToken(t, endpoint, ci, clusterID)
	var who authenticationv1.SelfSubjectReview
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := whoami(t, cluster, token)
		if status == http.StatusCreated {
			if err := json.Unmarshal(body, &who); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("whoami: %d %s\n%s", status, body, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	u := who.Status.UserInfo
	t.Logf("whoami: %+v", u)
	if u.Username != "ci:build-7" || !slices.Equal(u.Groups, []string{"podiam-devs", "system:authenticated"}) ||
		u.UID != "aws-iam-authenticator:"+accountOf(t, endpoint, root)+":"+principal ||
		!slices.Equal(u.Extra["principalId"], []string{principal}) || !slices.Equal(u.Extra["canonicalArn"], []string{"arn:aws:iam::" + accountOf(t, endpoint, root) + ":role/ci"}) {
		t.Errorf("whoami: %+v", u)
	}

	// The authorization webhook: the access policies (here a stand-in
	// that allows listing namespaces to ci's principal) grant what RBAC
	// does not.
	if status, body := get(t, cluster, token, "/api/v1/namespaces"); status != http.StatusOK {
		t.Errorf("list namespaces as ci: %d %s", status, body)
	}
	if status, _ := get(t, cluster, token, "/api/v1/namespaces/default/secrets"); status != http.StatusForbidden {
		t.Errorf("list secrets as ci: %d, want 403 (no opinion, then RBAC)", status)
	}

	for _, tt := range []struct {
		name  string
		token string
	}{
		{"unmapped role", k8sToken(t, endpoint, other, clusterID)},
		{"another cluster's token", k8sToken(t, endpoint, ci, "another")},
		{"tampered token", tamper(t, token)},
		{"not a token", "k8s-aws-v1.!"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := whoami(t, cluster, tt.token); status != http.StatusUnauthorized {
				t.Errorf("whoami: %d %s, want 401", status, body)
			}
		})
	}
	if !strings.Contains(logs.String(), "is not mapped") {
		t.Errorf("the unmapped role's reason is not logged:\n%s", logs.String())
	}
}

// listNamespaces allows principal to list namespaces.
type listNamespaces string

func (p listNamespaces) Allowed(_ context.Context, user authenticationv1.UserInfo, a authenticator.Attributes) (bool, string, error) {
	ok := slices.Equal(user.Extra[authenticator.ExtraPrincipalID], []string{string(p)}) && a.Resource != nil &&
		a.Resource.Resource == "namespaces" && a.Resource.Verb == "list" && a.Resource.Namespace == ""
	return ok, "", nil
}

func whoami(t *testing.T, c *kubetest.Cluster, token string) (int, []byte) {
	return request(t, c, token, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", `{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)
}

func get(t *testing.T, c *kubetest.Cluster, token, path string) (int, []byte) {
	return request(t, c, token, "GET", path, "")
}

func request(t *testing.T, c *kubetest.Cluster, token, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, c.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func putConfigMap(t *testing.T, c *kubetest.Cluster, data map[string]string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]string{"name": "aws-auth", "namespace": "kube-system"}, "data": data})
	if status, body := request(t, c, c.Token, "POST", "/api/v1/namespaces/kube-system/configmaps", string(b)); status != http.StatusCreated {
		t.Fatalf("create aws-auth: %d %s", status, body)
	}
}

func tamper(t *testing.T, token string) string {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, authenticator.TokenPrefix))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(string(b))
	q := u.Query()
	q.Set("X-Amz-Date", time.Now().UTC().Add(-time.Minute).Format("20060102T150405Z"))
	u.RawQuery = q.Encode()
	return authenticator.TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(u.String()))
}

// freePort returns a loopback port free a moment ago, below the kernel's
// ephemeral range: the port is released before the authenticator binds
// it, and the API server and etcd started meanwhile take their ports
// from the ephemeral range (kubetest asks for port 0), so they cannot
// take this one (CI saw that once).
func freePort(t *testing.T) int {
	for range 100 {
		port := 20000 + mrand.IntN(12000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free port in 20000-32000")
	return 0
}

// podiamServer runs a podiam server on loopback for the test and returns
// its URL and root credentials.
func podiamServer(t *testing.T) (string, aws.Credentials) {
	t.Helper()
	return servertest.Start(t, nil)
}

func awsConfig(c aws.Credentials) aws.Config { return servertest.Config(c) }

func accountOf(t *testing.T, endpoint string, c aws.Credentials) string {
	t.Helper()
	who, err := sts.NewFromConfig(awsConfig(c), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return *who.Account
}

// roleSession makes the role (path /team/, trusting the account) and a
// user allowed to assume it, and returns a session of it.
func roleSession(t *testing.T, endpoint string, root aws.Credentials, role, session string) aws.Credentials {
	t.Helper()
	return servertest.RoleSession(t, endpoint, root, role, session)
}

// k8sToken is what `aws eks get-token` makes, by aws-sdk-go-v2's
// presigner (X-Amz-Expires 60).
func k8sToken(t *testing.T, endpoint string, c aws.Credentials, clusterID string) string {
	t.Helper()
	st := sts.NewFromConfig(awsConfig(c), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
	token, err := k8stoken.Generate(t.Context(), sts.NewPresignClient(st), clusterID)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
