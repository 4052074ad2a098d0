package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/irsacmd"
	"github.com/podiam/podiam/internal/cli/policycmd"
	"github.com/podiam/podiam/internal/cli/servercmd"
	"github.com/podiam/podiam/internal/cli/webhookcmd"
)

// Commands are podiam's top-level subcommands.
var Commands = []command.Command{
	{Name: "server", Summary: "serve the AWS-compatible APIs", Run: servercmd.Run},
	{Name: "policy", Summary: "validate and simulate IAM policies offline", Run: policycmd.Run},
	{Name: "webhook", Summary: "the IRSA mutating admission webhook", Run: webhookcmd.Run},
	{Name: "irsa", Summary: "set up IRSA for a cluster: OIDC provider, roles, ServiceAccounts", Run: irsacmd.Run},
}

// Main runs podiam with args (without the program name) and returns the
// process exit status: 0 on success, 2 on bad input, 1 on other failures.
// Errors are rendered here, once.
func Main(ctx context.Context, args []string, env Env) int {
	err := command.Dispatch(ctx, env, "podiam", Commands, args)
	var exit *command.ExitError
	var usage *command.UsageError
	switch {
	case err == nil, errors.Is(err, command.ErrHelp):
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
