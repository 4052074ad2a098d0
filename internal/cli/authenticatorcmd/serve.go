package authenticatorcmd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/accessclient"
	"github.com/podiam/podiam/internal/authenticator"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
	"github.com/podiam/podiam/internal/tlsreload"
)

// The aws-auth ConfigMap.
const (
	awsAuthNamespace = "kube-system"
	awsAuthName      = "aws-auth"
)

// ServeConfig configures "podiam authenticator serve".
type ServeConfig struct {
	ClusterID   string
	Listen      string
	TLSCert     string
	TLSKey      string
	StateDir    string // a self-signed pair kept here when TLSCert is ""
	Kubeconfig  string // "" means $KUBECONFIG, ~/.kube/config, then in-cluster
	Context     string
	STSEndpoint string // podiam's STS
	// EKSEndpoint is podiam's EKS API, asked for access entries and
	// access policies (eks:ResolveAccess) of ClusterName; "" reads
	// aws-auth alone and has no opinion on authorization.
	EKSEndpoint string
	ClusterName string // podiam's EKS cluster name; ClusterID when ""
	AccessTTL   time.Duration
	// AWS, when set, signs the calls to EKSEndpoint (its credentials and
	// region); else the SDK's default chain (config.LoadDefaultConfig).
	AWS          *aws.Config
	TrustedHosts []string // more hosts a token's URL may name (https)
	CacheTTL     time.Duration
	Verbose      bool

	// AccessEntries and AccessPolicies, when set, replace the ones of
	// EKSEndpoint.
	AccessEntries  authenticator.AccessEntries
	AccessPolicies authenticator.AccessPolicies
	// Verifier, when set, replaces the STS verifier built from the flags
	// (behind the success cache all the same).
	Verifier authenticator.Verifier

	Getenv   func(string) string // for $KUBECONFIG, $HOME and the in-cluster configuration
	OnListen func(addr string)   // told the bound address; may be nil
}

func newServe(env command.Env) *cobra.Command {
	var cfg ServeConfig
	cmd := &cobra.Command{
		Use:   "serve --cluster-id ID --sts-endpoint URL [flags]",
		Short: "serve the TokenReview and SubjectAccessReview webhooks",
		Long: "Serves POST /authenticate (TokenReview, authentication.k8s.io v1 and v1beta1)\n" +
			"and POST /authorize (SubjectAccessReview, authorization.k8s.io v1 and v1beta1)\n" +
			"over TLS, for kube-apiserver (podiam authenticator init writes its files). A\n" +
			"k8s-aws-v1. token is checked and its presigned GetCallerIdentity is sent to\n" +
			"--sts-endpoint with its signed Host; the caller is mapped by the\n" +
			"kube-system/aws-auth ConfigMap, followed through the API server.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Getenv = env.Getenv
			cfg.OnListen = func(addr string) { fmt.Fprintf(env.Stdout, "podiam authenticator listening on %s\n", addr) }
			level := slog.LevelInfo
			if cfg.Verbose {
				level = slog.LevelDebug
			}
			return Serve(cmd.Context(), cfg, slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level})))
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&cfg.ClusterID, "cluster-id", "i", "", "the cluster's id: tokens must sign x-k8s-aws-id with it (aws eks get-token --cluster-name)")
	fs.StringVar(&cfg.Listen, "listen", authenticator.DefaultListen, "address to serve HTTPS on (/authenticate, /authorize, /healthz)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate (PEM), reloaded when it changes (default: a self-signed one in --state-dir)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&cfg.StateDir, "state-dir", "/var/aws-iam-authenticator", "where a self-signed certificate and key are made and kept when --tls-cert is not given")
	fs.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig to read aws-auth through (default: $KUBECONFIG, ~/.kube/config, then in-cluster)")
	fs.StringVar(&cfg.Context, "context", "", "the kubeconfig's context (default: its current context)")
	fs.StringVar(&cfg.STSEndpoint, "sts-endpoint", "", "podiam's STS endpoint: every token is verified there (its host is trusted in tokens)")
	fs.StringArrayVar(&cfg.TrustedHosts, "trusted-host", nil, "another origin a token's URL may name: host[:port] over https, or scheme://host[:port]; a * label matches one DNS label (sts.*.amazonaws.com; repeatable)")
	fs.StringVar(&cfg.EKSEndpoint, "eks-endpoint", "", "podiam's EKS API: access entries and access policies are read there (eks:ResolveAccess; default: none, aws-auth alone)")
	fs.StringVar(&cfg.ClusterName, "cluster-name", "", "the cluster's name in podiam's EKS API (default: --cluster-id)")
	fs.DurationVar(&cfg.AccessTTL, "access-cache-ttl", authenticator.DefaultAccessTTL, "how long a principal's access entry and policies are kept (negative: not kept)")
	fs.DurationVar(&cfg.CacheTTL, "cache-ttl", authenticator.DefaultCacheTTL, "how long a verified token's identity is kept (negative: not kept)")
	fs.BoolVar(&cfg.Verbose, "verbose", false, "log debug messages")
	return cmd
}

// Serve runs the authenticator until ctx ends.
func Serve(ctx context.Context, cfg ServeConfig, log *slog.Logger) error {
	if cfg.ClusterID == "" {
		return command.Usagef("authenticator serve: --cluster-id is required")
	}
	if cfg.STSEndpoint == "" && cfg.Verifier == nil {
		return command.Usagef("authenticator serve: --sts-endpoint is required")
	}
	verifier := cfg.Verifier
	if verifier == nil {
		ep, err := url.Parse(cfg.STSEndpoint)
		if err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" {
			return command.Usagef("authenticator serve: --sts-endpoint %q is not an http(s) URL", cfg.STSEndpoint)
		}
		verifier = &authenticator.STS{Prepare: authenticator.TokenPrepare(authenticator.PrepareConfig{
			ClusterID: cfg.ClusterID, Endpoint: ep, TrustedHosts: cfg.TrustedHosts})}
	}
	certFile, keyFile := cfg.TLSCert, cfg.TLSKey
	switch {
	case (certFile == "") != (keyFile == ""):
		return command.Usagef("authenticator serve: give both --tls-cert and --tls-key, or neither (--state-dir)")
	case certFile == "":
		host, _, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return command.Usagef("authenticator serve: --listen %q: %v", cfg.Listen, err)
		}
		if certFile, keyFile, err = authenticator.SelfSigned(cfg.StateDir, []string{host, "127.0.0.1", "localhost"}, time.Now()); err != nil {
			return fmt.Errorf("authenticator serve: the self-signed certificate in %s: %w", cfg.StateDir, err)
		}
	}
	certs, err := tlsreload.New(tlsreload.Config{CertFile: certFile, KeyFile: keyFile, Logger: log})
	if err != nil {
		return command.Usagef("authenticator serve: %v", err)
	}
	client, err := kube.New(kube.Config{Kubeconfig: cfg.Kubeconfig, Context: cfg.Context, Getenv: cfg.Getenv})
	if err != nil {
		return command.Usagef("authenticator serve: %v", err)
	}
	entries, policies := cfg.AccessEntries, cfg.AccessPolicies
	if cfg.EKSEndpoint != "" && (entries == nil || policies == nil) {
		access, err := eksAccess(ctx, cfg)
		if err != nil {
			return err
		}
		if entries == nil {
			entries = access
		}
		if policies == nil {
			policies = access
		}
		log.Info("access entries and policies read from podiam's EKS API", "endpoint", cfg.EKSEndpoint, "cluster", access.Cluster)
	}
	mapper := &authenticator.Mapper{}
	if entries != nil {
		mapper.AccessEntries = entries
	}
	go kube.WatchConfigMapData(ctx, client, log, awsAuthNamespace, awsAuthName, func(data map[string]string) {
		a, err := authenticator.ParseAWSAuth(data)
		if err != nil {
			log.Warn("aws-auth entries left out", "err", err)
		}
		mapper.SetAWSAuth(a)
		log.Info("aws-auth loaded", "roles", len(a.Roles), "users", len(a.Users), "accounts", len(a.Accounts))
	})
	return authenticator.Serve(ctx, authenticator.ServerConfig{
		Listen:       cfg.Listen,
		Certs:        certs,
		Authenticate: &authenticator.Authenticate{Verifier: &authenticator.Cached{Verifier: verifier, TTL: cfg.CacheTTL}, Mapper: mapper, Log: log},
		Authorize:    &authenticator.Authorize{Policies: policies, Log: log},
		Log:          log,
		OnListen:     cfg.OnListen,
	})
}

// eksAccess is the access entries and policies of cfg.ClusterName at
// cfg.EKSEndpoint, signed with cfg.AWS or the SDK's default chain.
func eksAccess(ctx context.Context, cfg ServeConfig) (*authenticator.EKSAccess, error) {
	var awsCfg aws.Config
	if cfg.AWS != nil {
		awsCfg = *cfg.AWS
	} else {
		c, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("authenticator serve: AWS configuration for --eks-endpoint: %w", err)
		}
		awsCfg = c
	}
	client, err := accessclient.New(awsCfg, cfg.EKSEndpoint)
	if err != nil {
		return nil, command.Usagef("authenticator serve: --eks-endpoint: %v", err)
	}
	name := cfg.ClusterName
	if name == "" {
		name = cfg.ClusterID
	}
	return &authenticator.EKSAccess{Resolver: client, Cluster: name, TTL: cfg.AccessTTL}, nil
}
