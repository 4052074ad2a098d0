package iam_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
)

// TestRequestKeys: each IAM operation authorizes with the keys of its
// target entity and of its parameters, and with no key that its action
// does not carry (iam:PermissionsBoundary only where IAM sets it).
func TestRequestKeys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const boundary = "arn:aws:iam::111122223333:policy/boundary"
	const all = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	must(e.svc.CreatePolicy(ctx, root, iam.CreatePolicyInput{PolicyName: "boundary", PolicyDocument: all, Tags: []iam.Tag{{Key: "kind", Value: "boundary"}}}))
	must(e.svc.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "app", AssumeRolePolicyDocument: trust, PermissionsBoundary: boundary, Tags: []iam.Tag{{Key: "tier", Value: "prod"}}}))
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "all", all))
	bob := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob"}

	var got []iam.Decision
	outer := 0
	ctx = iam.WithDecisionHook(ctx, func(iam.Decision) { outer++ })
	ctx = iam.WithDecisionHook(ctx, func(d iam.Decision) { got = append(got, d) })
	for _, c := range []struct {
		name string
		call func() error
		want map[string]string // key -> values joined by ","
		not  []string
	}{
		{"GetRole", func() error { _, err := e.svc.GetRole(ctx, bob, "app"); return err },
			map[string]string{"aws:ResourceTag/tier": "prod", "iam:ResourceTag/tier": "prod", "iam:PermissionsBoundary": boundary},
			[]string{"iam:PolicyARN", "aws:TagKeys"}},
		{"TagRole", func() error { return e.svc.TagRole(ctx, bob, "app", []iam.Tag{{Key: "team", Value: "a"}}) },
			map[string]string{"aws:ResourceTag/tier": "prod", "aws:RequestTag/team": "a", "aws:TagKeys": "team"},
			[]string{"iam:PermissionsBoundary"}},
		{"UntagRole", func() error { return e.svc.UntagRole(ctx, bob, "app", []string{"team", "none"}) },
			map[string]string{"aws:TagKeys": "team,none", "iam:ResourceTag/team": "a"},
			[]string{"aws:RequestTag/team"}},
		{"AttachRolePolicy", func() error { return e.svc.AttachRolePolicy(ctx, bob, "app", boundary) },
			map[string]string{"iam:PolicyARN": boundary, "iam:PermissionsBoundary": boundary}, nil},
		{"PutUserPermissionsBoundary", func() error { return e.svc.PutUserPermissionsBoundary(ctx, bob, "bob", boundary) },
			map[string]string{"iam:PermissionsBoundary": boundary}, []string{"aws:ResourceTag/tier"}},
		{"CreateUser", func() error {
			_, err := e.svc.CreateUser(ctx, bob, iam.CreateUserInput{UserName: "carol", PermissionsBoundary: boundary, Tags: []iam.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}})
			return err
		}, map[string]string{"aws:RequestTag/a": "1", "aws:RequestTag/b": "2", "aws:TagKeys": "a,b", "iam:PermissionsBoundary": boundary},
			[]string{"aws:ResourceTag/a"}},
		{"GetPolicy", func() error { _, err := e.svc.GetPolicy(ctx, bob, boundary); return err },
			map[string]string{"aws:ResourceTag/kind": "boundary"}, []string{"iam:ResourceTag/kind"}},
		{"ListRoles", func() error { _, err := e.svc.ListRoles(ctx, bob, iam.ListInput{}); return err },
			nil, []string{"aws:ResourceTag/tier"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got = nil
			if err := c.call(); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Action != "iam:"+c.name {
				t.Fatalf("decisions %+v", got)
			}
			keys := &got[0].Keys
			for k, want := range c.want {
				vals, _, ok := keys.Get(k)
				if !ok || strings.Join(vals, ",") != want {
					t.Errorf("%s = %q (set %v), want %q", k, vals, ok, want)
				}
			}
			for _, k := range c.not {
				if keys.Has(k) {
					t.Errorf("%s is set; its action does not carry it", k)
				}
			}
		})
	}
	if outer != 8 {
		t.Errorf("the outer hook saw %d decisions, want 8", outer)
	}
	// Without a target entity there are no resource keys.
	got = nil
	_, err := e.svc.GetRole(ctx, bob, "none")
	wantCode(t, err, fault.NotFound)
	if len(got) != 1 || slices.ContainsFunc(got[0].Keys.Keys(), func(k string) bool { return strings.Contains(k, "Tag") }) {
		t.Errorf("GetRole of a missing role: %+v", got)
	}
}
