package clustercmd

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
)

// New returns "podiam cluster" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "cluster", Short: "bind a real Kubernetes cluster to its EKS cluster record in podiam"},
		newBind(env), newSync(env))
}

// Run runs "podiam cluster args" (for tests).
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Run(ctx, env, New(env), args)
}

// Config is what bind and sync read a cluster with and push it to.
type Config struct {
	Name       string // the EKS cluster's name in podiam (required)
	Kubeconfig string // "" is $KUBECONFIG, ~/.kube/config, then in-cluster
	Context    string // the kubeconfig's context; "" is the current one
	// EndpointURL is podiam's URL; "" is $AWS_ENDPOINT_URL_EKS, then
	// $AWS_ENDPOINT_URL.
	EndpointURL string
	// APIServer is the API server URL recorded as the cluster's endpoint;
	// "" is the kubeconfig's server (in a pod, the in-cluster address).
	APIServer string
	// ExternalIssuer registers the cluster's own issuer (its discovery
	// document's) instead of podiam's hosted one.
	ExternalIssuer bool
	// Getenv reads the environment (kubeconfig and endpoint fallbacks);
	// the AWS credentials and region come from the SDK's default chain.
	Getenv func(string) string
}

func (c Config) kube() kube.Config {
	return kube.Config{Kubeconfig: c.Kubeconfig, Context: c.Context, Getenv: c.Getenv}
}

// flags registers what bind and sync share.
func flags(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.Name, "name", "", "the cluster's name in podiam (aws eks create-cluster --name) (required)")
	fs.StringVar(&c.Kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config, then in-cluster)")
	fs.StringVar(&c.Context, "context", "", "the kubeconfig's context (default: its current context)")
	fs.StringVar(&c.EndpointURL, "endpoint-url", "", "podiam's URL (default: $AWS_ENDPOINT_URL_EKS, then $AWS_ENDPOINT_URL)")
	fs.StringVar(&c.APIServer, "api-server", "", "the API server URL to record as the cluster's endpoint (default: the kubeconfig's server)")
	fs.BoolVar(&c.ExternalIssuer, "external-issuer", false, "register the cluster's own service-account issuer, which must be reachable by podiam, instead of podiam's hosted one")
}

// DefaultInterval is how often sync reads the cluster's keys.
const DefaultInterval = time.Minute
