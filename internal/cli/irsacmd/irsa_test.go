package irsacmd

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/cli/command"
)

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"associate-oidc-provider"}, "no Kubernetes configuration: give --kubeconfig"},
		{[]string{"associate-oidc-provider", "--kubeconfig", "testdata/none"}, "read kubeconfig"},
		{[]string{"create-service-account", "--kubeconfig", "k"}, "--name and --role-name are required"},
		{[]string{"serve-discovery", "--kubeconfig", "k"}, "are required"},
		{[]string{"nope"}, "unknown subcommand"},
	} {
		var out bytes.Buffer
		err := Run(context.Background(), command.Env{Stdout: &out, Stderr: &out}, tt.args)
		var usage *command.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

func TestTrustPolicy(t *testing.T) {
	got := TrustPolicy("arn:aws:iam::111122223333:oidc-provider/oidc.example/id/c1", "https://oidc.example/id/c1", "sts.amazonaws.com", "ns", "sa")
	want := `{"Statement":[{"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example/id/c1:aud":"sts.amazonaws.com","oidc.example/id/c1:sub":"system:serviceaccount:ns:sa"}},"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.example/id/c1"}}],"Version":"2012-10-17"}`
	if got != want {
		t.Fatalf("trust policy\n%s\nwant\n%s", got, want)
	}
	if !sameJSON(`{"a": [1, 2]}`, `{"a":[1,2]}`) || sameJSON(`{"a":1}`, `{"a":2}`) || sameJSON(`{`, `{`) {
		t.Fatal("sameJSON")
	}
}

// TestThumbprint: the thumbprint is the SHA-1 of the last certificate
// of the cluster CA, and a kubeconfig without a CA is an error.
func TestThumbprint(t *testing.T) {
	// A well-formed PEM block whose bytes are not a certificate is enough:
	// the thumbprint is of the DER bytes.
	other := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	ca := "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n"
	got, err := thumbprint([]byte(other + ca))
	// SHA-1 of the bytes 00 01 02.
	if err != nil || got != "0c7a623fd2bbc05b06423be359e4021d36e721ad" {
		t.Fatalf("thumbprint %s, %v", got, err)
	}
	if _, err := thumbprint(nil); err == nil {
		t.Fatal("a kubeconfig without a CA gave a thumbprint")
	}
}
