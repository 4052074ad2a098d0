package servercmd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/server"
)

// New returns "podiam server", writing through env.
func New(env command.Env) *cobra.Command {
	var cfg server.Config
	var verbose bool
	cmd := &cobra.Command{
		Use:   "server [flags]",
		Short: "serve the AWS-compatible APIs",
		Long:  long(),
		Args:  command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), env, cfg, verbose)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Listen, "listen", server.DefaultListen, "address to serve on")
	fs.StringVar(&cfg.MetricsListen, "metrics-listen", "", "a second address, plain HTTP, that serves /healthz and /readyz alone (default: none)")
	fs.StringVar(&cfg.DataDir, "data", server.DefaultDataDir, "data directory: database, sealing key, first account's credentials file")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the URL clients and clusters reach this server at, the base of each EKS cluster's hosted issuer <url>/id/<hex> (default: http(s)://<listen address>)")
	fs.StringVar(&cfg.AuditLog, "audit-log", "", "audit log: a file to append JSON lines to, or - for standard output")
	fs.StringVar(&cfg.OIDCCABundle, "oidc-ca-bundle", "", "PEM file of extra root certificates trusted for OIDC issuers (AssumeRoleWithWebIdentity)")
	fs.BoolVar(&cfg.OIDCAllowHTTP, "oidc-allow-http", false, "let OIDC issuers be fetched over plain http (local testing only)")
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", server.DefaultBodyTimeout, "a request body must bring --body-min-rate bytes a second over each such period, or get 400 RequestTimeout")
	fs.Int64Var(&cfg.BodyMinRate, "body-min-rate", server.DefaultBodyMinRate, "the slowest a request body may arrive, in bytes a second (see --body-timeout)")
	fs.DurationVar(&cfg.HeaderTimeout, "header-timeout", server.DefaultHeaderTimeout, "how long a client may take to send a request's line and headers")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", server.DefaultIdleTimeout, "close a keep-alive connection idle this long")
	fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", server.DefaultMaxHeaderBytes, "the largest header section of an S3 request, session token aside (S3's 8 KiB); more is 400 RequestHeaderSectionTooLarge")
	fs.IntVar(&cfg.MaxConnections, "max-connections", server.DefaultMaxConnections, "the most connections held at once; at the bound the longest-idle one is closed, or a new one waits")
	fs.DurationVar(&cfg.LifecycleInterval, "lifecycle-interval", server.DefaultLifecycleInterval, "how often buckets' lifecycle rules (expiration, aborting incomplete uploads) are applied; 0 turns them off")
	fs.BoolVar(&verbose, "verbose", false, "log debug messages")
	return cmd
}

// long is the server command's description: every service it serves, how
// a request finds its service, and the probes.
func long() string {
	var services strings.Builder
	for _, svc := range server.Services {
		fmt.Fprintf(&services, "  %-14s %s\n", svc.Name, svc.Protocol)
	}
	return "Serves the AWS-compatible APIs on one listener:\n\n" + services.String() + "\n" +
		server.ServicesRouting + "\n\n" +
		"GET /healthz (the process serves) and /readyz (started, and the store answers) are\n" +
		"answered without a signature, there and on --metrics-listen; so are each EKS cluster's\n" +
		"hosted issuer documents, GET /id/<hex>/.well-known/openid-configuration and /id/<hex>/keys.\n\n" +
		"The first start creates an account and writes its root access key to <data>/credentials\n" +
		"(mode 0600). One server at a time may use a data directory. SIGTERM or Ctrl-C stops it\n" +
		"after in-flight requests finish."
}

func run(ctx context.Context, env command.Env, cfg server.Config, verbose bool) error {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	cfg.Stdout = env.Stdout
	if cfg.LifecycleInterval == 0 {
		cfg.LifecycleInterval = -1 // --lifecycle-interval 0: off (Config's 0 is the default)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return command.Usagef("server: %v", err)
	}
	return server.Run(ctx, cfg)
}
