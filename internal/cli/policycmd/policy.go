package policycmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/policy"
)

var commands = []command.Command{
	{Name: "validate", Summary: "check policy documents as IAM does when they are written", Run: runValidate},
	{Name: "simulate", Summary: "decide one request against a set of policies", Run: runSimulate},
}

// Run dispatches "podiam policy <verb>".
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Dispatch(ctx, env, "podiam policy", commands, args)
}

// load reads and compiles a policy file; the policy is named after the
// file, without its directory and extension.
func load(path string, k policy.Kind) (*policy.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, command.Usagef("read %s policy: %v", k, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	p, err := policy.Parse(name, data, k, policy.Options{})
	if err != nil {
		return nil, command.Usagef("%s policy %s: %v", k, path, err)
	}
	return p, nil
}
