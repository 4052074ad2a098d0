package sts_test

import (
	"crypto"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/sts"
)

func publicKeyBytes(t *testing.T, pub crypto.PublicKey) []byte {
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func trustAWS(principal string, extra string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":["sts:AssumeRole"` + extra + `]}]}`
}

const assumeAny = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`

func (e *env) user(acct, name, policy string) iam.Caller {
	e.t.Helper()
	ctx := e.t.Context()
	u, err := e.iam.CreateUser(ctx, rootOf(acct), iam.CreateUserInput{UserName: name})
	if err != nil {
		e.t.Fatal(err)
	}
	if policy != "" {
		if err := e.iam.PutUserPolicy(ctx, rootOf(acct), name, "p", policy); err != nil {
			e.t.Fatal(err)
		}
	}
	return iam.Caller{Account: acct, ARN: u.ARN, UserName: name}
}

// TestAssumeRoleBothSides: who must allow, in one account and across two.
func TestAssumeRoleBothSides(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	bob := e.user(acctA, "bob", "")
	alice := e.user(acctA, "alice", assumeAny)
	carol := e.user(acctB, "carol", assumeAny)
	named := e.role(acctA, "names-bob", trustAWS(bob.ARN, ""))
	account := e.role(acctA, "names-account", trustAWS(acctA, ""))
	cross := e.role(acctB, "cross", trustAWS("arn:aws:iam::"+acctA+":root", ""))
	in := func(r string) sts.AssumeRoleInput { return sts.AssumeRoleInput{RoleARN: r, RoleSessionName: "s1"} }
	for _, tc := range []struct {
		name   string
		caller iam.Caller
		role   string
		want   string
	}{
		{"trust names the user: no identity policy needed", bob, named.ARN, ""},
		{"trust names another user", alice, named.ARN, accessDenied},
		{"trust names the account, no identity policy", bob, account.ARN, accessDenied},
		{"trust names the account, identity policy allows", alice, account.ARN, ""},
		{"cross-account, identity side missing", bob, cross.ARN, accessDenied},
		{"cross-account, both sides allow", alice, cross.ARN, ""},
		{"a root user, never (as on AWS)", rootOf(acctA), cross.ARN, accessDenied},
		{"role in another account not trusting", carol, named.ARN, accessDenied},
		{"missing role", alice, "arn:aws:iam::" + acctA + ":role/none", accessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.sts.AssumeRole(ctx, tc.caller, in(tc.role))
			if code(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if err == nil && !strings.HasPrefix(res.AssumedRoleARN, "arn:aws:sts::") {
				t.Fatalf("result %+v", res)
			}
		})
	}
	rootSession, err := e.sts.GetSessionToken(ctx, rootOf(acctA), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []iam.Caller{rootOf(acctA), e.caller(rootSession.Credentials)} {
		if _, err := e.sts.AssumeRole(ctx, root, in(account.ARN)); err == nil || !strings.Contains(err.Error(), "Roles may not be assumed by root accounts.") {
			t.Fatalf("root (session %v): %v", root.Session != nil, err)
		}
	}
	_, err = e.sts.AssumeRole(ctx, bob, in(cross.ARN))
	if want := "User: " + bob.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + cross.ARN + " because no identity-based policy allows the action"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("message %v\nwant %s", err, want)
	}
}

// TestAssumeRoleChain: a chained session lasts at most an hour, inherits
// transitive tags and the source identity, and cannot re-pass either.
func TestAssumeRoleChain(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	alice := e.user(acctA, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}`)
	first := e.role(acctA, "first", trustAWS(acctA, `,"sts:TagSession","sts:SetSourceIdentity"`))
	if err := e.iam.PutRolePolicy(ctx, rootOf(acctA), "first", "assume", assumeAny); err != nil {
		t.Fatal(err)
	}
	second := e.role(acctB, "second", trustAWS(first.ARN, `,"sts:TagSession","sts:SetSourceIdentity"`))
	r1, err := e.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: first.ARN, RoleSessionName: "one",
		Tags: []sts.Tag{{Key: "team", Value: "blue"}, {Key: "cost", Value: "7"}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice", DurationSeconds: 7200})
	if err != nil {
		t.Fatal(err)
	}
	s1 := e.caller(r1.Credentials)
	_, err = e.sts.AssumeRole(ctx, s1, sts.AssumeRoleInput{RoleARN: second.ARN, RoleSessionName: "two", DurationSeconds: 3601})
	if code(err) != validationError || !strings.Contains(err.Error(), "role chaining") {
		t.Fatalf("chained 3601 s: %v", err)
	}
	_, err = e.sts.AssumeRole(ctx, s1, sts.AssumeRoleInput{RoleARN: second.ARN, RoleSessionName: "two", Tags: []sts.Tag{{Key: "TEAM", Value: "red"}}})
	if code(err) != invalidParameter {
		t.Fatalf("re-passing an inherited tag: %v", err)
	}
	_, err = e.sts.AssumeRole(ctx, s1, sts.AssumeRoleInput{RoleARN: second.ARN, RoleSessionName: "two", SourceIdentity: "mallory"})
	if code(err) != invalidParameter {
		t.Fatalf("changing the source identity: %v", err)
	}
	r2, err := e.sts.AssumeRole(ctx, s1, sts.AssumeRoleInput{RoleARN: second.ARN, RoleSessionName: "two"})
	if err != nil {
		t.Fatal(err)
	}
	s2 := e.caller(r2.Credentials).Session
	if !s2.Chained || s2.SourceIdentity != "alice" || len(s2.Tags) != 1 || s2.Tags[0].Key != "team" || s2.Expires-s2.Issued != 3600 {
		t.Fatalf("chained session %+v", s2)
	}
	if r2.AssumedRoleARN != "arn:aws:sts::"+acctB+":assumed-role/second/two" {
		t.Fatalf("ARN %s", r2.AssumedRoleARN)
	}
}

// TestAssumeRoleConditions: ExternalId, tags and the session name reach
// the trust policy's conditions.
func TestAssumeRoleConditions(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	alice := e.user(acctA, "alice", assumeAny)
	r := e.role(acctB, "vendor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+acctA+`"},"Action":"sts:AssumeRole",`+
		`"Condition":{"StringEquals":{"sts:ExternalId":"s3cret-42"},"StringLike":{"sts:RoleSessionName":"ci-*"}}}]}`)
	for _, tc := range []struct {
		name       string
		externalID string
		session    string
		want       string
	}{
		{"right external id and name", "s3cret-42", "ci-7", ""},
		{"no external id", "", "ci-7", accessDenied},
		{"wrong external id", "guess", "ci-7", accessDenied},
		{"session name outside the pattern", "s3cret-42", "me", accessDenied},
		{"bad session name", "s3cret-42", "no spaces", validationError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: tc.session, ExternalID: tc.externalID})
			if code(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSessionPoliciesLimit: a session policy narrows what the session may
// do, and oversized or malformed ones are refused.
func TestSessionPoliciesLimit(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	alice := e.user(acctA, "alice", assumeAny)
	r := e.role(acctA, "admin", trustAWS(acctA, ""))
	if err := e.iam.AttachRolePolicy(ctx, rootOf(acctA), "admin", "arn:aws:iam::aws:policy/AdministratorAccess"); err != nil {
		t.Fatal(err)
	}
	res, err := e.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "s1",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if res.PackedPolicySize < 1 || res.PackedPolicySize > 100 {
		t.Fatalf("packed size %d", res.PackedPolicySize)
	}
	s := e.caller(res.Credentials)
	if _, err := e.iam.GetRole(ctx, s, "admin"); err != nil {
		t.Fatalf("GetRole within the session policy: %v", err)
	}
	if _, err := e.iam.ListRoles(ctx, s, iam.ListInput{}); code(err) != accessDenied {
		t.Fatalf("ListRoles outside the session policy: %v", err)
	}
	_, err = e.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "s1", Policy: `{"Version":"2012-10-17"`})
	if code(err) != malformedPolicy {
		t.Fatalf("malformed session policy: %v", err)
	}
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2100) + `"}]}`
	_, err = e.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "s1", Policy: big})
	if code(err) != validationError {
		t.Fatalf("2,100-character session policy: %v", err)
	}
	var arns []string
	for i := 0; i < 11; i++ {
		arns = append(arns, "arn:aws:iam::aws:policy/ReadOnlyAccess")
	}
	_, err = e.sts.AssumeRole(ctx, alice, sts.AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "s1", PolicyARNs: arns})
	if code(err) != validationError {
		t.Fatalf("11 policy ARNs: %v", err)
	}
}

func TestGetSessionToken(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	bob := e.user(acctA, "bob", "")
	res, err := e.sts.GetSessionToken(ctx, bob, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := e.caller(res.Credentials)
	if s.ARN != bob.ARN || s.Session.UserID == "" || s.Session.Expires-s.Session.Issued != 43200 {
		t.Fatalf("session %+v", s.Session)
	}
	if _, err := e.sts.GetSessionToken(ctx, s, 0); code(err) != accessDenied {
		t.Fatalf("from a session: %v", err)
	}
	root, err := e.sts.GetSessionToken(ctx, rootOf(acctA), 7200)
	if err != nil {
		t.Fatal(err)
	}
	if rs := e.caller(root.Credentials).Session; rs.Expires-rs.Issued != 3600 {
		t.Fatalf("root session of %d s, want 3600", rs.Expires-rs.Issued)
	}
	if _, err := e.sts.GetSessionToken(ctx, bob, 600); code(err) != validationError {
		t.Fatalf("600 s: %v", err)
	}
}

// TestAssumeRoleRecreatedPrincipal: a trust policy binds the users and
// roles it names when it is written; one deleted and made again with the
// same ARN is not trusted.
func TestAssumeRoleRecreatedPrincipal(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	bob := e.user(acctA, "bob", assumeAny)
	ci := e.role(acctA, "ci", trustAWS(bob.ARN, ""))
	if err := e.iam.PutRolePolicy(ctx, rootOf(acctA), "ci", "assume", assumeAny); err != nil {
		t.Fatal(err)
	}
	target := e.role(acctB, "target", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["`+ci.ARN+`","`+bob.ARN+`"]},"Action":"sts:AssumeRole"}]}`)
	r, err := e.sts.AssumeRole(ctx, bob, sts.AssumeRoleInput{RoleARN: ci.ARN, RoleSessionName: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sts.AssumeRole(ctx, e.caller(r.Credentials), sts.AssumeRoleInput{RoleARN: target.ARN, RoleSessionName: "s2"}); err != nil {
		t.Fatalf("the trusted role: %v", err)
	}
	if _, err := e.sts.AssumeRole(ctx, bob, sts.AssumeRoleInput{RoleARN: target.ARN, RoleSessionName: "s2"}); err != nil {
		t.Fatalf("the trusted user: %v", err)
	}
	// Delete both and make them again under the same names.
	root := rootOf(acctA)
	if err := e.iam.DeleteRolePolicy(ctx, root, "ci", "assume"); err != nil {
		t.Fatal(err)
	}
	if err := e.iam.DeleteRole(ctx, root, "ci"); err != nil {
		t.Fatal(err)
	}
	if err := e.iam.DeleteUserPolicy(ctx, root, "bob", "p"); err != nil {
		t.Fatal(err)
	}
	if err := e.iam.DeleteUser(ctx, root, "bob"); err != nil {
		t.Fatal(err)
	}
	bob2 := e.user(acctA, "bob", assumeAny)
	ci2 := e.role(acctA, "ci", trustAWS(bob2.ARN, ""))
	if err := e.iam.PutRolePolicy(ctx, root, "ci", "assume", assumeAny); err != nil {
		t.Fatal(err)
	}
	r2, err := e.sts.AssumeRole(ctx, bob2, sts.AssumeRoleInput{RoleARN: ci2.ARN, RoleSessionName: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sts.AssumeRole(ctx, e.caller(r2.Credentials), sts.AssumeRoleInput{RoleARN: target.ARN, RoleSessionName: "s2"}); code(err) != accessDenied {
		t.Fatalf("a new role under the trusted role's ARN: %v", err)
	}
	if _, err := e.sts.AssumeRole(ctx, bob2, sts.AssumeRoleInput{RoleARN: target.ARN, RoleSessionName: "s2"}); code(err) != accessDenied {
		t.Fatalf("a new user under the trusted user's ARN: %v", err)
	}
	// Writing the trust policy again binds the new ones.
	if err := e.iam.UpdateAssumeRolePolicy(ctx, rootOf(acctB), "target", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+ci.ARN+`"},"Action":"sts:AssumeRole"}]}`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sts.AssumeRole(ctx, e.caller(r2.Credentials), sts.AssumeRoleInput{RoleARN: target.ARN, RoleSessionName: "s2"}); err != nil {
		t.Fatalf("after the trust policy was written again: %v", err)
	}
}
