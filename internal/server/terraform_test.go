package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// terraformMirror is where the AWS provider is installed for
// filesystem_mirror (no registry is asked).
const terraformMirror = "/opt/tf-plugins"

// needTerraform returns the terraform binary, or skips the test when it
// or the AWS provider's mirror is absent, unless the run requires
// Terraform (PODIAM_REQUIRE_TERRAFORM): then it fails.
func needTerraform(t *testing.T) string {
	t.Helper()
	if testing.Short() && os.Getenv("PODIAM_REQUIRE_TERRAFORM") == "" {
		t.Skip("-short: a Terraform run takes minutes of CPU (the provider loads its schema in each command)")
	}
	bin, err := exec.LookPath("terraform")
	if err == nil {
		_, err = os.Stat(filepath.Join(terraformMirror, "registry.terraform.io", "hashicorp", "aws"))
	}
	if err != nil {
		if os.Getenv("PODIAM_REQUIRE_TERRAFORM") != "" {
			t.Fatalf("terraform, or the AWS provider in %s, is missing (%v), and PODIAM_REQUIRE_TERRAFORM is set", terraformMirror, err)
		}
		t.Skipf("terraform, or the AWS provider in %s, is missing: %v", terraformMirror, err)
	}
	return bin
}

// tfRun runs terraform commands in one working directory with an
// environment of its own: its own HOME, data directory and CLI
// configuration, no plugin cache and none of the caller's AWS_ or TF_
// variables.
type tfRun struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newTFRun(t *testing.T, bin string) *tfRun {
	home := t.TempDir()
	dir := filepath.Join(home, "config")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "terraform", "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in testdata/terraform (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(home, "terraform.rc")
	cli := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", terraformMirror)
	if err := os.WriteFile(rc, []byte(cli), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "TF_CLI_CONFIG_FILE="+rc, "TF_DATA_DIR="+filepath.Join(home, "tfdata"),
		"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1", "TF_PLUGIN_CACHE_DIR=")
	return &tfRun{t: t, bin: bin, dir: dir, env: env}
}

// vars writes the configuration's variables.
func (r *tfRun) vars(v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "terraform.tfvars.json"), b, 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// run runs terraform with args and returns its exit code, failing the
// test on a code not in ok.
func (r *tfRun) run(ok []int, args ...string) (string, int) {
	r.t.Helper()
	cmd := exec.CommandContext(r.t.Context(), r.bin, args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, isExit := err.(*exec.ExitError)
		if !isExit {
			r.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	if !slices.Contains(ok, code) {
		r.t.Fatalf("terraform %s: exit code %d\n%s", strings.Join(args, " "), code, out)
	}
	return string(out), code
}

// recorder is a reverse proxy in front of the server that notes each
// request the provider makes (an IAM or STS Query action, or an S3
// method, path shape and subresource) with the status it got. The Host
// header goes through as the client signed it.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	name   string // "iam/sts CreateRole", "S3 GET /{bucket}?policy"
	status int
}

func newRecorder(t *testing.T, target string) (*recorder, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		ModifyResponse: func(resp *http.Response) error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.calls = append(rec.calls, call{name: resp.Request.Header.Get(callHeader), status: resp.StatusCode})
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, err := callName(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Header.Set(callHeader, name) // unsigned: the server ignores it
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// callHeader carries a request's name from the proxy's handler to its
// response hook.
const callHeader = "X-Podiam-Test-Call"

// callName names a request: a Query action by its Action, an S3 request
// by its method, the shape of its path and its subresources.
func callName(r *http.Request) (string, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return "", err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", err
		}
		return "iam/sts " + form.Get("Action"), nil
	}
	path := "/"
	switch parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2); {
	case parts[0] == "":
	case len(parts) == 1 || parts[1] == "":
		path = "/{bucket}"
	default:
		path = "/{bucket}/{key}"
	}
	var sub []string
	for k := range r.URL.Query() {
		if k != "x-id" {
			sub = append(sub, k)
		}
	}
	sort.Strings(sub)
	name := "S3 " + r.Method + " " + path
	if len(sub) > 0 {
		name += "?" + strings.Join(sub, "&")
	}
	return name, nil
}

// take returns the calls noted since the last take.
func (rec *recorder) take() []call {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.calls
	rec.calls = nil
	return out
}

// summary is the distinct calls with their statuses and counts, sorted.
func summary(calls []call) string {
	n := map[string]int{}
	for _, c := range calls {
		n[fmt.Sprintf("%s -> %d", c.name, c.status)]++
	}
	var lines []string
	for k, v := range n {
		lines = append(lines, fmt.Sprintf("  %2dx %s", v, k))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestTerraform applies testdata/terraform (an OIDC provider, a policy, a
// role for service accounts with its attachment and instance profile, a
// user with a key, a tagged bucket with a policy, an object, versioning,
// default encryption, a public access block, ownership controls, a
// lifecycle and CORS) with the
// real AWS provider against podiam, checks that a plan finds no drift,
// changes the policy's document (a new default version), destroys it
// all, and checks through the SDK that each step did what it says. It
// fails if the provider called an action podiam does not serve or was
// refused.
func TestTerraform(t *testing.T) {
	bin := needTerraform(t)
	start := time.Now()
	dir := t.TempDir()
	srv := startWith(t, dir, nil)
	root := readCredentials(t, dir)
	account := aws.ToString(callerIdentity(t, srv.url, root).Account)
	ctx := t.Context()
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	sc := s3Client(srv.url, root)
	rec, endpoint := newRecorder(t, srv.url)

	tf := newTFRun(t, bin)
	vars := map[string]any{
		"endpoint": endpoint, "access_key": root.AccessKeyID, "secret_key": root.SecretAccessKey,
		"issuer_host": "oidc.example.com/id/4F1C2B", "thumbprint": "9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
		"read_actions": []string{"s3:GetObject"}, "bucket": "tf-data",
	}
	tf.vars(vars)
	var phases []string
	// phase runs a step and checks the requests it made: none of an
	// action podiam does not know (400 InvalidAction), none refused
	// (403), none failing on the server's side (5xx) but the pending
	// bucket settings.
	phase := func(name string, step func()) {
		t.Helper()
		began := time.Now()
		step()
		took := time.Since(began).Round(100 * time.Millisecond)
		calls := rec.take()
		for _, c := range calls {
			if c.status >= 500 || c.status == http.StatusForbidden || c.status == http.StatusBadRequest {
				t.Errorf("%s: %s answered %d", name, c.name, c.status)
			}
		}
		phases = append(phases, fmt.Sprintf("%s (%s, %d requests):\n%s", name, took, len(calls), summary(calls)))
		t.Logf("%s", phases[len(phases)-1])
	}

	phase("init", func() { tf.run([]int{0}, "init", "-no-color") })
	phase("apply", func() { tf.run([]int{0}, "apply", "-auto-approve", "-no-color") })

	// What the apply made, as the SDK reads it.
	roleARN := "arn:aws:iam::" + account + ":role/app/app"
	policyARN := "arn:aws:iam::" + account + ":policy/app/app-read"
	ip, err := im.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ip.InstanceProfile.Roles) != 1 || aws.ToString(ip.InstanceProfile.Roles[0].Arn) != roleARN {
		t.Fatalf("instance profile %+v", ip.InstanceProfile)
	}
	role, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	for _, want := range []string{`"oidc.example.com/id/4F1C2B:sub":"system:serviceaccount:default:app"`, `"oidc.example.com/id/4F1C2B:aud":"sts.amazonaws.com"`,
		`"Federated":"arn:aws:iam::` + account + `:oidc-provider/oidc.example.com/id/4F1C2B"`} {
		if !strings.Contains(trust, want) {
			t.Errorf("trust policy %s lacks %s", trust, want)
		}
	}
	att, err := im.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != policyARN {
		t.Fatalf("attached policies %+v (%v)", att, err)
	}
	keys, err := im.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("ci")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("ci's access keys %+v (%v)", keys, err)
	}
	tags, err := sc.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tf-data")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "env" {
		t.Fatalf("bucket tags %+v (%v)", tags, err)
	}
	bp, err := sc.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("tf-data")})
	if err != nil || !strings.Contains(aws.ToString(bp.Policy), roleARN) {
		t.Fatalf("bucket policy %+v (%v)", bp, err)
	}
	if _, body := getObject(t, sc, aws.String("tf-data"), aws.String("hello.txt")); string(body) != "hello from terraform\n" {
		t.Fatalf("object holds %q", body)
	}
	bucket := aws.String("tf-data")
	if v, err := sc.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket}); err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning %+v (%v)", v, err)
	}
	if lc, err := sc.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: bucket}); err != nil || len(lc.Rules) != 1 ||
		aws.ToString(lc.Rules[0].ID) != "tmp" || lc.Rules[0].Expiration == nil || aws.ToInt32(lc.Rules[0].Expiration.Days) != 7 {
		t.Fatalf("lifecycle %+v (%v)", lc, err)
	}
	if cors, err := sc.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: bucket}); err != nil || len(cors.CORSRules) != 1 ||
		!slices.Equal(cors.CORSRules[0].AllowedOrigins, []string{"https://app.example.com"}) {
		t.Fatalf("CORS %+v (%v)", cors, err)
	}
	if pab, err := sc.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket}); err != nil ||
		!aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Fatalf("public access block %+v (%v)", pab, err)
	}
	if enc, err := sc.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket}); err != nil || len(enc.ServerSideEncryptionConfiguration.Rules) != 1 ||
		enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("encryption %+v (%v)", enc, err)
	}

	// No drift: a plan right after the apply has nothing to do.
	phase("plan", func() {
		if out, code := tf.run([]int{0, 2}, "plan", "-detailed-exitcode", "-no-color"); code != 0 {
			t.Errorf("plan after apply found changes (drift):\n%s", out)
		}
	})

	// A changed document is a new default version of the policy.
	vars["read_actions"] = []string{"s3:GetObject", "s3:GetObjectVersion"}
	tf.vars(vars)
	phase("update", func() { tf.run([]int{0}, "apply", "-auto-approve", "-no-color") })
	pol, err := im.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(policyARN)})
	if err != nil || aws.ToString(pol.Policy.DefaultVersionId) != "v2" {
		t.Fatalf("policy after the update %+v (%v)", pol, err)
	}
	v2, err := im.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(policyARN), VersionId: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(v2.PolicyVersion.Document)); !strings.Contains(doc, "s3:GetObjectVersion") || !v2.PolicyVersion.IsDefaultVersion {
		t.Fatalf("version v2 %+v", v2.PolicyVersion)
	}
	phase("destroy", func() { tf.run([]int{0}, "destroy", "-auto-approve", "-no-color") })
	gone := func(what string, err error, code string) {
		t.Helper()
		if apiCode(err) != code {
			t.Errorf("%s after destroy: %v, want %s", what, err, code)
		}
	}
	_, err = im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("app")})
	gone("role", err, "NoSuchEntity")
	_, err = im.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("app")})
	gone("instance profile", err, "NoSuchEntity")
	_, err = im.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(policyARN)})
	gone("policy", err, "NoSuchEntity")
	_, err = im.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("ci")})
	gone("user", err, "NoSuchEntity")
	_, err = im.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String("arn:aws:iam::" + account + ":oidc-provider/oidc.example.com/id/4F1C2B")})
	gone("OIDC provider", err, "NoSuchEntity")
	_, err = sc.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("tf-data")})
	gone("bucket", err, "NotFound")

	t.Logf("the provider's requests, by step (%s in all):\n%s", time.Since(start).Round(time.Second), strings.Join(phases, "\n"))
}
