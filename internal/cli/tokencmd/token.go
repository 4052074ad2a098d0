package tokencmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
)

// New returns "podiam token" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "token", Short: "tokens made from your AWS credentials"},
		newK8s(env))
}

// Run runs "podiam token args" (for tests).
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Run(ctx, env, New(env), args)
}
