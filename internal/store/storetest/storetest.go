package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

// Run runs the conformance suite. newStore returns a new, empty store for
// each test; Run closes it when the test ends.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, store.Store)
	}{
		{"Accounts", testAccounts},
		{"Users", testUsers},
		{"RenameUser", testRenameUser},
		{"AccessKeys", testAccessKeys},
		{"Roles", testRoles},
		{"ManagedPolicies", testManagedPolicies},
		{"InlinePolicies", testInlinePolicies},
		{"Attachments", testAttachments},
		{"OIDCProviders", testOIDCProviders},
		{"InstanceProfiles", testInstanceProfiles},
		{"Buckets", testBuckets},
		{"AccountSettings", testAccountSettings},
		{"UpdateBucketWithAccountSettings", testUpdateBucketWithAccountSettings},
		{"Objects", testObjects},
		{"Versions", testVersions},
		{"VersionedUpload", testVersionedUpload},
		{"StaleVersioning", testStaleVersioning},
		{"PutObjectIf", testPutObjectIf},
		{"Uploads", testUploads},
		{"NotFound", testNotFound},
		{"DeleteConflicts", testDeleteConflicts},
		{"FailedUpdates", testFailedUpdates},
		{"Concurrency", testConcurrency},
		{"Generations", testGenerations},
		{"EKS", testEKS},
		{"AccessEntries", testAccessEntries},
		{"EKSGenerations", testEKSGenerations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, openStore(t, newStore))
		})
	}
}

// RunPersistent checks that what a store wrote is there after it is
// closed and opened again. open opens the store kept in dir; it is called
// twice with the same dir.
func RunPersistent(t *testing.T, open func(t *testing.T, dir string) store.Store) {
	dir := t.TempDir()
	s := open(t, dir)
	fill(t, s)
	want := dump(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s = open(t, dir)
	t.Cleanup(func() { s.Close() })
	same(t, "after reopening", dump(t, s), want)
	// The reopened store takes writes and keeps its rules.
	ctx := t.Context()
	must(t, s.CreateUser(ctx, user(acct1, "/", "after-reopen")))
	wantErr(t, "create a user again after reopening", s.CreateUser(ctx, user(acct1, "/", "CAROL")), store.ErrAlreadyExists)
}

func openStore(t *testing.T, newStore func(t *testing.T) store.Store) store.Store {
	s := newStore(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// Fixtures. Every id and ARN is derived from the account and the name as
// written, so names that differ only in case have distinct ids and ARNs
// and collide by name alone.

const (
	acct1 = "111122223333"
	acct2 = "444455556666"
)

// t0 has nanoseconds, which every backend must keep.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 890123456, time.UTC)

var errBoom = errors.New("boom from the update function")

const (
	trustDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	allowDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	denyDoc   = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`
	thumbA    = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	thumbB    = "0123456789abcdef0123456789abcdef01234567"
	issuerURL = "oidc.example.com/id/ABCDEF"
)

func account(id string) store.Account {
	return store.Account{ID: id, Name: "account " + id, Email: id + "@example.com", CreatedAt: t0}
}

func user(acct, path, name string) store.User {
	return store.User{AccountID: acct, Name: name, Path: path, ID: "AIDA" + acct + name,
		ARN: "arn:aws:iam::" + acct + ":user" + path + name, CreatedAt: t0}
}

func role(acct, path, name string) store.Role {
	return store.Role{AccountID: acct, Name: name, Path: path, ID: "AROA" + acct + name,
		ARN: "arn:aws:iam::" + acct + ":role" + path + name, AssumeRolePolicyDocument: trustDoc,
		TrustPrincipalIDs:  map[string]string{"arn:aws:iam::" + acct + ":user/ci": "AIDA" + acct + "CI"},
		MaxSessionDuration: 3600, CreatedAt: t0}
}

// policy makes a managed policy of acct, or an AWS-managed one for "".
func policy(acct, path, name string) store.ManagedPolicy {
	owner := acct
	if acct == "" {
		owner = "aws"
	}
	return store.ManagedPolicy{AccountID: acct, Name: name, Path: path, ID: "ANPA" + owner + name,
		ARN: "arn:aws:iam::" + owner + ":policy" + path + name, DefaultVersionID: "v1",
		Versions: []store.PolicyVersion{{ID: "v1", Document: allowDoc, CreatedAt: t0}}, CreatedAt: t0}
}

func key(acct, userName, id string) store.AccessKey {
	return store.AccessKey{AccountID: acct, UserName: userName, ID: id, SecretCiphertext: []byte("sealed " + id),
		Status: store.AccessKeyActive, CreatedAt: t0}
}

func provider(acct, url string) store.OIDCProvider {
	return store.OIDCProvider{AccountID: acct, URL: url, ARN: "arn:aws:iam::" + acct + ":oidc-provider/" + url,
		ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{thumbA}, CreatedAt: t0}
}

// tags makes tags of key, value pairs.
func tags(kv ...string) []store.Tag {
	var out []store.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, store.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func userP(acct, name string) store.Principal {
	return store.Principal{AccountID: acct, Kind: store.PrincipalUser, Name: name}
}

func roleP(acct, name string) store.Principal {
	return store.Principal{AccountID: acct, Kind: store.PrincipalRole, Name: name}
}

// Checks.

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if (target == nil && err != nil) || (target != nil && !errors.Is(err, target)) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// result is what a store call returned, to check in one line:
// got(s.GetRole(ctx, a, n)).equals(t, "get role", want).
type result[T any] struct {
	v   T
	err error
}

func got[T any](v T, err error) result[T] { return result[T]{v, err} }

// must fails the test at once on an error and returns the value.
func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// equals checks that the call succeeded with want.
func (r result[T]) equals(t *testing.T, what string, want T) {
	t.Helper()
	if r.err != nil {
		t.Errorf("%s: %v", what, r.err)
		return
	}
	same(t, what, r.v, want)
}

// fails checks that the call failed with target.
func (r result[T]) fails(t *testing.T, what string, target error) {
	t.Helper()
	if !errors.Is(r.err, target) {
		t.Errorf("%s: error %v (value %+v), want %v", what, r.err, r.v, target)
	}
}

// accounts creates acct1 and acct2.
func accounts(t *testing.T, s store.Store) {
	t.Helper()
	must(t, s.CreateAccount(t.Context(), account(acct1)))
	must(t, s.CreateAccount(t.Context(), account(acct2)))
}

// fill writes one of everything, with a rename, an update and a delete.
func fill(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	tagged := user(acct1, "/eng/", "bob")
	tagged.Tags = tags("team", "eng", "cost", "42")
	for _, err := range []error{
		s.CreateUser(ctx, tagged),
		s.CreateUser(ctx, user(acct1, "/", "Carol")),
		s.CreateAccessKey(ctx, key(acct1, "bob", "AKIAFILL1"), 2),
		s.CreateAccessKey(ctx, key(acct1, "", "AKIAROOT1"), 2),
		s.CreateRole(ctx, role(acct1, "/", "app")),
		s.CreateRole(ctx, role(acct2, "/svc/", "other")),
		s.CreateManagedPolicy(ctx, policy("", "/", "AdministratorAccess")),
		s.CreateManagedPolicy(ctx, policy(acct1, "/", "local")),
		s.CreateManagedPolicy(ctx, policy(acct1, "/", "gone")),
		s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: roleP(acct1, "app"), Name: "inline", Document: denyDoc}),
		s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: userP(acct1, "bob"), Name: "mine", Document: allowDoc}),
		s.AttachPolicy(ctx, store.Attachment{Principal: roleP(acct1, "app"), PolicyARN: policy("", "/", "AdministratorAccess").ARN}, 0),
		s.AttachPolicy(ctx, store.Attachment{Principal: userP(acct1, "bob"), PolicyARN: policy(acct1, "/", "local").ARN}, 0),
		s.CreateOIDCProvider(ctx, provider(acct1, issuerURL)),
		s.CreateInstanceProfile(ctx, profile(acct1, "/ec2/", "app")),
		s.CreateInstanceProfile(ctx, profile(acct1, "/", "spare")),
		s.DeleteManagedPolicy(ctx, acct1, policy(acct1, "/", "gone").ARN),
	} {
		must(t, err)
	}
	got(s.UpdateUser(ctx, acct1, "bob", func(u *store.User) error {
		u.Name, u.Path, u.ARN = "robert", "/ops/", "arn:aws:iam::"+acct1+":user/ops/robert"
		return nil
	})).must(t)
	got(s.UpdateManagedPolicy(ctx, acct1, policy(acct1, "/", "local").ARN, func(p *store.ManagedPolicy) error {
		p.Versions = append(p.Versions, store.PolicyVersion{ID: "v2", Document: denyDoc, CreatedAt: t0.Add(time.Hour)})
		p.DefaultVersionID = "v2"
		return nil
	})).must(t)
	got(s.UpdateAccessKey(ctx, "AKIAROOT1", func(k *store.AccessKey) error {
		k.Status = store.AccessKeyInactive
		return nil
	})).must(t)
	got(s.UpdateInstanceProfile(ctx, acct1, "app", func(p *store.InstanceProfile) error {
		p.RoleName, p.Tags = "app", tags("env", "prod")
		return nil
	})).must(t)
	got(s.UpdateOIDCProvider(ctx, provider(acct1, issuerURL).ARN, func(p *store.OIDCProvider) error {
		p.ClientIDs = append(p.ClientIDs, "podiam")
		return nil
	})).must(t)
}

// snapshot is everything a store holds, read through its lists.
type snapshot map[string]any

// dump reads everything in the store.
func dump(t *testing.T, s store.Store) snapshot {
	t.Helper()
	ctx := t.Context()
	out := snapshot{}
	accts := got(s.ListAccounts(ctx)).must(t)
	out["accounts"] = accts
	out["aws policies"] = got(s.ListManagedPolicies(ctx, "", store.PolicyFilter{Scope: store.ScopeAWS})).must(t)
	principals := func(p store.Principal) {
		name := fmt.Sprintf("%s %s %s", p.AccountID, p.Kind, p.Name)
		out[name+" inline"] = got(s.ListInlinePolicies(ctx, p)).must(t)
		out[name+" attached"] = got(s.ListAttachedPolicies(ctx, p)).must(t)
	}
	for _, a := range accts {
		id := a.ID
		users := got(s.ListUsers(ctx, id, "")).must(t)
		roles := got(s.ListRoles(ctx, id, "")).must(t)
		policies := got(s.ListManagedPolicies(ctx, id, store.PolicyFilter{})).must(t)
		out[id+" users"], out[id+" roles"], out[id+" policies"] = users, roles, policies
		out[id+" oidc"] = got(s.ListOIDCProviders(ctx, id)).must(t)
		out[id+" instance profiles"] = got(s.ListInstanceProfiles(ctx, id, "")).must(t)
		out[id+" root keys"] = got(s.ListAccessKeys(ctx, id, "")).must(t)
		for _, u := range users {
			out[id+" "+u.Name+" keys"] = got(s.ListAccessKeys(ctx, id, u.Name)).must(t)
			principals(userP(id, u.Name))
		}
		for _, r := range roles {
			principals(roleP(id, r.Name))
			out[id+" "+r.Name+" instance profiles"] = got(s.ListInstanceProfilesForRole(ctx, id, r.Name)).must(t)
		}
		for _, p := range policies {
			out[id+" entities "+p.ARN] = got(s.ListEntitiesForPolicy(ctx, id, p.ARN)).must(t)
		}
	}
	return out
}
