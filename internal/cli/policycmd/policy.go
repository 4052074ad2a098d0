package policycmd

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/fault"
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
		return nil, command.Usagef("%s policy %s: %s", k, path, problem(err, k))
	}
	return p, nil
}

// problem is a document error of kind k as the service that refuses such
// documents answers it: "MalformedPolicyDocument: ..." from IAM (and STS
// for session policies), Organizations' codes for SCPs.
func problem(err error, k policy.Kind) string {
	if _, ok := fault.As(err); !ok {
		return err.Error()
	}
	e := awsproto.QueryError(err)
	if k == policy.SCP {
		e = awsproto.JSONError(err)
	}
	return e.Code + ": " + e.Message
}
