package policycmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/cli"
	"github.com/podiam/podiam/internal/cli/policycmd"
	"github.com/podiam/podiam/internal/corpus"
)

// run runs podiam with args in-process and returns its exit status and
// output.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	return code, stdout.String(), stderr.String()
}

// writePolicy writes a corpus policy to dir/<kind>/<name>.json, so that the
// command names it as the corpus does.
func writePolicy(t *testing.T, dir, kind string, np *corpus.NamedPolicy) string {
	t.Helper()
	path := filepath.Join(dir, kind, np.Name+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, np.Document, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// simulateArgs turns a corpus case into command-line arguments. It
// reports false for a case whose context the flags cannot express (a
// one-element or empty set for a key that is not a known multi-valued
// key).
func simulateArgs(t *testing.T, c *corpus.Case) ([]string, bool) {
	dir := t.TempDir()
	r := &c.Request
	args := []string{"policy", "simulate", "--json", "--principal", r.Principal, "--action", r.Action, "--resource", r.Resource}
	req, err := r.Build()
	if err != nil {
		t.Fatal(err)
	}
	args = append(args, "--resource-account", req.ResourceAccount)
	if r.RoleARN != "" {
		args = append(args, "--role-arn", r.RoleARN)
	}
	if r.UserID != "" {
		args = append(args, "--context", "aws:userid="+r.UserID)
	}
	for k, v := range r.PrincipalTags {
		args = append(args, "--context", "aws:PrincipalTag/"+k+"="+v)
	}
	for k, raw := range r.Context {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			args = append(args, "--context", k+"="+one)
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			t.Fatal(err)
		}
		if len(many) < 2 && !policycmd.MultiValued(k) || len(many) == 0 {
			return nil, false
		}
		for _, v := range many {
			args = append(args, "--context", k+"="+v)
		}
	}
	ps := &c.Policies
	for i := range ps.Identity {
		args = append(args, "--identity-policy", writePolicy(t, dir, "identity", &ps.Identity[i]))
	}
	if ps.Boundary != nil {
		args = append(args, "--boundary", writePolicy(t, dir, "boundary", ps.Boundary))
	}
	for i := range ps.Session {
		args = append(args, "--session-policy", writePolicy(t, dir, "session", &ps.Session[i]))
	}
	if ps.Resource != nil {
		args = append(args, "--resource-policy", writePolicy(t, dir, "resource", ps.Resource))
	}
	if ps.Trust != nil {
		args = append(args, "--trust-policy", writePolicy(t, dir, "trust", ps.Trust))
	}
	for i := range ps.SCPs {
		args = append(args, "--scp", writePolicy(t, dir, "scp", &ps.SCPs[i]))
	}
	return args, true
}

// TestSimulateCorpus runs the shared corpus through the command.
func TestSimulateCorpus(t *testing.T) {
	cases, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			args, ok := simulateArgs(t, c)
			if !ok {
				t.Skip("context not expressible with --context")
			}
			ran++
			code, stdout, stderr := run(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var out policycmd.SimulateOutput
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatalf("output %q: %v", stdout, err)
			}
			if out.Decision != c.Expect.Decision {
				t.Errorf("decision %s, want %s", out.Decision, c.Expect.Decision)
			}
			var got []string
			for _, m := range out.MatchedStatements {
				ref := m.Policy + "/" + m.Sid
				if m.Sid == "" {
					ref = m.Policy + "/#" + itoa(m.Index)
				}
				got = append(got, ref)
			}
			want := append([]string{}, c.Expect.Statements...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("statements %v, want %v", got, want)
			}
		})
	}
	if ran < len(cases)*9/10 {
		t.Errorf("only %d of %d corpus cases could run through the command", ran, len(cases))
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
