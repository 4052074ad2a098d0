package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/podiam/podiam/internal/cli/authenticatorcmd"
	"github.com/podiam/podiam/internal/kubetest"
)

// clusterID is the target cluster's name: the id `aws eks get-token
// --cluster-name` signs into its tokens (x-k8s-aws-id) and the
// authenticator expects.
const clusterID = "target"

// access is TestClusterAccess's world: the management account A with
// the CI role, the member account B with the cluster and its roles.
type access struct {
	*env
	a, b   string                  // account ids
	admin  aws.Credentials         // an administrator of A
	member aws.CredentialsProvider // B's OrganizationAccountAccessRole
	home   string                  // the AWS CLI's config and the CI token
	config string                  // the AWS CLI's config file
	// authn is the authenticator's session of B's role
	// podiam-authenticator, allowed eks:ResolveAccess on the cluster only.
	authn atomic.Pointer[aws.Credentials]
}

// TestClusterAccess is seed 004 in full, on a real kube-apiserver that
// calls podiam's authenticator for tokens (TokenReview) and for
// authorization (SubjectAccessReview): a CI pod's web identity in account
// A chains into account B's role deployer through AWS CLI profiles, `aws
// eks update-kubeconfig` writes a kubeconfig, and kubectl works with it
// as aws-auth's system:masters. Then each refusal beside a token that
// passes, access entries' policies for users outside system:masters,
// and a token still good after 60 seconds.
func TestClusterAccess(t *testing.T) {
	kubectl := kubetest.Kubectl(t)
	needClient(t, "aws")
	w := newAccess(t)
	c := w.cluster

	// The AWS CLI, as the CI job runs it.
	cli := w.cli(t)
	if out := cli.json("eks", "list-clusters", "--profile", "target-env"); fmt.Sprint(out["clusters"]) != "[target]" {
		t.Fatalf("list-clusters as target-env: %v", out)
	}
	d := cli.json("eks", "describe-cluster", "--name", clusterID, "--profile", "target-env")["cluster"].(map[string]any)
	if d["endpoint"] != c.URL || d["arn"] != "arn:aws:eks:us-east-1:"+w.b+":cluster/"+clusterID {
		t.Fatalf("describe-cluster: %v", d)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cli.ok("eks", "update-kubeconfig", "--name", clusterID, "--profile", "target-env", "--kubeconfig", kubeconfig)
	kc, _ := os.ReadFile(kubeconfig)
	for _, want := range []string{"server: " + c.URL, "certificate-authority-data: " + base64.StdEncoding.EncodeToString(c.CAPEM),
		"- get-token", "- " + clusterID, "value: target-env"} {
		if !strings.Contains(string(kc), want) {
			t.Fatalf("update-kubeconfig wrote\n%s\nwithout %q", kc, want)
		}
	}

	// kubectl with that kubeconfig: its exec plugin runs `aws eks
	// get-token` as target-env, aws-auth makes it system:masters.
	if out, err := w.kubectl(t, kubectl, kubeconfig, "get", "namespaces", "-o", "name"); err != nil || !strings.Contains(out, "namespace/kube-system\n") || !strings.Contains(out, "namespace/ci\n") {
		t.Fatalf("kubectl get namespaces: %v\n%s", err, out)
	}
	if out, err := w.kubectl(t, kubectl, kubeconfig, "get", "pods", "-n", "kube-system"); err != nil || !strings.Contains(out, "No resources found in kube-system namespace.") {
		t.Fatalf("kubectl get pods -n kube-system: %v\n%s", err, out)
	}
	out, err := w.kubectl(t, kubectl, kubeconfig, "auth", "whoami", "-o", "json")
	var who struct {
		Status struct {
			UserInfo struct {
				Username string
				UID      string
				Groups   []string
				Extra    map[string][]string
			}
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &who) != nil {
		t.Fatalf("kubectl auth whoami: %v\n%s", err, out)
	}
	u := who.Status.UserInfo
	if u.Username != "deployer:deploy-job" || fmt.Sprint(u.Groups) != "[system:masters system:authenticated]" ||
		!strings.HasPrefix(u.UID, "aws-iam-authenticator:"+w.b+":AROA") ||
		fmt.Sprint(u.Extra["arn"]) != "[arn:aws:sts::"+w.b+":assumed-role/deployer/deploy-job]" ||
		fmt.Sprint(u.Extra["canonicalArn"]) != "[arn:aws:iam::"+w.b+":role/deployer]" || fmt.Sprint(u.Extra["sessionName"]) != "[deploy-job]" {
		t.Fatalf("kubectl auth whoami: %+v", u)
	}

	// The token the plugin printed, kept as kubectl keeps it, is used
	// again once its X-Amz-Expires (60 s) has passed, at the end.
	var cred struct {
		Status struct {
			Token               string
			ExpirationTimestamp time.Time
		}
	}
	got := cli.json("eks", "get-token", "--cluster-name", clusterID, "--profile", "target-env")
	raw, _ := json.Marshal(got)
	if json.Unmarshal(raw, &cred) != nil || cred.Status.Token == "" {
		t.Fatalf("aws eks get-token: %v", got)
	}
	issued := time.Now()
	if q := tokenURL(t, cred.Status.Token).Query(); q.Get("X-Amz-Expires") != "60" || time.Until(cred.Status.ExpirationTimestamp) < 13*time.Minute {
		t.Fatalf("get-token's token: X-Amz-Expires %s, expiration %v", q.Get("X-Amz-Expires"), cred.Status.ExpirationTimestamp)
	}
	if st, name, _ := whoami(t, c, cred.Status.Token); st != http.StatusCreated || name != "deployer:deploy-job" {
		t.Fatalf("get-token's token: %d %q", st, name)
	}

	// An unmapped role: stranger may find the cluster, not enter it.
	strangerConfig := filepath.Join(t.TempDir(), "kubeconfig")
	cli.ok("eks", "update-kubeconfig", "--name", clusterID, "--profile", "stranger-env", "--kubeconfig", strangerConfig)
	if out, err := w.kubectl(t, kubectl, strangerConfig, "get", "namespaces"); err == nil || !strings.Contains(out, "You must be logged in to the server") {
		t.Fatalf("kubectl as an unmapped role: %v\n%s", err, out)
	}

	// Tokens made with aws-sdk-go-v2's presigner, each refusal beside
	// one that passes.
	deployer := w.session(t, "deployer", "sdk")
	now := time.Now()
	fresh := presignToken(t, deployer, w.url, clusterID, now)
	wantUser := func(what, token, user string) {
		t.Helper()
		if st, name, _ := whoami(t, c, token); st != http.StatusCreated || name != user {
			t.Fatalf("%s: HTTP %d, user %q; want %q", what, st, name, user)
		}
	}
	wantRefused := func(what, token string) {
		t.Helper()
		if st, name, _ := whoami(t, c, token); st != http.StatusUnauthorized {
			t.Fatalf("%s: HTTP %d, user %q; want 401", what, st, name)
		}
	}
	wantUser("a fresh token", fresh, "deployer:sdk")
	wantUser("a token signed 14 minutes ago", presignToken(t, deployer, w.url, clusterID, now.Add(-14*time.Minute)), "deployer:sdk")
	wantRefused("a token signed 16 minutes ago", presignToken(t, deployer, w.url, clusterID, now.Add(-16*time.Minute)))
	wantRefused("a token for another cluster", presignToken(t, deployer, w.url, "other", now))
	tampered := tokenURL(t, fresh)
	q := tampered.Query()
	sig := []byte(q.Get("X-Amz-Signature"))
	// Another hex digit: '1' for '0', else '0' (a signature starting with
	// 0 or 1 was left as it was by an earlier version of this line).
	if sig[0] == '0' {
		sig[0] = '1'
	} else {
		sig[0] = '0'
	}
	q.Set("X-Amz-Signature", string(sig))
	tampered.RawQuery = q.Encode()
	wantRefused("a tampered signature", "k8s-aws-v1."+base64.RawURLEncoding.EncodeToString([]byte(tampered.String())))
	// STS's own name, as get-token writes it with no endpoint set: the
	// authenticator asks podiam's STS with that Host kept.
	wantUser("a token naming sts.us-east-1.amazonaws.com", presignToken(t, deployer, "https://sts.us-east-1.amazonaws.com", clusterID, now), "deployer:sdk")
	// A URL at a host that would answer anything is never called.
	var called atomic.Int32
	for _, srv := range []*httptest.Server{httptest.NewServer(http.HandlerFunc(w.liar(&called))), httptest.NewTLSServer(http.HandlerFunc(w.liar(&called)))} {
		t.Cleanup(srv.Close)
		wantRefused("a token for "+srv.URL, presignToken(t, deployer, srv.URL, clusterID, now))
	}
	if n := called.Load(); n != 0 {
		t.Fatalf("the authenticator sent %d requests to a token's untrusted host", n)
	}

	w.accessEntries(t)

	// The get-token token, more than 60 s after it was made.
	if wait := 61*time.Second - time.Since(issued); wait > 0 {
		t.Logf("waiting %v for the get-token token to pass its X-Amz-Expires", wait.Round(time.Second))
		time.Sleep(wait)
	}
	if st, name, _ := whoami(t, c, cred.Status.Token); st != http.StatusCreated || name != "deployer:deploy-job" {
		t.Fatalf("get-token's token after %v: %d %q", time.Since(issued).Round(time.Second), st, name)
	}
	t.Logf("get-token's token accepted %v after it was made", time.Since(issued).Round(time.Second))
}

// liar answers every request as STS would for deployer, counting them.
func (w *access) liar(n *atomic.Int32) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		n.Add(1)
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(rw, `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":%q,"Arn":"arn:aws:sts::%s:assumed-role/deployer/x","UserId":"AROAXXXXXXXXXXXXXXXXX:x"},"ResponseMetadata":{"RequestId":"x"}}}`, w.b, w.b)
	}
}

// accessEntries: identities outside system:masters (which passes every
// authorizer), with EKS access policies enforced by the authorization
// webhook; an entry does not follow a role deleted and made again.
func (w *access) accessEntries(t *testing.T) {
	ctx := t.Context()
	s := aws.String
	c := w.cluster
	bIAM := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: w.member})
	ek := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: w.member})
	trustCI := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.a + `:role/ci"},"Action":"sts:AssumeRole"}]}`
	none := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}`
	entry := func(role, policy string, scope ekstypes.AccessScope) {
		t.Helper()
		arn := "arn:aws:iam::" + w.b + ":role/" + role
		if _, err := ek.CreateAccessEntry(ctx, &awseks.CreateAccessEntryInput{ClusterName: s(clusterID), PrincipalArn: s(arn)}); err != nil {
			t.Fatalf("create-access-entry %s: %v", role, err)
		}
		if _, err := ek.AssociateAccessPolicy(ctx, &awseks.AssociateAccessPolicyInput{ClusterName: s(clusterID), PrincipalArn: s(arn),
			PolicyArn: s("arn:aws:eks::aws:cluster-access-policy/" + policy), AccessScope: &scope}); err != nil {
			t.Fatalf("associate-access-policy %s %s: %v", role, policy, err)
		}
	}
	for _, r := range []string{"viewer", "editor", "reborn"} {
		w.role(t, bIAM, r, trustCI, none)
	}
	entry("viewer", "AmazonEKSViewPolicy", ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster})
	entry("editor", "AmazonEKSEditPolicy", ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"dev-*"}})
	entry("reborn", "AmazonEKSViewPolicy", ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster})
	now := time.Now()
	token := func(role string) string {
		return presignToken(t, w.session(t, role, "entry-job"), w.url, clusterID, now)
	}
	viewer, editor, deployer := token("viewer"), token("editor"), token("deployer")

	// A viewer lists pods, but deletes none and reads no secret; the
	// same requests as deployer (system:masters) pass the authorizers
	// (a 404 for a pod that is not there).
	if st, name, groups := whoami(t, c, viewer); st != http.StatusCreated || name != "arn:aws:sts::"+w.b+":assumed-role/viewer/entry-job" || fmt.Sprint(groups) != "[system:authenticated]" {
		t.Fatalf("the viewer: %d %q %q", st, name, groups)
	}
	for _, tc := range []struct {
		token, method, path string
		want                int
	}{
		{viewer, "GET", "/api/v1/namespaces/kube-system/pods", 200},
		{viewer, "GET", "/api/v1/pods", 200},
		{viewer, "DELETE", "/api/v1/namespaces/ci/pods/none", 403},
		{deployer, "DELETE", "/api/v1/namespaces/ci/pods/none", 404},
		{viewer, "GET", "/api/v1/namespaces/ci/secrets", 403},
		{deployer, "GET", "/api/v1/namespaces/ci/secrets", 200},
		{editor, "GET", "/api/v1/namespaces/kube-system/pods", 403},
	} {
		if st := kubeCall(t, c, tc.token, tc.method, tc.path, ""); st != tc.want {
			t.Errorf("%s %s as %s: HTTP %d, want %d", tc.method, tc.path, tokenRole(t, tc.token, viewer, editor), st, tc.want)
		}
	}

	// The editor's namespaces match dev-*, and dev-a is made after the
	// association; prod does not match.
	w.namespace(t, "dev-a", "none")
	w.namespace(t, "prod", "none")
	cm := func(ns string) string {
		return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"edited","namespace":"` + ns + `"},"data":{"k":"v"}}`
	}
	if st := kubeCall(t, c, editor, "POST", "/api/v1/namespaces/dev-a/configmaps", cm("dev-a")); st != http.StatusCreated {
		t.Errorf("the editor creates a ConfigMap in dev-a: HTTP %d", st)
	}
	if st := kubeCall(t, c, editor, "POST", "/api/v1/namespaces/prod/configmaps", cm("prod")); st != http.StatusForbidden {
		t.Errorf("the editor creates a ConfigMap in prod: HTTP %d", st)
	}
	if st := kubeCall(t, c, deployer, "POST", "/api/v1/namespaces/prod/configmaps", cm("prod")); st != http.StatusCreated {
		t.Errorf("deployer creates a ConfigMap in prod: HTTP %d", st)
	}

	// A role deleted and made again under the same name is another
	// principal: its entry (bound to the old one's unique id) does not
	// let it in; the viewer beside it still is.
	if st, _, _ := whoami(t, c, token("reborn")); st != http.StatusCreated {
		t.Fatalf("reborn before it is deleted: HTTP %d", st)
	}
	if _, err := bIAM.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: s("reborn"), PolicyName: s("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := bIAM.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: s("reborn")}); err != nil {
		t.Fatal(err)
	}
	w.role(t, bIAM, "reborn", trustCI, none)
	if st, name, _ := whoami(t, c, token("reborn")); st != http.StatusUnauthorized {
		t.Fatalf("reborn made again: HTTP %d, user %q; want 401", st, name)
	}
	if st, _, _ := whoami(t, c, token("viewer")); st != http.StatusCreated {
		t.Fatalf("the viewer beside it: HTTP %d", st)
	}
}

// tokenRole names a token's role in a failure.
func tokenRole(t *testing.T, token, viewer, editor string) string {
	switch token {
	case viewer:
		return "viewer"
	case editor:
		return "editor"
	}
	return "deployer"
}

// kubeCall sends one request with token as its bearer and returns the
// status.
func kubeCall(t testing.TB, c *kubetest.Cluster, token, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, c.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// session is a session of B's role, entered from the CI role's web
// identity with aws-sdk-go-v2, named name.
func (w *access) session(t testing.TB, role, name string) aws.Credentials {
	t.Helper()
	s := aws.String
	plain := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1})
	ci, err := plain.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: s("arn:aws:iam::" + w.a + ":role/ci"),
		RoleSessionName: s("ci-sdk"), WebIdentityToken: s(stsToken(t, w.kube, "ci", "runner"))})
	if err != nil {
		t.Fatal(err)
	}
	in, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: staticProvider(aws.Credentials{
		AccessKeyID: *ci.Credentials.AccessKeyId, SecretAccessKey: *ci.Credentials.SecretAccessKey, SessionToken: *ci.Credentials.SessionToken})}).
		AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: s("arn:aws:iam::" + w.b + ":role/" + role), RoleSessionName: s(name)})
	if err != nil {
		t.Fatalf("assume %s: %v", role, err)
	}
	return aws.Credentials{AccessKeyID: *in.Credentials.AccessKeyId, SecretAccessKey: *in.Credentials.SecretAccessKey, SessionToken: *in.Credentials.SessionToken}
}

// newAccess starts the world of TestClusterAccess: a kube-apiserver
// calling podiam's authenticator, beside podiam's server, with the
// accounts, roles, cluster and CLI profiles of setUp.
func newAccess(t testing.TB) *access {
	t.Helper()
	kubetest.Bins(t)
	clearAWSEnv(t)
	w := &access{env: &env{}}
	c, err := kubetest.StartWith(t, t.TempDir(), kubetest.Options{Webhooks: func(c *kubetest.Cluster) (kubetest.Webhooks, error) {
		w.url, w.root = startServer(t, c)
		return startAuthenticator(t, c, w.url, clusterID, aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			if c := w.authn.Load(); c != nil {
				return *c, nil
			}
			return aws.Credentials{}, fmt.Errorf("the authenticator's role is not made yet")
		})), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	w.cluster, w.kube = c, newKube(t, c)
	// The issuer's discovery document and keys, readable anonymously,
	// as podiam's STS fetches them.
	put(t, w.kube, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "podiam-oidc-discovery", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": map[string]any{"name": "podiam-oidc-discovery"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:service-account-issuer-discovery"},
		"subjects": []map[string]any{{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}}})
	w.setUp(t)
	return w
}

// setUp makes the accounts, roles, the cluster and the CLI's profiles.
func (w *access) setUp(t testing.TB) {
	ctx := t.Context()
	s := aws.String
	w.a = accountOf(t, &hosted{url: w.url, root: w.root})
	w.admin = w.user(t, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	org := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: staticProvider(w.root)})
	ca, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("target@example.com"), AccountName: s("target")})
	if err != nil {
		t.Fatal(err)
	}
	w.b = *ca.CreateAccountStatus.AccountId
	in, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: staticProvider(w.admin)}).
		AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: s("arn:aws:iam::" + w.b + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("setup")})
	if err != nil {
		t.Fatal(err)
	}
	memberKeys := aws.Credentials{AccessKeyID: *in.Credentials.AccessKeyId, SecretAccessKey: *in.Credentials.SecretAccessKey, SessionToken: *in.Credentials.SessionToken}
	w.member = staticProvider(memberKeys)

	// A: the cluster's issuer as an OIDC provider, and the CI role its
	// ServiceAccount ci/runner takes, allowed to assume B's roles.
	im := w.iam()
	issuer := strings.TrimPrefix(w.cluster.Issuer, "https://")
	prov, err := im.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: s(w.cluster.Issuer),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{caThumbprint(w.cluster)}})
	if err != nil {
		t.Fatal(err)
	}
	w.role(t, im, "ci", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity",`+
		`"Condition":{"StringEquals":{"%s:aud":"sts.amazonaws.com","%s:sub":"system:serviceaccount:ci:runner"}}}]}`, aws.ToString(prov.OpenIDConnectProviderArn), issuer, issuer),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::`+w.b+`:role/*"}]}`)

	// B: deployer and stranger trust A's CI role; both may find the
	// cluster; only deployer is in aws-auth.
	bIAM := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: w.member})
	trustCI := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.a + `:role/ci"},"Action":"sts:AssumeRole"}]}`
	findCluster := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["eks:ListClusters","eks:DescribeCluster"],"Resource":"*"}]}`
	for _, r := range []string{"deployer", "stranger"} {
		w.role(t, bIAM, r, trustCI, findCluster)
	}
	ek := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: w.member})
	if _, err := ek.CreateCluster(ctx, &awseks.CreateClusterInput{Name: s(clusterID), RoleArn: s("arn:aws:iam::" + w.b + ":role/eks-cluster"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}, AccessConfig: &ekstypes.CreateAccessConfigRequest{
			AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap, BootstrapClusterCreatorAdminPermissions: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	bindCluster(t, w.url, memberKeys, clusterID, w.cluster)
	w.role(t, bIAM, "podiam-authenticator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+w.b+`:root"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:ResolveAccess","Resource":"arn:aws:eks:us-east-1:`+w.b+`:cluster/`+clusterID+`"}]}`)
	authn, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(w.url), RetryMaxAttempts: 1, Credentials: w.member}).
		AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: s("arn:aws:iam::" + w.b + ":role/podiam-authenticator"), RoleSessionName: s("authenticator")})
	if err != nil {
		t.Fatal(err)
	}
	w.authn.Store(&aws.Credentials{AccessKeyID: *authn.Credentials.AccessKeyId, SecretAccessKey: *authn.Credentials.SecretAccessKey, SessionToken: *authn.Credentials.SessionToken})

	// Kubernetes: aws-auth maps deployer (its ARN without a path) to
	// system:masters; the CI job's ServiceAccount and its token.
	awsAuth := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "aws-auth", "namespace": "kube-system"},
		"data": map[string]string{"mapRoles": "- rolearn: arn:aws:iam::" + w.b + ":role/deployer\n  username: deployer:{{SessionName}}\n  groups:\n  - system:masters\n"}}
	put(t, w.kube, "/api/v1/namespaces/kube-system/configmaps", "aws-auth", awsAuth)
	w.namespace(t, "ci", "none")
	w.account(t, "ci", "runner", "arn:aws:iam::"+w.a+":role/ci")
	w.home = t.TempDir()
	token := filepath.Join(w.home, "token")
	if err := os.WriteFile(token, []byte(stsToken(t, w.kube, "ci", "runner")), 0o600); err != nil {
		t.Fatal(err)
	}
	w.config = filepath.Join(w.home, "config")
	profiles := fmt.Sprintf(`[profile ci-env]
web_identity_token_file = %s
role_arn = arn:aws:iam::%s:role/ci
role_session_name = ci-job

[profile target-env]
role_arn = arn:aws:iam::%s:role/deployer
source_profile = ci-env
role_session_name = deploy-job

[profile stranger-env]
role_arn = arn:aws:iam::%s:role/stranger
source_profile = ci-env
role_session_name = stranger-job
`, token, w.a, w.b, w.b)
	if err := os.WriteFile(w.config, []byte(profiles), 0o600); err != nil {
		t.Fatal(err)
	}
}

// role makes a role with a trust policy and an inline policy.
func (w *access) role(t testing.TB, im *awsiam.Client, name, trust, policy string) {
	t.Helper()
	s := aws.String
	if _, err := im.CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: s(name), AssumeRolePolicyDocument: s(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.PutRolePolicy(t.Context(), &awsiam.PutRolePolicyInput{RoleName: s(name), PolicyName: s("p"), PolicyDocument: s(policy)}); err != nil {
		t.Fatal(err)
	}
}

// cliEnv is the environment of the CI job's commands: the AWS CLI's
// profiles, every service at podiam, and nothing of this machine's AWS
// set-up; each command gets a HOME of its own.
func (w *access) cliEnv() []string {
	return []string{"AWS_CONFIG_FILE=" + w.config, "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL=" + w.url,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true"}
}

func (w *access) cli(t *testing.T) cli { return cli{t: t, env: w.cliEnv()} }

// kubectl runs kubectl with the CI job's environment (the exec plugin
// in the kubeconfig runs `aws eks get-token` with it).
func (w *access) kubectl(t *testing.T, kubectl, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, w.cliEnv()...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fixedTime is a presigner that signs at a fixed time.
type fixedTime struct {
	signer *v4.Signer
	at     time.Time
}

func (f fixedTime) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return f.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, f.at, optFns...)
}

// presignToken makes a token in the shape of `aws eks get-token`: STS
// GetCallerIdentity presigned by aws-sdk-go-v2 with creds at signed, for
// the STS at endpoint, x-k8s-aws-id cluster signed and X-Amz-Expires 60.
func presignToken(t testing.TB, creds aws.Credentials, endpoint, cluster string, signed time.Time) string {
	t.Helper()
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: staticProvider(creds)})
	req, err := sts.NewPresignClient(client, func(o *sts.PresignOptions) { o.Presigner = fixedTime{v4.NewSigner(), signed} }).
		PresignGetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
			o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
				o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue("x-k8s-aws-id", cluster), smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
			})
		})
	if err != nil {
		t.Fatal(err)
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(req.URL))
}

// tokenURL is the presigned URL inside a token.
func tokenURL(t testing.TB, token string) *url.URL {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, "k8s-aws-v1."))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// whoami asks the API server who token is (a SelfSubjectReview): the
// HTTP status and, on success, the username and groups.
func whoami(t testing.TB, c *kubetest.Cluster, token string) (int, string, []string) {
	t.Helper()
	body := strings.NewReader(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, c.URL+"/apis/authentication.k8s.io/v1/selfsubjectreviews", body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status struct {
			UserInfo struct {
				Username string
				Groups   []string
			}
		}
	}
	json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r.Status.UserInfo.Username, r.Status.UserInfo.Groups
}

// startAuthenticator runs `podiam authenticator serve` for cluster
// against podiam at url (its STS for tokens, its EKS API for access
// entries and policies, signed with creds), and returns the API server's
// configuration of it, as `podiam authenticator init` writes it.
func startAuthenticator(t testing.TB, c *kubetest.Cluster, url, cluster string, creds aws.CredentialsProvider) kubetest.Webhooks {
	t.Helper()
	awsCfg := aws.Config{Region: "us-east-1", Credentials: creds, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
	addr := runTLS(t, c, "podiam-authenticator", nil, func(ctx context.Context, crt, key string, onListen func(string)) error {
		return authenticatorcmd.Serve(ctx, authenticatorcmd.ServeConfig{ClusterID: cluster, Listen: "127.0.0.1:0",
			TLSCert: crt, TLSKey: key, Kubeconfig: c.Kubeconfig, STSEndpoint: url,
			TrustedHosts: []string{"sts.us-east-1.amazonaws.com"}, EKSEndpoint: url, AWS: &awsCfg,
			Getenv: os.Getenv, OnListen: onListen,
		}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	dir := t.TempDir()
	if _, err := authenticatorcmd.Init(authenticatorcmd.InitConfig{ServerURL: "https://" + addr,
		CAFile: filepath.Join(c.Dir, "ca.crt"), Out: dir}); err != nil {
		t.Fatal(err)
	}
	return kubetest.Webhooks{Authentication: filepath.Join(dir, "authentication-webhook.yaml"), AuthenticationCacheTTL: 30 * time.Second,
		Authorization: filepath.Join(dir, "authorization-webhook.yaml"), AuthorizationCacheTTL: 10 * time.Second}
}

// BenchmarkKubectlGetNamespaces measures `kubectl get namespaces` from
// start to exit on one API server, for three users, one run of each per
// iteration in a rotating order so that all see the same machine: a
// client certificate of the cluster's CA ("client-cert", the API
// server's own authentication), a kubeconfig as `aws eks
// update-kubeconfig` writes it ("exec": kubectl runs `aws eks get-token`,
// then the API server asks podiam's authenticator, which asks podiam's
// STS, for a new token every run), and a kubeconfig holding one such
// token ("token": the API server's token cache answers within its TTL).
// It reports each one's median and p99 in milliseconds.
func BenchmarkKubectlGetNamespaces(b *testing.B) {
	kubectl := kubetest.Kubectl(b)
	if _, err := exec.LookPath("aws"); err != nil {
		b.Skip("aws is not on PATH")
	}
	w := newAccess(b)
	c := w.cluster
	certConfig, err := c.ClientKubeconfig("bench-admin", "system:masters")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	kubeconfig := func(name, user string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(`apiVersion: v1
kind: Config
clusters:
- name: target
  cluster: {server: "`+c.URL+`", certificate-authority-data: `+base64.StdEncoding.EncodeToString(c.CAPEM)+`}
contexts:
- name: target
  context: {cluster: target, user: u}
current-context: target
users:
- name: u
  user:
`+user), 0o600); err != nil {
			b.Fatal(err)
		}
		return f
	}
	execConfig := kubeconfig("exec", `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-east-1, eks, get-token, --cluster-name, `+clusterID+`, --output, json]
      env: [{name: AWS_PROFILE, value: target-env}]
`)
	tokenConfig := kubeconfig("token", "    token: "+presignToken(b, w.session(b, "deployer", "bench"), w.url, clusterID, time.Now())+"\n")
	users := []struct{ name, kubeconfig string }{{"client-cert", certConfig}, {"exec", execConfig}, {"token", tokenConfig}}
	run := func(kubeconfig string) time.Duration {
		cmd := exec.CommandContext(b.Context(), kubectl, "--kubeconfig", kubeconfig, "get", "namespaces", "-o", "name")
		cmd.Env = append([]string{"HOME=" + b.TempDir(), "PATH=" + os.Getenv("PATH")}, w.cliEnv()...)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "namespace/kube-system") {
			b.Fatalf("kubectl get namespaces: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	for _, u := range users {
		run(u.kubeconfig) // warm: the binaries' pages, the caches
	}
	took := make([][]time.Duration, len(users))
	i := 0
	for b.Loop() {
		i++
		for k := range users {
			j := (i + k) % len(users)
			took[j] = append(took[j], run(users[j].kubeconfig))
		}
	}
	for j, u := range users {
		slices.Sort(took[j])
		n := len(took[j])
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		b.ReportMetric(ms(took[j][n/2]), u.name+"-p50-ms")
		b.ReportMetric(ms(took[j][min(n-1, n*99/100)]), u.name+"-p99-ms")
	}
}
