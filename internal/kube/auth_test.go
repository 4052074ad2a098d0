package kube

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/kubetest"
)

// reader makes the ServiceAccount ns/name, allowed to read
// ServiceAccounts cluster-wide (what the webhook's role allows), and
// returns a TokenRequest token of it.
func reader(t *testing.T, admin *Client, ns, name string) string {
	t.Helper()
	put := func(collection, name string, obj any) {
		t.Helper()
		if err := do(t.Context(), admin, "POST", collection, obj, nil); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	put("/api/v1/namespaces", ns, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	put("/api/v1/namespaces/"+ns+"/serviceaccounts", name, corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}})
	put("/apis/rbac.authorization.k8s.io/v1/clusterroles", "podiam-test-reader", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "podiam-test-reader"},
		"rules": []map[string]any{{"apiGroups": []string{""}, "resources": []string{"serviceaccounts"}, "verbs": []string{"get", "list", "watch"}}}})
	binding := "podiam-test-reader-" + ns + "-" + name
	put("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding, map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": map[string]any{"name": binding},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "podiam-test-reader"},
		"subjects": []map[string]any{{"kind": "ServiceAccount", "namespace": ns, "name": name}}})
	var tr struct{ Status struct{ Token string } }
	req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{}}
	if err := do(t.Context(), admin, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/"+name+"/token", req, &tr); err != nil || tr.Status.Token == "" {
		t.Fatalf("TokenRequest for %s/%s: %v", ns, name, err)
	}
	return tr.Status.Token
}

// whoami is the user the API server sees the client as.
func whoami(t *testing.T, c *Client) (string, error) {
	t.Helper()
	var r struct {
		Status struct {
			UserInfo struct{ Username string } `json:"userInfo"`
		}
	}
	err := do(t.Context(), c, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, &r)
	return r.Status.UserInfo.Username, err
}

// TestExecPlugin: a kubeconfig user that is an exec plugin (as EKS, GKE,
// AKS and kubelogin write them) authenticates: the ServiceAccount cache
// syncs with the plugin's token; a plugin printing a bad token is
// refused with 401, not sent anonymous.
func TestExecPlugin(t *testing.T) {
	admin := client(t)
	token := reader(t, admin, "exec", "plugin")
	kubeconfig := func(token string) string {
		dir := t.TempDir()
		plugin := filepath.Join(dir, "plugin.sh")
		cred := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"` + token + `"}}`
		if err := os.WriteFile(plugin, []byte("#!/bin/sh\necho '"+cred+"'\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		return writeKubeconfig(t, "", "", "{exec: {apiVersion: client.authentication.k8s.io/v1, command: "+plugin+", interactiveMode: Never}}")
	}

	good := clientFor(t, kubeconfig(token))
	if who, err := whoami(t, good); err != nil || who != "system:serviceaccount:exec:plugin" {
		t.Fatalf("the plugin's client is %q, %v", who, err)
	}
	a := NewAccounts(good, "eks.amazonaws.com", discard)
	a.run(t)
	if a.cached("exec", "plugin") == nil {
		t.Fatal("the cache listed through the plugin's token misses exec/plugin")
	}

	bad := clientFor(t, kubeconfig("not-a-token"))
	if _, err := NewAccounts(bad, "eks.amazonaws.com", discard).ServiceAccount(t.Context(), "exec", "plugin"); !apierrors.IsUnauthorized(err) {
		t.Fatalf("a plugin printing a bad token: %v, want 401", err)
	}
}

// TestTokenFileRotation: a kubeconfig's tokenFile is read again when it
// changes. The file's token is replaced by another account's and the
// first account deleted (its token then refused): the client goes on as
// the second account after at most one refused request, while a client
// holding the first token itself is refused from then on.
func TestTokenFileRotation(t *testing.T) {
	admin := client(t)
	first, second := reader(t, admin, "rotate", "first"), reader(t, admin, "rotate", "second")
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	c := clientFor(t, writeKubeconfig(t, "", "", "{tokenFile: "+tokenFile+"}"))
	fixed := clientFor(t, writeKubeconfig(t, "", "", "{token: "+first+"}"))
	for _, c := range []*Client{c, fixed} {
		if who, err := whoami(t, c); err != nil || who != "system:serviceaccount:rotate:first" {
			t.Fatalf("before the rotation the client is %q, %v", who, err)
		}
	}

	// Rotate as the kubelet does: a new file renamed over the old one.
	if err := os.WriteFile(tokenFile+".new", []byte(second), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tokenFile+".new", tokenFile); err != nil {
		t.Fatal(err)
	}
	if err := do(t.Context(), admin, "DELETE", "/api/v1/namespaces/rotate/serviceaccounts/first", nil, nil); err != nil {
		t.Fatal(err)
	}
	// The API server accepts the first token a while longer (it caches
	// an authenticated token for 10 s); then the fixed client is refused.
	start := time.Now()
	for deadline := start.Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := whoami(t, fixed); apierrors.IsUnauthorized(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first token is still accepted 30 s after its account was deleted")
		}
	}
	t.Logf("the first token was refused %v after its account was deleted", time.Since(start).Round(time.Millisecond))
	refused := 0
	waitFor(t, func() bool {
		who, err := whoami(t, c)
		if apierrors.IsUnauthorized(err) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
		return who == "system:serviceaccount:rotate:second"
	}, "the client to use the rotated token")
	if refused > 1 {
		t.Fatalf("%d requests were refused after the rotation, want at most 1", refused)
	}
	if sa, err := NewAccounts(c, "eks.amazonaws.com", discard).ServiceAccount(t.Context(), "rotate", "second"); err != nil || sa.Name != "second" {
		t.Fatalf("a read with the rotated token: %v", err)
	}
}

// TestKubeconfigSources: without --kubeconfig, $KUBECONFIG (a list,
// merged) is read, else ~/.kube/config; --context picks a context and
// its namespace; nothing at all is an error outside a cluster.
func TestKubeconfigSources(t *testing.T) {
	cl := kubetest.Shared(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ca.crt"), cl.CAPEM, 0o600)
	// The cluster and the users in one file, the contexts in another.
	os.WriteFile(filepath.Join(dir, "clusters"), []byte("clusters:\n- {name: c, cluster: {server: "+cl.URL+", certificate-authority: ca.crt}}\n"+
		"users:\n- {name: admin, user: {token: "+cl.Token+"}}\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "contexts"), []byte("contexts:\n- {name: plain, context: {cluster: c, user: admin}}\n"+
		"- {name: apps, context: {cluster: c, user: admin, namespace: apps}}\ncurrent-context: plain\n"), 0o600)
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".kube"), 0o700)
	os.WriteFile(filepath.Join(home, ".kube", "ca.crt"), cl.CAPEM, 0o600)
	os.WriteFile(filepath.Join(home, ".kube", "config"), []byte("clusters:\n- {name: c, cluster: {server: "+cl.URL+", certificate-authority: ca.crt}}\n"+
		"contexts:\n- {name: home, context: {cluster: c, user: admin, namespace: from-home}}\ncurrent-context: home\n"+
		"users:\n- {name: admin, user: {token: "+cl.Token+"}}\n"), 0o600)
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	list := filepath.Join(dir, "clusters") + string(filepath.ListSeparator) + filepath.Join(dir, "contexts")
	for _, tt := range []struct {
		name      string
		cfg       Config
		namespace string
		err       string
	}{
		{name: "$KUBECONFIG", cfg: Config{Getenv: env("KUBECONFIG", list, "HOME", home)}, namespace: "default"},
		{name: "$KUBECONFIG and --context", cfg: Config{Context: "apps", Getenv: env("KUBECONFIG", list, "HOME", home)}, namespace: "apps"},
		{name: "~/.kube/config", cfg: Config{Getenv: env("HOME", home)}, namespace: "from-home"},
		{name: "--kubeconfig wins", cfg: Config{Kubeconfig: cl.Kubeconfig, Getenv: env("KUBECONFIG", list, "HOME", home)}, namespace: "default"},
		{name: "an unknown --context", cfg: Config{Context: "nope", Getenv: env("HOME", home)}, err: "context was not found"},
		{name: "nothing", cfg: Config{Getenv: env("HOME", t.TempDir())}, err: "not running in a cluster"},
		{name: "nothing, with --context", cfg: Config{Context: "apps"}, err: "no kubeconfig to take a context"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("%v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Namespace != tt.namespace {
				t.Errorf("namespace %q, want %q", c.Namespace, tt.namespace)
			}
			if who, err := whoami(t, c); err != nil || who != "admin" {
				t.Errorf("the client is %q, %v", who, err)
			}
		})
	}
}

// TestServerNameAndProxy: tls-server-name names the certificate to
// expect (a name the API server's certificate does not have fails), and
// proxy-url sends the requests through an HTTP CONNECT proxy.
func TestServerNameAndProxy(t *testing.T) {
	cl := kubetest.Shared(t)
	user := "{token: " + cl.Token + "}"
	named := clientFor(t, writeKubeconfig(t, "", ", tls-server-name: "+kubetest.IssuerHost, user))
	if who, err := whoami(t, named); err != nil || who != "admin" {
		t.Fatalf("with tls-server-name %s: %q, %v", kubetest.IssuerHost, who, err)
	}
	misnamed := clientFor(t, writeKubeconfig(t, "", ", tls-server-name: elsewhere.example", user))
	if _, err := whoami(t, misnamed); err == nil || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Fatalf("with tls-server-name elsewhere.example: %v, want a certificate error", err)
	}

	var tunnels atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		tunnels.Add(1)
		rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, rw); up.Close() }()
		pipe(conn, rw, up)
	})}
	go proxy.Serve(ln)
	t.Cleanup(func() { proxy.Close() })
	proxied := clientFor(t, writeKubeconfig(t, "", ", proxy-url: http://"+ln.Addr().String(), user))
	if who, err := whoami(t, proxied); err != nil || who != "admin" || tunnels.Load() == 0 {
		t.Fatalf("through proxy-url: %q, %v, %d tunnels", who, err, tunnels.Load())
	}
}

// pipe copies the upstream's answers to the hijacked client connection
// until either side ends.
func pipe(conn net.Conn, rw *bufio.ReadWriter, up net.Conn) {
	defer conn.Close()
	rw.Flush()
	io.Copy(conn, up)
}
