package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	mrand "math/rand/v2"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/iamapi"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
	"github.com/podiam/podiam/internal/orgs"
	"github.com/podiam/podiam/internal/orgsapi"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
	ststs "github.com/podiam/podiam/internal/sts"
	"github.com/podiam/podiam/internal/stsapi"
)

func newIAMClient(t *testing.T) *awsiam.Client {
	t.Helper()
	return iamClient(t, os.Getenv(botocoreEnv) != "").c
}

// iamEnv is an IAM client of a test server, the actions the server
// registers, and (when checked) those that succeeded.
type iamEnv struct {
	c       *awsiam.Client
	orgs    *organizations.Client
	sts     *sts.Client
	actions []string
	seen    map[string]bool
	// For clients of other credentials, and the web identity tests.
	url    string
	client *http.Client
	store  store.Store
	issuer *oidctest.Issuer
	now    time.Time // the server's clock, fixed
}

// testServices is what the edge tests build on: a memory store holding the
// management account, the AWS-managed policies and the root's access key
// (keyID, secret) sealed as the server's first start stores it, with IAM
// and session keys over it; rand is seeded by seed.
type testServices struct {
	store    *memory.DB
	sealer   *creds.Sealer
	iam      *iam.Service
	sessions *creds.SessionKeys
	rand     io.Reader
}

func newTestServices(t *testing.T, clock func() time.Time, seed byte) testServices {
	t.Helper()
	st := memory.New()
	if err := st.CreateAccount(t.Context(), store.Account{ID: "111122223333", Name: "management", Email: "root@example.com", CreatedAt: clock()}); err != nil {
		t.Fatal(err)
	}
	if err := managed.Seed(t.Context(), st, clock()); err != nil {
		t.Fatal(err)
	}
	rnd := mrand.NewChaCha8([32]byte{seed})
	seal, err := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{9}, 32)}, 1, rnd)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := seal.Seal([]byte(secret), []byte(keyID))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAccessKey(t.Context(), store.AccessKey{AccountID: "111122223333", ID: keyID, SecretCiphertext: sealed, Status: store.AccessKeyActive, CreatedAt: clock()}, 2); err != nil {
		t.Fatal(err)
	}
	svc, err := iam.NewService(iam.Config{Store: st, Sealer: seal, Now: clock, Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := creds.NewSessionKeys(map[byte][]byte{1: bytes.Repeat([]byte{8}, 32)}, 1, rnd)
	if err != nil {
		t.Fatal(err)
	}
	return testServices{store: st, sealer: seal, iam: svc, sessions: sessions, rand: rnd}
}

// iamClient is newIAMClient; with checked, responses are checked against
// the model (the test skips without one) and seen records the actions
// that succeeded.
func iamClient(t *testing.T, checked bool) iamEnv {
	t.Helper()
	now := time.Now()
	ts := newTestServices(t, func() time.Time { return now }, 2)
	st, svc, sessions, rnd := ts.store, ts.iam, ts.sessions, ts.rand
	service := iamapi.New(svc)
	orgService := orgsapi.New(orgs.New(st, svc, func() time.Time { return now }, rnd))
	issuer := oidctest.NewIssuer(t, oidctest.WithPath("/id/C1"))
	stsSvc, err := ststs.New(ststs.Config{Store: st, Identities: svc, Sessions: sessions, Now: func() time.Time { return now },
		Verifier: oidc.New(oidc.Config{RootCAs: issuer.CertPool(), Now: func() time.Time { return now }})})
	if err != nil {
		t.Fatal(err)
	}
	stsService := stsapi.New(stsSvc)
	edge := httpapi.New(httpapi.Config{
		Query: []*httpapi.QueryService{service, stsService}, JSON: []*httpapi.JSONService{orgService},
		Auth: authn.New(&authn.StoreKeys{Store: st, Sealer: ts.sealer, Sessions: sessions, Now: func() time.Time { return now }}, func() time.Time { return now }),
		Now:  func() time.Time { return now }, NewRequestID: func() string { return "req-1" },
	})
	seen := map[string]bool{}
	var h http.Handler = edge
	if checked {
		h = modelChecked(t, edge, seen)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := awsiam.New(awsiam.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, nil
		}),
	})
	var actions []string
	for _, a := range slices.Sorted(maps.Keys(service.Actions)) {
		actions = append(actions, "iam:"+a)
	}
	for _, a := range slices.Sorted(maps.Keys(orgService.Actions)) {
		actions = append(actions, "organizations:"+a)
	}
	for _, a := range slices.Sorted(maps.Keys(stsService.Actions)) {
		actions = append(actions, "sts:"+a)
	}
	o := organizations.New(organizations.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: c.Options().Credentials,
	})
	s := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1, Credentials: c.Options().Credentials})
	return iamEnv{c: c, orgs: o, sts: s, actions: actions, seen: seen, url: srv.URL, client: srv.Client(), store: st, issuer: issuer, now: now}
}

// TestIAMEKSGuide runs the IAM calls of the EKS guides through the SDK.
func TestIAMEKSGuide(t *testing.T) {
	c := newIAMClient(t)
	ctx := t.Context()
	oidc, err := c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"), ClientIDList: []string{"sts.amazonaws.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(oidc.OpenIDConnectProviderArn) != "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE" {
		t.Fatalf("provider ARN %q", aws.ToString(oidc.OpenIDConnectProviderArn))
	}
	got, err := c.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn})
	if err != nil || aws.ToString(got.Url) != "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE" || len(got.ClientIDList) != 1 {
		t.Fatalf("GetOpenIDConnectProvider = %+v, %v", got, err)
	}
	trust := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "` + aws.ToString(oidc.OpenIDConnectProviderArn) +
		`"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:default:my-sa"}}}]}`
	role, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("my-role"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(role.Role.Arn) != "arn:aws:iam::111122223333:role/my-role" {
		t.Fatalf("role %+v", role.Role)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::my-bucket/*"]}]}`
	pol, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("my-policy"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("my-role"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("my-role"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	gr, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("my-role")})
	if err != nil {
		t.Fatal(err)
	}
	if decoded, err := url.QueryUnescape(aws.ToString(gr.Role.AssumeRolePolicyDocument)); err != nil || decoded != trust {
		t.Fatalf("trust document %q decodes to %q, %v", aws.ToString(gr.Role.AssumeRolePolicyDocument), decoded, err)
	}
	if aws.ToInt32(gr.Role.MaxSessionDuration) != 3600 {
		t.Fatalf("MaxSessionDuration %d", aws.ToInt32(gr.Role.MaxSessionDuration))
	}
	att, err := c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("my-role")})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != aws.ToString(pol.Policy.Arn) {
		t.Fatalf("ListAttachedRolePolicies = %+v, %v", att, err)
	}
	gp, err := c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: pol.Policy.Arn})
	if err != nil || aws.ToString(gp.Policy.DefaultVersionId) != "v1" || aws.ToInt32(gp.Policy.AttachmentCount) != 1 {
		t.Fatalf("GetPolicy = %+v, %v", gp, err)
	}
	gv, err := c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if decoded, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); decoded != doc || !gv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("policy version %+v", gv.PolicyVersion)
	}
	ip, err := c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("my-role"), PolicyName: aws.String("inline")})
	if err != nil || aws.ToString(ip.PolicyName) != "inline" {
		t.Fatalf("GetRolePolicy = %+v, %v", ip, err)
	}
	roles, err := c.ListRoles(ctx, &awsiam.ListRolesInput{})
	if err != nil || len(roles.Roles) != 1 || roles.IsTruncated {
		t.Fatalf("ListRoles = %+v, %v", roles, err)
	}

	// Errors.
	_, err = c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("missing")})
	if code(err) != "NoSuchEntity" {
		t.Fatalf("GetRole(missing): %v", err)
	}
	_, err = c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17"`)})
	if code(err) != "MalformedPolicyDocument" {
		t.Fatalf("CreatePolicy(malformed): %v", err)
	}
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("my-role")})
	if code(err) != "DeleteConflict" {
		t.Fatalf("DeleteRole(attached): %v", err)
	}
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("my-role"), AssumeRolePolicyDocument: aws.String(trust)})
	if code(err) != "EntityAlreadyExists" {
		t.Fatalf("CreateRole(again): %v", err)
	}

	// Users and access keys.
	if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil || len(aws.ToString(k.AccessKey.SecretAccessKey)) != 40 || aws.ToString(k.AccessKey.UserName) != "bob" {
		t.Fatalf("CreateAccessKey = %+v, %v", k, err)
	}
	keys, err := c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("bob")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("ListAccessKeys = %+v, %v", keys, err)
	}
}
