package kube

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func client(t *testing.T) *Client {
	t.Helper()
	c, err := FromKubeconfig(kubetest.Shared(t).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func namespace(t *testing.T, c *Client, name string) {
	t.Helper()
	ns := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Do(t.Context(), "POST", "/api/v1/namespaces", ns, nil); err != nil {
		t.Fatal(err)
	}
}

func createAccount(t *testing.T, c *Client, ns, name, role string) {
	t.Helper()
	sa := corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": role}}}
	if err := c.Do(t.Context(), "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts", sa, nil); err != nil {
		t.Fatal(err)
	}
}

func (a *Accounts) cached(ns, name string) *corev1.ServiceAccount {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.m[ns+"/"+name]
}

func TestKubeconfig(t *testing.T) {
	c := client(t)
	var ns corev1.Namespace
	if err := c.Do(t.Context(), "GET", "/api/v1/namespaces/default", nil, &ns); err != nil || ns.Name != "default" {
		t.Fatalf("GET default namespace: %+v, %v", ns.ObjectMeta, err)
	}
	if err := c.Do(t.Context(), "GET", "/api/v1/namespaces/nope-404", nil, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a missing namespace: %v", err)
	}
	// A kubeconfig without credentials is refused by the API server.
	dir := t.TempDir()
	cl := kubetest.Shared(t)
	os.WriteFile(filepath.Join(dir, "ca.crt"), cl.CAPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "kc"), []byte("clusters:\n- name: c\n  cluster: {server: "+cl.URL+", certificate-authority: ca.crt}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {}\n"), 0o600)
	anon, err := FromKubeconfig(filepath.Join(dir, "kc"))
	if err != nil {
		t.Fatal(err)
	}
	if string(anon.CA()) != string(cl.CAPEM) {
		t.Fatalf("the client's CA is %q, the kubeconfig's %q", anon.CA(), cl.CAPEM)
	}
	var se *StatusError
	if err := anon.Do(t.Context(), "GET", "/api/v1/namespaces/default", nil, nil); !errors.As(err, &se) || se.Code != 403 {
		t.Fatalf("anonymous GET: %v", err)
	}
	for name, body := range map[string]string{
		"no context": "clusters: []\ncontexts: []\nusers: []\n",
		"no server":  "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
		"not yaml":   "{{{",
	} {
		os.WriteFile(filepath.Join(dir, "bad"), []byte(body), 0o600)
		if _, err := FromKubeconfig(filepath.Join(dir, "bad")); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAccounts: the cache lists, follows the watch (additions, changes,
// deletions) and reads the API for an account it has not seen.
func TestAccounts(t *testing.T) {
	c := client(t)
	namespace(t, c, "accounts")
	createAccount(t, c, "accounts", "before", "arn:aws:iam::111122223333:role/before")

	// Without Run the cache is empty: every answer is a read.
	cold := NewAccounts(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sa, err := cold.ServiceAccount(t.Context(), "accounts", "before")
	if err != nil || sa.Annotations["eks.amazonaws.com/role-arn"] != "arn:aws:iam::111122223333:role/before" {
		t.Fatalf("read through: %+v, %v", sa, err)
	}
	if _, err := cold.ServiceAccount(t.Context(), "accounts", "ghost"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a missing account: %v", err)
	}

	a := NewAccounts(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go a.Run(ctx)
	select {
	case <-a.Synced():
	case <-time.After(10 * time.Second):
		t.Fatal("the cache did not sync")
	}
	if a.cached("accounts", "before") == nil {
		t.Fatal("the list missed an account")
	}
	createAccount(t, c, "accounts", "after", "arn:aws:iam::111122223333:role/after")
	waitFor(t, func() bool { return a.cached("accounts", "after") != nil }, "the watch to add an account")

	patch := `{"metadata":{"annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::111122223333:role/changed"}}}`
	if err := c.MergePatch(t.Context(), "/api/v1/namespaces/accounts/serviceaccounts/after", patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		sa := a.cached("accounts", "after")
		return sa != nil && sa.Annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::111122223333:role/changed"
	}, "the watch to change an account")
	if err := c.Do(t.Context(), "DELETE", "/api/v1/namespaces/accounts/serviceaccounts/after", nil, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return a.cached("accounts", "after") == nil }, "the watch to delete an account")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPollConfigMap: the value is delivered at start (empty while the
// ConfigMap is missing), again on each change, and not otherwise.
func TestPollConfigMap(t *testing.T) {
	c := client(t)
	namespace(t, c, "mappings")
	got := make(chan string, 10)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go PollConfigMap(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)), "mappings", "m", "config", 20*time.Millisecond, func(v string) { got <- v })
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
	cm := corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "mappings"}, Data: map[string]string{"config": "one"}}
	if err := c.Do(t.Context(), "POST", "/api/v1/namespaces/mappings/configmaps", cm, nil); err != nil {
		t.Fatal(err)
	}
	next("one")
	if err := c.MergePatch(t.Context(), "/api/v1/namespaces/mappings/configmaps/m", `{"data":{"config":"two"}}`); err != nil {
		t.Fatal(err)
	}
	next("two")
	select {
	case v := <-got:
		t.Fatalf("value %q delivered again without a change", v)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestContextFor: --cluster picks the context that uses the cluster,
// the current one first; no match and several matches are errors.
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
		cluster, server, token, err string
	}{
		{"", "https://b.example", "tv", ""},
		{"a", "https://a.example", "tu", ""},
		{"b", "https://b.example", "tv", ""}, // the current context uses b
		{"c", "", "", "the contexts c-one, c-two all use the cluster \"c\""},
		{"d", "", "", "no context uses the cluster \"d\""},
	} {
		cur, err := loadCurrent(path, tt.cluster)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("cluster %q: %v, want an error containing %q", tt.cluster, err, tt.err)
			}
		case err != nil:
			t.Errorf("cluster %q: %v", tt.cluster, err)
		case cur.cluster.Server != tt.server || cur.user.Token != tt.token:
			t.Errorf("cluster %q: server %s token %s, want %s %s", tt.cluster, cur.cluster.Server, cur.user.Token, tt.server, tt.token)
		}
	}
}
