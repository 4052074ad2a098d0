package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	corev1 "k8s.io/api/core/v1"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/irsacmd"
	"github.com/podiam/podiam/internal/kubetest"
)

// TestIRSACommands: associate-oidc-provider and create-service-account
// against podiam and the real API server, twice each (the second run
// changes nothing), a dry run that changes nothing, and the role they
// make assumable with the ServiceAccount's token.
func TestIRSACommands(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": e.url, "AWS_ACCESS_KEY_ID": e.root.AccessKeyID, "AWS_SECRET_ACCESS_KEY": e.root.SecretAccessKey,
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := irsacmd.Run(ctx, command.Env{Stdout: &out, Stderr: &errb}, args); err != nil {
			t.Fatalf("podiam irsa %v: %v\n%s%s", args, err, out.String(), errb.String())
		}
		return out.String()
	}
	kc := e.cluster.Kubeconfig
	if out := run("associate-oidc-provider", "--kubeconfig", kc, "--dry-run"); !strings.Contains(out, "create OIDC provider https://"+kubetest.IssuerHost) {
		t.Fatalf("dry run: %s", out)
	}
	// --cluster picks the test cluster out of a kubeconfig whose current
	// context is another (unreachable) cluster.
	two := filepath.Join(t.TempDir(), "kubeconfig")
	ca := base64.StdEncoding.EncodeToString(e.cluster.CAPEM)
	os.WriteFile(two, []byte(`clusters:
- {name: elsewhere, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: `+ca+`}}
- {name: test, cluster: {server: "`+e.cluster.URL+`", certificate-authority-data: `+ca+`}}
contexts:
- {name: elsewhere, context: {cluster: elsewhere, user: admin}}
- {name: test, context: {cluster: test, user: admin}}
current-context: elsewhere
users:
- {name: admin, user: {token: "`+e.cluster.Token+`"}}
`), 0o600)
	if out := run("associate-oidc-provider", "--kubeconfig", two, "--cluster", "test", "--dry-run"); !strings.Contains(out, "create OIDC provider https://"+kubetest.IssuerHost) {
		t.Fatalf("dry run with --cluster: %s", out)
	}
	if err := irsacmd.Run(ctx, command.Env{Stdout: io.Discard, Stderr: io.Discard}, []string{"associate-oidc-provider", "--kubeconfig", two, "--dry-run"}); err == nil {
		t.Fatal("the current context's unreachable cluster was not refused")
	}
	// A kubeconfig whose user is an exec plugin (as EKS's, GKE's and
	// kubelogin's are): the plugin's token is used, and a bad one refused.
	for _, tt := range []struct{ token, want string }{{e.cluster.Token, ""}, {"not-a-token", "the server has asked for the client to provide credentials"}} {
		dir := t.TempDir()
		plugin := filepath.Join(dir, "plugin.sh")
		os.WriteFile(plugin, []byte(`#!/bin/sh
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"`+tt.token+`"}}'
`), 0o700)
		exec := filepath.Join(dir, "kubeconfig")
		os.WriteFile(exec, []byte(`clusters:
- {name: test, cluster: {server: "`+e.cluster.URL+`", certificate-authority-data: `+ca+`}}
contexts:
- {name: test, context: {cluster: test, user: plugin}}
current-context: test
users:
- {name: plugin, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: `+plugin+`, interactiveMode: Never}}}
`), 0o600)
		var out bytes.Buffer
		err := irsacmd.Run(ctx, command.Env{Stdout: &out, Stderr: io.Discard}, []string{"associate-oidc-provider", "--kubeconfig", exec, "--dry-run"})
		switch {
		case tt.want == "" && (err != nil || !strings.Contains(out.String(), "create OIDC provider https://"+kubetest.IssuerHost)):
			t.Fatalf("with an exec plugin: %v\n%s", err, out.String())
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Fatalf("with an exec plugin printing a bad token: %v, want %s", err, tt.want)
		}
	}
	if out := run("associate-oidc-provider", "--kubeconfig", kc); !strings.Contains(out, "create OIDC provider") {
		t.Fatalf("first run: %s", out)
	}
	if out := run("associate-oidc-provider", "--kubeconfig", kc); !strings.Contains(out, "already trusts audience sts.amazonaws.com") {
		t.Fatalf("second run: %s", out)
	}

	ns := "irsacmd"
	e.namespace(t, ns, "none")
	args := []string{"create-service-account", "--kubeconfig", kc, "--namespace", ns, "--name", "app", "--role-name", "irsa-app",
		"--attach-policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}
	if out := run(append(args, "--dry-run")...); !strings.Contains(out, "create role irsa-app") || !strings.Contains(out, "create ServiceAccount irsacmd/app") {
		t.Fatalf("dry run: %s", out)
	}
	im := e.iam()
	if _, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("irsa-app")}); err == nil {
		t.Fatal("the dry run created the role")
	}
	run(args...)
	role, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("irsa-app")})
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	if !strings.Contains(trust, `"kubernetes.podiam.test:sub":"system:serviceaccount:irsacmd:app"`) || !strings.Contains(trust, `"kubernetes.podiam.test:aud":"sts.amazonaws.com"`) {
		t.Fatalf("trust policy %s", trust)
	}
	attached, err := im.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("irsa-app")})
	if err != nil || len(attached.AttachedPolicies) != 1 {
		t.Fatalf("attached %+v, %v", attached, err)
	}
	var sa corev1.ServiceAccount
	if err := do(ctx, e.kube, "GET", "/api/v1/namespaces/irsacmd/serviceaccounts/app", nil, &sa); err != nil || sa.Annotations["eks.amazonaws.com/role-arn"] != aws.ToString(role.Role.Arn) {
		t.Fatalf("ServiceAccount %+v, %v", sa.Annotations, err)
	}
	if out := run(args...); !strings.Contains(out, "already trusts irsacmd/app") || !strings.Contains(out, "already names role") {
		t.Fatalf("second run: %s", out)
	}
	// An existing ServiceAccount is annotated, not replaced.
	e.account(t, ns, "pre", "")
	if out := run("create-service-account", "--kubeconfig", kc, "--namespace", ns, "--name", "pre", "--role-name", "irsa-pre"); !strings.Contains(out, "annotate ServiceAccount irsacmd/pre") {
		t.Fatalf("existing account: %s", out)
	}

	// The ServiceAccount's token now assumes the role.
	s := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1})
	out, err := s.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: role.Role.Arn,
		RoleSessionName: aws.String("irsacmd-test"), WebIdentityToken: aws.String(stsToken(t, e.kube, "irsacmd", "app"))})
	if err != nil || aws.ToString(out.SubjectFromWebIdentityToken) != "system:serviceaccount:irsacmd:app" {
		t.Fatalf("AssumeRoleWithWebIdentity: %+v, %v", out, err)
	}
}
