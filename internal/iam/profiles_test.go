package iam_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
)

// TestInstanceProfileAuthorization: each profile action is authorized on
// the profile's ARN (with its path), ListInstanceProfilesForRole on the
// role's, and adding a role needs iam:PassRole on the role as well; each
// refusal beside the same call allowed.
func TestInstanceProfileAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	bob := iam.Caller{Account: acct, ARN: bobARN, UserName: "bob"}
	e.role(t, "web")
	e.role(t, "batch")
	must(e.svc.CreateInstanceProfile(ctx, root, iam.CreateInstanceProfileInput{Name: "web", Path: "/ec2/"}))
	must(e.svc.CreateInstanceProfile(ctx, root, iam.CreateInstanceProfileInput{Name: "other"}))

	_, err := e.svc.GetInstanceProfile(ctx, bob, "web")
	wantCode(t, err, fault.AccessDenied)
	if !strings.Contains(err.Error(), "on resource: arn:aws:iam::111122223333:instance-profile/ec2/web") {
		t.Fatalf("refusal names the wrong resource: %v", err)
	}
	noErr(t, e.svc.PutUserPolicy(ctx, root, "bob", "profiles", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:*InstanceProfile*"],"Resource":"arn:aws:iam::111122223333:instance-profile/ec2/*"},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/web",
		 "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`))
	must(e.svc.GetInstanceProfile(ctx, bob, "web"))
	_, err = e.svc.GetInstanceProfile(ctx, bob, "other")
	wantCode(t, err, fault.AccessDenied)

	// PassRole: allowed for web, not for batch.
	wantCode(t, e.svc.AddRoleToInstanceProfile(ctx, bob, "web", "batch"), fault.AccessDenied)
	noErr(t, e.svc.AddRoleToInstanceProfile(ctx, bob, "web", "web"))
	wantCode(t, e.svc.AddRoleToInstanceProfile(ctx, root, "web", "batch"), fault.LimitExceeded)

	// ListInstanceProfilesForRole is on the role: bob's policy names no
	// role for it; root may.
	_, err = e.svc.ListInstanceProfilesForRole(ctx, bob, "web", iam.PageRequest{})
	wantCode(t, err, fault.AccessDenied)
	p := must(e.svc.ListInstanceProfilesForRole(ctx, root, "web", iam.PageRequest{}))
	if len(p.Items) != 1 || p.Items[0].Profile.Name != "web" || len(p.Items[0].Roles) != 1 || p.Items[0].Roles[0].Name != "web" {
		t.Fatalf("profiles of web: %+v", p.Items)
	}

	// The role and the profile are each in use.
	wantCode(t, e.svc.DeleteRole(ctx, root, "web"), fault.DeleteConflict)
	wantCode(t, e.svc.DeleteInstanceProfile(ctx, bob, "web"), fault.DeleteConflict)
	wantCode(t, e.svc.RemoveRoleFromInstanceProfile(ctx, bob, "web", "batch"), fault.NotFound)
	noErr(t, e.svc.RemoveRoleFromInstanceProfile(ctx, bob, "web", "WEB"))
	noErr(t, e.svc.DeleteInstanceProfile(ctx, bob, "web"))
	noErr(t, e.svc.DeleteRole(ctx, root, "web"))
	wantCode(t, e.svc.DeleteInstanceProfile(ctx, bob, "other"), fault.AccessDenied)
	_, err = e.svc.GetInstanceProfile(ctx, root, "web")
	wantCode(t, err, fault.NotFound)

	// Bad names are validation errors.
	_, err = e.svc.CreateInstanceProfile(ctx, root, iam.CreateInstanceProfileInput{Name: "bad name"})
	wantCode(t, err, fault.Validation)
	_, err = e.svc.CreateInstanceProfile(ctx, root, iam.CreateInstanceProfileInput{Name: strings.Repeat("a", 129)})
	wantCode(t, err, fault.Validation)
	must(e.svc.CreateInstanceProfile(ctx, root, iam.CreateInstanceProfileInput{Name: strings.Repeat("a", 128)}))
}
