package associations

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
)

// eksAPI answers ListPodIdentityAssociations in AWS's wire shape
// (REST-JSON, botocore's eks 2017-11-01 model) from a set of
// associations: a fake for this package's unit tests only. The real
// client, aws-sdk-go-v2's, talks to it.
type eksAPI struct {
	*httptest.Server
	t       *testing.T
	mu      sync.Mutex
	cluster string
	assoc   []string // "namespace/serviceAccount", in creation order
	calls   atomic.Int64
	// onPage, when set, runs before a full list's page is answered.
	onPage func(page int)
}

func newEKSAPI(t *testing.T, cluster string) *eksAPI {
	a := &eksAPI{t: t, cluster: cluster}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *eksAPI) add(ns, sa string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.assoc = append(a.assoc, ns+"/"+sa)
}

func (a *eksAPI) remove(ns, sa string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.assoc = slices.DeleteFunc(a.assoc, func(s string) bool { return s == ns+"/"+sa })
}

func (a *eksAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/us-east-1/eks/aws4_request") {
		a.t.Errorf("not signed for eks: %q", auth)
	}
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/clusters/")
	name, ok2 := strings.CutSuffix(name, "/pod-identity-associations")
	if r.Method != "GET" || !ok || !ok2 {
		fail(404, "ResourceNotFoundException", "no such operation")
		return
	}
	if name != a.cluster {
		fail(404, "ResourceNotFoundException", "No cluster found for name: "+name+".")
		return
	}
	q := r.URL.Query()
	ns, sa := q.Get("namespace"), q.Get("serviceAccount")
	max, start := 100, 0
	if v := q.Get("maxResults"); v != "" {
		max, _ = strconv.Atoi(v)
	}
	if v := q.Get("nextToken"); v != "" {
		start, _ = strconv.Atoi(v)
	}
	if ns == "" && sa == "" && a.onPage != nil {
		a.onPage(start / max)
	}
	a.mu.Lock()
	var match []string
	for _, s := range a.assoc {
		n, s2, _ := strings.Cut(s, "/")
		if (ns == "" || ns == n) && (sa == "" || sa == s2) {
			match = append(match, s)
		}
	}
	a.mu.Unlock()
	type summary struct {
		ClusterName    string `json:"clusterName"`
		Namespace      string `json:"namespace"`
		ServiceAccount string `json:"serviceAccount"`
		AssociationArn string `json:"associationArn"`
		AssociationID  string `json:"associationId"`
	}
	out := struct {
		Associations []summary `json:"associations"`
		NextToken    *string   `json:"nextToken"`
	}{Associations: []summary{}}
	for i := start; i < len(match) && i < start+max; i++ {
		n, s, _ := strings.Cut(match[i], "/")
		id := fmt.Sprintf("a-%017d", i)
		out.Associations = append(out.Associations, summary{a.cluster, n, s, "arn:aws:eks:us-east-1:111122223333:podidentityassociation/" + a.cluster + "/" + id, id})
	}
	if start+max < len(match) {
		next := strconv.Itoa(start + max)
		out.NextToken = &next
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// client is aws-sdk-go-v2's EKS client for url, built from Options so
// that no environment variable (AWS_CA_BUNDLE, AWS_ENDPOINT_URL_EKS)
// reaches it.
func client(url string) *eks.Client {
	return eks.New(eks.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{}})
}

func newCache(t *testing.T, url, cluster string) *Cache {
	t.Helper()
	c, err := New(Config{Client: client(url), Cluster: cluster, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func has(t *testing.T, c *Cache, ns, sa string) bool {
	t.Helper()
	ok, err := c.HasAssociation(t.Context(), ns, sa)
	if err != nil {
		t.Fatalf("%s/%s: %v", ns, sa, err)
	}
	return ok
}

// TestFreshAssociation: the race of amazon-eks-pod-identity-webhook#264.
// A ServiceAccount answered "no association" (after a full list, too)
// is seen to have one as soon as the API has it, with no refresh between.
func TestFreshAssociation(t *testing.T) {
	api := newEKSAPI(t, "c1")
	api.add("demo", "other")
	c := newCache(t, api.URL, "c1")
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if has(t, c, "demo", "app") {
		t.Fatal("an association before it exists")
	}
	api.add("demo", "app")
	if !has(t, c, "demo", "app") {
		t.Fatal("a fresh association is missed")
	}
	// Positive control beside it: another account still has none, and
	// an association in another namespace is not this one's.
	api.add("prod", "web")
	if has(t, c, "demo", "web") || !has(t, c, "demo", "other") {
		t.Fatal("answers for the wrong accounts")
	}
}

// TestPositiveCached: a known association is answered without the API
// (even when it is down); an account without one asks the API each time.
func TestPositiveCached(t *testing.T) {
	api := newEKSAPI(t, "c1")
	api.add("demo", "app")
	c := newCache(t, api.URL, "c1")
	if !has(t, c, "demo", "app") {
		t.Fatal("association not found")
	}
	n := api.calls.Load()
	for range 3 {
		if !has(t, c, "demo", "app") {
			t.Fatal("association forgotten")
		}
		if has(t, c, "demo", "none") {
			t.Fatal("association invented")
		}
	}
	if got := api.calls.Load() - n; got != 3 {
		t.Fatalf("%d API calls, want 3 (one per negative lookup, none for the known one)", got)
	}
	api.Close()
	if !has(t, c, "demo", "app") {
		t.Fatal("a known association needs the API")
	}
	if _, err := c.HasAssociation(t.Context(), "demo", "none"); err == nil {
		t.Fatal("an unreachable API gives a negative answer, not an error")
	}
}

// TestRefresh: a full list over pages fills the cache (no API calls for
// those accounts afterwards), forgets deleted associations, and keeps one
// a lookup learned while it ran.
func TestRefresh(t *testing.T) {
	api := newEKSAPI(t, "c1")
	for i := range 250 {
		api.add("ns", fmt.Sprintf("sa-%d", i))
	}
	c := newCache(t, api.URL, "c1")
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 250 {
		t.Fatalf("%d known after the list, want 250", c.Len())
	}
	n := api.calls.Load()
	if !has(t, c, "ns", "sa-0") || !has(t, c, "ns", "sa-249") || api.calls.Load() != n {
		t.Fatal("listed associations are asked again")
	}

	// sa-0 is deleted; while the next list runs (between its pages), a
	// new association is created and a pod's lookup learns it.
	api.remove("ns", "sa-0")
	api.onPage = func(page int) {
		if page == 1 {
			api.onPage = nil
			api.add("late", "app")
			if !has(t, c, "late", "app") {
				t.Error("the late association is not found")
			}
		}
	}
	pages := api.calls.Load()
	if err := c.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := api.calls.Load() - pages; got != 4 { // 3 pages and the lookup
		t.Errorf("%d calls, want 3 pages and one lookup", got)
	}
	n = api.calls.Load()
	if !has(t, c, "late", "app") || api.calls.Load() != n {
		t.Fatal("the association learned during the list was dropped")
	}
	if has(t, c, "ns", "sa-0") || api.calls.Load() != n+1 {
		t.Fatal("a deleted association is still known after the list")
	}
}

// TestErrors: a cluster the API does not know and a list that fails are
// errors that leave the cache as it was.
func TestErrors(t *testing.T) {
	api := newEKSAPI(t, "c1")
	api.add("demo", "app")
	c := newCache(t, api.URL, "c1")
	if err := c.Refresh(t.Context()); err != nil || c.Len() != 1 {
		t.Fatalf("%v, %d known", err, c.Len())
	}
	other := newCache(t, api.URL, "c2")
	_, err := other.HasAssociation(t.Context(), "demo", "app")
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("unknown cluster: %v", err)
	}
	if err := other.Refresh(t.Context()); err == nil {
		t.Fatal("unknown cluster: the list succeeds")
	}
	api.Close()
	if err := c.Refresh(t.Context()); err == nil || c.Len() != 1 {
		t.Fatalf("a failed list: %v, %d known", err, c.Len())
	}
}

// TestTimeout: a lookup the API does not answer ends within the timeout.
func TestTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	c, err := New(Config{Client: client(srv.URL), Cluster: "c1", Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.HasAssociation(ctx, "demo", "app"); err == nil || ctx.Err() != nil {
		t.Fatalf("lookup: %v (context %v)", err, ctx.Err())
	}
}

func TestConfigValidate(t *testing.T) {
	err := Config{Refresh: -1}.Validate()
	for _, want := range []string{"no EKS client", "no cluster name", "negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want %q", err, want)
		}
	}
	if err := (Config{Client: client("http://x"), Cluster: "c"}).Validate(); err != nil {
		t.Errorf("a good config: %v", err)
	}
}
