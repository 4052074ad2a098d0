package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/agentcmd"
	"github.com/podiam/podiam/internal/cli/authenticatorcmd"
	"github.com/podiam/podiam/internal/cli/clustercmd"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/irsacmd"
	"github.com/podiam/podiam/internal/cli/policycmd"
	"github.com/podiam/podiam/internal/cli/servercmd"
	"github.com/podiam/podiam/internal/cli/tokencmd"
	"github.com/podiam/podiam/internal/cli/versioncmd"
	"github.com/podiam/podiam/internal/cli/webhookcmd"
)

// New returns podiam's command tree, writing through env.
func New(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "podiam",
		Short: "a self-hosted, AWS-compatible workload-identity system for Kubernetes",
		Long: "podiam is a self-hosted, AWS-compatible workload-identity system for Kubernetes.\n\n" +
			"Flags may come before or after arguments. Every flag may also be set through\n" +
			"PODIAM_<FLAG> (upper case, '-' as '_'; a repeatable flag takes a comma-separated\n" +
			"list); a flag on the command line wins.",
		Version: versioncmd.Read().String(),
	}
	command.Group(root,
		servercmd.New(env),
		policycmd.New(env),
		webhookcmd.New(env),
		agentcmd.New(env),
		authenticatorcmd.New(env),
		irsacmd.New(env),
		clustercmd.New(env),
		tokencmd.New(env),
		versioncmd.New(env),
	)
	return command.Prepare(env, root)
}

// Main runs podiam with args (without the program name) and returns the
// process exit status: 0 on success, 2 on bad input, 1 on other failures.
// Errors are rendered here, once.
func Main(ctx context.Context, args []string, env Env) int {
	err := command.Execute(ctx, New(env), args)
	var exit *command.ExitError
	var usage *command.UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	case errors.As(err, &usage):
		fmt.Fprintf(env.Stderr, "podiam: %s\n", usage.Msg)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "podiam: %v\n", err)
		return 1
	}
}
