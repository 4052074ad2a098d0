package agentcmd

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/agent"
	"github.com/podiam/podiam/internal/cli/command"
)

// ServerConfig configures "podiam agent server".
type ServerConfig struct {
	Cluster       string
	Endpoint      string // eks-auth's base URL
	Region        string
	BindHosts     []string
	Port          int
	ProbePort     int
	AllowedHosts  []string
	MaxCacheSize  int
	MaxRetention  time.Duration
	MaxServiceQPS float64
	RefusalTTL    time.Duration
	Verbose       bool
}

func newServer(env command.Env) *cobra.Command {
	var cfg ServerConfig
	cmd := &cobra.Command{
		Use:   "server --cluster-name NAME [flags]",
		Short: "serve /v1/credentials to the node's pods",
		Long: "Serves EKS Pod Identity's /v1/credentials on each bind host (plain HTTP), as\n" +
			"aws/eks-pod-identity-agent does: a pod's service-account token is exchanged\n" +
			"with eks-auth AssumeRoleForPodIdentity, signed with the node's credentials from\n" +
			"the AWS SDK's default chain, and the pod's credentials are kept and renewed.\n" +
			"/healthz, /readyz and /metrics are served on localhost:--probe-port.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServer(cmd.Context(), env, cfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&cfg.Cluster, "cluster-name", "c", "", "the cluster's name in eks-auth (required)")
	fs.StringVar(&cfg.Endpoint, "endpoint", "", "eks-auth's URL, e.g. podiam's (default https://eks-auth.<region>.api.aws)")
	fs.StringVar(&cfg.Region, "region", "", "the region eks-auth calls are signed for (default $AWS_REGION)")
	fs.StringArrayVarP(&cfg.BindHosts, "bind-hosts", "b", []string{agent.HostIPv4, "[" + agent.HostIPv6 + "]"}, "addresses to serve /v1/credentials on (repeatable); an IPv6 one that cannot be bound is skipped")
	fs.IntVarP(&cfg.Port, "port", "p", 80, "port of /v1/credentials")
	fs.IntVar(&cfg.ProbePort, "probe-port", 2703, "port of /healthz, /readyz and /metrics on localhost (0: not served)")
	fs.StringArrayVar(&cfg.AllowedHosts, "allowed-hosts", []string{agent.HostIPv4, agent.HostIPv6}, "podiam: Host header values answered (others get 403); AWS's agent allows only the defaults")
	fs.IntVar(&cfg.MaxCacheSize, "max-cache-size", agent.DefaultMaxCacheSize, "pods whose credentials are kept (the least recently used goes); 0 disables the cache")
	fs.DurationVar(&cfg.MaxRetention, "max-credential-retention-before-renewal", agent.DefaultMaxRetention, "longest time credentials are served before they are renewed; 0 disables the cache")
	fs.Float64Var(&cfg.MaxServiceQPS, "max-service-qps", agent.DefaultMaxServiceQPS, "renewal calls to eks-auth per second, at most")
	fs.DurationVar(&cfg.RefusalTTL, "refusal-ttl", agent.DefaultRefusalTTL, "podiam: how long eks-auth's refusal of a token is answered again without asking (0: never)")
	fs.BoolVarP(&cfg.Verbose, "verbose", "v", false, "log at debug level")
	return cmd
}

func runServer(ctx context.Context, env command.Env, cfg ServerConfig) error {
	if cfg.Cluster == "" {
		return command.Usagef("agent server: --cluster-name is required")
	}
	if cfg.Region == "" && env.Getenv != nil {
		cfg.Region = env.Getenv("AWS_REGION")
	}
	if cfg.Region == "" {
		return command.Usagef("agent server: --region or AWS_REGION is required (eks-auth calls are signed for a region)")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "https://eks-auth." + cfg.Region + ".api.aws"
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return command.Usagef("agent server: --endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.Port < 0 || cfg.Port > 65535 || cfg.ProbePort < 0 || cfg.ProbePort > 65535 {
		return command.Usagef("agent server: ports are 0 to 65535")
	}
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	aws, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg.Region))
	if err != nil {
		return fmt.Errorf("agent server: the node's AWS configuration: %w", err)
	}
	metrics := agent.NewMetrics()
	maxSize := cfg.MaxCacheSize
	if maxSize == 0 || cfg.MaxRetention == 0 {
		maxSize = -1 // AWS's agent: 0 disables the cache
	}
	refusal := cfg.RefusalTTL
	if refusal == 0 {
		refusal = -1
	}
	// The SDK's trust (AWS_CA_BUNDLE) with the agent's budgets.
	source := &agent.EKSAuth{Endpoint: cfg.Endpoint, Cluster: cfg.Cluster, Region: cfg.Region, Credentials: aws.Credentials,
		HTTP: agent.NewHTTPClientFrom(aws.HTTPClient)}
	a, err := agent.New(agent.Config{
		AllowedHosts:  cfg.AllowedHosts,
		Source:        source,
		MaxCacheSize:  maxSize,
		MaxRetention:  cfg.MaxRetention,
		MaxServiceQPS: cfg.MaxServiceQPS,
		RefusalTTL:    refusal,
		Log:           log,
		Metrics:       metrics,
	})
	if err != nil {
		return command.Usagef("agent server: %v", err)
	}
	probe := ""
	if cfg.ProbePort != 0 {
		probe = "localhost:" + strconv.Itoa(cfg.ProbePort)
	}
	return agent.Serve(ctx, agent.ServeConfig{
		BindHosts: cfg.BindHosts, Port: cfg.Port, ProbeAddr: probe, Agent: a, Metrics: metrics, Log: log,
		OnListen: func(kind, addr string) { fmt.Fprintf(env.Stdout, "podiam agent serving %s on %s\n", kind, addr) },
	})
}
