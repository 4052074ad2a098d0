package kubetest_test

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/kubetest"
)

// TestWebhooks starts an API server with a token webhook and an
// authorization webhook (test doubles, started before it from the
// Webhooks hook) and drives it with kubectl: a token the webhook knows
// is its user, one it refuses is not authenticated; the authorization
// webhook allows what it allows and RBAC decides the rest; a user with a
// client certificate is authenticated by the API server itself.
func TestWebhooks(t *testing.T) {
	kubectl := kubetest.Kubectl(t)
	var (
		mu       sync.Mutex
		authPath string
		authSeen []string // the tokens reviewed
		sarSeen  []string // user/verb/resource asked
	)
	authn := func(w http.ResponseWriter, r *http.Request) {
		var tr struct {
			APIVersion string
			Spec       struct{ Token string }
		}
		if err := json.NewDecoder(r.Body).Decode(&tr); err != nil || tr.APIVersion != "authentication.k8s.io/v1" {
			http.Error(w, "bad review", 400)
			return
		}
		mu.Lock()
		authPath = r.URL.RequestURI()
		authSeen = append(authSeen, tr.Spec.Token)
		mu.Unlock()
		if tr.Spec.Token != "alice-token" {
			http.Error(w, "refused", http.StatusForbidden) // an error: never cached
			return
		}
		fmt.Fprint(w, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice","uid":"u-1","groups":["devs"]}}}`)
	}
	authz := func(w http.ResponseWriter, r *http.Request) {
		var sar struct {
			Spec struct {
				User               string
				ResourceAttributes *struct{ Verb, Resource string }
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&sar); err != nil {
			http.Error(w, "bad review", 400)
			return
		}
		ra := sar.Spec.ResourceAttributes
		allowed := ra != nil && sar.Spec.User == "alice" && ra.Resource == "namespaces" && ra.Verb == "list"
		if ra != nil {
			mu.Lock()
			sarSeen = append(sarSeen, sar.Spec.User+"/"+ra.Verb+"/"+ra.Resource)
			mu.Unlock()
		}
		fmt.Fprintf(w, `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","status":{"allowed":%t}}`, allowed)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /authenticate", authn)
	mux.HandleFunc("POST /authorize", authz)

	dir := t.TempDir()
	c, err := kubetest.StartWith(t, dir, kubetest.Options{Webhooks: func(c *kubetest.Cluster) (kubetest.Webhooks, error) {
		crt, key, err := c.CertFor("webhooks")
		if err != nil {
			return kubetest.Webhooks{}, err
		}
		cert, err := tls.X509KeyPair(crt, key)
		if err != nil {
			return kubetest.Webhooks{}, err
		}
		srv := httptest.NewUnstartedServer(mux)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.StartTLS()
		t.Cleanup(srv.Close)
		write := func(name, path string) (string, error) {
			f := filepath.Join(dir, name)
			return f, os.WriteFile(f, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: webhook
  cluster: {server: "%s%s", certificate-authority-data: %s}
users:
- name: api-server
contexts:
- name: webhook
  context: {cluster: webhook, user: api-server}
current-context: webhook
`, srv.URL, path, base64.StdEncoding.EncodeToString(c.CAPEM))), 0o600)
		}
		authnFile, err := write("authn.kubeconfig", "/authenticate")
		if err != nil {
			return kubetest.Webhooks{}, err
		}
		authzFile, err := write("authz.kubeconfig", "/authorize")
		return kubetest.Webhooks{Authentication: authnFile, AuthenticationCacheTTL: 5 * time.Second,
			Authorization: authzFile, AuthorizationCacheTTL: time.Second}, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)

	tokenConfig := func(token string) string {
		f := filepath.Join(t.TempDir(), "kubeconfig")
		os.WriteFile(f, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "%s", certificate-authority-data: %s}
users:
- name: u
  user: {token: %s}
contexts:
- name: test
  context: {cluster: test, user: u}
current-context: test
`, c.URL, base64.StdEncoding.EncodeToString(c.CAPEM), token)), 0o600)
		return f
	}
	run := func(kubeconfig string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	alice := tokenConfig("alice-token")
	if out, err := run(alice, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"); err != nil ||
		out != `alice ["devs","system:authenticated"]` {
		t.Fatalf("whoami with the webhook's token: %v %q", err, out)
	}
	if out, err := run(tokenConfig("mallory-token"), "auth", "whoami"); err == nil || !strings.Contains(out, "Unauthorized") {
		t.Fatalf("whoami with a refused token: %v %q", err, out)
	}
	// The webhook allows alice to list namespaces; RBAC, after it,
	// grants her nothing else.
	if out, err := run(alice, "get", "namespaces", "-o", "name"); err != nil || !strings.Contains(out, "namespace/kube-system") {
		t.Fatalf("alice lists namespaces: %v %q", err, out)
	}
	if out, err := run(alice, "get", "pods", "-n", "kube-system"); err == nil || !strings.Contains(out, `User "alice" cannot list resource "pods"`) {
		t.Fatalf("alice lists pods: %v %q", err, out)
	}
	mu.Lock()
	if !strings.HasPrefix(authPath, "/authenticate?timeout=") || !slices.Contains(authSeen, "mallory-token") || !slices.Contains(sarSeen, "alice/list/namespaces") || !slices.Contains(sarSeen, "alice/list/pods") {
		t.Errorf("the webhooks saw path %q, tokens %q, reviews %q", authPath, authSeen, sarSeen)
	}
	mu.Unlock()

	// A client certificate of the cluster's CA: the API server's own
	// authentication, beside the webhook.
	admin, err := c.ClientKubeconfig("carol", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := run(admin, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"); err != nil ||
		out != `carol ["system:masters","system:authenticated"]` {
		t.Fatalf("whoami with a client certificate: %v %q", err, out)
	}
	if out, err := run(admin, "get", "pods", "-n", "kube-system"); err != nil {
		t.Fatalf("carol (system:masters) lists pods: %v %q", err, out)
	}
}
