package clustercmd

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
)

func newSync(env command.Env) *cobra.Command {
	var cfg Config
	interval := DefaultInterval
	cmd := &cobra.Command{
		Use:   "sync --name NAME [--interval 1m] [flags]",
		Short: "keep a cluster's binding in podiam in step with the cluster (runs in the cluster)",
		Long: "Pushes the cluster's binding (as `podiam cluster bind`) at start and again whenever\n" +
			"what the API server says changes, read every --interval: a rotated service-account\n" +
			"key reaches podiam within --interval. Failures are logged and retried with a back-off\n" +
			"(1 s doubling up to --interval). In a pod it uses the pod's ServiceAccount, which\n" +
			"needs the ClusterRole system:service-account-issuer-discovery (deploy/cluster-sync).",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Getenv = env.Getenv
			return Sync(cmd.Context(), cfg, interval, slog.New(slog.NewJSONHandler(env.Stderr, nil)))
		},
	}
	flags(cmd.Flags(), &cfg)
	cmd.Flags().DurationVar(&interval, "interval", DefaultInterval, "how often to read the cluster's keys")
	return cmd
}

// Sync pushes the cluster's binding at start and on every change, until
// ctx ends; it returns an error only for bad configuration.
func Sync(ctx context.Context, cfg Config, interval time.Duration, log *slog.Logger) error {
	if cfg.Name == "" {
		return command.Usagef("cluster sync: --name is required")
	}
	if interval <= 0 {
		return command.Usagef("cluster sync: --interval must be positive")
	}
	kc, err := kube.New(cfg.kube())
	if err != nil {
		return command.Usagef("cluster sync: %v", err)
	}
	b, err := newBinder(ctx, cfg.EndpointURL, cfg.Getenv)
	if err != nil {
		return command.Usagef("cluster sync: %v", err)
	}
	var pushed state
	havePushed := false
	backoff := min(time.Second, interval)
	for {
		err := func() error {
			s, err := readState(ctx, kc, cfg.APIServer, cfg.ExternalIssuer)
			if err != nil || (havePushed && s.same(pushed)) {
				return err
			}
			start := time.Now()
			c, err := push(ctx, b, cfg.Name, s, cfg.ExternalIssuer)
			if err != nil {
				return err
			}
			pushed, havePushed = s, true
			log.Info("pushed the cluster's binding", "cluster", cfg.Name, "keys", s.KeyIDs,
				"issuer", c.Identity.OIDC.Issuer, "took", time.Since(start).Round(time.Millisecond).String())
			return nil
		}()
		wait := interval
		if err != nil && ctx.Err() == nil {
			log.Warn("sync the cluster's binding", "cluster", cfg.Name, "error", err.Error(), "retry_in", backoff.String())
			wait, backoff = backoff, min(2*backoff, interval)
		} else if err == nil {
			backoff = min(time.Second, interval)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}
