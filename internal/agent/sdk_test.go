package agent

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/podiam/podiam/internal/agent/agenttest"
)

// TestSDKs: inside a network namespace whose loopback has 169.254.170.23,
// the agent serves on 169.254.170.23:80 and the SDKs' own credential
// chains, given only AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE as EKS injects them, get the
// pod's credentials from it: aws-sdk-go-v2, botocore (boto3 and the AWS
// CLI v1) and, with PODIAM_JSCLIENT, the JavaScript SDK v3. All of them
// together cost one eks-auth call.
func TestSDKs(t *testing.T) {
	if !agenttest.InNetNS(t) {
		return
	}
	r := newRig(t, nil)
	r.clock.now = time.Now() // the SDKs judge the expiration by the real clock
	ln, err := net.Listen("tcp", HostIPv4+":80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: r.agent}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "eks-pod-identity-token")
	if err := os.WriteFile(tokenFile, []byte(token(r.clock.Now(), "uid-sdk")), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "http://" + HostIPv4 + "/v1/credentials",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
		"AWS_CONFIG_FILE":                        "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE":            "/dev/null",
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_REGION":                             "us-west-2",
		"AWS_DEFAULT_REGION":                     "us-west-2",
		"HOME":                                   dir,
	}
	const wantKey = "ASIA000001"

	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		for _, k := range []string{"AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		c, err := cfg.Credentials.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if c.AccessKeyID != wantKey || c.SessionToken != "session1" || c.AccountID != "111122223333" || !c.CanExpire {
			t.Fatalf("credentials %s %s %s %v", c.AccessKeyID, c.SessionToken, c.AccountID, c.CanExpire)
		}
	})
	clientEnv := func() []string {
		var out []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
				out = append(out, kv)
			}
		}
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}
	run := func(t *testing.T, dir string, name string, args ...string) string {
		t.Helper()
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
				t.Fatalf("%s is not on PATH, and PODIAM_REQUIRE_CLIENTS is set", name)
			}
			t.Skipf("%s is not on PATH", name)
		}
		cmd := exec.CommandContext(t.Context(), name, args...)
		cmd.Env, cmd.Dir = clientEnv(), dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		return string(out)
	}
	t.Run("boto3", func(t *testing.T) {
		out := run(t, "", "python3", "-c", `import boto3, json
c = boto3.Session().get_credentials()
f = c.get_frozen_credentials()
print(json.dumps({"method": c.method, "key": f.access_key, "token": f.token}))`)
		var got struct{ Method, Key, Token string }
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.Method != "container-role" || got.Key != wantKey || got.Token != "session1" {
			t.Fatalf("%s (%v)", out, err)
		}
	})
	t.Run("aws-cli-v1", func(t *testing.T) {
		out := run(t, "", "aws", "configure", "list")
		if !regexp.MustCompile(`access_key\s+\*+0001\s+container-role`).MatchString(out) {
			t.Fatalf("aws configure list:\n%s", out)
		}
	})
	t.Run("javascript-v3", func(t *testing.T) {
		js := os.Getenv("PODIAM_JSCLIENT")
		if js == "" {
			if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
				t.Fatal("PODIAM_JSCLIENT is not set, and PODIAM_REQUIRE_CLIENTS is")
			}
			t.Skip("PODIAM_JSCLIENT is not set")
		}
		// @aws-sdk/credential-provider-node is the chain every client of
		// the pinned SDK uses (a dependency of @aws-sdk/client-s3).
		out := run(t, js, "node", "--input-type=module", "-e", `import { defaultProvider } from "@aws-sdk/credential-provider-node";
const c = await defaultProvider()();
console.log(JSON.stringify({ key: c.accessKeyId, token: c.sessionToken, exp: c.expiration.toISOString() }));`)
		var got struct{ Key, Token, Exp string }
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.Key != wantKey || got.Token != "session1" {
			t.Fatalf("%s (%v)", out, err)
		}
	})
	if c := r.eks.calls.Load(); c != 1 {
		t.Fatalf("%d eks-auth calls, want 1", c)
	}
}
