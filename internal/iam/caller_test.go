package iam_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

const iamAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`

// TestBoundaryLimitsUser: a user's permissions boundary limits what its
// identity policies allow.
func TestBoundaryLimitsUser(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	all := must(e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "all", PolicyDocument: iamAll}))
	reads := must(e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "reads",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`}))
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob", PermissionsBoundary: reads.ARN}))
	noErr(t, e.svc.AttachUserPolicy(ctx, root, "bob", all.ARN))
	bob := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob"}
	must(e.svc.ListRoles(ctx, bob, iam.ListInput{}))
	_, err := e.svc.CreateRole(ctx, bob, iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust})
	wantCode(t, err, fault.AccessDenied)
	if !strings.HasSuffix(err.Error(), "because no permissions boundary allows the iam:CreateRole action") {
		t.Fatalf("message %q", err)
	}
	noErr(t, e.svc.DeleteUserPermissionsBoundary(ctx, root, "bob"))
	must(e.svc.CreateRole(ctx, bob, iam.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trust}))
}

// TestRoleSessionIdentity: a role session has its role's policies, limited
// by its session policies, and loses them when the role is deleted and a
// role of the same name made again.
func TestRoleSessionIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	r := e.role(t, "app")
	noErr(t, e.svc.PutRolePolicy(ctx, root, "app", "all", iamAll))
	sess := &creds.Session{Kind: creds.RoleSession, Account: acct, RoleARN: r.ARN, RoleID: r.ID, SessionName: "s1",
		Tags: []creds.SessionTag{{Key: "team", Value: "blue"}}}
	caller := iam.Caller{Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/app/s1", Session: sess}
	must(e.svc.ListRoles(ctx, caller, iam.ListInput{}))
	id := must(e.svc.CallerIdentity(ctx, caller))
	if id.Principal.UserID != r.ID+":s1" || id.Principal.RoleARN != r.ARN || id.Principal.Tags["team"] != "blue" || id.Context["aws:TokenIssueTime"] == "" {
		t.Fatalf("identity %+v", id)
	}

	// A session policy narrows the session.
	limited := *sess
	limited.Policies = []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`}
	lc := caller
	lc.Session = &limited
	must(e.svc.GetRole(ctx, lc, "app"))
	_, err := e.svc.ListRoles(ctx, lc, iam.ListInput{})
	wantCode(t, err, fault.AccessDenied)
	if !strings.HasSuffix(err.Error(), "because no session policy allows the iam:ListRoles action") {
		t.Fatalf("message %q", err)
	}
	// A managed session policy that was deleted allows nothing.
	gone := *sess
	gone.PolicyARNs = []string{"arn:aws:iam::" + acct + ":policy/deleted"}
	gc := caller
	gc.Session = &gone
	_, err = e.svc.GetRole(ctx, gc, "app")
	wantCode(t, err, fault.AccessDenied)

	// Deleted and made again: the old session's role id no longer matches.
	noErr(t, e.svc.DeleteRolePolicy(ctx, root, "app", "all"))
	noErr(t, e.svc.DeleteRole(ctx, root, "app"))
	e.role(t, "app")
	noErr(t, e.svc.PutRolePolicy(ctx, root, "app", "all", iamAll))
	_, err = e.svc.ListRoles(ctx, caller, iam.ListInput{})
	wantCode(t, err, fault.AccessDenied)
	if id := must(e.svc.CallerIdentity(ctx, caller)); id.Principal.UserID != "" || id.Set.Identity != nil {
		t.Fatalf("the old session's identity %+v: want no unique id and no policies", id)
	}

	// GetSessionToken sessions may not call IAM.
	us := iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true, Session: &creds.Session{Kind: creds.UserSession, Account: acct}}
	_, err = e.svc.ListRoles(ctx, us, iam.ListInput{})
	wantCode(t, err, fault.AccessDenied)
}

// TestUserSessionIdentity: a GetSessionToken session of a user has the
// user's policies while that user exists, and none once it is deleted and
// a user of the same name made again.
func TestUserSessionIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	u := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "all", iamAll))
	caller := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob", Session: &creds.Session{Kind: creds.UserSession, Account: acct, UserARN: bobARN, UserID: u.ID}}
	if id := must(e.svc.CallerIdentity(ctx, caller)); id.Principal.UserID != u.ID || len(id.Set.Identity) != 1 || id.Context["aws:TokenIssueTime"] == "" {
		t.Fatalf("identity %+v", id)
	}

	noErr(t, e.svc.DeleteUserPolicy(ctx, root, "bob", "all"))
	noErr(t, e.svc.DeleteUser(ctx, root, "bob"))
	again := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "all", iamAll))
	if id := must(e.svc.CallerIdentity(ctx, caller)); id.Principal.UserID != "" || id.Set.Identity != nil {
		t.Fatalf("the old session's identity %+v: want no unique id and no policies", id)
	}
	fresh := caller
	fresh.Session = &creds.Session{Kind: creds.UserSession, Account: acct, UserARN: bobARN, UserID: again.ID}
	if id := must(e.svc.CallerIdentity(ctx, fresh)); id.Principal.UserID != again.ID || len(id.Set.Identity) != 1 {
		t.Fatalf("the new user's session: identity %+v", id)
	}
}

// TestCachedIdentityFollowsWrites: what authorizations read of a role or
// user is cached by IAM generation, so each write below decides the very
// next request, in both directions, whether it goes through the service
// or straight to the store (as orgs' writes do).
func TestCachedIdentityFollowsWrites(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	r := e.role(t, "app")
	noErr(t, e.svc.PutRolePolicy(ctx, root, "app", "all", iamAll))
	const denyAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`
	const denyProd = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/stage":"prod"}}}]}`
	deny := must(e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "deny", PolicyDocument: denyAll}))
	gets := must(e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "gets",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`}))
	sess := &creds.Session{Kind: creds.RoleSession, Account: acct, RoleARN: r.ARN, RoleID: r.ID, SessionName: "s1"}
	session := iam.Caller{Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/app/s1", Session: sess}
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "all", iamAll))
	bob := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob"}
	rolePrincipal := store.Principal{AccountID: acct, Kind: store.PrincipalRole, Name: "app"}

	steps := []struct {
		name   string
		caller iam.Caller
		write  func() error
		allow  bool
	}{
		{"the role allows", session, func() error { return nil }, true},
		{"an inline Deny", session, func() error { return e.svc.PutRolePolicy(ctx, root, "app", "deny", denyAll) }, false},
		{"the inline Deny deleted", session, func() error { return e.svc.DeleteRolePolicy(ctx, root, "app", "deny") }, true},
		{"a managed Deny attached", session, func() error { return e.svc.AttachRolePolicy(ctx, root, "app", deny.ARN) }, false},
		{"its new default version allows", session, func() error {
			_, err := e.svc.CreatePolicyVersion(ctx, root, deny.ARN, iamAll, true)
			return err
		}, true},
		{"its default back to the Deny", session, func() error { return e.svc.SetDefaultPolicyVersion(ctx, root, deny.ARN, "v1") }, false},
		{"detached", session, func() error { return e.svc.DetachRolePolicy(ctx, root, "app", deny.ARN) }, true},
		{"a boundary of Get* only", session, func() error { return e.svc.PutRolePermissionsBoundary(ctx, root, "app", gets.ARN) }, false},
		{"the boundary removed", session, func() error { return e.svc.DeleteRolePermissionsBoundary(ctx, root, "app") }, true},
		{"a Deny on a principal tag the role lacks", session, func() error { return e.svc.PutRolePolicy(ctx, root, "app", "prod", denyProd) }, true},
		{"the role tagged", session, func() error { return e.svc.TagRole(ctx, root, "app", []iam.Tag{{"stage", "prod"}}) }, false},
		{"the tag removed", session, func() error { return e.svc.UntagRole(ctx, root, "app", []string{"stage"}) }, true},
		{"a Deny written to the store directly", session, func() error {
			return e.store.PutInlinePolicy(ctx, store.InlinePolicy{Principal: rolePrincipal, Name: "direct", Document: denyAll})
		}, false},
		{"removed from the store directly", session, func() error { return e.store.DeleteInlinePolicy(ctx, rolePrincipal, "direct") }, true},
		{"the user allows", bob, func() error { return nil }, true},
		{"the user's inline Deny", bob, func() error { return e.svc.PutUserPolicy(ctx, root, "bob", "deny", denyAll) }, false},
		{"the user's Deny replaced by an Allow", bob, func() error { return e.svc.PutUserPolicy(ctx, root, "bob", "deny", iamAll) }, true},
	}
	for _, st := range steps {
		noErr(t, st.write())
		// Twice: the second from the cache the first filled.
		for range 2 {
			_, err := e.svc.ListRoles(ctx, st.caller, iam.ListInput{})
			if st.allow && err != nil {
				t.Fatalf("%s: %v, want allowed", st.name, err)
			}
			if fe, ok := fault.As(err); !st.allow && (!ok || fe.Kind != fault.AccessDenied) {
				t.Fatalf("%s: %v, want AccessDenied", st.name, err)
			}
		}
	}
}
