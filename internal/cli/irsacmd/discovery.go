package irsacmd

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/discovery"
	"github.com/podiam/podiam/internal/kube"
)

// DiscoveryConfig configures "podiam irsa serve-discovery".
type DiscoveryConfig struct {
	Kubeconfig      string // "" is $KUBECONFIG, ~/.kube/config, then in-cluster
	Context         string // the kubeconfig's context; "" is the current one
	Cluster         string // the kubeconfig's cluster; "" is the context's
	Getenv          func(string) string
	Issuer          string
	Listen          string
	TLSCert, TLSKey string
	Interval        time.Duration
	OnListen        func(addr string)
}

func newServeDiscovery(env command.Env) *cobra.Command {
	var cfg DiscoveryConfig
	cmd := &cobra.Command{
		Use:   "serve-discovery [--kubeconfig FILE] --issuer URL --tls-cert FILE --tls-key FILE [flags]",
		Short: "host the cluster's OIDC discovery and keys under a URL podiam can reach",
		Long: "Serves the cluster's OIDC discovery document and keys under --issuer, for clusters\n" +
			"whose own issuer cannot be reached from podiam: set the API server's\n" +
			"--service-account-issuer to the same URL. The keys are read through the API server\n" +
			"every --interval, so key rotations follow.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServeDiscovery(cmd.Context(), env, cfg)
		},
	}
	fs := cmd.Flags()
	kubeFlags(fs, &cfg.Kubeconfig, &cfg.Context, &cfg.Cluster)
	fs.StringVar(&cfg.Issuer, "issuer", "", "the URL this server answers as, which the API server's --service-account-issuer must equal (required)")
	fs.StringVar(&cfg.Listen, "listen", ":8444", "address to serve HTTPS on")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate (PEM) for the issuer's host (required)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key (PEM) (required)")
	fs.DurationVar(&cfg.Interval, "interval", time.Minute, "how often to read the cluster's keys")
	return cmd
}

func runServeDiscovery(ctx context.Context, env command.Env, cfg DiscoveryConfig) error {
	if cfg.Issuer == "" || cfg.TLSCert == "" || cfg.TLSKey == "" {
		return command.Usagef("irsa serve-discovery: --issuer, --tls-cert and --tls-key are required")
	}
	cfg.Getenv = env.Getenv
	cfg.OnListen = func(addr string) { fmt.Fprintf(env.Stdout, "serving discovery for %s on %s\n", cfg.Issuer, addr) }
	return ServeDiscovery(ctx, cfg, slog.New(slog.NewJSONHandler(env.Stderr, nil)))
}

// ServeDiscovery mirrors the cluster's keys and serves them until ctx ends.
func ServeDiscovery(ctx context.Context, cfg DiscoveryConfig, log *slog.Logger) error {
	kc, err := kube.New(kube.Config{Kubeconfig: cfg.Kubeconfig, Context: cfg.Context, Cluster: cfg.Cluster, Getenv: cfg.Getenv})
	if err != nil {
		return command.Usagef("irsa serve-discovery: %v", err)
	}
	m, err := discovery.New(cfg.Issuer, func(ctx context.Context) (json.RawMessage, error) {
		return kc.REST.Get().AbsPath("/openid/v1/jwks").SetHeader("Accept", "application/jwk-set+json, application/json").DoRaw(ctx)
	}, log)
	if err != nil {
		return command.Usagef("irsa serve-discovery: %v", err)
	}
	if err := m.Sync(ctx); err != nil {
		return fmt.Errorf("read the cluster's keys: %w", err)
	}
	go m.Run(ctx, cfg.Interval)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	if cfg.OnListen != nil {
		cfg.OnListen(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
		return nil
	}
}
