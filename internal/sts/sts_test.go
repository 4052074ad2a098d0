package sts_test

import (
	"bytes"
	"context"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
	"github.com/podiam/podiam/internal/sts"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
	sa    = "system:serviceaccount:default:my-app"
)

type env struct {
	t        testing.TB
	st       store.Store
	iam      *iam.Service
	sts      *sts.Service
	keys     *creds.SessionKeys
	issuer   *oidctest.Issuer
	provider string // the provider's ARN in account A
	url      string // issuer URL without https://
	now      time.Time
}

func rootOf(acct string) iam.Caller {
	return iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, st: memory.New(), now: time.Now().UTC().Truncate(time.Second)}
	for _, a := range []string{acctA, acctB} {
		if err := e.st.CreateAccount(ctx, store.Account{ID: a, CreatedAt: e.now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := managed.Seed(ctx, e.st, e.now); err != nil {
		t.Fatal(err)
	}
	rnd := mrand.NewChaCha8([32]byte{4})
	seal, err := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{3}, 32)}, 1, rnd)
	if err != nil {
		t.Fatal(err)
	}
	e.iam, err = iam.NewService(iam.Config{Store: e.st, Sealer: seal, Now: func() time.Time { return e.now }, Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	e.keys, err = creds.NewSessionKeys(map[byte][]byte{1: bytes.Repeat([]byte{5}, 32)}, 1, rnd)
	if err != nil {
		t.Fatal(err)
	}
	e.issuer = oidctest.NewIssuer(t, oidctest.WithPath("/id/CLUSTER1"))
	e.url = strings.TrimPrefix(e.issuer.URL, "https://")
	e.provider = iam.OIDCProviderARN(acctA, e.url)
	// The loopback issuer has a port, which IAM's URL rules refuse: put the
	// provider straight into the store.
	if err := e.st.CreateOIDCProvider(ctx, store.OIDCProvider{AccountID: acctA, URL: e.url, ARN: e.provider,
		ClientIDs: []string{"sts.amazonaws.com"}, CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	v := oidc.New(oidc.Config{RootCAs: e.issuer.CertPool(), Now: func() time.Time { return e.now }, MinRefetch: -1})
	e.sts, err = sts.New(sts.Config{Store: e.st, Identities: e.iam, Verifier: v, Sessions: e.keys, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// irsaTrust trusts the provider for one service account.
func (e *env) irsaTrust(sub string, extra string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + e.provider + `"},` +
		`"Action":["sts:AssumeRoleWithWebIdentity"` + extra + `],"Condition":{"StringEquals":{"` + e.url + `:sub":"` + sub + `","` + e.url + `:aud":"sts.amazonaws.com"}}}]}`
}

func (e *env) role(acct, name, trust string) store.Role {
	e.t.Helper()
	r, err := e.iam.CreateRole(e.t.Context(), rootOf(acct), iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust, MaxSessionDuration: 7200})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) token(claims map[string]any) string {
	if claims == nil {
		claims = e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour)
	}
	return e.issuer.Sign(claims)
}

// what names a kind and subject as fault.Error's text begins.
func what(k fault.Kind, s fault.Subject) string {
	return (&fault.Error{Kind: k, Subject: s}).Error()
}

// The kinds STS's tests expect, by the code each becomes on the wire.
var (
	accessDenied          = what(fault.AccessDenied, fault.None)
	validationError       = what(fault.Validation, fault.None)
	invalidParameter      = what(fault.InvalidParameter, fault.None)
	malformedPolicy       = what(fault.Malformed, fault.Policy)
	invalidIdentityToken  = what(fault.InvalidToken, fault.IdentityToken)
	expiredTokenException = what(fault.Expired, fault.IdentityToken)
	idpRejectedClaim      = what(fault.AccessDenied, fault.IdentityToken)
	idpCommunication      = what(fault.Unavailable, fault.IdentityProvider)
)

// code names the kind and subject of err ("" for nil), as what.
func code(err error) string {
	if err == nil {
		return ""
	}
	if fe, ok := fault.As(err); ok {
		return what(fe.Kind, fe.Subject)
	}
	return "other: " + err.Error()
}

// caller is the IAM caller of session credentials, as the HTTP edge makes
// it.
func (e *env) caller(c creds.SessionCredentials) iam.Caller {
	e.t.Helper()
	s, _, err := e.keys.OpenSession(c.AccessKeyID, c.Token, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	arn := s.UserARN
	if s.Kind == creds.RoleSession {
		arn = "arn:aws:sts::" + s.Account + ":assumed-role/" + s.RoleARN[strings.LastIndexByte(s.RoleARN, '/')+1:] + "/" + s.SessionName
	}
	return iam.Caller{Account: s.Account, ARN: arn, Session: &s, Root: strings.HasSuffix(arn, ":root")}
}

func TestWebIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	res, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod-1", WebIdentityToken: e.token(nil), SourceIP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.AssumedRoleARN != "arn:aws:sts::"+acctA+":assumed-role/my-app/pod-1" || res.AssumedRoleID != role.ID+":pod-1" ||
		res.Subject != sa || res.Audience != "sts.amazonaws.com" || res.Provider != e.issuer.URL || res.PackedPolicySize != -1 {
		t.Fatalf("result %+v", res)
	}
	if !res.Expiration.Equal(e.now.Add(time.Hour)) {
		t.Fatalf("expiration %v, want an hour from now", res.Expiration)
	}
	c := e.caller(res.Credentials)
	if c.Session.FederatedProvider != e.provider || c.Session.RoleID != role.ID || c.Session.Chained {
		t.Fatalf("session %+v", c.Session)
	}
	// Two hours, within the role's MaxSessionDuration; three are not.
	if _, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod-1", WebIdentityToken: e.token(nil), DurationSeconds: 7200}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod-1", WebIdentityToken: e.token(nil), DurationSeconds: 10800})
	if code(err) != validationError {
		t.Fatalf("3 h on a 2 h role: %v", err)
	}
}

// TestWebIdentityRefused: one case per attack or mistake, each refused
// with AWS's code.
func TestWebIdentityRefused(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	claims := func(f func(c map[string]any)) map[string]any {
		c := e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour)
		f(c)
		return c
	}
	pub := e.issuer.Key("k1").Public()
	otherIssuer := oidctest.NewIssuer(t, oidctest.WithPath("/id/CLUSTER1"))
	for _, tc := range []struct {
		name, token, roleARN, want string
	}{
		{"alg none", e.issuer.SignWith(map[string]any{"alg": "none", "kid": "k1"}, e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour), nil), "", invalidIdentityToken},
		{"HS256 with the public key", e.issuer.SignWith(map[string]any{"alg": "HS256", "kid": "k1"}, e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour), publicKeyBytes(t, pub)), "", invalidIdentityToken},
		{"unknown kid", e.issuer.SignWith(map[string]any{"alg": "RS256", "kid": "nope"}, e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour), e.issuer.Key("k1")), "", invalidIdentityToken},
		{"signed by another issuer's key", otherIssuer.Sign(claims(func(map[string]any) {})), "", invalidIdentityToken},
		{"expired", e.token(claims(func(c map[string]any) {
			c["exp"] = e.now.Add(-10 * time.Minute).Unix()
			c["iat"] = e.now.Add(-time.Hour).Unix()
		})), "", expiredTokenException},
		{"not yet valid", e.token(claims(func(c map[string]any) { c["nbf"] = e.now.Add(time.Hour).Unix() })), "", idpRejectedClaim},
		{"wrong audience", e.token(claims(func(c map[string]any) { c["aud"] = "somebody-else" })), "", invalidIdentityToken},
		{"several audiences, no azp", e.token(claims(func(c map[string]any) { c["aud"] = []string{"sts.amazonaws.com", "x"} })), "", invalidIdentityToken},
		{"wrong issuer", e.token(claims(func(c map[string]any) { c["iss"] = "https://evil.example.com/id/CLUSTER1" })), "", invalidIdentityToken},
		{"issuer with a trailing slash", e.token(claims(func(c map[string]any) { c["iss"] = e.issuer.URL + "/" })), "", invalidIdentityToken},
		{"missing sub", e.token(claims(func(c map[string]any) { delete(c, "sub") })), "", invalidIdentityToken},
		{"tampered payload", tamper(e.token(nil)), "", invalidIdentityToken},
		{"truncated", e.token(nil)[:40], "", invalidIdentityToken},
		{"another service account", e.token(claims(func(c map[string]any) { c["sub"] = "system:serviceaccount:default:other" })), "", accessDenied},
		{"a role that does not exist", e.token(nil), "arn:aws:iam::" + acctA + ":role/nobody", accessDenied},
		{"a role in an account without the provider", e.token(nil), "arn:aws:iam::" + acctB + ":role/my-app", invalidIdentityToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arn := role.ARN
			if tc.roleARN != "" {
				arn = tc.roleARN
			}
			_, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: arn, RoleSessionName: "pod-1", WebIdentityToken: tc.token})
			if code(err) != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Fatal("the error holds the token")
			}
		})
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b := []byte(parts[1])
	b[5] ^= 1
	if b[5] == '.' || b[5] > 'z' {
		b[5] = 'A'
	}
	parts[1] = string(b)
	return strings.Join(parts, ".")
}

// TestWebIdentitySessionTags: tags in the token need sts:TagSession.
func TestWebIdentitySessionTags(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	c := e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour)
	c["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": map[string]any{"team": []string{"blue"}, "env": []string{"dev"}}, "transitive_tag_keys": []string{"team"}}
	tok := e.token(c)
	noTag := e.role(acctA, "no-tag", e.irsaTrust(sa, ""))
	_, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: noTag.ARN, RoleSessionName: "s1", WebIdentityToken: tok})
	if code(err) != accessDenied || !strings.Contains(err.Error(), "sts:TagSession") {
		t.Fatalf("tags without sts:TagSession: %v", err)
	}
	tagging := e.role(acctA, "tagging", e.irsaTrust(sa, `,"sts:TagSession"`))
	res, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: tagging.ARN, RoleSessionName: "s1", WebIdentityToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	s := e.caller(res.Credentials).Session
	if len(s.Tags) != 2 || s.Tags[1].Key != "team" || len(s.TransitiveKeys) != 1 || res.PackedPolicySize < 1 {
		t.Fatalf("session tags %+v / %v, packed %d", s.Tags, s.TransitiveKeys, res.PackedPolicySize)
	}
	c["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": map[string]any{"team": []string{"a", "b"}}}
	_, err = e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: tagging.ARN, RoleSessionName: "s1", WebIdentityToken: e.token(c)})
	if code(err) != invalidIdentityToken {
		t.Fatalf("a tag with two values: %v", err)
	}
}

var _ = context.Background

// TestSessionContextKeys: requests of a web identity session carry the
// keys AWS gives them: aws:FederatedProvider, aws:PrincipalTag/* from the
// token's tags, aws:SourceIdentity, aws:userid and aws:PrincipalArn.
func TestSessionContextKeys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "tagged", e.irsaTrust(sa, `,"sts:TagSession","sts:SetSourceIdentity"`))
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{` +
		`"StringEquals":{"aws:FederatedProvider":"` + e.provider + `","aws:PrincipalTag/team":"blue","aws:SourceIdentity":"alice","aws:PrincipalArn":"` + role.ARN + `"},` +
		`"StringLike":{"aws:userid":"` + role.ID + `:*"}}}]}`
	if err := e.iam.PutRolePolicy(ctx, rootOf(acctA), "tagged", "conditions", policy); err != nil {
		t.Fatal(err)
	}
	assume := func(team string) iam.Caller {
		c := e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour)
		c["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": map[string]any{"team": []string{team}}}
		c["https://aws.amazon.com/source_identity"] = "alice"
		res, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(c)})
		if err != nil {
			t.Fatal(err)
		}
		if res.SourceIdentity != "alice" {
			t.Fatalf("source identity %q", res.SourceIdentity)
		}
		return e.caller(res.Credentials)
	}
	if _, err := e.iam.ListRoles(ctx, assume("blue"), iam.ListInput{}); err != nil {
		t.Fatalf("every condition holds: %v", err)
	}
	if _, err := e.iam.ListRoles(ctx, assume("red"), iam.ListInput{}); code(err) != accessDenied {
		t.Fatalf("another team tag: %v", err)
	}
}

// TestDecisionsReported: trust decisions reach the audit hook.
func TestDecisionsReported(t *testing.T) {
	e := newEnv(t)
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	var got []iam.Decision
	ctx := iam.WithDecisionHook(t.Context(), func(d iam.Decision) { got = append(got, d) })
	if _, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(nil)}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Action != "sts:AssumeRoleWithWebIdentity" || got[0].Decision != "allowed" || got[0].Resource != role.ARN || len(got[0].Statements) != 1 {
		t.Fatalf("decisions %+v", got)
	}
}

// TestIssuerTLS: an issuer whose certificate chains to no trusted root is
// refused unless its provider holds the thumbprint of its CA.
func TestIssuerTLS(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	untrusting := oidc.New(oidc.Config{Now: func() time.Time { return e.now }}) // system roots only
	svc, err := sts.New(sts.Config{Store: e.st, Identities: e.iam, Verifier: untrusting, Sessions: e.keys, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	in := sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(nil)}
	if _, err := svc.AssumeRoleWithWebIdentity(ctx, in); code(err) != invalidIdentityToken {
		t.Fatalf("untrusted issuer TLS: %v", err)
	}
	if _, err := e.st.UpdateOIDCProvider(ctx, e.provider, func(p *store.OIDCProvider) error {
		p.Thumbprints = []string{e.issuer.Thumbprint()}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AssumeRoleWithWebIdentity(ctx, in); err != nil {
		t.Fatalf("with the CA's thumbprint: %v", err)
	}
}

// TestWebIdentityClaimKeys: azp, the original aud and amr reach the trust
// policy as <provider>:azp, :oaud and :amr.
func TestWebIdentityClaimKeys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	u := e.url
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + e.provider + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
		`"Condition":{"StringEquals":{"` + u + `:azp":"sts.amazonaws.com","` + u + `:aud":"sts.amazonaws.com"},` +
		`"ForAnyValue:StringEquals":{"` + u + `:oaud":"dashboard","` + u + `:amr":"mfa"}}}]}`
	role := e.role(acctA, "claims", trust)
	claims := func(amr []string) map[string]any {
		c := e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour)
		c["aud"], c["azp"], c["amr"] = []string{"sts.amazonaws.com", "dashboard"}, "sts.amazonaws.com", amr
		return c
	}
	if _, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(claims([]string{"pwd", "mfa"}))}); err != nil {
		t.Fatalf("every key matches: %v", err)
	}
	_, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(claims([]string{"pwd"}))})
	if code(err) != accessDenied {
		t.Fatalf("without mfa in amr: %v", err)
	}
}

// TestRoleTagKeys: the role's tags are aws:ResourceTag and iam:ResourceTag
// keys of the trust decision, so a trust policy can require a tag of its
// own role.
func TestRoleTagKeys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + e.provider + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
		`"Condition":{"StringEquals":{"aws:ResourceTag/tier":"dev","iam:ResourceTag/tier":"dev"}}}]}`
	for tier, want := range map[string]string{"dev": "", "prod": accessDenied} {
		r, err := e.iam.CreateRole(ctx, rootOf(acctA), iam.CreateRoleInput{RoleName: tier, AssumeRolePolicyDocument: trust, Tags: []iam.Tag{{Key: "tier", Value: tier}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: r.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(nil)})
		if code(err) != want {
			t.Errorf("role tagged tier=%s: %v, want %q", tier, err, want)
		}
	}
}

// TestWebIdentityFollowsWrites: the providers and roles a web identity
// exchange reads are cached by IAM generation, so each write below
// decides the very next exchange, in both directions.
func TestWebIdentityFollowsWrites(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	prov, err := e.st.GetOIDCProvider(ctx, e.provider)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write func() error
		code  string // "" for a session
	}{
		{"the trust allows", func() error { return nil }, ""},
		{"the trust names another service account", func() error {
			return e.iam.UpdateAssumeRolePolicy(ctx, rootOf(acctA), "my-app", e.irsaTrust("system:serviceaccount:default:other", ""))
		}, accessDenied},
		{"the trust names it again", func() error {
			return e.iam.UpdateAssumeRolePolicy(ctx, rootOf(acctA), "my-app", e.irsaTrust(sa, ""))
		}, ""},
		{"the provider's audience removed", func() error {
			return e.iam.RemoveClientIDFromOpenIDConnectProvider(ctx, rootOf(acctA), e.provider, "sts.amazonaws.com")
		}, invalidIdentityToken},
		{"the audience back", func() error {
			return e.iam.AddClientIDToOpenIDConnectProvider(ctx, rootOf(acctA), e.provider, "sts.amazonaws.com")
		}, ""},
		{"the provider deleted", func() error { return e.iam.DeleteOpenIDConnectProvider(ctx, rootOf(acctA), e.provider) }, invalidIdentityToken},
		{"the provider made again", func() error { return e.st.CreateOIDCProvider(ctx, prov) }, ""},
		{"the role deleted", func() error { return e.iam.DeleteRole(ctx, rootOf(acctA), "my-app") }, accessDenied},
		{"the role made again", func() error {
			role = e.role(acctA, "my-app", e.irsaTrust(sa, ""))
			return nil
		}, ""},
	}
	for _, st := range steps {
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for range 2 { // the second from what the first cached
			res, err := e.sts.AssumeRoleWithWebIdentity(ctx, sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.token(nil)})
			if code(err) != st.code {
				t.Fatalf("%s: error %v, want code %q", st.name, err, st.code)
			}
			if err == nil && e.caller(res.Credentials).Session.RoleID != role.ID {
				t.Fatalf("%s: a session of role id %s, want %s", st.name, e.caller(res.Credentials).Session.RoleID, role.ID)
			}
		}
	}
}
