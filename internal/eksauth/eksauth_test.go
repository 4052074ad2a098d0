package eksauth_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/eksauth/eksauthtest"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
	"github.com/podiam/podiam/internal/sts"
)

const (
	acctA  = "111122223333"
	acctB  = "444455556666"
	issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
)

// directory is an in-memory eksauth.Directory.
type directory struct {
	clusters map[string]eksauth.Cluster     // by account/name
	assocs   map[string]eksauth.Association // by account/cluster/ns/sa
}

func (d *directory) Cluster(_ context.Context, acct, name string) (eksauth.Cluster, error) {
	c, ok := d.clusters[acct+"/"+name]
	if !ok {
		return eksauth.Cluster{}, store.ErrNotFound
	}
	return c, nil
}

func (d *directory) Association(_ context.Context, acct, cluster, ns, sa string) (eksauth.Association, error) {
	a, ok := d.assocs[acct+"/"+cluster+"/"+ns+"/"+sa]
	if !ok {
		return eksauth.Association{}, &fault.Error{Kind: fault.NotFound}
	}
	return a, nil
}

type env struct {
	t    testing.TB
	now  time.Time
	iam  *iam.Service
	sts  *sts.Service
	keys *creds.SessionKeys
	dir  *directory
	svc  *eksauth.Service
	key  *eksauthtest.Key
	node iam.Caller
}

const podTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

func rootOf(acct string) iam.Caller {
	return iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := t.Context()
	st := memory.New()
	e := &env{t: t, now: time.Now().UTC().Truncate(time.Second), dir: &directory{clusters: map[string]eksauth.Cluster{}, assocs: map[string]eksauth.Association{}}}
	clock := func() time.Time { return e.now }
	for _, a := range []string{acctA, acctB} {
		if err := st.CreateAccount(ctx, store.Account{ID: a, CreatedAt: e.now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := managed.Seed(ctx, st, e.now); err != nil {
		t.Fatal(err)
	}
	rnd := mrand.NewChaCha8([32]byte{7})
	seal, err := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{3}, 32)}, 1, rnd)
	if err != nil {
		t.Fatal(err)
	}
	if e.iam, err = iam.NewService(iam.Config{Store: st, Sealer: seal, Now: clock, Rand: rnd}); err != nil {
		t.Fatal(err)
	}
	if e.keys, err = creds.NewSessionKeys(map[byte][]byte{1: bytes.Repeat([]byte{5}, 32)}, 1, rnd); err != nil {
		t.Fatal(err)
	}
	if e.sts, err = sts.New(sts.Config{Store: st, Identities: e.iam, Verifier: oidc.New(oidc.Config{Now: clock}), Sessions: e.keys, Now: clock}); err != nil {
		t.Fatal(err)
	}
	if e.svc, err = eksauth.New(eksauth.Config{Directory: e.dir, Authorizer: e.iam, Roles: e.sts, Now: clock, Rand: rnd}); err != nil {
		t.Fatal(err)
	}
	e.key = eksauthtest.NewKey(issuer)
	e.dir.clusters[acctA+"/dev"] = eksauth.Cluster{Name: "dev", ARN: eksauth.ClusterARN("us-east-1", acctA, "dev"), AccountID: acctA,
		Region: "us-east-1", Issuer: issuer, Keys: e.key.JWKS(), Tags: map[string]string{"env": "dev"}}
	// The node: a user allowed the action on the account's clusters.
	if _, err := e.iam.CreateUser(ctx, rootOf(acctA), iam.CreateUserInput{UserName: "node"}); err != nil {
		t.Fatal(err)
	}
	if err := e.iam.PutUserPolicy(ctx, rootOf(acctA), "node", "eks-auth", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
		`"Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"arn:aws:eks:*:`+acctA+`:cluster/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}}]}`); err != nil {
		t.Fatal(err)
	}
	u, err := e.iam.GetUser(ctx, rootOf(acctA), "node")
	if err != nil {
		t.Fatal(err)
	}
	e.node = iam.Caller{Account: acctA, ARN: u.ARN, UserName: "node", UserID: u.ID}
	return e
}

func (e *env) role(acct, name, trust string, policies ...string) store.Role {
	e.t.Helper()
	r, err := e.iam.CreateRole(e.t.Context(), rootOf(acct), iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, p := range policies {
		if err := e.iam.PutRolePolicy(e.t.Context(), rootOf(acct), name, "p"+string(rune('0'+i)), p); err != nil {
			e.t.Fatal(err)
		}
	}
	return r
}

func (e *env) associate(ns, sa string, a eksauth.Association) {
	if a.ID == "" {
		a.ID = "a-" + strings.Repeat("x", 15) + ns[:2]
	}
	a.ARN = "arn:aws:eks:us-east-1:" + acctA + ":podidentityassociation/dev/" + a.ID
	e.dir.assocs[acctA+"/dev/"+ns+"/"+sa] = a
}

func (e *env) token(ns, sa, pod string) string {
	return e.key.Token(eksauthtest.Pod{Namespace: ns, ServiceAccount: sa, Name: pod}, e.now)
}

// want checks err's kind, subject and message (a prefix of it).
func want(t *testing.T, err error, k fault.Kind, s fault.Subject, msg string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != k || fe.Subject != s || !strings.HasPrefix(fe.Message, msg) {
		t.Fatalf("got %v, want %v (%v) %q", err, k, s, msg)
	}
}

// TestAssumeRoleForPodIdentity: a pod's token becomes its association's
// role session, as the service principal, with EKS's session name and six
// transitive tags; the tags are the trust's request tags.
func TestAssumeRoleForPodIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "app", podTrust)
	e.associate("default", "app", eksauth.Association{RoleARN: role.ARN})
	res, err := e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", e.token("default", "app", "app-7d9f8c6b5-x2x4z"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Namespace != "default" || res.ServiceAccount != "app" || res.Audience != "pods.eks.amazonaws.com" || !strings.HasSuffix(res.AssociationARN, "/"+res.AssociationID) {
		t.Fatalf("result %+v", res)
	}
	name := res.AssumedRoleARN[strings.LastIndexByte(res.AssumedRoleARN, '/')+1:]
	if !strings.HasPrefix(res.AssumedRoleARN, "arn:aws:sts::"+acctA+":assumed-role/app/eks-dev-app-7d9f8c6b5-x2x-") || len(name) != 62 || res.AssumedRoleID != role.ID+":"+name {
		t.Fatalf("session %s %s (%d)", res.AssumedRoleARN, res.AssumedRoleID, len(name))
	}
	if got := res.Credentials.Expiration.Sub(e.now); got != 6*time.Hour {
		t.Fatalf("lifetime %v, want 6h (the role's maximum is 1h: a service's session is not bound by it)", got)
	}
	s, _, err := e.keys.OpenSession(res.Credentials.Credentials.AccessKeyID, res.Credentials.Credentials.Token, e.now)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range s.Tags {
		tags[tg.Key] = tg.Value
	}
	if len(s.Tags) != 6 || len(s.TransitiveKeys) != 6 || tags["eks-cluster-arn"] != "arn:aws:eks:us-east-1:"+acctA+":cluster/dev" ||
		tags["kubernetes-namespace"] != "default" || tags["kubernetes-pod-uid"] != "0b1d4a8e-0c4e-4d0e-8a4e-2f1c3b5d6e7f" {
		t.Fatalf("session tags %v transitive %v", s.Tags, s.TransitiveKeys)
	}
	again, err := e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", e.token("default", "app", "app-7d9f8c6b5-x2x4z"))
	if err != nil || again.AssumedRoleARN == res.AssumedRoleARN {
		t.Fatalf("a second exchange has a new session name: %v %s", err, again.AssumedRoleARN)
	}

	// Disabled tags: no tags, and sts:TagSession is not needed.
	plain := e.role(acctA, "plain", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	e.associate("plain", "app", eksauth.Association{RoleARN: plain.ARN, DisableSessionTags: true,
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`})
	res, err = e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", e.token("plain", "app", "p"))
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ = e.keys.OpenSession(res.Credentials.Credentials.AccessKeyID, res.Credentials.Credentials.Token, e.now)
	if len(s.Tags) != 0 || len(s.Policies) != 1 {
		t.Fatalf("tags disabled: tags %v, policies %v", s.Tags, s.Policies)
	}
}

// TestRefusals: each refusal with its kind and message, beside the
// request that passes.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "app", podTrust)
	e.associate("default", "app", eksauth.Association{RoleARN: role.ARN})
	noTag := e.role(acctA, "notag", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	e.associate("notag", "app", eksauth.Association{RoleARN: noTag.ARN})
	prod := e.role(acctA, "prod", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],`+
		`"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"prod"}}}]}`)
	e.associate("prod", "app", eksauth.Association{RoleARN: prod.ARN})
	e.associate("staging", "app", eksauth.Association{RoleARN: prod.ARN})
	other := eksauthtest.NewKey("https://oidc.example.com/id/OTHER")
	sameIssuer := eksauthtest.NewKey(issuer)
	pod := eksauthtest.Pod{Namespace: "default", ServiceAccount: "app", Name: "app-1"}
	good := e.token("default", "app", "app-1")
	admin := rootOf(acctA)
	stranger := iam.Caller{Account: acctA, ARN: "arn:aws:iam::" + acctA + ":user/nobody", UserName: "nobody"}
	must(t)(e.iam.CreateUser(ctx, rootOf(acctA), iam.CreateUserInput{UserName: "nobody"}))
	claims := func(f func(map[string]any)) string {
		c := e.key.Claims(pod, e.now, time.Hour)
		f(c)
		return e.key.Sign(c)
	}
	for _, c := range []struct {
		name, cluster, token string
		caller               *iam.Caller
		kind                 fault.Kind
		subject              fault.Subject
		msg                  string
	}{
		{name: "control", cluster: "dev", token: good},
		{name: "bad cluster name", cluster: "-dev", token: good, kind: fault.InvalidParameter, msg: "1 validation error detected: Value '-dev' at 'clusterName'"},
		{name: "long cluster name", cluster: strings.Repeat("c", 101), token: good, kind: fault.InvalidParameter, msg: "1 validation error"},
		{name: "token not three segments", cluster: "dev", token: "a.b", kind: fault.InvalidParameter, msg: "1 validation error detected: Value at 'token'"},
		{name: "token with Bearer", cluster: "dev", token: "Bearer " + good, kind: fault.InvalidParameter, msg: "1 validation error detected: Value at 'token'"},
		{name: "token of the right form that is no JWT", cluster: "dev", token: "a.b.c", kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token is not a valid JWT"},
		{name: "no cluster", cluster: "prod", token: good, caller: &admin, kind: fault.NotFound, msg: "No cluster found for name: prod."},
		{name: "no permission", cluster: "dev", token: good, caller: &stranger, kind: fault.AccessDenied, msg: "User: arn:aws:iam::" + acctA + ":user/nobody is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: arn:aws:eks:us-east-1:" + acctA + ":cluster/dev"},
		{name: "no permission, no cluster", cluster: "prod", token: good, caller: &stranger, kind: fault.AccessDenied, msg: "User:"},
		{name: "another cluster's token", cluster: "dev", token: other.Token(pod, e.now), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token's issuer is not the issuer of cluster dev"},
		{name: "another key, same issuer", cluster: "dev", token: sameIssuer.Token(pod, e.now), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token's signature does not verify with the keys of cluster dev"},
		{name: "tampered claims", cluster: "dev", token: tamper(good), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token's signature does not verify"},
		{name: "wrong audience", cluster: "dev", token: claims(func(c map[string]any) { c["aud"] = []string{"sts.amazonaws.com"} }), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token's audience does not include pods.eks.amazonaws.com"},
		{name: "expired", cluster: "dev", token: claims(func(c map[string]any) { c["exp"] = e.now.Add(-time.Second).Unix() }), kind: fault.Expired, subject: fault.IdentityToken,
			msg: "The token included in the request is expired: current date/time " + e.now.Format(time.RFC3339Nano) + " must be before the expiration date/time " + e.now.Add(-time.Second).Format(time.RFC3339) + "."},
		{name: "not yet valid", cluster: "dev", token: claims(func(c map[string]any) { c["nbf"] = e.now.Add(time.Hour).Unix() }), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token is not valid yet"},
		{name: "no pod claim", cluster: "dev", token: claims(func(c map[string]any) { delete(c["kubernetes.io"].(map[string]any), "pod") }), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token's kubernetes.io claim has no pod name and uid"},
		{name: "sub disagrees", cluster: "dev", token: claims(func(c map[string]any) { c["sub"] = "system:serviceaccount:default:other" }), kind: fault.InvalidToken, subject: fault.IdentityToken, msg: "The token's sub"},
		{name: "no association", cluster: "dev", token: e.token("default", "other", "p"), kind: fault.NotFound, msg: "No Pod Identity Association found for service account other in namespace default of cluster dev."},
		{name: "trust without sts:TagSession", cluster: "dev", token: e.token("notag", "app", "p"), kind: fault.AccessDenied, msg: "Unauthorized Exception! EKS does not have permissions to assume the associated role."},
		{name: "trust on the namespace tag admits prod", cluster: "dev", token: e.token("prod", "app", "p")},
		{name: "trust on the namespace tag refuses staging", cluster: "dev", token: e.token("staging", "app", "p"), kind: fault.AccessDenied, msg: "Unauthorized Exception!"},
	} {
		t.Run(c.name, func(t *testing.T) {
			caller := e.node
			if c.caller != nil {
				caller = *c.caller
			}
			_, err := e.svc.AssumeRoleForPodIdentity(ctx, caller, c.cluster, c.token)
			if c.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			want(t, err, c.kind, c.subject, c.msg)
		})
	}
}

// tamper moves a signed token to another namespace, keeping its
// signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	c = bytes.ReplaceAll(c, []byte(`default`), []byte(`kube-system`))
	parts[1] = base64.RawURLEncoding.EncodeToString(c)
	return strings.Join(parts, ".")
}

func must(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestTargetRole: the association's role, as the service's session,
// assumes a role of another account; with tags the chained session keeps
// them, without it carries EKS's ExternalId; it lasts an hour and the
// session policy restricts the target session only.
func TestTargetRole(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	hop := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::` + acctB + `:role/*"}]}`
	first := e.role(acctA, "first", podTrust, hop)
	targetTrust := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":["sts:AssumeRole","sts:TagSession"],` +
			`"Condition":{"ArnEquals":{"aws:PrincipalARN":"` + first.ARN + `"}` + cond + `}}]}`
	}
	tagged := e.role(acctB, "tagged", targetTrust(`,"StringEquals":{"aws:PrincipalTag/kubernetes-namespace":"default"}`))
	ext := e.role(acctB, "ext", targetTrust(`,"StringEquals":{"sts:ExternalId":"us-east-1/`+acctA+`/dev/batch/job"}`))
	e.associate("default", "app", eksauth.Association{RoleARN: first.ARN, TargetRoleARN: tagged.ARN})
	e.associate("batch", "job", eksauth.Association{RoleARN: first.ARN, TargetRoleARN: ext.ARN, DisableSessionTags: true,
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`})
	e.associate("batch", "other", eksauth.Association{RoleARN: first.ARN, TargetRoleARN: ext.ARN, DisableSessionTags: true})

	res, err := e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", e.token("default", "app", "app-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.AssumedRoleARN, "arn:aws:sts::"+acctB+":assumed-role/tagged/eks-dev-app-1-") || res.Credentials.Expiration.Sub(e.now) != time.Hour {
		t.Fatalf("target session %s until %v", res.AssumedRoleARN, res.Credentials.Expiration)
	}
	s, _, _ := e.keys.OpenSession(res.Credentials.Credentials.AccessKeyID, res.Credentials.Credentials.Token, e.now)
	if len(s.Tags) != 6 || !s.Chained || s.Account != acctB {
		t.Fatalf("target session %+v", s)
	}

	res, err = e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", e.token("batch", "job", "job-1"))
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ = e.keys.OpenSession(res.Credentials.Credentials.AccessKeyID, res.Credentials.Credentials.Token, e.now)
	if len(s.Tags) != 0 || len(s.Policies) != 1 || !strings.Contains(res.AssumedRoleARN, ":assumed-role/ext/") {
		t.Fatalf("external id session %s %+v", res.AssumedRoleARN, s)
	}
	// Another ServiceAccount's ExternalId does not match the trust.
	_, err = e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", e.token("batch", "other", "job-2"))
	want(t, err, fault.AccessDenied, fault.None, "Unauthorized Exception! EKS does not have permissions to assume the associated role.")
}

// TestSessionName: eks-<cluster>-<pod> cut to 25 characters, then a UUID.
func TestSessionName(t *testing.T) {
	for _, c := range []struct{ cluster, pod, prefix string }{
		{"dev", "app-1", "eks-dev-app-1-"},
		{"k8s-wl-dev", "engine-boost-5f6d7c8b9-abcde", "eks-k8s-wl-dev-engine-boo-"},
	} {
		n, err := eksauth.SessionName(c.cluster, c.pod, mrand.NewChaCha8([32]byte{}))
		if err != nil || !strings.HasPrefix(n, c.prefix) || len(n) != len(c.prefix)+36 || n[len(c.prefix)+14] != '4' {
			t.Errorf("SessionName(%s, %s) = %s, %v", c.cluster, c.pod, n, err)
		}
	}
}

// TestIssuerTrailingSlash: a cluster whose API server's issuer ends in
// "/" (recorded without it, as bindings record issuers) has its tokens
// accepted; a token of another issuer, with or without the "/", is not.
func TestIssuerTrailingSlash(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "app", podTrust)
	key := eksauthtest.NewKey("https://issuer.example/cluster/")
	e.dir.clusters[acctA+"/slash"] = eksauth.Cluster{Name: "slash", ARN: eksauth.ClusterARN("us-east-1", acctA, "slash"), AccountID: acctA,
		Region: "us-east-1", Issuer: "https://issuer.example/cluster", Keys: key.JWKS(), Tags: map[string]string{"env": "dev"}}
	e.dir.assocs[acctA+"/slash/default/app"] = eksauth.Association{ID: "a-slashslashslash", RoleARN: role.ARN,
		ARN: "arn:aws:eks:us-east-1:" + acctA + ":podidentityassociation/slash/a-slashslashslash"}
	pod := eksauthtest.Pod{Namespace: "default", ServiceAccount: "app", Name: "app-1"}
	issued := func(iss string) string {
		c := key.Claims(pod, e.now, time.Hour)
		c["iss"] = iss
		return key.Sign(c)
	}
	for _, tt := range []struct{ name, iss, refused string }{
		{name: "the issuer with its trailing slash", iss: "https://issuer.example/cluster/"},
		{name: "the issuer without it", iss: "https://issuer.example/cluster"},
		{name: "another issuer with a slash", iss: "https://issuer.example/cluster2/", refused: "The token's issuer is not the issuer of cluster slash"},
		{name: "another issuer, a prefix", iss: "https://issuer.example/", refused: "The token's issuer is not the issuer of cluster slash"},
		{name: "two slashes", iss: "https://issuer.example/cluster//", refused: "The token's issuer is not the issuer of cluster slash"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.AssumeRoleForPodIdentity(ctx, e.node, "slash", issued(tt.iss))
			if tt.refused == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			want(t, err, fault.InvalidToken, fault.IdentityToken, tt.refused)
		})
	}
}

// TestTokenRefusals: the token checks TestRefusals leaves out, each
// beside a token that passes: exp required, iat and nbf a minute ahead at
// most, a cluster with no keys to verify with, and the algorithms a key
// set of public keys must never accept.
func TestTokenRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	role := e.role(acctA, "app", podTrust)
	e.associate("default", "app", eksauth.Association{RoleARN: role.ARN})
	e.dir.clusters[acctA+"/nokeys"] = eksauth.Cluster{Name: "nokeys", ARN: eksauth.ClusterARN("us-east-1", acctA, "nokeys"), AccountID: acctA,
		Region: "us-east-1", Issuer: issuer, Tags: map[string]string{"env": "dev"}}
	pod := eksauthtest.Pod{Namespace: "default", ServiceAccount: "app", Name: "app-1"}
	claims := func(f func(map[string]any)) map[string]any {
		c := e.key.Claims(pod, e.now, time.Hour)
		f(c)
		return c
	}
	signed := func(f func(map[string]any)) string { return e.key.Sign(claims(f)) }
	// Tokens signed by hand with other algorithms, the kid of the
	// cluster's key.
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			X   string `json:"x"`
			Y   string `json:"y"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(e.key.JWKS(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("the cluster's JWKS: %v", err)
	}
	unsigned := func(alg string, sign func(input []byte) []byte) string {
		h, _ := json.Marshal(map[string]string{"alg": alg, "kid": set.Keys[0].Kid, "typ": "JWT"})
		p, _ := json.Marshal(claims(func(map[string]any) {}))
		input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
		return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
	}
	// HS256 keyed with the public key as the verifier holds it: the JWKS
	// document, and the key's coordinates.
	hs256 := func(key []byte) string {
		return unsigned("HS256", func(in []byte) []byte {
			m := hmac.New(sha256.New, key)
			m.Write(in)
			return m.Sum(nil)
		})
	}
	for _, c := range []struct {
		name, cluster, token string
		kind                 fault.Kind
		msg                  string
	}{
		{name: "control", cluster: "dev", token: signed(func(map[string]any) {})},
		{name: "no exp", cluster: "dev", token: signed(func(c map[string]any) { delete(c, "exp") }), kind: fault.InvalidToken, msg: "The token has no expiration time (exp)"},
		{name: "iat 59 s ahead (control)", cluster: "dev", token: signed(func(c map[string]any) { c["iat"] = e.now.Add(59 * time.Second).Unix() })},
		{name: "iat 61 s ahead", cluster: "dev", token: signed(func(c map[string]any) { c["iat"] = e.now.Add(61 * time.Second).Unix() }), kind: fault.InvalidToken, msg: "The token was issued in the future"},
		{name: "nbf 59 s ahead (control)", cluster: "dev", token: signed(func(c map[string]any) { c["nbf"] = e.now.Add(59 * time.Second).Unix() })},
		{name: "nbf 61 s ahead", cluster: "dev", token: signed(func(c map[string]any) { c["nbf"] = e.now.Add(61 * time.Second).Unix() }), kind: fault.InvalidToken, msg: "The token is not valid yet"},
		{name: "a cluster with no keys and no issuer keys", cluster: "nokeys", token: signed(func(map[string]any) {}), kind: fault.InvalidToken, msg: "The cluster nokeys has no service account signing keys"},
		{name: "alg none (no signature: eks-auth's token pattern)", cluster: "dev", token: unsigned("none", func([]byte) []byte { return nil }), kind: fault.InvalidParameter, msg: "1 validation error detected: Value at 'token'"},
		{name: "alg none with a signature", cluster: "dev", msg: "The token's signature does not verify with the keys of cluster dev", token: unsigned("none", func([]byte) []byte { return []byte("x") }), kind: fault.InvalidToken},
		{name: "HS256 keyed with the JWKS", cluster: "dev", msg: "The token's signature does not verify with the keys of cluster dev", token: hs256(e.key.JWKS()), kind: fault.InvalidToken},
		{name: "HS256 keyed with the x coordinate", cluster: "dev", msg: "The token's signature does not verify with the keys of cluster dev", token: hs256([]byte(set.Keys[0].X)), kind: fault.InvalidToken},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.AssumeRoleForPodIdentity(ctx, e.node, c.cluster, c.token)
			if c.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Kind != c.kind || !strings.HasPrefix(fe.Message, c.msg) {
				t.Fatalf("got %v, want %v %q", err, c.kind, c.msg)
			}
		})
	}
}
