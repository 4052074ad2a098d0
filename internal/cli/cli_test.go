package cli_test

import (
	"bytes"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/podiam/podiam/internal/cli"
	"github.com/podiam/podiam/internal/cli/command"
)

// run runs podiam with args in-process and returns its exit status and
// output.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(t.Context(), args, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errb.String()
}

// paths lists every command of the tree below cmd, hidden ones aside, as
// argument lists.
func paths(cmd *cobra.Command, prefix []string) [][]string {
	var out [][]string
	for _, c := range cmd.Commands() {
		if c.Hidden {
			continue
		}
		p := append(append([]string{}, prefix...), c.Name())
		out = append(out, p)
		out = append(out, paths(c, p)...)
	}
	return out
}

// TestHelpEverywhere: every command, the root included, answers --help and
// -h with its usage on stdout and exit status 0, and so does
// "help COMMAND".
func TestHelpEverywhere(t *testing.T) {
	all := append([][]string{nil}, paths(cli.New(cli.Env{Stdout: io.Discard, Stderr: io.Discard}), nil)...)
	if len(all) < 15 {
		t.Fatalf("only %d commands: %q", len(all), all)
	}
	for _, p := range all {
		for _, help := range []string{"--help", "-h"} {
			args := append(append([]string{}, p...), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := run(t, nil, args...)
				want := strings.Join(append([]string{"podiam"}, p...), " ")
				if code != 0 || !strings.Contains(stdout, "Usage:\n  "+want) || stderr != "" {
					t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the usage of %q", code, stdout, stderr, want)
				}
			})
		}
		if len(p) > 0 {
			t.Run("help "+strings.Join(p, " "), func(t *testing.T) {
				code, stdout, _ := run(t, nil, append([]string{"help"}, p...)...)
				if code != 0 || !strings.Contains(stdout, "Usage:") {
					t.Fatalf("exit %d, stdout %q", code, stdout)
				}
			})
		}
	}
}

// TestGroups: a command that only holds others prints its usage and
// exits 2 when run bare or with an unknown subcommand, and its usage does
// not offer it as a command that runs by itself.
func TestGroups(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		msg      string
		usageOut bool // usage on stdout, else on stderr
	}{
		{nil, "podiam: a subcommand is required", true},
		{[]string{"webhook"}, "podiam: webhook: a subcommand is required", true},
		{[]string{"irsa", "create-sa"}, `podiam: irsa: unknown subcommand "create-sa"`, false},
		{[]string{"polcy", "validate", "--kind", "trust", "f.json"}, `podiam: unknown subcommand "polcy" (did you mean policy?)`, false},
		{[]string{"policy", "help", "simulat"}, `podiam: policy: unknown subcommand "simulat" (did you mean simulate?)`, false},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, tt.args...)
			usage := stderr
			if tt.usageOut {
				usage = stdout
			}
			if code != 2 || !strings.HasSuffix(stderr, tt.msg+"\n") || !strings.Contains(usage, "Available Commands:") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2, usage and %q", code, stdout, stderr, tt.msg)
			}
			if strings.Contains(usage, "[flags]") {
				t.Errorf("a group's usage names flags: %q", usage)
			}
		})
	}
}

// TestFlagsAnywhere: flags may follow positional arguments, as they may
// precede them; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	trust, err := filepath.Abs("../../examples/irsa-trust.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"policy", "validate", trust, "--kind", "trust"},
		{"policy", "validate", trust, "--kind=trust"},
		{"policy", "validate", "--kind", "trust", trust},
		{"policy", "--kind", "trust", "validate", trust},
		{"policy", "validate", "--kind", "trust", "--", trust},
	} {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, args...)
			if code != 0 || stdout != trust+": valid trust policy\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want it validated as a trust policy", code, stdout, stderr)
			}
		})
	}
}

// TestEnvironment: every flag falls back to PODIAM_<FLAG>; a flag on the
// command line wins, a repeatable one wholly; a bad value in the
// environment is bad input naming the variable.
func TestEnvironment(t *testing.T) {
	ex, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	trust := filepath.Join(ex, "irsa-trust.json")
	identity := filepath.Join(ex, "read-own-prefix.json")
	simulate := []string{"policy", "simulate", "--principal", "arn:aws:iam::111122223333:user/alice", "--action", "s3:GetObject",
		"--resource", "arn:aws:s3:::team-bucket/home/alice/notes.txt"}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string // a part of it
		stderr string // a part of it
	}{
		{"env sets kind", map[string]string{"PODIAM_KIND": "trust"}, []string{"policy", "validate", trust}, 0, "valid trust policy", ""},
		{"flag beats env", map[string]string{"PODIAM_KIND": "trust"}, []string{"policy", "validate", trust, "--kind", "identity"}, 2, "MalformedPolicyDocument", ""},
		{"default without either", nil, []string{"policy", "validate", trust}, 2, "MalformedPolicyDocument", ""},
		{"empty env is unset", map[string]string{"PODIAM_KIND": ""}, []string{"policy", "validate", trust}, 2, "MalformedPolicyDocument", ""},
		{"bad env value", map[string]string{"PODIAM_KIND": "inline"}, []string{"policy", "validate", trust}, 2, "", "unknown policy kind"},
		{"bad env bool", map[string]string{"PODIAM_JSON": "maybe"}, simulate, 2, "", "PODIAM_JSON: "},
		{"bad env duration", map[string]string{"PODIAM_BODY_TIMEOUT": "soon"}, []string{"server"}, 2, "", "PODIAM_BODY_TIMEOUT: "},
		{"env reaches server", map[string]string{"PODIAM_LISTEN": "no-port"}, []string{"server"}, 2, "", "no-port"},
		{"repeatable from a list", map[string]string{"PODIAM_IDENTITY_POLICY": identity + "," + trust, "PODIAM_CONTEXT": "aws:SourceIp=10.1.2.3"},
			simulate, 2, "", "identity policy " + trust},
		{"repeatable flag replaces the list", map[string]string{"PODIAM_IDENTITY_POLICY": trust + "," + trust, "PODIAM_CONTEXT": "aws:SourceIp=10.1.2.3"},
			append(simulate, "--identity-policy", identity), 0, "decision: allowed", ""},
		{"env bool", map[string]string{"PODIAM_JSON": "true", "PODIAM_IDENTITY_POLICY": identity, "PODIAM_CONTEXT": "aws:SourceIp=10.1.2.3"},
			simulate, 0, `"decision": "allowed"`, ""},
		{"flag bool beats env", map[string]string{"PODIAM_JSON": "true", "PODIAM_IDENTITY_POLICY": identity, "PODIAM_CONTEXT": "aws:SourceIp=10.1.2.3"},
			append(simulate, "--json=false"), 0, "decision: allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// TestFlagErrors: a flag that cannot be parsed is bad input that names the
// command and where its help is.
func TestFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"policy", "simulate", "--principle", "x"}, "podiam: policy simulate: flag provided but not defined: --principle (see 'podiam policy simulate --help')"},
		{[]string{"policy", "simulate", "-json"}, "podiam: policy simulate: flag provided but not defined: -json (a long flag takes two dashes: --json)"},
		{[]string{"server", "-x"}, "podiam: server: flag provided but not defined: -x (see"},
		{[]string{"server", "--max-connections", "many"}, `podiam: server: invalid argument "many" for "--max-connections" flag`},
		{[]string{"webhook", "mutate", "--pod"}, "podiam: webhook mutate: flag needs an argument: --pod"},
		{[]string{"server", "extra"}, `podiam: server: unexpected argument "extra"`},
		{[]string{"version", "extra"}, `podiam: version: unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, tt.args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tt.msg) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tt.msg)
			}
		})
	}
}

// TestVersion: "version" and "--version" print the same line: the
// version, the commit and the Go toolchain.
func TestVersion(t *testing.T) {
	code, stdout, stderr := run(t, nil, "version")
	want := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if code != 0 || !strings.HasPrefix(stdout, "podiam version ") || !strings.Contains(stdout, ", commit ") || !strings.HasSuffix(stdout, want) || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, flag := range []string{"--version", "-v"} {
		if code, out, _ := run(t, nil, flag); code != 0 || out != stdout {
			t.Errorf("%s: exit %d, %q; want %q", flag, code, out, stdout)
		}
	}
}

// TestCompletion: "completion SHELL" writes a script for each shell, and
// the script's helper completes commands, flags and flag values from the
// tree.
func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "__start_podiam", "zsh": "#compdef podiam", "fish": "complete -c podiam", "powershell": "Register-ArgumentCompleter",
	} {
		t.Run(shell, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, "completion", shell)
			if code != 0 || !strings.Contains(stdout, marker) || stderr != "" {
				t.Fatalf("exit %d, stderr %q, script lacks %q", code, stderr, marker)
			}
		})
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"po"}, []string{"policy\t"}},
		{[]string{"irsa", ""}, []string{"associate-oidc-provider\t", "create-service-account\t", "serve-discovery\t"}},
		{[]string{"policy", "validate", "x.json", "--k"}, []string{"--kind\t"}},
		{[]string{"policy", "validate", "--kind", ""}, []string{"identity\n", "trust\n", "scp\n"}},
		{[]string{"webhook", "mutate", "--output", ""}, []string{"patch\n", "pod\n"}},
		{[]string{"server", "--tls-"}, []string{"--tls-cert\t", "--tls-key\t"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, _ := run(t, nil, append([]string{"__complete"}, tt.args...)...)
			for _, w := range tt.want {
				if code != 0 || !strings.Contains(stdout, w) {
					t.Fatalf("exit %d, completions %q lack %q", code, stdout, w)
				}
			}
		})
	}
}

// TestEveryFlagHasEnv: each flag of each command takes a value of its type
// from PODIAM_<FLAG>, and no command hides the root's hook that reads them.
func TestEveryFlagHasEnv(t *testing.T) {
	sample := map[string]string{"string": "x", "bool": "true", "duration": "3s", "int": "7", "int64": "7", "stringArray": "a,b", "float64": "2.5"}
	root := cli.New(cli.Env{Stdout: io.Discard, Stderr: io.Discard})
	n := 0
	for _, p := range paths(root, nil) {
		cmd, _, err := root.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		if cmd.PersistentPreRun != nil || cmd.PersistentPreRunE != nil {
			t.Errorf("%s has its own PersistentPreRun, which hides the root's PODIAM_* fallbacks", cmd.CommandPath())
		}
		if cmd.HasSubCommands() {
			continue
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			n++
			v, ok := sample[f.Value.Type()]
			if !ok {
				t.Errorf("%s --%s: no sample value of type %s", cmd.CommandPath(), f.Name, f.Value.Type())
				return
			}
			env := map[string]string{command.EnvName(f.Name): v}
			if err := command.FromEnv(cmd.Flags(), func(k string) string { return env[k] }); err != nil || !f.Changed {
				t.Errorf("%s: %s=%s: %v, changed %v", cmd.CommandPath(), command.EnvName(f.Name), v, err, f.Changed)
			}
		})
	}
	if n < 50 {
		t.Errorf("only %d flags", n)
	}
}
