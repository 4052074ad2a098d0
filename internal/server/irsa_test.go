package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/oidc/oidctest"
	"github.com/podiam/podiam/internal/server"
)

// irsa is a running server with an OIDC issuer that its account trusts
// (a provider with the issuer's CA thumbprint), a role "ci" that the
// service account system:serviceaccount:ci:runner may assume with its
// token, and a token file for that account.
type irsa struct {
	r         *running
	dir       string
	root      aws.Credentials
	account   string
	issuer    *oidctest.Issuer
	tokenFile string
	roleARN   string
}

const (
	issuerHost = "oidc.podiam.test"
	runnerSA   = "system:serviceaccount:ci:runner"
)

func newIRSA(t *testing.T) *irsa {
	t.Helper()
	x := &irsa{dir: t.TempDir()}
	x.issuer = oidctest.NewIssuer(t, oidctest.WithHost(issuerHost), oidctest.WithPath("/id/CLUSTER1"))
	x.r = startWith(t, x.dir, func(c *server.Config) { c.OIDCDialContext = x.issuer.DialContext })
	x.root = readCredentials(t, x.dir)
	x.account = aws.ToString(callerIdentity(t, x.r.url, x.root).Account)
	ctx := t.Context()
	c := x.iam(x.root)
	provider, err := c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String(x.issuer.URL), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{x.issuer.Thumbprint()},
	})
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimPrefix(x.issuer.URL, "https://")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(provider.OpenIDConnectProviderArn) + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + url + `:sub":"` + runnerSA + `","` + url + `:aud":"sts.amazonaws.com"}}}]}`
	role, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	x.roleARN = aws.ToString(role.Role.Arn)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","sts:AssumeRole"],"Resource":"*"}]}`
	if _, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("ci"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	x.tokenFile = filepath.Join(x.dir, "token")
	x.writeToken(t, runnerSA)
	return x
}

func (x *irsa) writeToken(t *testing.T, sub string) {
	t.Helper()
	tok := x.issuer.Sign(x.issuer.Claims(sub, "sts.amazonaws.com", time.Hour))
	if err := os.WriteFile(x.tokenFile, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
}

func staticCreds(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}

func (x *irsa) iam(c aws.Credentials) *awsiam.Client {
	return awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(x.r.url), RetryMaxAttempts: 1, Credentials: staticCreds(c)})
}

// clientEnv is the environment of a pod that the webhook mutated, with
// nothing else of the machine's AWS set-up.
func (x *irsa) clientEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ROLE_ARN="+x.roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE="+x.tokenFile, "AWS_ENDPOINT_URL="+x.r.url,
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
}

// TestIRSAGoSDK: aws-sdk-go-v2's own web identity provider, configured by
// the environment alone, gets credentials from podiam and uses them.
func TestIRSAGoSDK(t *testing.T) {
	x := newIRSA(t)
	for _, kv := range x.clientEnv(t) {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, v)
		}
	}
	for _, k := range []string{"AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	// aws-sdk-go-v2 builds the STS client of its web identity provider
	// before it reads AWS_ENDPOINT_URL, so that client only sees the
	// service-specific variable (config v1.33.18); boto3 and the CLI need
	// only AWS_ENDPOINT_URL (the tests below). The webhook sets both.
	t.Setenv("AWS_ENDPOINT_URL_STS", x.r.url)
	ctx := t.Context()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(id.Arn); !strings.HasPrefix(arn, "arn:aws:sts::"+x.account+":assumed-role/ci/") {
		t.Fatalf("identity %s", arn)
	}
	c := awsiam.NewFromConfig(cfg)
	if _, err := c.ListRoles(ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatalf("ListRoles with the role's policy: %v", err)
	}
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("CreateRole: %v", err)
	}
	// Another service account's token is refused.
	x.writeToken(t, "system:serviceaccount:ci:other")
	cfg2, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(cfg2).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("another service account: %v", err)
	}
}

// TestIRSABoto3: boto3, configured by the environment alone.
func TestIRSABoto3(t *testing.T) {
	needAWSCLI(t)
	x := newIRSA(t)
	cmd := exec.Command("python3", "-c", `
import boto3, json
ident = boto3.client("sts").get_caller_identity()
roles = boto3.client("iam").list_roles()["Roles"]
print(json.dumps({"Arn": ident["Arn"], "Roles": len(roles)}))
`)
	cmd.Env = x.clientEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var got struct {
		Arn   string
		Roles int
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &got); err != nil {
		t.Fatalf("boto3 printed %q", out)
	}
	if !strings.HasPrefix(got.Arn, "arn:aws:sts::"+x.account+":assumed-role/ci/") || got.Roles != 1 {
		t.Fatalf("boto3: %+v", got)
	}
}

// TestCLIProfileChain: the AWS CLI with a web identity profile and a
// profile that chains from it into a role of a second account made
// through Organizations; the target role's policy decides what the chain
// may do there.
func TestCLIProfileChain(t *testing.T) {
	needAWSCLI(t)
	x := newIRSA(t)
	ctx := t.Context()
	orgs := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(x.r.url), RetryMaxAttempts: 1, Credentials: staticCreds(x.root)})
	st, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("dev@example.com"), AccountName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	member := aws.ToString(st.CreateAccountStatus.AccountId)

	run := func(env []string, args ...string) (map[string]any, string, error) {
		cmd := exec.Command("aws", append(args, "--output", "json")...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var v map[string]any
		if err == nil && stdout.Len() > 0 {
			if jerr := json.Unmarshal(stdout.Bytes(), &v); jerr != nil {
				t.Fatalf("aws %s printed %q", strings.Join(args, " "), stdout.String())
			}
		}
		return v, stderr.String(), err
	}
	// As in AWS, the management account enters the member account through
	// OrganizationAccountAccessRole with an IAM user's credentials (a root
	// user may not assume roles).
	c := x.iam(x.root)
	if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("admin")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	userEnv := append(x.clientEnv(t)[:0:0], x.clientEnv(t)...)
	for i, kv := range userEnv {
		if strings.HasPrefix(kv, "AWS_ROLE_ARN=") || strings.HasPrefix(kv, "AWS_WEB_IDENTITY_TOKEN_FILE=") {
			userEnv[i] = "PODIAM_UNUSED=1"
		}
	}
	userEnv = append(userEnv, "AWS_ACCESS_KEY_ID="+aws.ToString(key.AccessKey.AccessKeyId), "AWS_SECRET_ACCESS_KEY="+aws.ToString(key.AccessKey.SecretAccessKey))
	rootEnv := append(userEnv[:0:0], userEnv[:len(userEnv)-2]...)
	rootEnv = append(rootEnv, "AWS_ACCESS_KEY_ID="+x.root.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+x.root.SecretAccessKey)
	if _, stderr, err := run(rootEnv, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+member+":role/OrganizationAccountAccessRole", "--role-session-name", "root"); err == nil ||
		!strings.Contains(stderr, "Roles may not be assumed by root accounts") {
		t.Fatalf("assume-role as the root: %v\n%s", err, stderr)
	}
	v, stderr, err := run(userEnv, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+member+":role/OrganizationAccountAccessRole", "--role-session-name", "admin")
	if err != nil {
		t.Fatalf("assume-role into the member account: %v\n%s", err, stderr)
	}
	cr := v["Credentials"].(map[string]any)
	adminEnv := append(userEnv[:len(userEnv)-2:len(userEnv)-2], "AWS_ACCESS_KEY_ID="+cr["AccessKeyId"].(string),
		"AWS_SECRET_ACCESS_KEY="+cr["SecretAccessKey"].(string), "AWS_SESSION_TOKEN="+cr["SessionToken"].(string))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + x.roleARN + `"},"Action":"sts:AssumeRole"}]}`
	if _, stderr, err := run(adminEnv, "iam", "create-role", "--role-name", "target", "--assume-role-policy-document", trust); err != nil {
		t.Fatalf("create the target role: %v\n%s", err, stderr)
	}
	reads := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`
	if _, stderr, err := run(adminEnv, "iam", "put-role-policy", "--role-name", "target", "--policy-name", "reads", "--policy-document", reads); err != nil {
		t.Fatalf("put-role-policy: %v\n%s", err, stderr)
	}

	conf := filepath.Join(x.dir, "config")
	os.WriteFile(conf, []byte("[profile ci]\nrole_arn = "+x.roleARN+"\nweb_identity_token_file = "+x.tokenFile+"\n\n"+
		"[profile target]\nrole_arn = arn:aws:iam::"+member+":role/target\nsource_profile = ci\n"), 0o600)
	chainEnv := append(x.clientEnv(t)[:0:0], x.clientEnv(t)...)
	for i, kv := range chainEnv {
		switch {
		case strings.HasPrefix(kv, "AWS_CONFIG_FILE="):
			chainEnv[i] = "AWS_CONFIG_FILE=" + conf
		case strings.HasPrefix(kv, "AWS_ROLE_ARN="), strings.HasPrefix(kv, "AWS_WEB_IDENTITY_TOKEN_FILE="):
			chainEnv[i] = "PODIAM_UNUSED=1"
		}
	}
	id, stderr, err := run(chainEnv, "sts", "get-caller-identity", "--profile", "target")
	if err != nil {
		t.Fatalf("get-caller-identity --profile target: %v\n%s", err, stderr)
	}
	if arn := id["Arn"].(string); !strings.HasPrefix(arn, "arn:aws:sts::"+member+":assumed-role/target/") {
		t.Fatalf("identity through the chain: %s", arn)
	}
	if _, stderr, err := run(chainEnv, "iam", "list-roles", "--profile", "target"); err != nil {
		t.Fatalf("list-roles as target: %v\n%s", err, stderr)
	}
	_, stderr, err = run(chainEnv, "iam", "create-role", "--profile", "target", "--role-name", "x", "--assume-role-policy-document", trust)
	if err == nil || !strings.Contains(stderr, "AccessDenied") || !strings.Contains(stderr, "assumed-role/target/") {
		t.Fatalf("create-role as target: %v\n%s", err, stderr)
	}
}
