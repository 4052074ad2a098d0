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
	"sigs.k8s.io/yaml"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/tokencmd"
	"github.com/podiam/podiam/internal/k8stoken"
	"github.com/podiam/podiam/internal/server"
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

// TestEKSUpdateKubeconfig: the unmodified AWS CLI's aws eks
// update-kubeconfig writes, from podiam's DescribeCluster, a kubeconfig
// with the cluster's endpoint and CA and aws eks get-token as its exec
// entry (with AWS_PROFILE when a profile is used).
func TestEKSUpdateKubeconfig(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := startWith(t, dir, func(c *server.Config) { c.EKSActivation = -1 })
	root := readCredentials(t, dir)
	cli := awsCLI{t: t, url: r.url, dir: dir}
	account := cli.json("sts", "get-caller-identity")["Account"].(string)
	cli.json("iam", "create-role", "--role-name", "eks", "--assume-role-policy-document", podsTrust)
	cli.json("eks", "create-cluster", "--name", "c1", "--role-arn", "arn:aws:iam::"+account+":role/eks", "--resources-vpc-config", "subnetIds=subnet-1")

	const caData = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1BPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
	update := func(kubeconfig string, extra ...string) ([]byte, error) {
		cmd := exec.Command("aws", append([]string{"eks", "update-kubeconfig", "--name", "c1", "--kubeconfig", kubeconfig}, extra...)...)
		profiles := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(profiles, []byte("[profile target-env]\nregion = us-east-1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		creds := filepath.Join(t.TempDir(), "credentials")
		if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = "+root.AccessKeyID+"\naws_secret_access_key = "+root.SecretAccessKey+
			"\n[target-env]\naws_access_key_id = "+root.AccessKeyID+"\naws_secret_access_key = "+root.SecretAccessKey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=" + profiles, "AWS_SHARED_CREDENTIALS_FILE=" + creds,
			"AWS_ENDPOINT_URL_EKS=" + r.url, "AWS_DEFAULT_REGION=us-east-1"}
		return cmd.CombinedOutput()
	}
	body := []byte(`{"endpoint":"https://10.0.0.1:6443","certificateAuthority":{"data":"` + caData + `"}}`)
	if st, code, b := signedEKS(t, r.url, root, http.MethodPut, "/clusters/c1/podiam/binding", body); st != http.StatusOK {
		t.Fatalf("binding: %d %s %s", st, code, b)
	}
	clusterARN := "arn:aws:eks:us-east-1:" + account + ":cluster/c1"
	for _, tc := range []struct {
		name    string
		args    []string
		profile string
	}{
		{"default credentials", nil, ""},
		{"a profile", []string{"--profile", "target-env"}, "target-env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kubeconfig")
			if out, err := update(path, tc.args...); err != nil {
				t.Fatalf("aws eks update-kubeconfig: %v\n%s", err, out)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var kc struct {
				Clusters []struct {
					Name    string
					Cluster struct {
						Server string
						CAData string `json:"certificate-authority-data"`
					}
				}
				Contexts []struct {
					Name    string
					Context struct{ Cluster, User string }
				}
				CurrentContext string `json:"current-context"`
				Users          []struct {
					Name string
					User struct {
						Exec struct {
							APIVersion string `json:"apiVersion"`
							Command    string
							Args       []string
							Env        []struct{ Name, Value string }
						}
					}
				}
			}
			if err := yaml.Unmarshal(b, &kc); err != nil {
				t.Fatalf("kubeconfig %s: %v", b, err)
			}
			if len(kc.Clusters) != 1 || kc.Clusters[0].Name != clusterARN || kc.Clusters[0].Cluster.Server != "https://10.0.0.1:6443" || kc.Clusters[0].Cluster.CAData != caData ||
				kc.CurrentContext != clusterARN || len(kc.Contexts) != 1 || kc.Contexts[0].Context.User != clusterARN || len(kc.Users) != 1 {
				t.Fatalf("kubeconfig:\n%s", b)
			}
			ex := kc.Users[0].User.Exec
			want := []string{"--region", "us-east-1", "eks", "get-token", "--cluster-name", "c1", "--output", "json"}
			if ex.APIVersion != "client.authentication.k8s.io/v1beta1" || ex.Command != "aws" || strings.Join(ex.Args, " ") != strings.Join(want, " ") {
				t.Fatalf("exec entry %+v", ex)
			}
			if tc.profile == "" && len(ex.Env) != 0 || tc.profile != "" && (len(ex.Env) != 1 || ex.Env[0].Name != "AWS_PROFILE" || ex.Env[0].Value != tc.profile) {
				t.Fatalf("exec env %+v", ex.Env)
			}
		})
	}
}
