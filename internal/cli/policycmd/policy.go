package policycmd

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/policy"
)

// New returns "podiam policy" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "policy", Short: "validate and simulate IAM policies offline"},
		newValidate(env), newSimulate(env))
}

// policyFiles completes a policy file's name: JSON files and directories.
func policyFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"json"}, cobra.ShellCompDirectiveFilterFileExt
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
