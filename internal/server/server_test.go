package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/server"
)

// running is a server started by a test.
type running struct {
	url    string
	out    *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// start runs the server on a free loopback port with its data in dir.
func start(t testing.TB, dir string) *running {
	t.Helper()
	return startWith(t, dir, nil)
}

// startWith is start with a change to the configuration.
func startWith(t testing.TB, dir string, change func(*server.Config)) *running {
	t.Helper()
	r, err := tryStart(t, dir, change)
	if err != nil {
		t.Fatalf("server did not start: %v", err)
	}
	return r
}

// tryStart is startWith for a start that may fail: it returns Run's
// error then.
func tryStart(t testing.TB, dir string, change func(*server.Config)) (*running, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	r := &running{out: &bytes.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	var mu sync.Mutex
	cfg := server.Config{
		Listen: "127.0.0.1:0", DataDir: dir, AuditLog: filepath.Join(dir, "audit.log"),
		Stdout:   lockedBuffer{&mu, r.out},
		OnListen: func(a string) { addr <- a },
	}
	if change != nil {
		change(&cfg)
	}
	go func() { r.done <- server.Run(ctx, cfg) }()
	select {
	case a := <-addr:
		r.url = "http://" + a
	case err := <-r.done:
		cancel()
		return nil, err
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30 s")
	}
	t.Cleanup(r.stop)
	return r, nil
}

// stop ends the server (once) and returns Run's error.
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		r.err = <-r.done
	})
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

var credLine = regexp.MustCompile(`(?m)^aws_(access_key_id|secret_access_key) = (\S+)$`)

func readCredentials(t testing.TB, dir string) aws.Credentials {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "credentials"))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	var c aws.Credentials
	for _, m := range credLine.FindAllStringSubmatch(string(b), -1) {
		if m[1] == "access_key_id" {
			c.AccessKeyID = m[2]
		} else {
			c.SecretAccessKey = m[2]
		}
	}
	if !strings.HasPrefix(c.AccessKeyID, "AKIA") || len(c.SecretAccessKey) != 40 {
		t.Fatalf("credentials file holds %q", b)
	}
	return c
}

func callerIdentity(t *testing.T, url string, c aws.Credentials) *sts.GetCallerIdentityOutput {
	t.Helper()
	client := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }),
	})
	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFirstStartAndRestart: the first start creates an account and its
// root key; a restart keeps both, and the key still verifies.
func TestFirstStartAndRestart(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	c := readCredentials(t, dir)
	out := callerIdentity(t, r.url, c)
	account := aws.ToString(out.Account)
	if len(account) != 12 || aws.ToString(out.Arn) != "arn:aws:iam::"+account+":root" || aws.ToString(out.UserId) != account {
		t.Fatalf("identity %+v", out)
	}
	if !strings.Contains(r.out.String(), "AWS_ENDPOINT_URL="+r.url) || !strings.Contains(r.out.String(), "AWS_SHARED_CREDENTIALS_FILE=") {
		t.Fatalf("start-up hints: %q", r.out.String())
	}
	r.stop()
	if r.err != nil {
		t.Fatalf("Run after shutdown: %v", r.err)
	}

	r2 := start(t, dir)
	if c2 := readCredentials(t, dir); c2 != c {
		t.Fatalf("restart wrote new credentials")
	}
	if out2 := callerIdentity(t, r2.url, c); aws.ToString(out2.Account) != account {
		t.Fatalf("restart changed the account to %s", aws.ToString(out2.Account))
	}
	r2.stop()

	// One audit record per request, none holding the secret.
	log, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(log, []byte(c.SecretAccessKey)) {
		t.Fatal("the audit log holds the secret")
	}
	lines := bytes.Split(bytes.TrimSpace(log), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d audit records, want 2", len(lines))
	}
	var rec struct{ Action, Principal string }
	if err := json.Unmarshal(lines[0], &rec); err != nil || rec.Action != "sts:GetCallerIdentity" || rec.Principal != "arn:aws:iam::"+account+":root" {
		t.Fatalf("audit record %s (%v)", lines[0], err)
	}
}

// needAWSCLI skips a test without the AWS CLI, unless the run requires
// the real clients (`make test` sets PODIAM_REQUIRE_CLIENTS): then it
// fails.
func needAWSCLI(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
			t.Fatal("the AWS CLI is not on PATH, and PODIAM_REQUIRE_CLIENTS is set")
		}
		t.Skip("the AWS CLI is not on PATH")
	}
}

// TestAWSCLI drives the server with the AWS CLI, as a user would after
// reading the start-up hints.
func TestAWSCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	cmd := exec.Command("aws", "sts", "get-caller-identity", "--output", "json")
	cmd.Env = append(os.Environ(),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
		"AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PROFILE=default",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, out)
	}
	var id struct{ Account, Arn, UserId string }
	if err := json.Unmarshal(out, &id); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if id.Arn != "arn:aws:iam::"+id.Account+":root" {
		t.Fatalf("identity %+v", id)
	}
}

// TestUnservedServiceCLI: an AWS CLI command of a REST-JSON service podiam
// does not serve (Lambda) gets that protocol's error, which the CLI
// reads and shows, not S3's XML or IAM's; a served one works beside it.
func TestUnservedServiceCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command("aws", args...)
		cmd.Env = append(os.Environ(),
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
			"AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PROFILE=default",
		)
		return cmd.CombinedOutput()
	}
	out, err := run("lambda", "list-functions")
	if err == nil || !strings.Contains(string(out), "(UnknownOperationException)") || !strings.Contains(string(out), "podiam does not serve the lambda API") {
		t.Fatalf("aws lambda list-functions: %v\n%s", err, out)
	}
	if out, err := run("iam", "list-roles"); err != nil {
		t.Fatalf("aws iam list-roles: %v\n%s", err, out)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]server.Config{
		"bad listen":          {Listen: "nowhere"},
		"half TLS":            {Listen: "127.0.0.1:1", TLSCert: "c.pem"},
		"negative drain":      {Listen: "127.0.0.1:1", ShutdownTimeout: -1},
		"bad metrics listen":  {Listen: "127.0.0.1:1", MetricsListen: "nowhere"},
		"relative public URL": {Listen: "127.0.0.1:1", PublicURL: "podiam.example"},
		"public URL query":    {Listen: "127.0.0.1:1", PublicURL: "https://podiam.example/?x=1"},
	} {
		c.SetDefaults()
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	good := server.Config{Listen: "127.0.0.1:1", PublicURL: "https://podiam.example:8443/base"}
	good.SetDefaults()
	if err := good.Validate(); err != nil {
		t.Errorf("a public URL refused: %v", err)
	}
	var c server.Config
	c.SetDefaults()
	if err := c.Validate(); err != nil || c.Listen != server.DefaultListen || c.DataDir != server.DefaultDataDir {
		t.Errorf("defaults %+v: %v", c, err)
	}
}

// TestEKSGuideCommands runs, with the AWS CLI, the IAM commands that the
// EKS guides use to set up IAM roles for service accounts.
func TestEKSGuideCommands(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	aws := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--output", "json")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
			"AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PROFILE=default",
		)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if len(bytes.TrimSpace(out)) > 0 {
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("aws %s printed %q: %v", strings.Join(args, " "), out, err)
			}
		}
		return v
	}
	account := aws("sts", "get-caller-identity")["Account"].(string)
	provider := "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	oidc := aws("iam", "create-open-id-connect-provider", "--url", "https://"+provider,
		"--client-id-list", "sts.amazonaws.com", "--thumbprint-list", "9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
	if got := oidc["OpenIDConnectProviderArn"]; got != "arn:aws:iam::"+account+":oidc-provider/"+provider {
		t.Fatalf("provider ARN %v", got)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account + `:oidc-provider/` + provider + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + provider + `:sub":"system:serviceaccount:default:my-app","` + provider + `:aud":"sts.amazonaws.com"}}}]}`
	os.WriteFile(filepath.Join(dir, "trust.json"), []byte(trust), 0o600)
	os.WriteFile(filepath.Join(dir, "policy.json"), []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::my-bucket/*"}]}`), 0o600)
	role := aws("iam", "create-role", "--role-name", "my-app", "--assume-role-policy-document", "file://trust.json")["Role"].(map[string]any)
	if role["Arn"] != "arn:aws:iam::"+account+":role/my-app" || !strings.HasPrefix(role["RoleId"].(string), "AROA") {
		t.Fatalf("role %v", role)
	}
	policyARN := aws("iam", "create-policy", "--policy-name", "my-app-s3", "--policy-document", "file://policy.json")["Policy"].(map[string]any)["Arn"].(string)
	aws("iam", "attach-role-policy", "--role-name", "my-app", "--policy-arn", policyARN)
	aws("iam", "put-role-policy", "--role-name", "my-app", "--policy-name", "inline", "--policy-document", "file://policy.json")
	got := aws("iam", "get-role", "--role-name", "my-app")["Role"].(map[string]any)
	// The CLI decodes the URL-encoded trust policy back into JSON.
	doc, _ := json.Marshal(got["AssumeRolePolicyDocument"])
	if !strings.Contains(string(doc), "system:serviceaccount:default:my-app") {
		t.Fatalf("trust policy as the CLI read it: %s", doc)
	}
	attached := aws("iam", "list-attached-role-policies", "--role-name", "my-app")["AttachedPolicies"].([]any)
	if len(attached) != 1 || attached[0].(map[string]any)["PolicyArn"] != policyARN {
		t.Fatalf("attached policies %v", attached)
	}
	pol := aws("iam", "get-policy", "--policy-arn", policyARN)["Policy"].(map[string]any)
	if pol["DefaultVersionId"] != "v1" || pol["AttachmentCount"] != float64(1) {
		t.Fatalf("policy %v", pol)
	}
	ver := aws("iam", "get-policy-version", "--policy-arn", policyARN, "--version-id", "v1")["PolicyVersion"].(map[string]any)
	if d, _ := json.Marshal(ver["Document"]); !strings.Contains(string(d), "my-bucket") {
		t.Fatalf("policy version document %s", d)
	}
	// More of IAM as the CLI sees it: tags, role settings, a boundary, and
	// the whole account (the CLI pages through it by itself).
	providerARN := oidc["OpenIDConnectProviderArn"].(string)
	aws("iam", "tag-open-id-connect-provider", "--open-id-connect-provider-arn", providerARN, "--tags", "Key=cluster,Value=kind")
	if tags := aws("iam", "list-open-id-connect-provider-tags", "--open-id-connect-provider-arn", providerARN)["Tags"].([]any); len(tags) != 1 {
		t.Fatalf("provider tags %v", tags)
	}
	aws("iam", "update-role", "--role-name", "my-app", "--max-session-duration", "7200", "--description", "my app")
	aws("iam", "put-role-permissions-boundary", "--role-name", "my-app", "--permissions-boundary", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	updated := aws("iam", "get-role", "--role-name", "my-app")["Role"].(map[string]any)
	if updated["MaxSessionDuration"] != float64(7200) || updated["Description"] != "my app" ||
		updated["PermissionsBoundary"].(map[string]any)["PermissionsBoundaryType"] != "PermissionsBoundaryPolicy" {
		t.Fatalf("updated role %v", updated)
	}
	details := aws("iam", "get-account-authorization-details", "--page-size", "1")
	roleDetails := details["RoleDetailList"].([]any)
	if len(roleDetails) != 1 || len(details["Policies"].([]any)) != 1 || roleDetails[0].(map[string]any)["RoleName"] != "my-app" {
		t.Fatalf("authorization details: %v", details)
	}
	// The audit log has the engine's decision for each IAM call.
	log, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil || !bytes.Contains(log, []byte(`"action":"iam:CreateRole","resource":"arn:aws:iam::`+account+`:role/my-app","decision":"allowed","reason":"root"`)) {
		t.Fatalf("audit log lacks the CreateRole decision (%v):\n%s", err, log)
	}
	// Bad input answers as AWS does.
	cmd := exec.Command("aws", "iam", "get-role", "--role-name", "nobody")
	cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
		"AWS_ENDPOINT_URL="+r.url, "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "NoSuchEntity") {
		t.Fatalf("get-role of a missing role: %v\n%s", err, out)
	}
}

// TestOrganizationsCLI: the first account is the organization's
// management account, as the AWS CLI sees it.
func TestOrganizationsCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--output", "json")...)
		cmd.Env = append(os.Environ(),
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
			"AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws %s printed %q", strings.Join(args, " "), out)
		}
		return v
	}
	account := run("sts", "get-caller-identity")["Account"].(string)
	org := run("organizations", "describe-organization")["Organization"].(map[string]any)
	if org["MasterAccountId"] != account || !strings.HasPrefix(org["Id"].(string), "o-") {
		t.Fatalf("organization %v", org)
	}
	accts := run("organizations", "list-accounts")["Accounts"].([]any)
	if len(accts) != 1 || accts[0].(map[string]any)["Id"] != account {
		t.Fatalf("accounts %v", accts)
	}
	status := run("organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev")["CreateAccountStatus"].(map[string]any)
	if status["State"] != "SUCCEEDED" || len(status["AccountId"].(string)) != 12 {
		t.Fatalf("create-account status %v", status)
	}
	again := run("organizations", "describe-create-account-status", "--create-account-request-id", status["Id"].(string))["CreateAccountStatus"].(map[string]any)
	if again["AccountId"] != status["AccountId"] {
		t.Fatalf("describe-create-account-status %v", again)
	}
	if accts := run("organizations", "list-accounts")["Accounts"].([]any); len(accts) != 2 {
		t.Fatalf("%d accounts after create-account, want 2", len(accts))
	}
}

// TestRestartAfterCreateAccount: member accounts whose ids sort before
// the first account's change nothing at a restart: the credentials file
// keeps the management account's key, and the management account stays
// the organization's.
func TestRestartAfterCreateAccount(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	c := readCredentials(t, dir)
	mgmt := aws.ToString(callerIdentity(t, r.url, c).Account)
	o := organizations.New(organizations.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }),
	})
	// Ids are random: make members until one sorts before the first
	// account (each does with probability about mgmt/10^12).
	lower := false
	for i := 0; i < 40 && !lower; i++ {
		st, err := o.CreateAccount(t.Context(), &organizations.CreateAccountInput{
			Email: aws.String(fmt.Sprintf("m%d@example.com", i)), AccountName: aws.String(fmt.Sprintf("m%d", i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		lower = aws.ToString(st.CreateAccountStatus.AccountId) < mgmt
	}
	if !lower {
		t.Skipf("no member id sorted before %s", mgmt)
	}
	r.stop()
	r2 := start(t, dir)
	if c2 := readCredentials(t, dir); c2 != c {
		t.Fatal("the restart wrote a new root key to the credentials file")
	}
	if got := aws.ToString(callerIdentity(t, r2.url, c).Account); got != mgmt {
		t.Fatalf("the key now belongs to %s, want %s", got, mgmt)
	}
	org, err := organizations.New(organizations.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(r2.url), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }),
	}).DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
	if err != nil || aws.ToString(org.Organization.MasterAccountId) != mgmt {
		t.Fatalf("DescribeOrganization after restart = %+v, %v", org, err)
	}
}
