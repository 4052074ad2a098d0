package storetest

import (
	"context"
	"testing"

	"github.com/podiam/podiam/internal/store"
)

// testGenerations checks that every committed write of IAM records
// advances the IAM generation and leaves the buckets' as it is, that
// every bucket write advances the buckets' and leaves IAM's, and that
// reads advance neither: callers cache what they derive from records by
// generation (store.Cache), so a write a generation missed would be
// served stale.
func testGenerations(t *testing.T, s store.Store) {
	ctx := t.Context()
	gen := func(r store.Records) uint64 {
		t.Helper()
		return got(s.Generation(ctx, r)).must(t)
	}
	pol := policy(acct1, "/", "local")
	bob, app := userP(acct1, "bob"), roleP(acct1, "app")
	prov := provider(acct1, issuerURL)
	ignore := func(_ any, err error) error { return err }
	steps := []generationStep{
		{"create account", store.IAM, func(ctx context.Context) error { return s.CreateAccount(ctx, account(acct1)) }},
		{"create user", store.IAM, func(ctx context.Context) error { return s.CreateUser(ctx, user(acct1, "/", "bob")) }},
		{"update user", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateUser(ctx, acct1, "bob", func(u *store.User) error { u.Tags = tags("k", "v"); return nil }))
		}},
		{"create access key", store.IAM, func(ctx context.Context) error { return s.CreateAccessKey(ctx, key(acct1, "bob", "AKIAGEN1"), 2) }},
		{"deactivate access key", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateAccessKey(ctx, "AKIAGEN1", func(k *store.AccessKey) error { k.Status = store.AccessKeyInactive; return nil }))
		}},
		{"delete access key", store.IAM, func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "AKIAGEN1") }},
		{"create role", store.IAM, func(ctx context.Context) error { return s.CreateRole(ctx, role(acct1, "/", "app")) }},
		{"update role", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateRole(ctx, acct1, "app", func(r *store.Role) error { r.AssumeRolePolicyDocument = allowDoc; return nil }))
		}},
		{"create managed policy", store.IAM, func(ctx context.Context) error { return s.CreateManagedPolicy(ctx, pol) }},
		{"add a policy version", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateManagedPolicy(ctx, acct1, pol.ARN, func(p *store.ManagedPolicy) error {
				p.Versions = append(p.Versions, store.PolicyVersion{ID: "v2", Document: denyDoc, CreatedAt: t0})
				return nil
			}))
		}},
		{"set the default version", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateManagedPolicy(ctx, acct1, pol.ARN, func(p *store.ManagedPolicy) error { p.DefaultVersionID = "v2"; return nil }))
		}},
		{"attach to a user", store.IAM, func(ctx context.Context) error {
			return s.AttachPolicy(ctx, store.Attachment{Principal: bob, PolicyARN: pol.ARN}, 0)
		}},
		{"attach to a role", store.IAM, func(ctx context.Context) error {
			return s.AttachPolicy(ctx, store.Attachment{Principal: app, PolicyARN: pol.ARN}, 0)
		}},
		{"detach from a user", store.IAM, func(ctx context.Context) error {
			return s.DetachPolicy(ctx, store.Attachment{Principal: bob, PolicyARN: pol.ARN})
		}},
		{"detach from a role", store.IAM, func(ctx context.Context) error {
			return s.DetachPolicy(ctx, store.Attachment{Principal: app, PolicyARN: pol.ARN})
		}},
		{"delete managed policy", store.IAM, func(ctx context.Context) error { return s.DeleteManagedPolicy(ctx, acct1, pol.ARN) }},
		{"put a user's inline policy", store.IAM, func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: bob, Name: "p", Document: allowDoc})
		}},
		{"replace a user's inline policy", store.IAM, func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: bob, Name: "p", Document: denyDoc})
		}},
		{"put a role's inline policy", store.IAM, func(ctx context.Context) error {
			return s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: app, Name: "p", Document: allowDoc})
		}},
		{"delete a user's inline policy", store.IAM, func(ctx context.Context) error { return s.DeleteInlinePolicy(ctx, bob, "p") }},
		{"delete a role's inline policy", store.IAM, func(ctx context.Context) error { return s.DeleteInlinePolicy(ctx, app, "p") }},
		{"create OIDC provider", store.IAM, func(ctx context.Context) error { return s.CreateOIDCProvider(ctx, prov) }},
		{"update OIDC provider", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateOIDCProvider(ctx, prov.ARN, func(p *store.OIDCProvider) error { p.Thumbprints = []string{thumbB}; return nil }))
		}},
		{"delete OIDC provider", store.IAM, func(ctx context.Context) error { return s.DeleteOIDCProvider(ctx, prov.ARN) }},
		{"create bucket", store.Buckets, func(ctx context.Context) error { return s.CreateBucket(ctx, bucket(acct1, "gen")) }},
		{"put bucket policy", store.Buckets, func(ctx context.Context) error {
			return ignore(s.UpdateBucket(ctx, "gen", func(b *store.Bucket) error { b.Policy = allowDoc; return nil }))
		}},
		{"delete bucket", store.Buckets, func(ctx context.Context) error { return s.DeleteBucket(ctx, "gen") }},
		{"put an account setting", store.Buckets, func(ctx context.Context) error {
			return s.PutAccountSetting(ctx, acct1, "publicAccessBlock", `{"blockPublicPolicy":true}`)
		}},
		{"remove an account setting", store.Buckets, func(ctx context.Context) error { return s.PutAccountSetting(ctx, acct1, "publicAccessBlock", "") }},
		{"delete role", store.IAM, func(ctx context.Context) error { return s.DeleteRole(ctx, acct1, "app") }},
		{"rename user", store.IAM, func(ctx context.Context) error {
			return ignore(s.UpdateUser(ctx, acct1, "bob", func(u *store.User) error {
				u.Name, u.ARN = "robert", "arn:aws:iam::"+acct1+":user/robert"
				return nil
			}))
		}},
		{"delete user", store.IAM, func(ctx context.Context) error { return s.DeleteUser(ctx, acct1, "robert") }},
	}
	checkGenerations(t, s, steps)

	// Reads of everything advance nothing.
	for _, err := range []error{
		s.CreateUser(ctx, user(acct1, "/", "Carol")),
		s.CreateAccessKey(ctx, key(acct1, "Carol", "AKIAFILL1"), 2),
		s.CreateRole(ctx, role(acct1, "/", "app")),
		s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: app, Name: "inline", Document: denyDoc}),
		s.CreateManagedPolicy(ctx, policy("", "/", "AdministratorAccess")),
		s.CreateOIDCProvider(ctx, prov),
		s.CreateBucket(ctx, bucket(acct1, "read")),
	} {
		must(t, err)
	}
	iamGen, bucketGen := gen(store.IAM), gen(store.Buckets)
	dump(t, s)
	got(s.GetAccount(ctx, acct1)).must(t)
	got(s.GetUser(ctx, acct1, "Carol")).must(t)
	got(s.GetAccessKey(ctx, "AKIAFILL1")).must(t)
	got(s.GetRole(ctx, acct1, "app")).must(t)
	got(s.GetManagedPolicy(ctx, acct1, policy("", "/", "AdministratorAccess").ARN)).must(t)
	got(s.GetInlinePolicy(ctx, app, "inline")).must(t)
	got(s.GetOIDCProvider(ctx, prov.ARN)).must(t)
	got(s.GetBucket(ctx, "read")).must(t)
	got(s.ListBuckets(ctx, acct1)).must(t)
	got(s.AccountSettings(ctx, acct1)).must(t)
	got(s.GetUser(ctx, acct1, "nobody")).fails(t, "get a missing user", store.ErrNotFound)
	if g, b := gen(store.IAM), gen(store.Buckets); g != iamGen || b != bucketGen {
		t.Errorf("reads moved the generations: IAM %d -> %d, buckets %d -> %d", iamGen, g, bucketGen, b)
	}
}

// generationStep is a write of one class of records.
type generationStep struct {
	name    string
	records store.Records
	write   func(ctx context.Context) error
}

// checkGenerations runs each step, which must succeed, and checks that it
// advanced its class's generation and left every other class's alone.
func checkGenerations(t *testing.T, s store.Store, steps []generationStep) {
	t.Helper()
	ctx := t.Context()
	gens := func() []uint64 {
		out := make([]uint64, store.NumRecords)
		for r := store.IAM; r < store.NumRecords; r++ {
			out[r] = got(s.Generation(ctx, r)).must(t)
		}
		return out
	}
	for _, st := range steps {
		before := gens()
		if err := st.write(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after := gens()
		for r := store.IAM; r < store.NumRecords; r++ {
			switch {
			case r == st.records && after[r] == before[r]:
				t.Errorf("%s: the generation stayed at %d", st.name, after[r])
			case r != st.records && after[r] != before[r]:
				t.Errorf("%s: class %d's generation moved from %d to %d", st.name, r, before[r], after[r])
			}
		}
	}
}
