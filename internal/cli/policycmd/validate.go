package policycmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/policy"
)

// ValidateConfig configures "podiam policy validate".
type ValidateConfig struct {
	Kind  policy.Kind
	Files []string
}

func newValidate(env command.Env) *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "validate [--kind KIND] FILE...",
		Short: "check policy documents as IAM does when they are written",
		Long: "Checks each policy document as IAM does when it is written. Exits 0 when all\n" +
			"are valid; otherwise prints FILE: CODE: MESSAGE for each invalid one and exits 2.",
		DisableFlagsInUseLine: true,
		ValidArgsFunction:     policyFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := policy.ParseKind(kind)
			if err != nil {
				return command.Usagef("--kind: %v", err)
			}
			cfg := ValidateConfig{Kind: k, Files: args}
			if len(cfg.Files) == 0 {
				return command.Usagef("policy validate: name at least one policy file")
			}
			return Validate(env, cfg)
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "identity", "policy kind: identity, resource, trust, boundary, session or scp")
	var kinds []cobra.Completion
	for k := policy.Identity; k <= policy.SCP; k++ {
		kinds = append(kinds, k.String())
	}
	cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kinds, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Validate checks every file and reports each result.
func Validate(env command.Env, cfg ValidateConfig) error {
	bad := 0
	for _, f := range cfg.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: %v\n", f, err)
			bad++
			continue
		}
		if _, err := policy.ParseDocument(data, cfg.Kind, policy.Options{}); err != nil {
			fmt.Fprintf(env.Stdout, "%s: %s\n", f, problem(err, cfg.Kind))
			bad++
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: valid %s policy\n", f, cfg.Kind)
	}
	if bad > 0 {
		return &command.ExitError{Code: 2}
	}
	return nil
}
