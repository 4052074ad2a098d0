package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/tokencmd"
	"github.com/podiam/podiam/internal/k8stoken"
)

// execCredential is what aws eks get-token and podiam token k8s print.
type execCredential struct {
	Kind       string
	APIVersion string `json:"apiVersion"`
	Status     struct {
		ExpirationTimestamp string `json:"expirationTimestamp"`
		Token               string `json:"token"`
	}
}

// verifyToken checks a token's shape as the authenticator will and sends
// its request to podiam's STS with the signed Host kept and cluster as
// x-k8s-aws-id; it returns the status and, on 200, the caller's ARN.
func verifyToken(t *testing.T, url, token, cluster string) (int, string) {
	t.Helper()
	r, err := k8stoken.Parse(token, k8stoken.Options{ClusterID: cluster, TrustedHosts: []string{"sts.*.amazonaws.com", url}})
	if err != nil {
		t.Fatalf("parse the token: %v", err)
	}
	req, err := r.HTTPRequest(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var id struct {
		GetCallerIdentityResponse struct {
			GetCallerIdentityResult struct{ Arn, Account, UserId string }
		}
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &id); err != nil {
			t.Fatalf("STS answered %q: %v", b, err)
		}
	} else if !strings.Contains(string(b), `"Code":"SignatureDoesNotMatch"`) {
		t.Fatalf("STS refused with %d %s", resp.StatusCode, b)
	}
	return resp.StatusCode, id.GetCallerIdentityResponse.GetCallerIdentityResult.Arn
}

// TestEKSGetToken: a token from the unmodified AWS CLI's aws eks get-token,
// whether its URL names podiam's STS (AWS_ENDPOINT_URL_STS) or AWS's, and
// one from podiam token k8s (also for an assumed role), verify against
// podiam's STS for their cluster and for no other.
func TestEKSGetToken(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	rootARN := aws.ToString(callerIdentity(t, r.url, root).Arn)

	getToken := func(extra ...string) execCredential {
		cmd := exec.Command("aws", "eks", "get-token", "--cluster-name", "c1", "--output", "json")
		cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"), "AWS_PROFILE=default", "AWS_DEFAULT_REGION=eu-west-1"}, extra...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws eks get-token: %v\n%s", err, out)
		}
		var ec execCredential
		if err := json.Unmarshal(out, &ec); err != nil {
			t.Fatalf("aws eks get-token printed %q", out)
		}
		return ec
	}
	for _, tc := range []struct {
		name, host string
		env        []string
	}{
		{"podiam's STS", strings.TrimPrefix(r.url, "http://"), []string{"AWS_ENDPOINT_URL_STS=" + r.url}},
		{"AWS's STS", "sts.eu-west-1.amazonaws.com", nil},
	} {
		t.Run("aws eks get-token to "+tc.name, func(t *testing.T) {
			ec := getToken(tc.env...)
			if ec.Kind != "ExecCredential" || ec.APIVersion != "client.authentication.k8s.io/v1beta1" {
				t.Fatalf("ExecCredential %+v", ec)
			}
			if p, err := k8stoken.Parse(ec.Status.Token, k8stoken.Options{ClusterID: "c1", TrustedHosts: []string{"sts.*.amazonaws.com", r.url}}); err != nil || p.Host != tc.host {
				t.Fatalf("token for %v: %v", p, err)
			}
			if st, arn := verifyToken(t, r.url, ec.Status.Token, "c1"); st != http.StatusOK || arn != rootARN {
				t.Fatalf("verify: %d %q", st, arn)
			}
			if st, _ := verifyToken(t, r.url, ec.Status.Token, "c2"); st != http.StatusForbidden {
				t.Fatalf("another cluster's id: %d", st)
			}
		})
	}
	t.Run("aws eks get-token for v1", func(t *testing.T) {
		if ec := getToken(`KUBERNETES_EXEC_INFO={"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`); ec.APIVersion != "client.authentication.k8s.io/v1" {
			t.Fatalf("ExecCredential %+v", ec)
		}
	})

	// podiam token k8s reads the SDK's default chain from the process's
	// environment.
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": root.AccessKeyID, "AWS_SECRET_ACCESS_KEY": root.SecretAccessKey, "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PROFILE": "", "AWS_CA_BUNDLE": "", "AWS_REGION": "eu-west-1",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_STS": ""} {
		t.Setenv(k, v)
	}
	im := iamClient(r.url, root)
	account := strings.Split(rootARN, ":")[4]
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := im.CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String("admin"), Path: aws.String("/ops/"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	_, ops := makeUser(t, im, "ops", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	podiamToken := func(t *testing.T, execInfo string, args ...string) execCredential {
		var out, errOut bytes.Buffer
		env := command.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			if k == "KUBERNETES_EXEC_INFO" {
				return execInfo
			}
			return ""
		}}
		if err := tokencmd.Run(t.Context(), env, append([]string{"k8s", "--cluster", "c1"}, args...)); err != nil {
			t.Fatalf("podiam token k8s: %v\n%s", err, errOut.String())
		}
		var ec execCredential
		if err := json.Unmarshal(out.Bytes(), &ec); err != nil {
			t.Fatalf("podiam token k8s printed %q", out.String())
		}
		return ec
	}
	for _, tc := range []struct {
		name     string
		args     []string
		execInfo string
		env      string
		wantARN  string
		version  string
		creds    aws.Credentials
	}{
		{"--endpoint-url", []string{"--endpoint-url", r.url}, "", "", rootARN, "client.authentication.k8s.io/v1beta1", root},
		{"AWS's STS", nil, "", "", rootARN, "client.authentication.k8s.io/v1beta1", root},
		{"AWS_ENDPOINT_URL_STS", nil, `{"apiVersion":"client.authentication.k8s.io/v1"}`, r.url, rootARN, "client.authentication.k8s.io/v1", root},
		{"--role-arn", []string{"--endpoint-url", r.url, "--role-arn", "arn:aws:iam::" + account + ":role/ops/admin"}, "", "",
			"arn:aws:sts::" + account + ":assumed-role/admin/EKSGetTokenAuth", "client.authentication.k8s.io/v1beta1", ops},
	} {
		t.Run("podiam token k8s with "+tc.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_STS", tc.env)
			t.Setenv("AWS_ACCESS_KEY_ID", tc.creds.AccessKeyID)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tc.creds.SecretAccessKey)
			before := time.Now()
			ec := podiamToken(t, tc.execInfo, tc.args...)
			exp, err := time.Parse(time.RFC3339, ec.Status.ExpirationTimestamp)
			if err != nil || ec.Kind != "ExecCredential" || ec.APIVersion != tc.version || !strings.HasSuffix(ec.Status.ExpirationTimestamp, "Z") ||
				exp.Before(before.Add(14*time.Minute).Truncate(time.Second)) || exp.After(time.Now().Add(14*time.Minute)) {
				t.Fatalf("ExecCredential %+v (%v)", ec, err)
			}
			host := "sts.eu-west-1.amazonaws.com"
			if tc.env != "" || len(tc.args) > 0 {
				host = strings.TrimPrefix(r.url, "http://")
			}
			if p, err := k8stoken.Parse(ec.Status.Token, k8stoken.Options{ClusterID: "c1", TrustedHosts: []string{"sts.*.amazonaws.com", r.url}}); err != nil || p.Host != host {
				t.Fatalf("token for %v: %v", p, err)
			}
			if st, arn := verifyToken(t, r.url, ec.Status.Token, "c1"); st != http.StatusOK || arn != tc.wantARN {
				t.Fatalf("verify: %d %q", st, arn)
			}
			if st, _ := verifyToken(t, r.url, ec.Status.Token, "c2"); st != http.StatusForbidden {
				t.Fatalf("another cluster's id: %d", st)
			}
		})
	}
	t.Run("podiam token k8s refusals", func(t *testing.T) {
		for _, args := range [][]string{{"k8s"}, {"k8s", "--cluster", "c1", "--endpoint-url", "ftp://x"}} {
			if err := tokencmd.Run(t.Context(), command.Env{Stdout: io.Discard, Stderr: io.Discard}, args); err == nil {
				t.Errorf("%v accepted", args)
			}
		}
		env := command.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return `{"apiVersion":"client.authentication.k8s.io/v2"}` }}
		if err := tokencmd.Run(t.Context(), env, []string{"k8s", "--cluster", "c1", "--endpoint-url", r.url}); err == nil {
			t.Error("an unknown ExecCredential version accepted")
		}
	})
}
