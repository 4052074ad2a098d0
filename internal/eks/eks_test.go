package eks_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
)

const acct = "111122223333"

// authorizer is a unit test's stand-in for iam.Service.Authorize: it
// records every authorization and refuses the actions in deny.
type authorizer struct {
	deny  map[string]bool
	calls []call
	// ids are the unique ids of the users and roles that exist, by ARN.
	ids map[string]string
}

func (a *authorizer) PrincipalID(_ context.Context, arn string) (string, error) {
	return a.ids[arn], nil
}

type call struct {
	action, resource string
	keys             iam.Keys
}

func (a *authorizer) Authorize(_ context.Context, c iam.Caller, action, resource string, keys iam.Keys) error {
	a.calls = append(a.calls, call{action, resource, keys})
	if a.deny[action] {
		return fault.Errorf(fault.AccessDenied, "User: %s is not authorized to perform: %s on resource: %s", c.ARN, action, resource)
	}
	return nil
}

func (a *authorizer) AuthorizePassRole(ctx context.Context, c iam.Caller, role, service, resource string) error {
	return a.Authorize(ctx, c, "iam:PassRole", role, iam.Keys{Values: map[string]string{"iam:PassedToService": service, "iam:AssociatedResourceArn": resource}})
}

func (a *authorizer) last(action string) (call, bool) {
	for i := len(a.calls) - 1; i >= 0; i-- {
		if a.calls[i].action == action {
			return a.calls[i], true
		}
	}
	return call{}, false
}

type fixture struct {
	svc  *eks.Service
	st   store.Store
	auth *authorizer
	now  time.Time
	c    iam.Caller
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: memory.New(), auth: &authorizer{deny: map[string]bool{}, ids: map[string]string{}}, now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		c: iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":user/alice", UserName: "alice"}}
	if err := f.st.CreateAccount(t.Context(), store.Account{ID: acct, Name: "a", Email: "a@example.com", CreatedAt: f.now}); err != nil {
		t.Fatal(err)
	}
	svc, err := eks.New(eks.Config{Store: f.st, IAM: f.auth, PublicURL: "https://podiam.example:4580/", Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func (f *fixture) cluster(t *testing.T, name string) eks.Cluster {
	t.Helper()
	c, err := f.svc.CreateCluster(t.Context(), f.c, eks.CreateClusterInput{Name: name, RoleARN: "arn:aws:iam::" + acct + ":role/eks",
		HasVPCConfig: true, SubnetIDs: []string{"subnet-1"}, Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantKind(t *testing.T, what string, err error, k fault.Kind) {
	t.Helper()
	if fault.KindOf(err) != k {
		t.Errorf("%s: error %v (kind %v), want kind %v", what, err, fault.KindOf(err), k)
	}
}

func TestClusters(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := f.cluster(t, "c1")
	if c.Status != eks.StatusCreating || c.Version != eks.DefaultVersion || c.AuthenticationMode != eks.AuthAPIAndConfigMap {
		t.Errorf("new cluster: status %s, version %s, mode %s", c.Status, c.Version, c.AuthenticationMode)
	}
	if c.ARN != "arn:aws:eks:us-east-1:"+acct+":cluster/c1" {
		t.Errorf("ARN %s", c.ARN)
	}
	if !regexp.MustCompile(`^https://podiam\.example:4580/id/[0-9a-f]{32}$`).MatchString(c.IssuerURL) || c.IssuerURL != c.HostedIssuerURL {
		t.Errorf("issuer %s", c.IssuerURL)
	}
	call, _ := f.auth.last("eks:CreateCluster")
	if call.resource != "*" || call.keys.Values["eks:kubernetesVersion"] != "1.33" || call.keys.Values["eks:authenticationMode"] != "API_AND_CONFIG_MAP" ||
		len(call.keys.RequestTags) != 1 {
		t.Errorf("CreateCluster authorized with %+v", call)
	}

	// CREATING until the activation delay has passed, then ACTIVE.
	d, err := f.svc.DescribeCluster(ctx, f.c, "c1")
	if err != nil || d.Status != eks.StatusCreating {
		t.Errorf("describe at once: %v, %+v", err, d.Status)
	}
	f.now = f.now.Add(eks.DefaultActivation)
	if d, err = f.svc.DescribeCluster(ctx, f.c, "c1"); err != nil || d.Status != eks.StatusActive {
		t.Errorf("describe after the delay: %v, %+v", err, d.Status)
	}
	call, _ = f.auth.last("eks:DescribeCluster")
	if call.resource != c.ARN || len(call.keys.ResourceTags) != 1 {
		t.Errorf("DescribeCluster authorized with %+v", call)
	}

	for _, tc := range []struct {
		name string
		in   eks.CreateClusterInput
		kind fault.Kind
	}{
		{"exists", eks.CreateClusterInput{Name: "c1", RoleARN: "arn:aws:iam::" + acct + ":role/eks", HasVPCConfig: true}, fault.AlreadyExists},
		{"bad name", eks.CreateClusterInput{Name: "-c", RoleARN: "arn:aws:iam::" + acct + ":role/eks", HasVPCConfig: true}, fault.InvalidParameter},
		{"bad role", eks.CreateClusterInput{Name: "c2", RoleARN: "arn:aws:iam::" + acct + ":user/eks", HasVPCConfig: true}, fault.InvalidParameter},
		{"no vpc config", eks.CreateClusterInput{Name: "c2", RoleARN: "arn:aws:iam::" + acct + ":role/eks"}, fault.InvalidParameter},
		{"bad mode", eks.CreateClusterInput{Name: "c2", RoleARN: "arn:aws:iam::" + acct + ":role/eks", HasVPCConfig: true, AuthenticationMode: "X"}, fault.InvalidParameter},
	} {
		_, err := f.svc.CreateCluster(ctx, f.c, tc.in)
		wantKind(t, tc.name, err, tc.kind)
	}
	_, err = f.svc.DescribeCluster(ctx, f.c, "nope")
	wantKind(t, "describe a missing cluster", err, fault.NotFound)
	if fe, ok := fault.As(err); !ok || fe.Message != "No cluster found for name: nope." {
		t.Errorf("message of %v", err)
	}

	// Paging.
	f.cluster(t, "c2")
	f.cluster(t, "c3")
	p, err := f.svc.ListClusters(ctx, f.c, eks.PageRequest{MaxResults: 2})
	if err != nil || strings.Join(p.Items, ",") != "c1,c2" || p.NextToken == "" {
		t.Fatalf("first page: %v %+v", err, p)
	}
	p, err = f.svc.ListClusters(ctx, f.c, eks.PageRequest{MaxResults: 2, NextToken: p.NextToken})
	if err != nil || strings.Join(p.Items, ",") != "c3" || p.NextToken != "" {
		t.Errorf("second page: %v %+v", err, p)
	}
	for _, bad := range []eks.PageRequest{{MaxResults: 101}, {MaxResults: -1}, {NextToken: "!!"}} {
		_, err := f.svc.ListClusters(ctx, f.c, bad)
		wantKind(t, "bad page", err, fault.InvalidParameter)
	}

	// Refusals, with the positive control above.
	f.auth.deny["eks:DescribeCluster"] = true
	_, err = f.svc.DescribeCluster(ctx, f.c, "c1")
	wantKind(t, "describe refused", err, fault.AccessDenied)
	_, err = f.svc.DescribeCluster(ctx, f.c, "nope")
	wantKind(t, "describe of a missing cluster refused first", err, fault.AccessDenied)

	del, err := f.svc.DeleteCluster(ctx, f.c, "c1")
	if err != nil || del.Status != eks.StatusDeleting {
		t.Errorf("delete: %v %s", err, del.Status)
	}
	_, err = f.svc.DeleteCluster(ctx, f.c, "c1")
	wantKind(t, "delete again", err, fault.NotFound)
}

func TestAddons(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.cluster(t, "c1")
	a, err := f.svc.CreateAddon(ctx, f.c, eks.CreateAddonInput{ClusterName: "c1", Name: eks.PodIdentityAgent})
	if err != nil || a.Status != eks.StatusActive ||
		!regexp.MustCompile(`^arn:aws:eks:us-east-1:`+acct+`:addon/c1/eks-pod-identity-agent/[0-9a-f-]{36}$`).MatchString(a.ARN) {
		t.Fatalf("create add-on: %v %+v", err, a)
	}
	_, err = f.svc.CreateAddon(ctx, f.c, eks.CreateAddonInput{ClusterName: "c1", Name: eks.PodIdentityAgent})
	wantKind(t, "create again", err, fault.AlreadyExists)
	_, err = f.svc.CreateAddon(ctx, f.c, eks.CreateAddonInput{ClusterName: "c1", Name: "vpc-cni"})
	wantKind(t, "unknown add-on", err, fault.InvalidParameter)
	_, err = f.svc.CreateAddon(ctx, f.c, eks.CreateAddonInput{ClusterName: "nope", Name: eks.PodIdentityAgent})
	wantKind(t, "missing cluster", err, fault.NotFound)
	if d, err := f.svc.DescribeAddon(ctx, f.c, "c1", eks.PodIdentityAgent); err != nil || d.ARN != a.ARN {
		t.Errorf("describe: %v %+v", err, d)
	}
	if call, _ := f.auth.last("eks:DescribeAddon"); call.resource != a.ARN {
		t.Errorf("DescribeAddon authorized on %s", call.resource)
	}
	if p, err := f.svc.ListAddons(ctx, f.c, "c1", eks.PageRequest{}); err != nil || len(p.Items) != 1 {
		t.Errorf("list: %v %+v", err, p)
	}
	if _, err := f.svc.DeleteAddon(ctx, f.c, "c1", eks.PodIdentityAgent); err != nil {
		t.Error(err)
	}
	_, err = f.svc.DescribeAddon(ctx, f.c, "c1", eks.PodIdentityAgent)
	wantKind(t, "describe deleted", err, fault.NotFound)
}

func TestAssociations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	cl := f.cluster(t, "c1")
	role := "arn:aws:iam::" + acct + ":role/app"
	in := eks.CreateAssociationInput{ClusterName: "c1", Namespace: "ns", ServiceAccount: "sa", RoleARN: role, Tags: map[string]string{"k": "v"}}
	a, err := f.svc.CreatePodIdentityAssociation(ctx, f.c, in)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^a-[a-z0-9]{17}$`).MatchString(a.ID) || a.ARN != "arn:aws:eks:us-east-1:"+acct+":podidentityassociation/c1/"+a.ID ||
		a.ExternalID != "" || !a.CreatedAt.Equal(f.now) {
		t.Errorf("created %+v", a)
	}
	pass, ok := f.auth.last("iam:PassRole")
	if !ok || pass.resource != role || pass.keys.Values["iam:PassedToService"] != "pods.eks.amazonaws.com" ||
		pass.keys.Values["iam:AssociatedResourceArn"] != cl.ARN {
		t.Errorf("PassRole authorized with %+v", pass)
	}
	_, err = f.svc.CreatePodIdentityAssociation(ctx, f.c, in)
	wantKind(t, "duplicate", err, fault.AlreadyExists)

	// PassRole refused: no association (the one above is the control).
	f.auth.deny["iam:PassRole"] = true
	in2 := in
	in2.ServiceAccount = "other"
	_, err = f.svc.CreatePodIdentityAssociation(ctx, f.c, in2)
	wantKind(t, "without PassRole", err, fault.AccessDenied)
	delete(f.auth.deny, "iam:PassRole")

	for _, tc := range []struct {
		name string
		edit func(*eks.CreateAssociationInput)
	}{
		{"bad namespace", func(i *eks.CreateAssociationInput) { i.Namespace = "NS" }},
		{"bad service account", func(i *eks.CreateAssociationInput) { i.ServiceAccount = "" }},
		{"role of another account", func(i *eks.CreateAssociationInput) { i.RoleARN = "arn:aws:iam::444455556666:role/app" }},
		{"bad target role", func(i *eks.CreateAssociationInput) { i.TargetRoleARN = "arn:aws:s3:::b" }},
		{"policy with session tags", func(i *eks.CreateAssociationInput) { i.Policy = `{"Version":"2012-10-17","Statement":[]}` }},
	} {
		i := in2
		tc.edit(&i)
		_, err := f.svc.CreatePodIdentityAssociation(ctx, f.c, i)
		wantKind(t, tc.name, err, fault.InvalidParameter)
	}
	bad := in2
	bad.DisableSessionTags, bad.Policy = true, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`
	_, err = f.svc.CreatePodIdentityAssociation(ctx, f.c, bad)
	wantKind(t, "malformed policy", err, fault.Malformed)

	// Target role: the external id.
	in2.TargetRoleARN, in2.DisableSessionTags = "arn:aws:iam::444455556666:role/t", true
	in2.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	b, err := f.svc.CreatePodIdentityAssociation(ctx, f.c, in2)
	if err != nil || b.ExternalID != "us-east-1/"+acct+"/c1/ns/other" {
		t.Fatalf("with a target role: %v %+v", err, b)
	}

	// Listing with filters and pages.
	p, err := f.svc.ListPodIdentityAssociations(ctx, f.c, "c1", eks.AssociationFilter{ServiceAccount: "other"}, eks.PageRequest{})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != b.ID {
		t.Errorf("filtered: %v %+v", err, p)
	}
	p, err = f.svc.ListPodIdentityAssociations(ctx, f.c, "c1", eks.AssociationFilter{Namespace: "ns"}, eks.PageRequest{MaxResults: 1})
	if err != nil || len(p.Items) != 1 || p.NextToken == "" {
		t.Fatalf("page 1: %v %+v", err, p)
	}
	p2, err := f.svc.ListPodIdentityAssociations(ctx, f.c, "c1", eks.AssociationFilter{Namespace: "ns"}, eks.PageRequest{MaxResults: 1, NextToken: p.NextToken})
	if err != nil || len(p2.Items) != 1 || p2.NextToken != "" || p2.Items[0].ID == p.Items[0].ID {
		t.Errorf("page 2: %v %+v", err, p2)
	}

	// Update.
	f.now = f.now.Add(time.Minute)
	_, err = f.svc.UpdatePodIdentityAssociation(ctx, f.c, eks.UpdateAssociationInput{ClusterName: "c1", ID: a.ID, RoleARN: &role})
	wantKind(t, "update without a change", err, fault.InvalidParameter)
	other := "arn:aws:iam::" + acct + ":role/other"
	u, err := f.svc.UpdatePodIdentityAssociation(ctx, f.c, eks.UpdateAssociationInput{ClusterName: "c1", ID: a.ID, RoleARN: &other})
	if err != nil || u.RoleARN != other || !u.ModifiedAt.Equal(f.now) || u.Namespace != "ns" {
		t.Errorf("update: %v %+v", err, u)
	}
	if pass, _ := f.auth.last("iam:PassRole"); pass.resource != other {
		t.Errorf("update passed %s", pass.resource)
	}
	f.auth.deny["iam:PassRole"] = true
	_, err = f.svc.UpdatePodIdentityAssociation(ctx, f.c, eks.UpdateAssociationInput{ClusterName: "c1", ID: a.ID, RoleARN: &role})
	wantKind(t, "update without PassRole", err, fault.AccessDenied)
	delete(f.auth.deny, "iam:PassRole")

	// eks-auth's lookups.
	got, err := f.svc.AssociationFor(ctx, acct, "c1", "ns", "sa")
	if err != nil || got.ID != a.ID || got.RoleARN != other {
		t.Errorf("AssociationFor: %v %+v", err, got)
	}
	_, err = f.svc.AssociationFor(ctx, acct, "c1", "ns", "nobody")
	wantKind(t, "AssociationFor none", err, fault.NotFound)

	// The lookups are kept, and every write is seen by the next one: an
	// update, a delete, and an association made where there was none.
	third := "arn:aws:iam::" + acct + ":role/third"
	if _, err := f.svc.UpdatePodIdentityAssociation(ctx, f.c, eks.UpdateAssociationInput{ClusterName: "c1", ID: a.ID, RoleARN: &third}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.AssociationFor(ctx, acct, "c1", "ns", "sa"); err != nil || got.RoleARN != third {
		t.Errorf("AssociationFor after an update: %v %+v", err, got)
	}
	if _, err := f.svc.CreatePodIdentityAssociation(ctx, f.c, eks.CreateAssociationInput{ClusterName: "c1", Namespace: "ns", ServiceAccount: "nobody", RoleARN: role}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.AssociationFor(ctx, acct, "c1", "ns", "nobody"); err != nil || got.RoleARN != role {
		t.Errorf("AssociationFor after a create where none was: %v %+v", err, got)
	}

	if _, err := f.svc.DeletePodIdentityAssociation(ctx, f.c, "c1", a.ID); err != nil {
		t.Error(err)
	}
	_, err = f.svc.AssociationFor(ctx, acct, "c1", "ns", "sa")
	wantKind(t, "AssociationFor deleted", err, fault.NotFound)
	_, err = f.svc.DescribePodIdentityAssociation(ctx, f.c, "c1", a.ID)
	wantKind(t, "describe deleted", err, fault.NotFound)
	_, err = f.svc.DescribePodIdentityAssociation(ctx, f.c, "nope", a.ID)
	wantKind(t, "describe in a missing cluster", err, fault.NotFound)
}

func rsaJWKS(t *testing.T, private bool) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var key any = &k.PublicKey
	if private {
		key = k
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBindingAndIssuer(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := f.cluster(t, "c1")
	pub := rsaJWKS(t, false)
	ca := "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1BPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=" // a PEM block
	b, err := f.svc.PutBinding(ctx, f.c, "c1", eks.Binding{Endpoint: "https://10.0.0.1:6443", CAData: ca, Keys: pub})
	if err != nil {
		t.Fatal(err)
	}
	if b.Endpoint != "https://10.0.0.1:6443" || b.CAData != ca || len(b.Keys.Keys) != 1 || !b.KeysPushedAt.Equal(f.now) {
		t.Errorf("bound %+v", b)
	}
	if call, _ := f.auth.last("podiam:PutClusterBinding"); call.resource != c.ARN {
		t.Errorf("binding authorized on %q", call.resource)
	}
	got, err := f.svc.HostedIssuer(ctx, c.IssuerID)
	if err != nil || got.Name != "c1" || len(got.Keys.Keys) != 1 {
		t.Fatalf("hosted issuer: %v %+v", err, got)
	}
	d := eks.DiscoveryOf(got)
	if d.Issuer != c.HostedIssuerURL || d.JWKSURI != c.HostedIssuerURL+"/keys" {
		t.Errorf("discovery %+v", d)
	}
	if _, err := f.svc.HostedIssuer(ctx, strings.Repeat("0", 32)); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unknown issuer: %v", err)
	}
	// ClusterByName sees a new push at once (the EKS generation moved).
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDoc, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &ec.PublicKey, KeyID: "e1", Algorithm: "ES256", Use: "sig"}}})
	if _, err := f.svc.ClusterByName(ctx, acct, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutBinding(ctx, f.c, "c1", eks.Binding{Endpoint: "https://10.0.0.1:6443", Issuer: "https://issuer.example/x", Keys: ecDoc}); err != nil {
		t.Fatal(err)
	}
	cb, err := f.svc.ClusterByName(ctx, acct, "c1")
	if err != nil || cb.Keys.Keys[0].KeyID != "e1" || cb.IssuerURL != "https://issuer.example/x" || cb.HostedIssuerURL != c.HostedIssuerURL {
		t.Errorf("after a second push: %v %+v", err, cb)
	}

	for _, tc := range []struct {
		name string
		b    eks.Binding
	}{
		{"private key", eks.Binding{Keys: rsaJWKS(t, true)}},
		{"symmetric key", eks.Binding{Keys: []byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`)}},
		// Keys eks-auth's verifier would skip (pub, above, is the control).
		{"encryption key", eks.Binding{Keys: bytes.Replace(pub, []byte(`"use":"sig"`), []byte(`"use":"enc"`), 1)}},
		{"key_ops without verify", eks.Binding{Keys: bytes.Replace(pub, []byte(`"use":"sig"`), []byte(`"key_ops":["encrypt"]`), 1)}},
		{"not JSON", eks.Binding{Keys: []byte(`keys`)}},
		{"no keys array", eks.Binding{Keys: []byte(`{}`)}},
		{"bad endpoint", eks.Binding{Endpoint: "10.0.0.1:6443"}},
		{"http issuer", eks.Binding{Issuer: "http://issuer.example"}},
		{"bad CA", eks.Binding{CAData: "bm90IFBFTQ=="}},
	} {
		_, err := f.svc.PutBinding(ctx, f.c, "c1", tc.b)
		wantKind(t, tc.name, err, fault.InvalidParameter)
	}
	_, err = f.svc.PutBinding(ctx, f.c, "nope", eks.Binding{Keys: pub})
	wantKind(t, "missing cluster", err, fault.NotFound)
}

// FuzzParseKeys holds ParseKeys to its promises: it never panics, and a
// set it accepts has only public RSA or EC keys and reads back the same
// after go-jose writes it.
func FuzzParseKeys(f *testing.F) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	pub, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	priv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPub, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &ec.PublicKey, KeyID: "e1"}}})
	for _, s := range [][]byte{pub, priv, ecPub, []byte(`{"keys":[]}`), []byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`), []byte(`{}`), []byte(`[]`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		set, err := eks.ParseKeys(doc)
		if err != nil {
			return
		}
		for _, k := range set.Keys {
			if !k.IsPublic() {
				t.Fatalf("accepted a private key from %q", doc)
			}
			switch k.Key.(type) {
			case *rsa.PublicKey, *ecdsa.PublicKey:
			default:
				t.Fatalf("accepted a %T", k.Key)
			}
		}
		if set.Keys == nil {
			set.Keys = []jose.JSONWebKey{}
		}
		again, err := json.Marshal(set)
		if err != nil {
			t.Fatalf("write the accepted set: %v", err)
		}
		set2, err := eks.ParseKeys(again)
		if err != nil || len(set2.Keys) != len(set.Keys) {
			t.Fatalf("the written set does not read back: %v (%d keys, want %d)", err, len(set2.Keys), len(set.Keys))
		}
	})
}

// countingStore counts the reads that list clusters.
type countingStore struct {
	store.Store
	lists atomic.Int32
}

func (s *countingStore) ListAccounts(ctx context.Context) ([]store.Account, error) {
	s.lists.Add(1)
	return s.Store.ListAccounts(ctx)
}

func (s *countingStore) ListClusters(ctx context.Context, account string) ([]store.Cluster, error) {
	s.lists.Add(1)
	return s.Store.ListClusters(ctx, account)
}

// TestHostedIssuerUnknownIDs: unknown issuer ids, however many, are
// answered from the index built once per EKS generation (no store read,
// nothing kept that could push the known ids out), and a cluster created
// afterwards is found at once.
func TestHostedIssuerUnknownIDs(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	cs := &countingStore{Store: f.st}
	svc, err := eks.New(eks.Config{Store: cs, IAM: f.auth, PublicURL: "https://podiam.example:4580", Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	c1 := f.cluster(t, "c1")
	if got, err := svc.HostedIssuer(ctx, c1.IssuerID); err != nil || got.Name != "c1" {
		t.Fatalf("c1's issuer: %v %+v", err, got)
	}
	built := cs.lists.Load()
	if built == 0 {
		t.Fatal("the index was built without listing the clusters")
	}
	for i := range 20000 {
		id := fmt.Sprintf("%032x", i+1)
		if _, err := svc.HostedIssuer(ctx, id); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("random id %s: %v", id, err)
		}
	}
	if n := cs.lists.Load() - built; n != 0 {
		t.Errorf("%d store lists for unknown ids, want none", n)
	}
	// The control: the known id is still found, without a build.
	if got, err := svc.HostedIssuer(ctx, c1.IssuerID); err != nil || got.Name != "c1" {
		t.Fatalf("c1's issuer after the unknown ids: %v %+v", err, got)
	}
	if n := cs.lists.Load() - built; n != 0 {
		t.Errorf("%d store lists for a known id, want none", n)
	}
	// A new cluster moves the generation: its id is found at once.
	c2 := f.cluster(t, "c2")
	if got, err := svc.HostedIssuer(ctx, c2.IssuerID); err != nil || got.Name != "c2" {
		t.Fatalf("a new cluster's issuer: %v %+v", err, got)
	}
}
