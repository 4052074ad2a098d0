package webhookcmd

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/admission"
	"github.com/podiam/podiam/internal/associations"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
	"github.com/podiam/podiam/internal/tlsreload"
	"github.com/podiam/podiam/internal/webhook"
)

// ServeConfig configures "podiam webhook serve".
type ServeConfig struct {
	Listen     string
	TLSCert    string
	TLSKey     string
	Kubeconfig string // "" means $KUBECONFIG, ~/.kube/config, then in-cluster
	Context    string // the kubeconfig's context; "" is its current one
	Verbose    bool
	HTTP2      bool // offer HTTP/2 too (admission.ServerConfig.HTTP2)
	// WatchConfigMap reads role mappings from the ConfigMap
	// ConfigMapNamespace/ConfigMapName, key "config".
	WatchConfigMap     bool
	ConfigMapNamespace string
	ConfigMapName      string

	// ClusterName, when set, turns EKS Pod Identity on: ServiceAccounts
	// with an association in that cluster (podiam's EKS API) get it.
	ClusterName string
	EKSEndpoint string // the EKS API's URL; "" is the SDK's (AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL)
	EKSRegion   string // the region the EKS calls are signed for; "" is the SDK's, else --aws-default-region, else us-east-1
	// AssociationsRefresh is the period of the full list of associations.
	AssociationsRefresh time.Duration
	// AWS, when set, is the EKS client's AWS configuration; nil loads
	// the SDK's default chain (environment, profiles, the pod's role).
	AWS *aws.Config

	Webhook  webhook.Config      // the mutation's configuration, defaults applied
	Getenv   func(string) string // for $KUBECONFIG, $HOME and the in-cluster configuration
	OnListen func(addr string)   // told the bound address; may be nil
}

func newServe(env command.Env) *cobra.Command {
	var cfg ServeConfig
	var webhookCfg func() (webhook.Config, error)
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "serve the mutating admission webhook",
		Long: "Serves the mutating admission webhook: POST /mutate (AdmissionReview v1 or\n" +
			"v1beta1), /healthz and Prometheus /metrics, over TLS. ServiceAccounts are watched\n" +
			"through the API server; one not seen yet is read directly. With --cluster-name,\n" +
			"ServiceAccounts with an EKS Pod Identity association (podiam's EKS API) get Pod\n" +
			"Identity instead of IRSA.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), env, cfg, webhookCfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Listen, "listen", ":8443", "address to serve HTTPS on (/mutate, /healthz, /metrics)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "/etc/webhook/certs/tls.crt", "TLS certificate (PEM), reloaded when it changes")
	fs.StringVar(&cfg.TLSKey, "tls-key", "/etc/webhook/certs/tls.key", "TLS private key (PEM)")
	fs.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig to reach the API server (default: $KUBECONFIG, ~/.kube/config, then in-cluster)")
	fs.StringVar(&cfg.Context, "context", "", "the kubeconfig's context (default: its current context)")
	fs.BoolVar(&cfg.Verbose, "verbose", false, "log debug messages")
	fs.BoolVar(&cfg.HTTP2, "enable-http2", false, "offer HTTP/2 as well as HTTP/1.1")
	fs.BoolVar(&cfg.WatchConfigMap, "watch-config-map", false, "also take roles from a ConfigMap of namespace/name -> role mappings (for accounts without the annotation)")
	fs.StringVar(&cfg.ConfigMapNamespace, "namespace", "podiam-system", "namespace of the mappings ConfigMap")
	fs.StringVar(&cfg.ConfigMapName, "config-map", "pod-identity-webhook", "name of the mappings ConfigMap (key \"config\")")
	fs.StringVar(&cfg.ClusterName, "cluster-name", "", "EKS Pod Identity: the cluster's name in podiam's EKS API; ServiceAccounts with an association get Pod Identity (off when empty)")
	fs.StringVar(&cfg.EKSEndpoint, "eks-endpoint", "", "EKS Pod Identity: podiam's EKS API URL (default: the SDK's, AWS_ENDPOINT_URL_EKS or AWS_ENDPOINT_URL)")
	fs.StringVar(&cfg.EKSRegion, "eks-region", "", "EKS Pod Identity: the region of EKS API calls (default: the SDK's, else --aws-default-region, else us-east-1)")
	fs.DurationVar(&cfg.AssociationsRefresh, "associations-refresh", associations.DefaultRefresh, "EKS Pod Identity: how often all associations are listed (a ServiceAccount not known to have one is asked at once)")
	webhookCfg = configFlags(fs)
	return cmd
}

func runServe(ctx context.Context, env command.Env, cfg ServeConfig, webhookCfg func() (webhook.Config, error)) error {
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	var err error
	if cfg.Webhook, err = webhookCfg(); err != nil {
		return err
	}
	cfg.Getenv = env.Getenv
	cfg.OnListen = func(addr string) { fmt.Fprintf(env.Stdout, "podiam webhook listening on %s\n", addr) }
	return Serve(ctx, cfg, slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level})))
}

// Serve runs the webhook until ctx ends.
func Serve(ctx context.Context, cfg ServeConfig, log *slog.Logger) error {
	client, err := kube.New(kube.Config{Kubeconfig: cfg.Kubeconfig, Context: cfg.Context, Getenv: cfg.Getenv})
	if err != nil {
		return command.Usagef("webhook serve: %v", err)
	}
	certs, err := tlsreload.New(tlsreload.Config{CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey, Logger: log})
	if err != nil {
		return command.Usagef("webhook serve: %v", err)
	}
	accounts := kube.NewAccounts(client, cfg.Webhook.AnnotationPrefix, log)
	go accounts.Run(ctx)
	h := &admission.Handler{Config: cfg.Webhook, Accounts: accounts, Log: log, Metrics: admission.NewMetrics(), Now: time.Now}
	if cfg.ClusterName != "" {
		cache, err := newAssociations(ctx, cfg, log)
		if err != nil {
			return err
		}
		go cache.Run(ctx)
		h.Associations = cache
	}
	if cfg.WatchConfigMap {
		var current atomic.Pointer[webhook.Mappings]
		current.Store(&webhook.Mappings{})
		h.Mappings = func() webhook.Mappings { return *current.Load() }
		go kube.WatchConfigMap(ctx, client, log, cfg.ConfigMapNamespace, cfg.ConfigMapName, "config", func(v string) {
			m := webhook.Mappings{}
			if v != "" {
				var err error
				if m, err = webhook.ParseMappings(v); err != nil {
					log.Error("mappings ConfigMap not applied", "err", err)
					return
				}
			}
			current.Store(&m)
			log.Info("mappings loaded", "entries", len(m))
		})
	}
	return admission.Serve(ctx, admission.ServerConfig{Listen: cfg.Listen, Certs: certs, Handler: h, Log: log, OnListen: cfg.OnListen, HTTP2: cfg.HTTP2})
}

// newAssociations builds the association cache over an EKS client.
func newAssociations(ctx context.Context, cfg ServeConfig, log *slog.Logger) (*associations.Cache, error) {
	var awsCfg aws.Config
	if cfg.AWS != nil {
		awsCfg = *cfg.AWS
	} else {
		var err error
		if awsCfg, err = config.LoadDefaultConfig(ctx); err != nil {
			return nil, command.Usagef("webhook serve: AWS configuration for the EKS API: %v", err)
		}
	}
	region := cmp.Or(cfg.EKSRegion, awsCfg.Region, cfg.Webhook.Region, "us-east-1")
	client := eks.NewFromConfig(awsCfg, func(o *eks.Options) {
		o.Region = region
		if cfg.EKSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.EKSEndpoint)
		}
	})
	cache, err := associations.New(associations.Config{Client: client, Cluster: cfg.ClusterName, Refresh: cfg.AssociationsRefresh, Log: log})
	if err != nil {
		return nil, command.Usagef("webhook serve: %v", err)
	}
	log.Info("pod identity on", "cluster", cfg.ClusterName, "region", region, "endpoint", cfg.EKSEndpoint)
	return cache, nil
}
