package iam_test

import (
	"bytes"
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
)

const (
	acct  = "111122223333"
	trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.example.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example.com:sub":"system:serviceaccount:ns:sa"}}}]}`
	allow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
)

var (
	root   = iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}
	epoch  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	bobARN = "arn:aws:iam::" + acct + ":user/bob"
)

type env struct {
	svc   *iam.Service
	store store.Store
	seal  *creds.Sealer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := memory.New()
	if err := st.CreateAccount(t.Context(), store.Account{ID: acct, CreatedAt: epoch}); err != nil {
		t.Fatal(err)
	}
	rnd := mrand.NewChaCha8([32]byte{1})
	seal, err := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{7}, 32)}, 1, rnd)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := iam.NewService(iam.Config{Store: st, Sealer: seal, Now: func() time.Time { return epoch }, Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, store: st, seal: seal}
}

// must returns v; a test step that fails unexpectedly panics, which
// fails the test with the step's stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, kind fault.Kind) {
	t.Helper()
	if got := code(err); got != kind {
		t.Fatalf("error %v: kind %v, want %v", err, got, kind)
	}
}

func (e *env) role(t *testing.T, name string) store.Role {
	t.Helper()
	return must(e.svc.CreateRole(t.Context(), root, iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust}))
}

func (e *env) policy(t *testing.T, name string) store.ManagedPolicy {
	t.Helper()
	return must(e.svc.CreatePolicy(t.Context(), root, iam.CreatePolicyInput{PolicyName: name, PolicyDocument: allow}))
}

func TestNewService(t *testing.T) {
	if _, err := iam.NewService(iam.Config{}); err == nil || !strings.Contains(err.Error(), "no store, no sealer") {
		t.Fatalf("NewService(empty) = %v", err)
	}
}

func TestCreateRole(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	r := e.role(t, "irsa")
	if r.ARN != "arn:aws:iam::111122223333:role/irsa" || !strings.HasPrefix(r.ID, "AROA") || len(r.ID) != 21 ||
		r.MaxSessionDuration != 3600 || r.Path != "/" || !r.CreatedAt.Equal(epoch) {
		t.Fatalf("role %+v", r)
	}
	got := must(e.svc.GetRole(ctx, root, "IRSA"))
	if got.ARN != r.ARN || got.AssumeRolePolicyDocument != trust {
		t.Fatalf("GetRole = %+v", got)
	}
	e.policy(t, "boundary")
	tests := []struct {
		name string
		in   iam.CreateRoleInput
		code fault.Kind
	}{
		{"with path and boundary", iam.CreateRoleInput{RoleName: "p", Path: "/app/", AssumeRolePolicyDocument: trust, MaxSessionDuration: 43200,
			PermissionsBoundary: "arn:aws:iam::111122223333:policy/boundary", Tags: []iam.Tag{{"team", "a"}}}, 0},
		{"duplicate", iam.CreateRoleInput{RoleName: "Irsa", AssumeRolePolicyDocument: trust}, fault.AlreadyExists},
		{"bad name", iam.CreateRoleInput{RoleName: "a b", AssumeRolePolicyDocument: trust}, fault.Validation},
		{"bad path", iam.CreateRoleInput{RoleName: "x", Path: "app", AssumeRolePolicyDocument: trust}, fault.Validation},
		{"bad duration", iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust, MaxSessionDuration: 60}, fault.Validation},
		{"malformed trust", iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: `{"Version":`}, fault.Malformed},
		{"trust without principal", iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: allow}, fault.Malformed},
		{"missing boundary", iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust, PermissionsBoundary: "arn:aws:iam::111122223333:policy/nope"}, fault.NotFound},
		{"bad tag", iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust, Tags: []iam.Tag{{"aws:x", ""}}}, fault.InvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.CreateRole(ctx, root, tt.in)
			wantCode(t, err, tt.code)
		})
	}
	_, err := e.svc.GetRole(ctx, root, "missing")
	wantCode(t, err, fault.NotFound)
	if fe, _ := fault.As(err); fe.Message != "The role with name missing cannot be found." {
		t.Fatalf("message %q", err)
	}
}

func TestListRolesPagination(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for i := range 5 {
		e.role(t, fmt.Sprintf("r%d", i))
	}
	must(e.svc.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "z", Path: "/x/", AssumeRolePolicyDocument: trust}))
	var names []string
	marker := ""
	pages := 0
	for {
		p := must(e.svc.ListRoles(ctx, root, iam.ListInput{PageRequest: iam.PageRequest{Marker: marker, MaxItems: 2}}))
		pages++
		for _, r := range p.Items {
			names = append(names, r.Name)
		}
		if !p.IsTruncated {
			break
		}
		marker = p.Marker
	}
	if strings.Join(names, ",") != "r0,r1,r2,r3,r4,z" || pages != 3 {
		t.Fatalf("names %v in %d pages", names, pages)
	}
	p := must(e.svc.ListRoles(ctx, root, iam.ListInput{PathPrefix: "/x/"}))
	if len(p.Items) != 1 || p.IsTruncated {
		t.Fatalf("path prefix: %+v", p)
	}
	for _, n := range []int{-1, 1001} {
		_, err := e.svc.ListRoles(ctx, root, iam.ListInput{PageRequest: iam.PageRequest{MaxItems: n}})
		wantCode(t, err, fault.Validation)
	}
	_, err := e.svc.ListRoles(ctx, root, iam.ListInput{PageRequest: iam.PageRequest{Marker: "!!"}})
	wantCode(t, err, fault.InvalidInput)
}

func TestRoleLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.role(t, "r")
	pol := e.policy(t, "p")
	noErr(t, e.svc.AttachRolePolicy(ctx, root, "r", pol.ARN))
	noErr(t, e.svc.AttachRolePolicy(ctx, root, "r", pol.ARN)) // again: no change
	wantCode(t, e.svc.DeleteRole(ctx, root, "r"), fault.DeleteConflict)
	wantCode(t, e.svc.DeletePolicy(ctx, root, pol.ARN), fault.DeleteConflict)
	att := must(e.svc.ListAttachedRolePolicies(ctx, root, "r", "", iam.PageRequest{}))
	if len(att.Items) != 1 || att.Items[0].PolicyName != "p" {
		t.Fatalf("attached %+v", att)
	}
	if got := must(e.svc.GetPolicy(ctx, root, pol.ARN)); got.AttachmentCount != 1 {
		t.Fatalf("AttachmentCount %d", got.AttachmentCount)
	}
	noErr(t, e.svc.DetachRolePolicy(ctx, root, "r", pol.ARN))
	wantCode(t, e.svc.DetachRolePolicy(ctx, root, "r", pol.ARN), fault.NotFound)
	wantCode(t, e.svc.AttachRolePolicy(ctx, root, "r", "arn:aws:iam::111122223333:policy/none"), fault.NotFound)
	wantCode(t, e.svc.AttachRolePolicy(ctx, root, "nobody", pol.ARN), fault.NotFound)

	noErr(t, e.svc.PutRolePolicy(ctx, root, "r", "inline", allow))
	wantCode(t, e.svc.DeleteRole(ctx, root, "r"), fault.DeleteConflict)
	ip := must(e.svc.GetRolePolicy(ctx, root, "r", "inline"))
	if ip.Document != allow {
		t.Fatalf("inline %+v", ip)
	}
	names := must(e.svc.ListRolePolicies(ctx, root, "r", iam.PageRequest{}))
	if len(names.Items) != 1 || names.Items[0] != "inline" {
		t.Fatalf("names %+v", names)
	}
	wantCode(t, e.svc.PutRolePolicy(ctx, root, "r", "bad", `{"Statement":[]}`), fault.Malformed)
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 5200) + `"}]}`
	noErr(t, e.svc.PutRolePolicy(ctx, root, "r", "big1", big))
	wantCode(t, e.svc.PutRolePolicy(ctx, root, "r", "big2", big), fault.LimitExceeded)
	noErr(t, e.svc.PutRolePolicy(ctx, root, "r", "BIG1", big)) // replaces big1
	_, err := e.svc.GetRolePolicy(ctx, root, "r", "none")
	wantCode(t, err, fault.NotFound)
	for _, n := range []string{"inline", "BIG1"} {
		noErr(t, e.svc.DeleteRolePolicy(ctx, root, "r", n))
	}
	wantCode(t, e.svc.DeleteRolePolicy(ctx, root, "r", "inline"), fault.NotFound)

	wantCode(t, e.svc.UpdateAssumeRolePolicy(ctx, root, "r", "{}"), fault.Malformed)
	noErr(t, e.svc.UpdateAssumeRolePolicy(ctx, root, "r", strings.Replace(trust, "ns:sa", "ns:other", 1)))
	noErr(t, e.svc.TagRole(ctx, root, "r", []iam.Tag{{"a", "1"}, {"b", "2"}}))
	noErr(t, e.svc.TagRole(ctx, root, "r", []iam.Tag{{"A", "3"}}))
	noErr(t, e.svc.UntagRole(ctx, root, "r", []string{"b"}))
	tags := must(e.svc.ListRoleTags(ctx, root, "r", iam.PageRequest{}))
	if len(tags.Items) != 1 || tags.Items[0] != (store.Tag{Key: "a", Value: "3"}) {
		t.Fatalf("tags %+v", tags)
	}
	wantCode(t, e.svc.TagRole(ctx, root, "nobody", []iam.Tag{{"a", "1"}}), fault.NotFound)
	noErr(t, e.svc.DeleteRole(ctx, root, "r"))
	wantCode(t, e.svc.DeleteRole(ctx, root, "r"), fault.NotFound)
	noErr(t, e.svc.DeletePolicy(ctx, root, pol.ARN))
	_, err = e.svc.GetPolicy(ctx, root, pol.ARN)
	wantCode(t, err, fault.NotFound)
}

func TestAttachLimit(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.role(t, "r")
	for i := range 11 {
		p := e.policy(t, fmt.Sprintf("p%d", i))
		err := e.svc.AttachRolePolicy(ctx, root, "r", p.ARN)
		if i < 10 && err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			wantCode(t, err, fault.LimitExceeded)
			if !strings.Contains(err.Error(), "Cannot exceed quota for PoliciesPerRole: 10") {
				t.Fatalf("message %q", err)
			}
		}
	}
}

func TestPolicyVersions(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := e.policy(t, "p")
	if p.DefaultVersionID != "v1" || !strings.HasPrefix(p.ID, "ANPA") || p.ARN != "arn:aws:iam::111122223333:policy/p" {
		t.Fatalf("policy %+v", p)
	}
	_, err := e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "P", PolicyDocument: allow})
	wantCode(t, err, fault.AlreadyExists)
	_, err = e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "q", PolicyDocument: trust})
	wantCode(t, err, fault.Malformed)
	for i := 2; i <= 5; i++ {
		v := must(e.svc.CreatePolicyVersion(ctx, root, p.ARN, allow, i == 3))
		if v.ID != fmt.Sprintf("v%d", i) {
			t.Fatalf("version %+v", v)
		}
	}
	_, err = e.svc.CreatePolicyVersion(ctx, root, p.ARN, allow, false)
	wantCode(t, err, fault.LimitExceeded)
	wantCode(t, e.svc.DeletePolicyVersion(ctx, root, p.ARN, "v3"), fault.DeleteConflict)
	wantCode(t, e.svc.DeletePolicy(ctx, root, p.ARN), fault.DeleteConflict)
	noErr(t, e.svc.SetDefaultPolicyVersion(ctx, root, p.ARN, "v5"))
	wantCode(t, e.svc.SetDefaultPolicyVersion(ctx, root, p.ARN, "v9"), fault.NotFound)
	v := must(e.svc.GetPolicyVersion(ctx, root, p.ARN, "v5"))
	if !v.IsDefault || v.Document != allow {
		t.Fatalf("v5 %+v", v)
	}
	_, err = e.svc.GetPolicyVersion(ctx, root, p.ARN, "v9")
	wantCode(t, err, fault.NotFound)
	for _, id := range []string{"v1", "v2", "v3", "v4"} {
		noErr(t, e.svc.DeletePolicyVersion(ctx, root, p.ARN, id))
	}
	list := must(e.svc.ListPolicyVersions(ctx, root, p.ARN, iam.PageRequest{}))
	if len(list.Items) != 1 || list.Items[0].ID != "v5" {
		t.Fatalf("versions %+v", list)
	}
	ps := must(e.svc.ListPolicies(ctx, root, iam.ListPoliciesInput{Scope: "Local"}))
	if len(ps.Items) != 1 {
		t.Fatalf("policies %+v", ps)
	}
	ps = must(e.svc.ListPolicies(ctx, root, iam.ListPoliciesInput{OnlyAttached: true}))
	if len(ps.Items) != 0 {
		t.Fatalf("attached policies %+v", ps)
	}
	_, err = e.svc.ListPolicies(ctx, root, iam.ListPoliciesInput{Scope: "Mine"})
	wantCode(t, err, fault.Validation)
	noErr(t, e.svc.DeletePolicy(ctx, root, p.ARN))
}

func TestUsersAndAccessKeys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	u := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	if u.ARN != bobARN || !strings.HasPrefix(u.ID, "AIDA") {
		t.Fatalf("user %+v", u)
	}
	_, err := e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "BOB"})
	wantCode(t, err, fault.AlreadyExists)
	_, err = e.svc.GetUser(ctx, root, "alice")
	wantCode(t, err, fault.NotFound)
	users := must(e.svc.ListUsers(ctx, root, iam.ListInput{}))
	if len(users.Items) != 1 {
		t.Fatalf("users %+v", users)
	}
	k1 := must(e.svc.CreateAccessKey(ctx, root, "bob"))
	if !strings.HasPrefix(k1.Key.ID, "AKIA") || len(k1.Key.ID) != 20 || len(k1.Secret.Reveal()) != 40 {
		t.Fatalf("key %+v", k1.Key)
	}
	stored := must(e.store.GetAccessKey(ctx, k1.Key.ID))
	if plain := must(e.seal.Open(stored.SecretCiphertext, []byte(k1.Key.ID))); string(plain) != k1.Secret.Reveal() {
		t.Fatal("sealed secret does not open to the secret")
	}
	if _, err := e.seal.Open(stored.SecretCiphertext, []byte("AKIAOTHER")); err == nil {
		t.Fatal("sealed secret opens under another key id")
	}
	must(e.svc.CreateAccessKey(ctx, root, "bob"))
	_, err = e.svc.CreateAccessKey(ctx, root, "bob")
	wantCode(t, err, fault.LimitExceeded)
	keys := must(e.svc.ListAccessKeys(ctx, root, "bob", iam.PageRequest{}))
	if len(keys.Items) != 2 || keys.Items[0].SecretCiphertext != nil {
		t.Fatalf("keys %+v", keys)
	}
	noErr(t, e.svc.UpdateAccessKey(ctx, root, "bob", k1.Key.ID, store.AccessKeyInactive))
	wantCode(t, e.svc.UpdateAccessKey(ctx, root, "bob", k1.Key.ID, "Off"), fault.Validation)
	wantCode(t, e.svc.UpdateAccessKey(ctx, root, "bob", "AKIANOPE", store.AccessKeyActive), fault.NotFound)
	wantCode(t, e.svc.DeleteUser(ctx, root, "bob"), fault.DeleteConflict)
	for _, k := range keys.Items {
		noErr(t, e.svc.DeleteAccessKey(ctx, root, "bob", k.ID))
	}
	wantCode(t, e.svc.DeleteAccessKey(ctx, root, "bob", k1.Key.ID), fault.NotFound)
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "p", allow))
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2000) + `"}]}`
	wantCode(t, e.svc.PutUserPolicy(ctx, root, "bob", "big", big), fault.LimitExceeded)
	wantCode(t, e.svc.DeleteUser(ctx, root, "bob"), fault.DeleteConflict)
	noErr(t, e.svc.DeleteUserPolicy(ctx, root, "bob", "p"))
	noErr(t, e.svc.DeleteUser(ctx, root, "bob"))
}

func TestOIDCProviders(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	tp := "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"
	p := must(e.svc.CreateOpenIDConnectProvider(ctx, root, iam.CreateOIDCProviderInput{
		URL: "https://oidc.example.com/id/ABC", ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{tp},
	}))
	if p.ARN != "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC" || p.Thumbprints[0] != strings.ToLower(tp) {
		t.Fatalf("provider %+v", p)
	}
	tests := []struct {
		name string
		in   iam.CreateOIDCProviderInput
		code fault.Kind
	}{
		{"same url", iam.CreateOIDCProviderInput{URL: "https://oidc.example.com/id/ABC"}, fault.AlreadyExists},
		{"no thumbprints", iam.CreateOIDCProviderInput{URL: "https://other.example.com"}, 0},
		{"http", iam.CreateOIDCProviderInput{URL: "http://x.example.com"}, fault.InvalidInput},
		{"bad thumbprint", iam.CreateOIDCProviderInput{URL: "https://y.example.com", Thumbprints: []string{"abc"}}, fault.Validation},
		{"repeated client id", iam.CreateOIDCProviderInput{URL: "https://z.example.com", ClientIDs: []string{"a", "a"}}, fault.InvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.CreateOpenIDConnectProvider(ctx, root, tt.in)
			wantCode(t, err, tt.code)
		})
	}
	noErr(t, e.svc.AddClientIDToOpenIDConnectProvider(ctx, root, p.ARN, "app"))
	noErr(t, e.svc.AddClientIDToOpenIDConnectProvider(ctx, root, p.ARN, "app"))
	noErr(t, e.svc.RemoveClientIDFromOpenIDConnectProvider(ctx, root, p.ARN, "sts.amazonaws.com"))
	noErr(t, e.svc.UpdateOpenIDConnectProviderThumbprint(ctx, root, p.ARN, nil))
	wantCode(t, e.svc.UpdateOpenIDConnectProviderThumbprint(ctx, root, p.ARN, []string{"x"}), fault.Validation)
	got := must(e.svc.GetOpenIDConnectProvider(ctx, root, p.ARN))
	if strings.Join(got.ClientIDs, ",") != "app" || got.Thumbprints != nil {
		t.Fatalf("provider %+v", got)
	}
	if ps := must(e.svc.ListOpenIDConnectProviders(ctx, root)); len(ps) != 2 {
		t.Fatalf("providers %+v", ps)
	}
	noErr(t, e.svc.DeleteOpenIDConnectProvider(ctx, root, p.ARN))
	_, err := e.svc.GetOpenIDConnectProvider(ctx, root, p.ARN)
	wantCode(t, err, fault.NotFound)
	wantCode(t, e.svc.DeleteOpenIDConnectProvider(ctx, root, p.ARN), fault.NotFound)
	wantCode(t, e.svc.AddClientIDToOpenIDConnectProvider(ctx, root, p.ARN, "x"), fault.NotFound)
}

func TestAuthorize(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	bob := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob"}
	_, err := e.svc.CreateRole(ctx, bob, iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust})
	wantCode(t, err, fault.AccessDenied)
	want := "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111122223333:role/x because no identity-based policy allows the iam:CreateRole action"
	if fe, _ := fault.As(err); fe.Message != want {
		t.Fatalf("message\n%q\nwant\n%q", err, want)
	}
	// A managed policy allows the role operations.
	admin := must(e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "roles",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*Role","iam:GetRole"],"Resource":"arn:aws:iam::111122223333:role/*"}]}`}))
	noErr(t, e.svc.AttachUserPolicy(ctx, root, "bob", admin.ARN))
	must(e.svc.CreateRole(ctx, bob, iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust}))
	_, err = e.svc.CreatePolicy(ctx, bob, iam.CreatePolicyInput{PolicyName: "p", PolicyDocument: allow})
	wantCode(t, err, fault.AccessDenied)
	// An inline deny wins.
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "deny", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"}]}`))
	err = e.svc.DeleteRole(ctx, bob, "x")
	wantCode(t, err, fault.AccessDenied)
	if !strings.HasSuffix(err.Error(), "with an explicit deny in an identity-based policy") {
		t.Fatalf("message %q", err)
	}
	must(e.svc.GetRole(ctx, bob, "x"))
	// A caller that is neither root nor a known user is denied.
	_, err = e.svc.ListRoles(ctx, iam.Caller{Account: acct, ARN: "arn:aws:iam::111122223333:user/ghost", UserName: "ghost"}, iam.ListInput{})
	wantCode(t, err, fault.AccessDenied)
	if err := e.svc.Authorize(context.Background(), root, "iam:DeleteAccount", "*", iam.Keys{}); err != nil {
		t.Fatalf("root denied: %v", err)
	}
}
