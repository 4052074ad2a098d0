package authenticatorcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
)

// New returns "podiam authenticator" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "authenticator", Short: "cluster access for IAM identities: the TokenReview and SubjectAccessReview webhooks"},
		newServe(env), newInit(env))
}

// Run runs "podiam authenticator args" (for tests).
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Run(ctx, env, New(env), args)
}
