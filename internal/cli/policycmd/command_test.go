package policycmd_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/cli/policycmd"
)

var update = flag.Bool("update", false, "rewrite golden files")

func examples(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../examples")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSimulateText checks the human-readable output against golden files.
func TestSimulateText(t *testing.T) {
	ex := examples(t)
	tests := []struct {
		name string
		args []string
	}{
		{"allowed", []string{"--principal", "arn:aws:iam::111122223333:user/alice", "--action", "s3:GetObject",
			"--resource", "arn:aws:s3:::team-bucket/home/alice/notes.txt", "--identity-policy", filepath.Join(ex, "read-own-prefix.json"),
			"--context", "aws:SourceIp=10.1.2.3"}},
		{"explicit-deny", []string{"--principal", "arn:aws:iam::111122223333:user/alice", "--action", "s3:GetObject",
			"--resource", "arn:aws:s3:::team-bucket/home/alice/notes.txt", "--identity-policy", filepath.Join(ex, "read-own-prefix.json"),
			"--context", "aws:SourceIp=192.0.2.1"}},
		{"implicit-deny", []string{"--principal", "arn:aws:iam::111122223333:user/bob", "--action", "s3:GetObject",
			"--resource", "arn:aws:s3:::team-bucket/home/alice/notes.txt", "--identity-policy", filepath.Join(ex, "read-own-prefix.json"),
			"--context", "aws:SourceIp=10.1.2.3"}},
		{"irsa-trust", []string{"--principal", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			"--action", "sts:AssumeRoleWithWebIdentity", "--resource", "arn:aws:iam::111122223333:role/my-app",
			"--trust-policy", filepath.Join(ex, "irsa-trust.json"),
			"--context", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub=system:serviceaccount:default:my-app",
			"--context", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud=sts.amazonaws.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"policy", "simulate"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden := filepath.Join("testdata", "simulate-"+tt.name+".golden")
			if *update {
				os.WriteFile(golden, []byte(stdout), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if stdout != string(want) {
				t.Errorf("output:\n%s\nwant:\n%s", stdout, want)
			}
		})
	}
}

// TestEnvironmentFallback sets every input through PODIAM_* variables; a
// flag on the command line still wins.
func TestEnvironmentFallback(t *testing.T) {
	ex := examples(t)
	env := map[string]string{
		"PODIAM_PRINCIPAL":       "arn:aws:iam::111122223333:user/alice",
		"PODIAM_ACTION":          "s3:GetObject",
		"PODIAM_RESOURCE":        "arn:aws:s3:::team-bucket/home/alice/notes.txt",
		"PODIAM_IDENTITY_POLICY": filepath.Join(ex, "read-own-prefix.json"),
		"PODIAM_CONTEXT":         "aws:SourceIp=10.1.2.3",
		"PODIAM_JSON":            "true",
	}
	decide := func(args ...string) string {
		code, stdout, stderr := run(t, env, append([]string{"policy", "simulate"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var out policycmd.SimulateOutput
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("%q: %v", stdout, err)
		}
		return out.Decision
	}
	if got := decide(); got != "allowed" {
		t.Errorf("from the environment: %s, want allowed", got)
	}
	if got := decide("--principal", "arn:aws:iam::111122223333:user/bob"); got != "implicitDeny" {
		t.Errorf("with --principal overriding: %s, want implicitDeny", got)
	}
}

// TestBadInput: every kind of bad input exits 2 with a message on stderr.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"Statement":{"Effect":"Allow","Action":"s3:*"}}`), 0o644)
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`), 0o644)
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no subcommand", []string{"policy"}, "a subcommand is required"},
		{"unknown subcommand", []string{"policy", "check"}, `unknown subcommand "check"`},
		{"unknown command", []string{"polcy"}, `unknown subcommand "polcy"`},
		{"missing principal", []string{"policy", "simulate", "--action", "s3:GetObject"}, "--principal and --action are required"},
		{"bad principal", []string{"policy", "simulate", "--principal", "bob", "--action", "s3:GetObject"}, "--principal"},
		{"bad resource account", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "--resource-account", "12"}, "12-digit"},
		{"bad context", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "--context", "novalue"}, "KEY=VALUE"},
		{"invalid policy", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "--identity-policy", bad}, "MalformedPolicyDocument"},
		{"missing file", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "--identity-policy", filepath.Join(dir, "nope.json")}, "no such file"},
		{"both resource and trust", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "--resource-policy", good, "--trust-policy", good}, "not both"},
		{"role-arn for a user", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "--role-arn", "arn:aws:iam::111122223333:role/r"}, "--role-arn"},
		{"stray argument", []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/a", "--action", "s3:GetObject", "extra"}, "unexpected argument"},
		{"unknown flag", []string{"policy", "simulate", "--principle", "x"}, "flag provided but not defined"},
		{"bad kind", []string{"policy", "validate", "--kind", "inline", good}, "unknown policy kind"},
		{"nothing to validate", []string{"policy", "validate"}, "at least one policy file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, nil, tt.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stderr, tt.msg) {
				t.Fatalf("stderr %q lacks %q", stderr, tt.msg)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"policy", "help"}, {"policy", "simulate", "-h"}, {"policy", "validate", "-h"}} {
		code, stdout, stderr := run(t, nil, args...)
		if code != 0 || stdout+stderr == "" {
			t.Errorf("%v: exit %d, output %q", args, code, stdout+stderr)
		}
	}
}
