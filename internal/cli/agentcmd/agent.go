package agentcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
)

// New returns "podiam agent" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "agent", Short: "the EKS Pod Identity node agent"},
		newServer(env), newInit(env))
}

// Run runs "podiam agent args" (for tests).
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Run(ctx, env, New(env), args)
}
