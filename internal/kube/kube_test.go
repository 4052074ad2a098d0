package kube

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func client(t testing.TB) *Client {
	t.Helper()
	return clientFor(t, kubetest.Shared(t).Kubeconfig)
}

func clientFor(t testing.TB, kubeconfig string) *Client {
	t.Helper()
	c, err := New(Config{Kubeconfig: kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do sends one request through client-go's REST client: obj (nil for
// none) as the JSON body, the answer decoded into out (nil to discard).
// path may carry a query.
func do(ctx context.Context, c *Client, verb, path string, obj, out any) error {
	path, query, _ := strings.Cut(path, "?")
	req := c.REST.Verb(verb).AbsPath(path)
	params, err := url.ParseQuery(query)
	if err != nil {
		return err
	}
	for k, vs := range params {
		for _, v := range vs {
			req.Param(k, v)
		}
	}
	if obj != nil {
		b, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		req.Body(b)
	}
	b, err := req.DoRaw(ctx)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func namespace(t testing.TB, c *Client, name string) {
	t.Helper()
	ns := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := do(t.Context(), c, "POST", "/api/v1/namespaces", ns, nil); err != nil {
		t.Fatal(err)
	}
}

func createAccount(t testing.TB, c *Client, ns, name, role string) {
	t.Helper()
	sa := corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": role}}}
	if err := do(t.Context(), c, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts", sa, nil); err != nil {
		t.Fatal(err)
	}
}

// cached is ns/name from the cache alone, nil when it has not got it.
func (a *Accounts) cached(ns, name string) *corev1.ServiceAccount {
	sa, _ := a.lookup(ns, name)
	return sa
}

// run runs a until the test ends and waits for its first list.
func (a *Accounts) run(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-a.Synced():
	case <-time.After(30 * time.Second):
		t.Fatal("the cache did not sync")
	}
}

// writeKubeconfig writes a kubeconfig for the shared cluster with the
// given cluster fields (beyond the CA) and user, and returns its path.
func writeKubeconfig(t testing.TB, server, clusterExtra, user string) string {
	t.Helper()
	dir := t.TempDir()
	cl := kubetest.Shared(t)
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), cl.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if server == "" {
		server = cl.URL
	}
	path := filepath.Join(dir, "kubeconfig")
	body := "clusters:\n- name: c\n  cluster: {server: " + server + ", certificate-authority: ca.crt" + clusterExtra + "}\n" +
		"contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: " + user + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKubeconfig(t *testing.T) {
	c := client(t)
	var ns corev1.Namespace
	if err := do(t.Context(), c, "GET", "/api/v1/namespaces/default", nil, &ns); err != nil || ns.Name != "default" {
		t.Fatalf("GET default namespace: %+v, %v", ns.ObjectMeta, err)
	}
	if err := do(t.Context(), c, "GET", "/api/v1/namespaces/nope-404", nil, nil); !apierrors.IsNotFound(err) {
		t.Fatalf("a missing namespace: %v", err)
	}
	// A kubeconfig without credentials is refused by the API server.
	cl := kubetest.Shared(t)
	anon := clientFor(t, writeKubeconfig(t, "", "", "{}"))
	if ca, err := anon.CA(); err != nil || string(ca) != string(cl.CAPEM) {
		t.Fatalf("the client's CA is %q (%v), the kubeconfig's %q", ca, err, cl.CAPEM)
	}
	if err := do(t.Context(), anon, "GET", "/api/v1/namespaces/default", nil, nil); !apierrors.IsForbidden(err) {
		t.Fatalf("anonymous GET: %v", err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"no context": "clusters: []\ncontexts: []\nusers: []\n",
		"no server":  "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
		"not yaml":   "{{{",
	} {
		os.WriteFile(filepath.Join(dir, "bad"), []byte(body), 0o600)
		if _, err := New(Config{Kubeconfig: filepath.Join(dir, "bad")}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAccounts: the cache lists, follows the watch (additions, changes,
// deletions), keeps only the namespace, the name and the annotations
// under the prefix, and reads the API for an account it has not seen.
func TestAccounts(t *testing.T) {
	c := client(t)
	namespace(t, c, "accounts")
	before := corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "before", Namespace: "accounts",
		Labels:      map[string]string{"team": "a"},
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/before", "eks.amazonaws.com/audience": "sts.example", "other.example/note": "x"}},
		AutomountServiceAccountToken: new(bool)}
	if err := do(t.Context(), c, "POST", "/api/v1/namespaces/accounts/serviceaccounts", before, nil); err != nil {
		t.Fatal(err)
	}
	want := metav1.ObjectMeta{Name: "before", Namespace: "accounts",
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/before", "eks.amazonaws.com/audience": "sts.example"}}

	// Without Run the cache is empty: every answer is a read.
	cold := NewAccounts(c, "eks.amazonaws.com", discard)
	sa, err := cold.ServiceAccount(t.Context(), "accounts", "before")
	if err != nil || !equalMeta(sa.ObjectMeta, want) {
		t.Fatalf("read through: %+v, %v", sa, err)
	}
	if _, err := cold.ServiceAccount(t.Context(), "accounts", "ghost"); !apierrors.IsNotFound(err) {
		t.Fatalf("a missing account: %v", err)
	}

	a := NewAccounts(c, "eks.amazonaws.com", discard)
	a.run(t)
	if got := a.cached("accounts", "before"); got == nil || !equalMeta(got.ObjectMeta, want) {
		t.Fatalf("the list gave %+v, want only %+v", got, want)
	}
	createAccount(t, c, "accounts", "after", "arn:aws:iam::111122223333:role/after")
	waitFor(t, func() bool { return a.cached("accounts", "after") != nil }, "the watch to add an account")

	patch := `{"metadata":{"annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::111122223333:role/changed"}}}`
	if err := c.REST.Patch("application/merge-patch+json").AbsPath("/api/v1/namespaces/accounts/serviceaccounts/after").Body([]byte(patch)).Do(t.Context()).Error(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		sa := a.cached("accounts", "after")
		return sa != nil && sa.Annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::111122223333:role/changed"
	}, "the watch to change an account")
	if sa, err := a.ServiceAccount(t.Context(), "accounts", "after"); err != nil || sa.Annotations["eks.amazonaws.com/role-arn"] != "arn:aws:iam::111122223333:role/changed" {
		t.Fatalf("the cached account: %+v, %v", sa, err)
	}
	if err := do(t.Context(), c, "DELETE", "/api/v1/namespaces/accounts/serviceaccounts/after", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return a.cached("accounts", "after") == nil }, "the watch to delete an account")
}

// equalMeta compares the fields the cache may keep; any other field set
// is a difference.
func equalMeta(got, want metav1.ObjectMeta) bool {
	b1, _ := json.Marshal(got)
	b2, _ := json.Marshal(want)
	return string(b1) == string(b2)
}

func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestWatchConfigMap: the value is delivered at start (empty while the
// ConfigMap is missing), again on each change, and not otherwise; the
// watch needs no more than list and watch on that one ConfigMap.
func TestWatchConfigMap(t *testing.T) {
	c := client(t)
	namespace(t, c, "mappings")
	// An account allowed to list and watch the ConfigMap m, no other.
	if err := do(t.Context(), c, "POST", "/api/v1/namespaces/mappings/serviceaccounts", corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "webhook"}}, nil); err != nil {
		t.Fatal(err)
	}
	role := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": map[string]any{"name": "mappings"},
		"rules": []map[string]any{{"apiGroups": []string{""}, "resources": []string{"configmaps"}, "resourceNames": []string{"m"}, "verbs": []string{"list", "watch"}}}}
	binding := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": map[string]any{"name": "mappings"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "mappings"},
		"subjects": []map[string]any{{"kind": "ServiceAccount", "namespace": "mappings", "name": "webhook"}}}
	var tr struct{ Status struct{ Token string } }
	for _, err := range []error{
		do(t.Context(), c, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/mappings/roles", role, nil),
		do(t.Context(), c, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/mappings/rolebindings", binding, nil),
		do(t.Context(), c, "POST", "/api/v1/namespaces/mappings/serviceaccounts/webhook/token", map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{}}, &tr),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	webhook := clientFor(t, writeKubeconfig(t, "", "", "{token: "+tr.Status.Token+"}"))
	if err := do(t.Context(), webhook, "GET", "/api/v1/namespaces/mappings/configmaps", nil, nil); !apierrors.IsForbidden(err) {
		t.Fatalf("the restricted account listing every ConfigMap: %v, want 403", err)
	}
	got := make(chan string, 10)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go WatchConfigMap(ctx, webhook, discard, "mappings", "m", "config", func(v string) { got <- v })
	next := func(want string) {
		t.Helper()
		select {
		case v := <-got:
			if v != want {
				t.Fatalf("value %q, want %q", v, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no value; want %q", want)
		}
	}
	next("")
	// Another ConfigMap of the namespace is not looked at.
	other := corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "mappings"}, Data: map[string]string{"config": "not this"}}
	if err := do(t.Context(), c, "POST", "/api/v1/namespaces/mappings/configmaps", other, nil); err != nil {
		t.Fatal(err)
	}
	cm := corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "mappings"}, Data: map[string]string{"config": "one"}}
	if err := do(t.Context(), c, "POST", "/api/v1/namespaces/mappings/configmaps", cm, nil); err != nil {
		t.Fatal(err)
	}
	next("one")
	if err := c.REST.Patch("application/merge-patch+json").AbsPath("/api/v1/namespaces/mappings/configmaps/m").Body([]byte(`{"data":{"config":"two"}}`)).Do(t.Context()).Error(); err != nil {
		t.Fatal(err)
	}
	next("two")
	if err := do(t.Context(), c, "DELETE", "/api/v1/namespaces/mappings/configmaps/m", nil, nil); err != nil {
		t.Fatal(err)
	}
	next("")
	select {
	case v := <-got:
		t.Fatalf("value %q delivered again without a change", v)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestContextFor: Cluster picks the context that uses the cluster, the
// current one first; no match and several matches are errors, as is a
// Context that uses another cluster.
func TestContextFor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kc")
	os.WriteFile(path, []byte(`clusters:
- {name: a, cluster: {server: "https://a.example"}}
- {name: b, cluster: {server: "https://b.example"}}
- {name: c, cluster: {server: "https://c.example"}}
contexts:
- {name: a-admin, context: {cluster: a, user: u}}
- {name: b-admin, context: {cluster: b, user: u}}
- {name: b-viewer, context: {cluster: b, user: v}}
- {name: c-one, context: {cluster: c, user: u}}
- {name: c-two, context: {cluster: c, user: v}}
current-context: b-viewer
users:
- {name: u, user: {token: tu}}
- {name: v, user: {token: tv}}
`), 0o600)
	for _, tt := range []struct {
		context, cluster, server, token, err string
	}{
		{"", "", "https://b.example", "tv", ""},
		{"", "a", "https://a.example", "tu", ""},
		{"", "b", "https://b.example", "tv", ""}, // the current context uses b
		{"", "c", "", "", "the contexts c-one, c-two all use the cluster \"c\""},
		{"", "d", "", "", "no context uses the cluster \"d\""},
		{"c-two", "", "https://c.example", "tv", ""},
		{"c-two", "c", "https://c.example", "tv", ""},
		{"c-two", "b", "", "", "the context \"c-two\" uses the cluster \"c\", not \"b\""},
		{"nope", "", "", "", "context was not found"},
	} {
		c, err := New(Config{Kubeconfig: path, Context: tt.context, Cluster: tt.cluster})
		name := tt.context + "/" + tt.cluster
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want an error containing %q", name, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case c.Config.Host != tt.server || c.Config.BearerToken != tt.token:
			t.Errorf("%s: server %s token %s, want %s %s", name, c.Config.Host, c.Config.BearerToken, tt.server, tt.token)
		}
	}
}
