package iam_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/policy"
)

func trustAWS(arns ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + strings.Join(arns, `","`) + `"]},"Action":"sts:AssumeRole"}]}`
}

// TestTrustPolicyPrincipalMustExist: a trust policy may name only users
// and roles that exist, as IAM answers; accounts, the root and session
// ARNs need not.
func TestTrustPolicyPrincipalMustExist(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	u := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "bob"}))
	other := "arn:aws:iam::444455556666:role/x"
	for _, missing := range []string{
		"arn:aws:iam::" + acct + ":user/nobody",
		"arn:aws:iam::" + acct + ":user/team/bob", // bob, but not on that path
		"arn:aws:iam::" + acct + ":role/self",     // the role itself, not made yet
		other,                                     // an account this server does not have
	} {
		_, err := e.svc.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "self", AssumeRolePolicyDocument: trustAWS(u.ARN, missing)})
		wantCode(t, err, fault.Malformed)
		if want := `Invalid principal in policy: "AWS":"` + missing + `"`; err.Error() == "" || !strings.Contains(err.Error(), want) {
			t.Fatalf("CreateRole naming %s: %v, want %q", missing, err, want)
		}
	}
	r := must(e.svc.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "self",
		AssumeRolePolicyDocument: trustAWS(u.ARN, acct, "arn:aws:iam::"+acct+":root", "arn:aws:sts::"+acct+":assumed-role/self/s", "arn:aws:iam::444455556666:root")}))
	if len(r.TrustPrincipalIDs) != 1 || r.TrustPrincipalIDs[u.ARN] != u.ID {
		t.Fatalf("trust principal ids %v, want %s bound to %s", r.TrustPrincipalIDs, u.ARN, u.ID)
	}
	err := e.svc.UpdateAssumeRolePolicy(ctx, root, "self", trustAWS(other))
	wantCode(t, err, fault.Malformed)
	// A caller who may not update the role learns nothing of principals.
	bob := iam.Caller{Account: acct, ARN: u.ARN, UserName: "bob"}
	wantCode(t, e.svc.UpdateAssumeRolePolicy(ctx, bob, "self", trustAWS(other)), fault.AccessDenied)
	noErr(t, e.svc.UpdateAssumeRolePolicy(ctx, root, "self", trustAWS(r.ARN)))
	if got := must(e.svc.GetRole(ctx, root, "self")).TrustPrincipalIDs; got[r.ARN] != r.ID {
		t.Fatalf("a role trusting itself: ids %v", got)
	}
}

// TestShowTrustPrincipals: GetRole, ListRoles and
// GetAccountAuthorizationDetails show a trust policy as written while its
// principals exist, the unique id of a deleted one in place of its ARN
// (also when another user of the name was made), and a renamed user's
// new ARN.
func TestShowTrustPrincipals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	carol := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "carol"}))
	dave := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "dave"}))
	app := e.role(t, "app")
	doc := trustAWS(carol.ARN, dave.ARN, app.ARN)
	must(e.svc.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "target", AssumeRolePolicyDocument: doc}))
	shown := func(want string) {
		t.Helper()
		if got := must(e.svc.GetRole(ctx, root, "target")).AssumeRolePolicyDocument; got != want {
			t.Fatalf("GetRole shows\n %s\nwant\n %s", got, want)
		}
		for _, r := range must(e.svc.ListRoles(ctx, root, iam.ListInput{})).Items {
			if r.Name == "target" && r.AssumeRolePolicyDocument != want {
				t.Fatalf("ListRoles shows\n %s\nwant\n %s", r.AssumeRolePolicyDocument, want)
			}
		}
		for _, r := range must(e.svc.GetAccountAuthorizationDetails(ctx, root, []string{iam.FilterRole}, iam.PageRequest{})).Roles {
			if r.Role.Name == "target" && r.Role.AssumeRolePolicyDocument != want {
				t.Fatalf("GetAccountAuthorizationDetails shows\n %s\nwant\n %s", r.Role.AssumeRolePolicyDocument, want)
			}
		}
	}
	shown(doc)

	noErr(t, e.svc.DeleteUser(ctx, root, "carol"))
	must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "carol"}))
	noErr(t, e.svc.UpdateUser(ctx, root, iam.UpdateUserInput{UserName: "dave", NewUserName: "david", NewPath: "/eng/"}))
	noErr(t, e.svc.DeleteRole(ctx, root, "app"))
	shown(trustAWS(carol.ID, "arn:aws:iam::"+acct+":user/eng/david", app.ID))
}

// TestCompileBound: Compile evaluates a stored policy over the entities
// its principals were bound to.
func TestCompileBound(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	carol := must(e.svc.CreateUser(ctx, root, iam.CreateUserInput{UserName: "carol"}))
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + carol.ARN + `"},"Action":"s3:GetObject","Resource":"*"}]}`
	d := must(policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{}))
	ids := must(e.svc.BindPrincipals(ctx, d))
	p := must(e.svc.Compile("b", doc, policy.Resource, ids))
	for _, tt := range []struct {
		userID string
		want   bool
	}{{carol.ID, true}, {"AIDAOTHER", false}, {"", false}} {
		caller := must(policy.ParsePrincipal(carol.ARN))
		caller.UserID = tt.userID
		if ok, _ := p.Rules[0].Match(&policy.Request{Principal: caller, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}); ok != tt.want {
			t.Errorf("caller with unique id %q: match %v, want %v", tt.userID, ok, tt.want)
		}
	}
	// The cache tells bindings apart.
	if other := must(e.svc.Compile("b", doc, policy.Resource, map[string]string{carol.ARN: "AIDAOTHER"})); other == p {
		t.Fatal("Compile returned the policy bound to another id")
	}
}
