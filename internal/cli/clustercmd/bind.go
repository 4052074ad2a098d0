package clustercmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
)

func newBind(env command.Env) *cobra.Command {
	var cfg Config
	cmd := &cobra.Command{
		Use:   "bind --name NAME [--kubeconfig FILE] [--context NAME] [--endpoint-url URL] [--external-issuer]",
		Short: "record a real cluster's endpoint, CA and service-account keys in its podiam EKS cluster",
		Long: "Reads the cluster through its API server (the kubeconfig's server and CA, the\n" +
			"service-account keys at /openid/v1/jwks and, with --external-issuer, the cluster's\n" +
			"own issuer) and records them in the EKS cluster --name, which must exist in podiam\n" +
			"(aws eks create-cluster). AWS credentials and region as for the AWS CLI. Prints the\n" +
			"issuer and keys recorded and, for podiam's hosted issuer, the API server flags that\n" +
			"make the cluster sign for it. Run `podiam cluster sync` in the cluster to follow\n" +
			"key rotations.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Getenv = env.Getenv
			return Bind(cmd.Context(), env, cfg)
		},
	}
	flags(cmd.Flags(), &cfg)
	return cmd
}

// Bind pushes the cluster's binding once and prints what was recorded.
func Bind(ctx context.Context, env command.Env, cfg Config) error {
	if cfg.Name == "" {
		return command.Usagef("cluster bind: --name is required")
	}
	kc, err := kube.New(cfg.kube())
	if err != nil {
		return command.Usagef("cluster bind: %v", err)
	}
	b, err := newBinder(ctx, cfg.EndpointURL, cfg.Getenv)
	if err != nil {
		return command.Usagef("cluster bind: %v", err)
	}
	s, err := readState(ctx, kc, cfg.APIServer, cfg.ExternalIssuer)
	if err != nil {
		return err
	}
	c, err := push(ctx, b, cfg.Name, s, cfg.ExternalIssuer)
	if err != nil {
		return err
	}
	issuer := c.Identity.OIDC.Issuer
	fmt.Fprintf(env.Stdout, "bound EKS cluster %s (%s) to %s\n", c.Name, c.ARN, s.Endpoint)
	fmt.Fprintf(env.Stdout, "issuer: %s\n", issuer)
	fmt.Fprintf(env.Stdout, "keys: %s\n", strings.Join(s.KeyIDs, ", "))
	switch {
	case cfg.ExternalIssuer:
		fmt.Fprintf(env.Stdout, "the cluster keeps its own issuer, which podiam must reach for IRSA\n")
	case s.Issuer == issuer:
		fmt.Fprintf(env.Stdout, "the API server signs for the hosted issuer: IRSA (podiam irsa associate-oidc-provider) and Pod Identity are ready\n")
	default:
		fmt.Fprintf(env.Stdout, "next: make the API server sign for the hosted issuer, keeping its current one (%s) as a second issuer while its tokens are in use:\n", orNone(s.Issuer))
		fmt.Fprintf(env.Stdout, "  --service-account-issuer=%s\n", issuer)
		if s.Issuer != "" {
			fmt.Fprintf(env.Stdout, "  --service-account-issuer=%s\n", s.Issuer)
		}
		fmt.Fprintf(env.Stdout, "  --service-account-jwks-uri=%s/keys\n", issuer)
	}
	fmt.Fprintf(env.Stdout, "run `podiam cluster sync --name %s` in the cluster to push rotated keys\n", c.Name)
	return nil
}

// push sends the binding, naming a missing cluster plainly. An external
// binding without an issuer is refused here, for bind and sync alike:
// podiam would take it as the hosted issuer.
func push(ctx context.Context, b *binder, name string, s state, external bool) (cluster, error) {
	if external && s.Issuer == "" {
		return cluster{}, errors.New("--external-issuer: the API server's discovery document (/.well-known/openid-configuration) names no issuer")
	}
	c, err := b.put(ctx, name, s, external)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound && ae.Code == "ResourceNotFoundException" {
		return cluster{}, fmt.Errorf("no EKS cluster %q in podiam: create it first (aws eks create-cluster --name %s ...): %w", name, name, err)
	}
	if err != nil {
		return cluster{}, fmt.Errorf("bind cluster %q: %w", name, err)
	}
	return c, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
