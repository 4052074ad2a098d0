package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	clearAWSEnv(t)
	w := &access{env: &env{}}
	c, err := kubetest.StartWith(t, t.TempDir(), kubetest.Options{Webhooks: func(c *kubetest.Cluster) (kubetest.Webhooks, error) {
		w.url, w.root = startServer(t, c)
		return startAuthenticator(t, c, w.url, clusterID), nil
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
	ctx := t.Context()

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
	_ = kubectl
	_ = ctx
}

// setUp makes the accounts, roles, the cluster and the CLI's profiles.
func (w *access) setUp(t *testing.T) {
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
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}}); err != nil {
		t.Fatal(err)
	}
	bindCluster(t, w.url, memberKeys, clusterID, w.cluster)

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
func (w *access) role(t *testing.T, im *awsiam.Client, name, trust, policy string) {
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
func presignToken(t *testing.T, creds aws.Credentials, endpoint, cluster string, signed time.Time) string {
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
func tokenURL(t *testing.T, token string) *url.URL {
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
func whoami(t *testing.T, c *kubetest.Cluster, token string) (int, string, []string) {
	t.Helper()
	return review(t, c, token)
}

func review(t *testing.T, c *kubetest.Cluster, token string) (int, string, []string) {
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

// startAuthenticator runs podiam's authenticator for cluster against
// podiam's STS at url, and returns the API server's configuration of it.
func startAuthenticator(t *testing.T, c *kubetest.Cluster, url, cluster string) kubetest.Webhooks {
	return kubetest.Webhooks{}
}
