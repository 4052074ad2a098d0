package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
)

// TestUpdateActionsAuthorize: each changing action is authorized on the
// right action and resource, and a denied call changes nothing.
func TestUpdateActionsAuthorize(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.role(t, "r")
	pol := e.policy(t, "p")
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "carol", Path: "/team/"}))
	prov := must(e.svc.CreateOpenIDConnectProvider(ctx, root, iam.CreateOIDCProviderInput{URL: "https://oidc.example.com", ClientIDs: []string{"sts.amazonaws.com"}}))
	bob := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob"}
	desc := "changed"
	msd := 7200
	for _, c := range []struct {
		action, resource string
		call             func() error
	}{
		{"iam:UpdateRole", "role/r", func() error {
			_, err := e.svc.UpdateRole(ctx, bob, iam.UpdateRoleInput{RoleName: "r", Description: &desc, MaxSessionDuration: &msd})
			return err
		}},
		{"iam:UpdateRoleDescription", "role/r", func() error { _, err := e.svc.UpdateRoleDescription(ctx, bob, "r", desc); return err }},
		{"iam:PutRolePermissionsBoundary", "role/r", func() error { return e.svc.PutRolePermissionsBoundary(ctx, bob, "r", pol.ARN) }},
		{"iam:PutUserPermissionsBoundary", "user/team/carol", func() error { return e.svc.PutUserPermissionsBoundary(ctx, bob, "carol", pol.ARN) }},
		{"iam:UpdateUser", "user/team/carol", func() error {
			return e.svc.UpdateUser(ctx, bob, iam.UpdateUserInput{UserName: "carol", NewUserName: "caroline"})
		}},
		{"iam:TagUser", "user/team/carol", func() error { return e.svc.UserTags().Tag(ctx, bob, "carol", []iam.Tag{{Key: "a", Value: "b"}}) }},
		{"iam:TagRole", "role/r", func() error { return e.svc.RoleTags().Tag(ctx, bob, "r", []iam.Tag{{Key: "a", Value: "b"}}) }},
		{"iam:TagPolicy", "policy/p", func() error { return e.svc.PolicyTags().Tag(ctx, bob, pol.ARN, []iam.Tag{{Key: "a", Value: "b"}}) }},
		{"iam:TagOpenIDConnectProvider", "oidc-provider/oidc.example.com", func() error {
			return e.svc.OIDCProviderTags().Tag(ctx, bob, prov.ARN, []iam.Tag{{Key: "a", Value: "b"}})
		}},
		{"iam:ListUserTags", "user/team/carol", func() error { _, err := e.svc.UserTags().List(ctx, bob, "carol", iam.PageRequest{}); return err }},
		{"iam:GetAccountAuthorizationDetails", "*", func() error {
			_, err := e.svc.GetAccountAuthorizationDetails(ctx, bob, nil, iam.PageRequest{})
			return err
		}},
	} {
		t.Run(c.action, func(t *testing.T) {
			err := c.call()
			wantCode(t, err, fault.AccessDenied)
			res := c.resource
			if res != "*" {
				res = "arn:aws:iam::" + acct + ":" + res
			}
			if !strings.Contains(err.Error(), "perform: "+c.action+" on resource: "+res+" ") {
				t.Fatalf("message %q does not name %s on %s", err, c.action, res)
			}
		})
	}
	// Nothing changed.
	r := must(e.svc.GetRole(ctx, root, "r"))
	if r.Description != "" || r.MaxSessionDuration != 3600 || r.PermissionsBoundaryARN != "" || len(r.Tags) != 0 {
		t.Fatalf("role changed by denied calls: %+v", r)
	}
	u := must(e.svc.GetUser(ctx, root, "carol"))
	if u.PermissionsBoundaryARN != "" || len(u.Tags) != 0 {
		t.Fatalf("user changed by denied calls: %+v", u)
	}
}

// TestUpdateUserRename: a rename moves the user's keys and policies, and
// collides with an existing name as IAM does.
func TestUpdateUserRename(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "eve"}))
	key := must(e.svc.CreateAccessKey(ctx, root, "bob"))
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "inline", allow))
	wantCode(t, e.svc.UpdateUser(ctx, root, iam.UpdateUserInput{UserName: "bob", NewUserName: "EVE"}), fault.AlreadyExists)
	wantCode(t, e.svc.UpdateUser(ctx, root, iam.UpdateUserInput{UserName: "bob", NewUserName: "bad name"}), fault.Validation)
	wantCode(t, e.svc.UpdateUser(ctx, root, iam.UpdateUserInput{UserName: "nobody", NewUserName: "x"}), fault.NotFound)
	noErr(t, e.svc.UpdateUser(ctx, root, iam.UpdateUserInput{UserName: "bob", NewUserName: "robert"}))
	keys := must(e.svc.ListAccessKeys(ctx, root, "robert", iam.PageRequest{}))
	if len(keys.Items) != 1 || keys.Items[0].ID != key.Key.ID {
		t.Fatalf("keys after rename: %+v", keys.Items)
	}
	must(e.svc.GetUserPolicy(ctx, root, "robert", "inline"))
	k, err := e.store.GetAccessKey(ctx, key.Key.ID)
	if err != nil || k.UserName != "robert" {
		t.Fatalf("stored key %+v, %v", k, err)
	}
	// A boundary policy in use cannot be deleted; detaching it frees it.
	p := e.policy(t, "b")
	noErr(t, e.svc.PutUserPermissionsBoundary(ctx, root, "robert", p.ARN))
	wantCode(t, e.svc.DeletePolicy(ctx, root, p.ARN), fault.DeleteConflict)
	noErr(t, e.svc.DeleteUserPermissionsBoundary(ctx, root, "robert"))
	noErr(t, e.svc.DeletePolicy(ctx, root, p.ARN))
	wantCode(t, e.svc.PutUserPermissionsBoundary(ctx, root, "robert", p.ARN), fault.NotFound)
}
