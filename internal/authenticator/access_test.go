package authenticator

import (
	"context"
	"errors"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/podiam/podiam/internal/accessclient"
	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/fault"
)

// fakeResolver answers ResolveAccess from a table, counting the calls.
type fakeResolver struct {
	access map[string]accessclient.Access // by principal id
	err    error
	calls  int
	asked  [3]string
}

func (f *fakeResolver) Lookup(_ context.Context, cluster, id, arn string) (accessclient.Access, error) {
	f.calls++
	f.asked = [3]string{cluster, id, arn}
	if f.err != nil {
		return accessclient.Access{}, f.err
	}
	if a, ok := f.access[id]; ok {
		return a, nil
	}
	return accessclient.Access{AuthenticationMode: ModeAPIAndConfigMap}, nil
}

func TestEKSAccess(t *testing.T) {
	view := accesspolicy.Associated{PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", Scope: accesspolicy.Scope{Type: accesspolicy.ScopeNamespace, Namespaces: []string{"dev-*"}}}
	r := &fakeResolver{access: map[string]accessclient.Access{
		"AROACI": {AuthenticationMode: ModeAPIAndConfigMap, Entry: &accessclient.Entry{Username: "ci:{{SessionName}}", KubernetesGroups: []string{"g"}}, Policies: []accesspolicy.Associated{view}},
	}}
	now := time.Unix(1e9, 0)
	e := &EKSAccess{Resolver: r, Cluster: "prod", Now: func() time.Time { return now }}
	ci := roleCaller("ci", "s") // arn:aws:iam::111122223333:role/ci, AROACI
	ctx := t.Context()

	// A TokenReview and the authorization after it: one call.
	if mode, err := e.Mode(ctx, ci); err != nil || mode != ModeAPIAndConfigMap {
		t.Fatalf("Mode: %q, %v", mode, err)
	}
	m, ok, err := e.Lookup(ctx, ci)
	if err != nil || !ok || m.Username != "ci:{{SessionName}}" || m.Source != SourceAccessEntry || len(m.Groups) != 1 {
		t.Fatalf("Lookup: %+v %v %v", m, ok, err)
	}
	user := authenticationv1.UserInfo{Username: "ci:s", UID: UIDPrefix + "111122223333:" + ci.PrincipalID, Extra: map[string]authenticationv1.ExtraValue{
		ExtraPrincipalID: {ci.PrincipalID}, ExtraCanonicalARN: {ci.CanonicalARN}}}
	pods := func(ns, verb string) Attributes {
		return Attributes{Resource: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Resource: "pods", Version: "v1"}}
	}
	for _, tc := range []struct {
		name  string
		attrs Attributes
		want  bool
	}{
		{"list pods in dev-a", pods("dev-a", "list"), true},
		{"list pods in prod", pods("prod", "list"), false},
		{"delete pods in dev-a", pods("dev-a", "delete"), false},
	} {
		if ok, _, err := e.Allowed(ctx, user, tc.attrs); err != nil || ok != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, ok, err, tc.want)
		}
	}
	if r.calls != 1 || r.asked != [3]string{"prod", "AROACI", "arn:aws:iam::111122223333:role/ci"} {
		t.Fatalf("%d calls, last %q; want 1", r.calls, r.asked)
	}
	// The same extras under another uid (an impersonated user with
	// made-up extras) take nothing; the control is the loop above.
	for _, uid := range []string{"", "someone-else", UIDPrefix + "111122223333:AROAOTHER", UIDPrefix + "999999999999:" + ci.PrincipalID} {
		forged := user
		forged.UID = uid
		if ok, _, err := e.Allowed(ctx, forged, pods("dev-a", "list")); ok || err != nil {
			t.Errorf("extras under uid %q: allowed %v, %v", uid, ok, err)
		}
	}

	// After the TTL, podiam is asked again.
	now = now.Add(DefaultAccessTTL)
	if _, err := e.Mode(ctx, ci); err != nil || r.calls != 2 {
		t.Fatalf("after the TTL: %d calls, %v", r.calls, err)
	}

	// A user's path is stripped; no entry is not mapped and allows nothing.
	alice, _ := NewCaller(Identity{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/ops/alice", UserID: "AIDAALICE"})
	if _, ok, err := e.Lookup(ctx, alice); ok || err != nil || r.asked[2] != "arn:aws:iam::111122223333:user/alice" {
		t.Fatalf("alice: %v, %v, asked %q", ok, err, r.asked)
	}
	user.Extra[ExtraPrincipalID] = authenticationv1.ExtraValue{"AIDAALICE"}
	user.Extra[ExtraCanonicalARN] = authenticationv1.ExtraValue{"arn:aws:iam::111122223333:user/alice"}
	user.UID = UIDPrefix + "111122223333:AIDAALICE"
	if ok, _, err := e.Allowed(ctx, user, pods("dev-a", "list")); ok || err != nil {
		t.Fatalf("alice allowed: %v, %v", ok, err)
	}
	// A user without the authenticator's extra: no call, no opinion.
	before := r.calls
	if ok, _, err := e.Allowed(ctx, authenticationv1.UserInfo{Username: "x"}, pods("dev-a", "list")); ok || err != nil || r.calls != before {
		t.Fatalf("a user of another authenticator: %v, %v, %d calls", ok, err, r.calls-before)
	}

	// A failure is an error, and is not kept.
	fresh := &EKSAccess{Resolver: &fakeResolver{err: errors.New("down")}, Cluster: "prod"}
	if _, err := fresh.Mode(ctx, ci); err == nil {
		t.Fatal("Mode with podiam down: no error")
	}
	m2 := &Mapper{AccessEntries: fresh}
	if _, _, _, err := m2.Map(ctx, ci); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("Map with podiam down: %v", err)
	}
	fresh.Resolver = r
	if _, _, source, err := m2.Map(ctx, ci); err != nil || source != SourceAccessEntry {
		t.Fatalf("Map once podiam is back: %q, %v", source, err)
	}
	// An unknown mode is refused.
	r.access["AROAODD"] = accessclient.Access{AuthenticationMode: "ODD"}
	odd := roleCaller("odd", "s")
	odd.PrincipalID = "AROAODD"
	if _, err := e.Mode(ctx, odd); fault.KindOf(err) != fault.Failure {
		t.Fatalf("mode ODD: %v", err)
	}
}
