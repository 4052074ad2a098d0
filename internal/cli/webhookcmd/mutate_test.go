package webhookcmd_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/webhookcmd"
)

var update = flag.Bool("update", false, "rewrite golden files")

func run(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = webhookcmd.Run(context.Background(), command.Env{Stdout: &out, Stderr: &errb}, args)
	return out.String(), errb.String(), err
}

// TestMutate compares the printed patch or pod with golden files, and
// stderr with the reason when nothing is injected or the warning.
func TestMutate(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
		reason string
	}{
		{"patch", []string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml"}, ""},
		{"pod", []string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--output", "pod",
			"--aws-default-region", "eu-west-1", "--endpoint-url", "https://podiam.example:4580", "--session-name-from-pod"}, ""},
		{"compose", []string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa-role-name.yaml",
			"--compose-role-arn", "--account-id", "111122223333", "--partition", "aws-us-gov"}, ""},
		{"pod-identity", []string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--pod-identity",
			"--output", "pod", "--aws-default-region", "eu-west-1", "--endpoint-url", "https://podiam.example:4580"}, ""},
		{"norole", []string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa-norole.yaml"},
			`nothing injected: ServiceAccount "app" has no eks.amazonaws.com/role-arn annotation`},
		{"skip", []string{"--pod", "testdata/pod-skip.json", "--service-account", "testdata/sa.yaml"},
			"nothing injected: the pod has the label eks.amazonaws.com/skip-pod-identity-webhook"},
		{"hostpath", []string{"--pod", "testdata/pod-hostpath.yaml", "--service-account", "testdata/sa.yaml"},
			`warning: the pod's own volume aws-iam-token (hostPath /path/to/token) is kept, as the reference webhook keeps it, ` +
				`and AWS_WEB_IDENTITY_TOKEN_FILE points into it: it is not a service-account token for audience "sts.amazonaws.com" at path token`},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out, stderr, err := run(append([]string{"mutate"}, tt.args...)...)
			if err != nil {
				t.Fatalf("%v (stderr %q)", err, stderr)
			}
			if strings.TrimSpace(stderr) != tt.reason {
				t.Fatalf("stderr %q, want %q", stderr, tt.reason)
			}
			path := filepath.Join("testdata", tt.golden+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Fatalf("output differs from %s:\n%s", path, out)
			}
		})
	}
}

func TestMutateBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--pod", "testdata/pod.yaml"}, "--pod and --service-account are required"},
		{[]string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/pod.yaml"}, "kind Pod, want ServiceAccount"},
		{[]string{"--pod", "testdata/missing.yaml", "--service-account", "testdata/sa.yaml"}, "read the Pod manifest"},
		{[]string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--output", "yaml"}, "--output must be patch or pod"},
		{[]string{"--pod", "mutate_test.go", "--service-account", "testdata/sa.yaml"}, "not a Pod manifest"},
		{[]string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--compose-role-arn"}, "--compose-role-arn needs --account-id"},
		{[]string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--compose-role-arn", "--account-id", "1111-2222-3333"}, "--account-id must be 12 digits"},
		{[]string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--compose-role-arn", "--account-id", "111122223333", "--partition", "gcp"}, "is not a partition"},
		{[]string{"--pod", "testdata/pod.yaml", "--service-account", "testdata/sa.yaml", "--account-id", "111122223333"}, "only with --compose-role-arn"},
	} {
		_, _, err := run(append([]string{"mutate"}, tt.args...)...)
		var usage *command.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

// TestServeBadInput: serve refuses to start without a cluster or a
// certificate, with a usage error.
func TestServeBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "not running in a cluster"},
		{[]string{"--kubeconfig", "testdata/missing"}, "read kubeconfig"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--compose-role-arn"}, "--compose-role-arn needs --account-id"},
	} {
		_, _, err := run(append([]string{"serve"}, tt.args...)...)
		var usage *command.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve %v: %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}
