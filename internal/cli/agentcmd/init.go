package agentcmd

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/agent"
	"github.com/podiam/podiam/internal/cli/command"
)

func newInit(env command.Env) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "add 169.254.170.23/32 and fd00:ec2::23/128 to the dummy link pod-id-link0",
		Long: "Makes the dummy link pod-id-link0 (unless it exists), brings it up and adds\n" +
			"169.254.170.23/32 and fd00:ec2::23/128 to it with iproute2's ip, as EKS's\n" +
			"init container does. Needs CAP_NET_ADMIN in the node's network namespace. A\n" +
			"failure to add the IPv4 address is fatal; the IPv6 one is only logged.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := slog.New(slog.NewJSONHandler(env.Stderr, nil))
			return agent.Init(cmd.Context(), agent.Exec, log)
		},
	}
}
