package authz_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/corpus"
	"github.com/podiam/podiam/internal/policy"
)

const (
	acctA   = "111122223333"
	acctB   = "444455556666"
	alice   = "arn:aws:iam::111122223333:user/alice"
	root    = "arn:aws:iam::111122223333:root"
	session = "arn:aws:sts::111122223333:assumed-role/app/pod-1"
	fedUser = "arn:aws:sts::111122223333:federated-user/bob"
	oidcIdP = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com"
	bobB    = "arn:aws:iam::444455556666:user/bob"
	roleA   = "arn:aws:iam::111122223333:role/target"
	bucket  = "arn:aws:s3:::b"
	object  = "arn:aws:s3:::b/k"
)

// named is one policy of an evaluation case; its statements are given
// without the surrounding document.
type named struct {
	name       string
	statements string
}

type evalCase struct {
	name     string
	caller   string
	action   string // s3:GetObject when empty
	resource string // object when empty
	resAcct  string // the caller's account when empty
	ctx      map[string]string
	multi    map[string][]string // multi-valued context keys

	identity []named
	boundary *named
	session  []named
	bucket   *named // a resource policy
	trust    *named // a trust policy, in Set.Resource
	scps     [][]named

	want       authz.Decision
	reason     authz.Reason
	statements []string // Rule.Ref of the deciding statements
}

func compilePolicy(t testing.TB, n named, k policy.Kind) *policy.Policy {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[` + n.statements + `]}`
	p, err := policy.Parse(n.name, []byte(doc), k, policy.Options{})
	if err != nil {
		t.Fatalf("policy %s: %v", n.name, err)
	}
	return p
}

func (c *evalCase) build(t testing.TB) (*authz.Request, *authz.Set) {
	t.Helper()
	p, err := policy.ParsePrincipal(c.caller)
	if err != nil {
		t.Fatal(err)
	}
	req := &authz.Request{Principal: p, Action: c.action, Resource: c.resource, ResourceAccount: c.resAcct}
	if req.Action == "" {
		req.Action = "s3:GetObject"
	}
	if req.Resource == "" {
		req.Resource = object
	}
	if req.ResourceAccount == "" {
		req.ResourceAccount = p.Account
	}
	for k, v := range c.ctx {
		req.Context.Set(k, v)
	}
	for k, v := range c.multi {
		req.Context.SetMulti(k, v...)
	}
	req.Prepare()
	set := &authz.Set{}
	for _, n := range c.identity {
		set.Identity = append(set.Identity, compilePolicy(t, n, policy.Identity))
	}
	if c.boundary != nil {
		set.Boundary = compilePolicy(t, *c.boundary, policy.Boundary)
	}
	for _, n := range c.session {
		set.Session = append(set.Session, compilePolicy(t, n, policy.Session))
	}
	if c.bucket != nil {
		set.Resource = compilePolicy(t, *c.bucket, policy.Resource)
	}
	if c.trust != nil {
		set.Resource = compilePolicy(t, *c.trust, policy.Trust)
	}
	for _, level := range c.scps {
		var ps []*policy.Policy
		for _, n := range level {
			ps = append(ps, compilePolicy(t, n, policy.SCP))
		}
		set.SCPs = append(set.SCPs, ps)
	}
	return req, set
}

// Statements used by the cases.
const (
	allowAll      = `{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}`
	allowS3       = `{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}`
	allowGet      = `{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	allowPut      = `{"Sid":"Put","Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`
	allowEC2      = `{"Sid":"EC2","Effect":"Allow","Action":"ec2:*","Resource":"*"}`
	denyGet       = `{"Sid":"DenyGet","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}`
	allowAssume   = `{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}`
	bucketAnyone  = `{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	bucketAlice   = `{"Sid":"Alice","Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	bucketAcctA   = `{"Sid":"AcctA","Effect":"Allow","Principal":{"AWS":"` + acctA + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	bucketAcctB   = `{"Sid":"AcctB","Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	bucketRole    = `{"Sid":"Role","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	bucketSession = `{"Sid":"Session","Effect":"Allow","Principal":{"AWS":"` + session + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	bucketTLS     = `{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
)

func TestEvaluate(t *testing.T) {
	tests := []evalCase{
		// Explicit denies.
		{
			name: "scp deny", caller: alice, action: "s3:DeleteObject",
			identity: []named{{"id", allowS3}},
			scps:     [][]named{{{"scp", allowAll + `,{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}`}}},
			want:     authz.ExplicitDeny, reason: authz.DeniedBySCP, statements: []string{"scp/NoDelete"},
		},
		{
			name: "resource deny", caller: alice, ctx: map[string]string{"aws:SecureTransport": "false"},
			identity: []named{{"id", allowS3}},
			bucket:   &named{"bucket", bucketTLS},
			want:     authz.ExplicitDeny, reason: authz.DeniedByResource, statements: []string{"bucket/DenyInsecure"},
		},
		{
			name: "identity deny", caller: alice,
			identity: []named{{"id", allowS3 + `,` + denyGet}},
			want:     authz.ExplicitDeny, reason: authz.DeniedByIdentity, statements: []string{"id/DenyGet"},
		},
		{
			name: "identity deny beats a resource policy naming the caller", caller: alice,
			identity: []named{{"id", denyGet}},
			bucket:   &named{"bucket", bucketAlice},
			want:     authz.ExplicitDeny, reason: authz.DeniedByIdentity, statements: []string{"id/DenyGet"},
		},
		{
			name: "identity deny for root", caller: root,
			identity: []named{{"id", denyGet}},
			want:     authz.ExplicitDeny, reason: authz.DeniedByIdentity, statements: []string{"id/DenyGet"},
		},
		{
			name: "boundary deny", caller: alice,
			identity: []named{{"id", allowS3}},
			boundary: &named{"pb", allowAll + `,` + denyGet},
			want:     authz.ExplicitDeny, reason: authz.DeniedByBoundary, statements: []string{"pb/DenyGet"},
		},
		{
			name: "session deny", caller: session,
			identity: []named{{"role", allowS3}},
			session:  []named{{"sp", allowAll + `,` + denyGet}},
			want:     authz.ExplicitDeny, reason: authz.DeniedBySession, statements: []string{"sp/DenyGet"},
		},
		{
			name: "scp deny reported first, every deny listed", caller: alice,
			identity: []named{{"id", denyGet}},
			scps:     [][]named{{{"scp", allowAll + `,` + denyGet}}},
			boundary: &named{"pb", denyGet},
			want:     authz.ExplicitDeny, reason: authz.DeniedBySCP, statements: []string{"id/DenyGet", "pb/DenyGet", "scp/DenyGet"},
		},
		{
			name: "resource deny reported before identity deny", caller: alice, ctx: map[string]string{"aws:SecureTransport": "false"},
			identity: []named{{"id", denyGet}},
			bucket:   &named{"bucket", bucketTLS},
			want:     authz.ExplicitDeny, reason: authz.DeniedByResource, statements: []string{"bucket/DenyInsecure", "id/DenyGet"},
		},
		{
			name: "deny for anonymous", caller: "anonymous", ctx: map[string]string{"aws:SecureTransport": "false"},
			bucket: &named{"bucket", bucketAnyone + `,` + bucketTLS},
			want:   authz.ExplicitDeny, reason: authz.DeniedByResource, statements: []string{"bucket/DenyInsecure"},
		},

		// Implicit denies.
		{
			name: "no scp allow", caller: alice,
			identity: []named{{"id", allowS3}},
			scps:     [][]named{{{"scp", allowEC2}}},
			want:     authz.ImplicitDeny, reason: authz.NoSCPAllow,
		},
		{
			name: "no scp allow at one level", caller: alice,
			identity: []named{{"id", allowS3}},
			scps:     [][]named{{{"root", allowAll}}, {{"ou-a", allowEC2}, {"ou-b", allowPut}}},
			want:     authz.ImplicitDeny, reason: authz.NoSCPAllow,
		},
		{
			name: "no scp allow binds root", caller: root,
			scps: [][]named{{{"scp", allowEC2}}},
			want: authz.ImplicitDeny, reason: authz.NoSCPAllow,
		},
		{
			name: "no identity allow", caller: alice,
			identity: []named{{"id", allowEC2}},
			want:     authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no identity allow without policies", caller: session,
			want: authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no identity allow: a condition fails", caller: alice,
			identity: []named{{"id", `{"Sid":"MFA","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`}},
			want:     authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no identity allow: account in a bucket policy is not enough", caller: alice,
			bucket: &named{"bucket", bucketAcctA},
			want:   authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no boundary allow", caller: alice,
			identity: []named{{"id", allowS3}},
			boundary: &named{"pb", allowEC2},
			want:     authz.ImplicitDeny, reason: authz.NoBoundaryAllow,
		},
		{
			name: "no boundary allow: resource policy names the role", caller: session,
			bucket:   &named{"bucket", bucketRole},
			boundary: &named{"pb", allowEC2},
			want:     authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no session allow", caller: session,
			identity: []named{{"role", allowS3}},
			session:  []named{{"sp", allowPut}},
			want:     authz.ImplicitDeny, reason: authz.NoSessionAllow,
		},
		{
			name: "no session allow: federated user without a session policy", caller: fedUser,
			identity: []named{{"user", allowS3}},
			want:     authz.ImplicitDeny, reason: authz.NoSessionAllow,
		},
		{
			name: "no session allow: star in a bucket policy", caller: session,
			bucket:  &named{"bucket", bucketAnyone},
			session: []named{{"sp", allowPut}},
			want:    authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no resource allow: anonymous", caller: "anonymous",
			want: authz.ImplicitDeny, reason: authz.NoResourceAllow,
		},
		{
			name: "no resource allow: anonymous, policy for others", caller: "anonymous",
			bucket: &named{"bucket", bucketAcctA},
			want:   authz.ImplicitDeny, reason: authz.NoResourceAllow,
		},
		{
			name: "no resource allow: service", caller: "logging.s3.amazonaws.com", action: "s3:PutObject",
			bucket: &named{"bucket", bucketAlice},
			want:   authz.ImplicitDeny, reason: authz.NoResourceAllow,
		},
		{
			name: "no resource allow: cross-account", caller: bobB, resAcct: acctA,
			identity: []named{{"id", allowS3}},
			want:     authz.ImplicitDeny, reason: authz.NoResourceAllow,
		},
		{
			name: "no resource allow: cross-account, other account named", caller: bobB, resAcct: acctA,
			identity: []named{{"id", allowS3}},
			bucket:   &named{"bucket", bucketAcctA},
			want:     authz.ImplicitDeny, reason: authz.NoResourceAllow,
		},
		{
			name: "cross-account: identity side checked first", caller: bobB, resAcct: acctA,
			bucket: &named{"bucket", bucketAcctB},
			want:   authz.ImplicitDeny, reason: authz.NoIdentityAllow,
		},
		{
			name: "no trust allow", caller: alice, action: "sts:AssumeRole", resource: roleA,
			identity: []named{{"id", allowAssume}},
			trust:    &named{"trust", `{"Sid":"EC2","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`},
			want:     authz.ImplicitDeny, reason: authz.NoTrustAllow,
		},
		{
			name: "no trust allow: web identity, wrong audience", caller: oidcIdP, action: "sts:AssumeRoleWithWebIdentity", resource: roleA,
			ctx:   map[string]string{"oidc.example.com:aud": "other"},
			trust: &named{"trust", `{"Sid":"IRSA","Effect":"Allow","Principal":{"Federated":"` + oidcIdP + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example.com:aud":"sts.amazonaws.com"}}}`},
			want:  authz.ImplicitDeny, reason: authz.NoTrustAllow,
		},
		{
			name: "no trust allow: cross-account", caller: bobB, action: "sts:AssumeRole", resource: roleA, resAcct: acctA,
			identity: []named{{"id", allowAssume}},
			trust:    &named{"trust", `{"Sid":"Self","Effect":"Allow","Principal":{"AWS":"` + acctA + `"},"Action":"sts:AssumeRole"}`},
			want:     authz.ImplicitDeny, reason: authz.NoTrustAllow,
		},
		{
			name: "no trust allow: identity allow is not enough for root", caller: root, action: "sts:AssumeRole", resource: roleA,
			trust: &named{"trust", `{"Sid":"EC2","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`},
			want:  authz.ImplicitDeny, reason: authz.NoTrustAllow,
		},

		// Allows.
		{
			name: "identity allow", caller: alice,
			identity: []named{{"id", allowGet}},
			want:     authz.Allowed, reason: authz.AllowedByIdentity, statements: []string{"id/Get"},
		},
		{
			name: "identity allow lists every matching allow", caller: session,
			identity: []named{{"a", allowS3 + `,` + allowEC2}, {"b", allowGet}},
			boundary: &named{"pb", allowAll},
			session:  []named{{"sp", allowGet}},
			scps:     [][]named{{{"scp", allowAll}}},
			want:     authz.Allowed, reason: authz.AllowedByIdentity,
			statements: []string{"a/S3", "b/Get", "pb/All", "scp/All", "sp/Get"},
		},
		{
			name: "identity allow for root without policies", caller: root,
			want: authz.Allowed, reason: authz.AllowedByIdentity,
		},
		{
			name: "identity allow with a bucket policy naming the account", caller: alice,
			identity: []named{{"id", allowGet}},
			bucket:   &named{"bucket", bucketAcctA},
			want:     authz.Allowed, reason: authz.AllowedByIdentity,
			statements: []string{"bucket/AcctA", "id/Get"},
		},
		{
			name: "identity allow: same-account trust naming the account", caller: alice, action: "sts:AssumeRole", resource: roleA,
			identity: []named{{"id", allowAssume}},
			trust:    &named{"trust", `{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"` + root + `"},"Action":"sts:AssumeRole"}`},
			want:     authz.Allowed, reason: authz.AllowedByIdentity,
			statements: []string{"id/Assume", "trust/Acct"},
		},
		{
			name: "resource allow naming the user", caller: alice,
			bucket: &named{"bucket", bucketAlice},
			want:   authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Alice"},
		},
		{
			name: "resource allow naming the user ignores the boundary", caller: alice,
			bucket:   &named{"bucket", bucketAlice},
			boundary: &named{"pb", allowEC2},
			want:     authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Alice"},
		},
		{
			name: "resource allow naming the session", caller: session,
			bucket:  &named{"bucket", bucketSession},
			session: []named{{"sp", allowEC2}},
			want:    authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Session"},
		},
		{
			name: "resource allow naming the role", caller: session,
			bucket: &named{"bucket", bucketRole},
			want:   authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Role"},
		},
		{
			name: "resource allow: star, anonymous", caller: "anonymous",
			bucket: &named{"bucket", bucketAnyone},
			want:   authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Anyone"},
		},
		{
			name: "resource allow: star, same-account user", caller: alice,
			bucket: &named{"bucket", bucketAnyone},
			want:   authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Anyone"},
		},
		{
			name: "resource allow: star and the account", caller: alice,
			bucket: &named{"bucket", `{"Sid":"Both","Effect":"Allow","Principal":{"AWS":["*","` + acctA + `"]},"Action":"s3:GetObject","Resource":"*"}`},
			want:   authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Both"},
		},
		{
			name: "resource allow: cross-account", caller: bobB, resAcct: acctA,
			identity: []named{{"id", allowGet}},
			bucket:   &named{"bucket", bucketAcctB},
			want:     authz.Allowed, reason: authz.AllowedByResource,
			statements: []string{"bucket/AcctB", "id/Get"},
		},
		{
			name: "resource allow: service", caller: "logging.s3.amazonaws.com", action: "s3:PutObject",
			bucket: &named{"bucket", `{"Sid":"Logs","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}`},
			want:   authz.Allowed, reason: authz.AllowedByResource, statements: []string{"bucket/Logs"},
		},
		{
			name: "resource allow: web identity", caller: oidcIdP, action: "sts:AssumeRoleWithWebIdentity", resource: roleA,
			ctx:   map[string]string{"oidc.example.com:aud": "sts.amazonaws.com"},
			trust: &named{"trust", `{"Sid":"IRSA","Effect":"Allow","Principal":{"Federated":"` + oidcIdP + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example.com:aud":"sts.amazonaws.com"}}}`},
			want:  authz.Allowed, reason: authz.AllowedByTrust, statements: []string{"trust/IRSA"},
		},
		{
			name: "resource allow: trust naming the user", caller: alice, action: "sts:AssumeRole", resource: roleA,
			trust: &named{"trust", `{"Sid":"Alice","Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"sts:AssumeRole"}`},
			want:  authz.Allowed, reason: authz.AllowedByTrust, statements: []string{"trust/Alice"},
		},
		{
			name: "resource allow: cross-account trust", caller: bobB, action: "sts:AssumeRole", resource: roleA, resAcct: acctA,
			identity: []named{{"id", allowAssume}},
			trust:    &named{"trust", `{"Sid":"B","Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"sts:AssumeRole"}`},
			want:     authz.Allowed, reason: authz.AllowedByTrust,
			statements: []string{"id/Assume", "trust/B"},
		},
	}
	seen := map[authz.Reason]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, set := tt.build(t)
			var res authz.Result
			authz.Evaluate(req, set, &res)
			seen[res.Reason] = true
			if res.Decision != tt.want || res.Reason != tt.reason {
				t.Errorf("Evaluate = %s (%s), want %s (%s)", res.Decision, res.Reason, tt.want, tt.reason)
			}
			got := corpus.Refs(res.Statements)
			want := append([]string{}, tt.statements...)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("statements %q, want %q", got, want)
			}
			for _, r := range res.Statements {
				if (res.Decision == authz.Allowed) != (r.Effect == policy.Allow) {
					t.Errorf("statement %s has effect %s in a %s result", r.Ref(), r.Effect, res.Decision)
				}
			}
		})
	}
	t.Run("every reason covered", func(t *testing.T) {
		for r := authz.DeniedBySCP; r.String() != "?"; r++ {
			if !seen[r] {
				t.Errorf("no case ends with reason %s", r)
			}
		}
		if seen[authz.ReasonNone] {
			t.Error("a case ended without a reason")
		}
	})
}

func TestStrings(t *testing.T) {
	decisions := map[authz.Decision]string{authz.ImplicitDeny: "implicitDeny", authz.Allowed: "allowed", authz.ExplicitDeny: "explicitDeny", 9: "?"}
	for d, want := range decisions {
		if got := d.String(); got != want {
			t.Errorf("Decision(%d).String() = %q, want %q", d, got, want)
		}
	}
	names := map[string]bool{}
	for r := authz.ReasonNone + 1; r.String() != "?"; r++ {
		s := r.String()
		if s == "" || names[s] {
			t.Errorf("Reason(%d).String() = %q: empty or used twice", r, s)
		}
		names[s] = true
	}
	if len(names) != 14 {
		t.Errorf("%d named reasons, want 14", len(names))
	}
}

// TestResultReuse checks that Evaluate reuses Result.Statements.
func TestResultReuse(t *testing.T) {
	allow := evalCase{caller: alice, identity: []named{{"a", allowS3 + `,` + allowGet + `,` + allowAll}, {"b", allowGet}}}
	deny := evalCase{caller: alice, identity: []named{{"a", allowS3 + `,` + denyGet}}}
	implicit := evalCase{caller: alice, identity: []named{{"a", allowEC2}}}
	areq, aset := allow.build(t)
	dreq, dset := deny.build(t)
	ireq, iset := implicit.build(t)

	t.Run("given capacity", func(t *testing.T) {
		buf := make([]*policy.Rule, 0, 16)
		res := authz.Result{Statements: buf}
		for i, c := range []struct {
			req  *authz.Request
			set  *authz.Set
			want int
		}{{areq, aset, 4}, {dreq, dset, 1}, {ireq, iset, 0}, {areq, aset, 4}} {
			authz.Evaluate(c.req, c.set, &res)
			if len(res.Statements) != c.want {
				t.Errorf("call %d: %d statements, want %d", i, len(res.Statements), c.want)
			}
			if cap(res.Statements) != 16 || &res.Statements[:1][0] != &buf[:1][0] {
				t.Errorf("call %d: Statements no longer uses the caller's array (cap %d)", i, cap(res.Statements))
			}
		}
	})
	t.Run("grown once", func(t *testing.T) {
		var res authz.Result
		authz.Evaluate(areq, aset, &res)
		c := cap(res.Statements)
		if c < 4 {
			t.Fatalf("cap %d after 4 statements", c)
		}
		base := &res.Statements[:1][0]
		for range 3 {
			authz.Evaluate(ireq, iset, &res)
			authz.Evaluate(areq, aset, &res)
		}
		if cap(res.Statements) != c || &res.Statements[:1][0] != base {
			t.Errorf("Statements was reallocated: cap %d, was %d", cap(res.Statements), c)
		}
	})
	t.Run("previous result cleared", func(t *testing.T) {
		var res authz.Result
		authz.Evaluate(dreq, dset, &res)
		if res.Decision != authz.ExplicitDeny || len(res.Statements) != 1 {
			t.Fatalf("deny case: %s with %d statements", res.Decision, len(res.Statements))
		}
		authz.Evaluate(ireq, iset, &res)
		if res.Decision != authz.ImplicitDeny || res.Reason != authz.NoIdentityAllow || len(res.Statements) != 0 {
			t.Errorf("after reuse: %s (%s) with %d statements", res.Decision, res.Reason, len(res.Statements))
		}
	})
}

// allocStatement writes statement i of the allocation test's identity
// policies: conditions of every operator family, policy variables, and
// NotAction/NotResource.
func allocStatement(i int) string {
	conds := []string{
		`"StringEquals":{"aws:PrincipalTag/team":"blue","aws:username":"${aws:username}"}`,
		`"StringLike":{"s3:prefix":["home/${aws:username}/*","shared/*"]},"StringEqualsIgnoreCase":{"aws:RequestedRegion":"EU-WEST-1"}`,
		`"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"},"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:eu-west-1:111122223333:${aws:username}"}`,
		`"NumericLessThan":{"s3:max-keys":"100"},"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":0}`,
		`"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2099-01-01"}`,
		`"Bool":{"aws:SecureTransport":"true"},"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}`,
		`"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"NotIpAddress":{"aws:SourceIp":"10.9.0.0/16"}`,
		`"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]},"ForAllValues:StringLike":{"aws:TagKeys":["*"]}`,
		`"Null":{"aws:TokenIssueTime":"true","aws:SourceIp":"false"},"StringNotEqualsIfExists":{"ec2:InstanceType":"t3.large"}`,
		`"BinaryEquals":{"k:bin":"QUJD"},"StringEquals":{"aws:PrincipalTag/missing":"${aws:PrincipalTag/none, 'x'}"}`,
	}
	elems := []string{
		`"Action":["s3:GetObject","s3:List*"],"Resource":"arn:aws:s3:::b/${aws:username}/*"`,
		`"NotAction":"iam:*","Resource":"arn:aws:s3:::b/*"`,
		`"Action":"s3:*","NotResource":"arn:aws:s3:::other/*"`,
		`"Action":"s3:Get*","Resource":["arn:aws:s3:::x/*","arn:aws:s3:::b/*"]`,
	}
	return fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow",%s,"Condition":{%s}}`, i, elems[i%len(elems)], conds[i%len(conds)])
}

// allocCase is the allocation test's request and identity policies: ten
// policies of three statements each, all of whose conditions hold.
func allocCase(t *testing.T) evalCase {
	var ids []named
	for j := range 10 {
		var st []string
		for k := range 3 {
			st = append(st, allocStatement(j*3+k))
		}
		ids = append(ids, named{fmt.Sprintf("p%d", j), strings.Join(st, ",")})
	}
	return evalCase{
		caller: alice, resource: "arn:aws:s3:::b/alice/report.csv",
		ctx: map[string]string{
			"aws:PrincipalTag/team":    "blue",
			"s3:prefix":                "home/alice/x",
			"aws:RequestedRegion":      "eu-west-1",
			"aws:SourceArn":            "arn:aws:sns:eu-west-1:111122223333:topic",
			"s3:max-keys":              "50",
			"aws:MultiFactorAuthAge":   "30",
			"aws:CurrentTime":          "2026-11-24T08:00:00Z",
			"aws:SecureTransport":      "true",
			"aws:SourceIp":             "10.20.30.40",
			"k:bin":                    "QUJD",
			"aws:PrincipalTag/missing": "x",
		},
		multi:    map[string][]string{"aws:TagKeys": {"team", "cost"}},
		identity: ids,
	}
}

// TestEvaluateDoesNotAllocate checks the promise of the package doc: once
// its Result has grown, Evaluate on a prepared request does not allocate.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	base := allocCase(t)
	tests := []struct {
		name   string
		modify func(c *evalCase)
		want   authz.Decision
		n      int // statements in the result
	}{
		{name: "ten identity policies", want: authz.Allowed, n: 30},
		{
			name: "with boundary, session, bucket policy and SCPs",
			modify: func(c *evalCase) {
				c.caller = session
				c.ctx["aws:username"] = "alice"
				c.boundary = &named{"pb", allowS3 + `,{"Effect":"Deny","Action":"iam:*","Resource":"*"}`}
				c.session = []named{{"sp", allowGet}}
				c.bucket = &named{"bucket", bucketTLS + `,` + bucketAcctA}
				c.scps = [][]named{{{"root", allowAll}}, {{"ou", allowS3}}}
			},
			// The ArnLike on aws:PrincipalArn of S2, S12 and S22 names
			// users, so it fails for a session.
			want: authz.Allowed, n: 30 - 3 + 5,
		},
		{
			name:   "explicit deny",
			modify: func(c *evalCase) { c.identity = append(c.identity, named{"deny", denyGet}) },
			want:   authz.ExplicitDeny, n: 1,
		},
		{
			name:   "implicit deny",
			modify: func(c *evalCase) { c.action = "sqs:SendMessage"; c.resource = "arn:aws:sqs:eu-west-1:111122223333:q" },
			want:   authz.ImplicitDeny,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.ctx = map[string]string{}
			for k, v := range base.ctx {
				c.ctx[k] = v
			}
			c.identity = slices.Clone(base.identity)
			if tt.modify != nil {
				tt.modify(&c)
			}
			req, set := c.build(t)
			var res authz.Result
			authz.Evaluate(req, set, &res)
			if res.Decision != tt.want || len(res.Statements) != tt.n {
				t.Fatalf("Evaluate = %s (%s) with %d statements %q; want %s with %d", res.Decision, res.Reason, len(res.Statements), corpus.Refs(res.Statements), tt.want, tt.n)
			}
			allocs := testing.AllocsPerRun(100, func() { authz.Evaluate(req, set, &res) })
			if allocs != 0 {
				t.Errorf("Evaluate allocates %.1f times per call, want 0", allocs)
			}
		})
	}
}
