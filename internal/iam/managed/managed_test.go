package managed_test

import (
	"bytes"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
)

const acct = "111122223333"

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestDocumentsParse(t *testing.T) {
	ps := managed.Policies()
	if len(ps) != 6 {
		t.Fatalf("%d policies, want 6", len(ps))
	}
	for _, p := range ps {
		t.Run(p.Name, func(t *testing.T) {
			if _, err := policy.Parse(p.Name, []byte(p.Document), policy.Identity, policy.Options{MaxSize: -1}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSeedIdempotent(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	if err := managed.Seed(ctx, st, epoch); err != nil {
		t.Fatal(err)
	}
	first, err := st.ListManagedPolicies(ctx, "", store.PolicyFilter{Scope: store.ScopeAWS})
	if err != nil {
		t.Fatal(err)
	}
	if err := managed.Seed(ctx, st, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	second, err := st.ListManagedPolicies(ctx, "", store.PolicyFilter{Scope: store.ScopeAWS})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 6 || len(second) != 6 {
		t.Fatalf("seeded %d, then %d policies; want 6", len(first), len(second))
	}
	for i := range first {
		a, b := first[i], second[i]
		if a.ID != b.ID || !a.CreatedAt.Equal(b.CreatedAt) || a.ARN != managed.ARNPrefix+a.Name || a.Path != "/" || a.DefaultVersionID != "v1" {
			t.Errorf("policy %s: first %+v, then %+v", a.Name, a, b)
		}
	}
	// Ids depend on the name only: another store gets the same ones.
	other := memory.New()
	if err := managed.Seed(ctx, other, epoch); err != nil {
		t.Fatal(err)
	}
	p, err := other.GetManagedPolicy(ctx, acct, managed.ARNPrefix+"ReadOnlyAccess")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range first {
		if q.Name == "ReadOnlyAccess" && q.ID != p.ID {
			t.Errorf("ReadOnlyAccess id %s in one store, %s in another", q.ID, p.ID)
		}
	}
}

// TestUseThroughIAM attaches an AWS-managed policy, lists them by scope
// and checks that no account can change them.
func TestUseThroughIAM(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	if err := st.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: epoch}); err != nil {
		t.Fatal(err)
	}
	if err := managed.Seed(ctx, st, epoch); err != nil {
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
	root := iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	role, err := svc.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "reader", AssumeRolePolicyDocument: trust})
	if err != nil {
		t.Fatal(err)
	}
	ro := managed.ARNPrefix + "ReadOnlyAccess"
	if err := svc.AttachRolePolicy(ctx, root, "reader", ro); err != nil {
		t.Fatal(err)
	}
	att, err := svc.ListAttachedRolePolicies(ctx, root, "reader", "", iam.PageRequest{})
	if err != nil || len(att.Items) != 1 || att.Items[0].PolicyARN != ro {
		t.Fatalf("ListAttachedRolePolicies = %+v, %v", att, err)
	}
	session := iam.Caller{Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/reader/s",
		Session: &creds.Session{Kind: creds.RoleSession, Account: acct, RoleARN: role.ARN, RoleID: role.ID, SessionName: "s"}}
	if _, err := svc.ListRoles(ctx, session, iam.ListInput{}); err != nil {
		t.Errorf("ReadOnlyAccess session may not ListRoles: %v", err)
	}
	if _, err := svc.CreateRole(ctx, session, iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust}); code(err) != fault.AccessDenied {
		t.Errorf("ReadOnlyAccess session CreateRole: %v", err)
	}

	// The whole of AWS's document: read actions of services podiam does
	// not serve are allowed too, writes are not.
	sim, err := svc.SimulatePrincipalPolicy(ctx, root, iam.SimulateInput{PolicySourceARN: "arn:aws:iam::" + acct + ":role/reader",
		ActionNames: []string{"ec2:DescribeInstances", "eks:DescribeCluster", "s3:GetObject", "ec2:RunInstances", "s3:PutObject"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"allowed", "allowed", "allowed", "implicitDeny", "implicitDeny"} {
		if r := sim.Items[i]; r.Decision != want {
			t.Errorf("ReadOnlyAccess %s: %s, want %s", r.Action, r.Decision, want)
		}
	}

	page, err := svc.ListPolicies(ctx, root, iam.ListPoliciesInput{Scope: "AWS"})
	if err != nil || len(page.Items) != 6 {
		t.Fatalf("ListPolicies(AWS) = %d policies, %v", len(page.Items), err)
	}
	for _, p := range page.Items {
		if p.Name == "ReadOnlyAccess" && p.AttachmentCount != 1 {
			t.Errorf("ReadOnlyAccess AttachmentCount %d, want 1", p.AttachmentCount)
		}
	}
	local, err := svc.ListPolicies(ctx, root, iam.ListPoliciesInput{Scope: "Local"})
	if err != nil || len(local.Items) != 0 {
		t.Fatalf("ListPolicies(Local) = %+v, %v", local.Items, err)
	}

	admin := managed.ARNPrefix + "AdministratorAccess"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	changes := []struct {
		name string
		do   func() error
	}{
		{"DeletePolicy", func() error { return svc.DeletePolicy(ctx, root, admin) }},
		{"CreatePolicyVersion", func() error { _, err := svc.CreatePolicyVersion(ctx, root, admin, doc, true); return err }},
		{"SetDefaultPolicyVersion", func() error { return svc.SetDefaultPolicyVersion(ctx, root, admin, "v1") }},
		{"DeletePolicyVersion", func() error { return svc.DeletePolicyVersion(ctx, root, admin, "v1") }},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); code(err) != fault.InvalidInput {
				t.Fatalf("%s on an AWS-managed policy: %v, want InvalidInput", c.name, err)
			}
		})
	}
}

func code(err error) fault.Kind { return fault.KindOf(err) }
