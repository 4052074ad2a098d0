package versioncmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
)

// New returns "podiam version", writing through env.
func New(env command.Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version, commit and Go version podiam was built with",
		Long: "Prints the version (the module version the Go toolchain stamped, or the one a\n" +
			"release build set with -ldflags -X), the commit (\"(modified)\" when the work tree had\n" +
			"uncommitted changes) and the Go toolchain and platform, on one line:\n\n" +
			"  podiam version v0.4.0, commit 0123abcd..., go1.26.0 linux/amd64\n\n" +
			"\"podiam --version\" prints the same.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(env.Stdout, "%s version %s\n", cmd.Root().Name(), Read())
			return err
		},
	}
}
