package irsacmd

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
)

// AssociateConfig configures "podiam irsa associate-oidc-provider".
type AssociateConfig struct {
	Kubeconfig string // "" is $KUBECONFIG, ~/.kube/config, then in-cluster
	Context    string // the kubeconfig's context; "" is the current one
	Cluster    string // the kubeconfig's cluster; "" is the context's
	Getenv     func(string) string
	ClientID   string
	Thumbprint string // "" means the kubeconfig CA's
	DryRun     bool
}

func newAssociate(env command.Env) *cobra.Command {
	var cfg AssociateConfig
	cmd := &cobra.Command{
		Use:   "associate-oidc-provider [--kubeconfig FILE] [--context NAME | --cluster NAME] [flags]",
		Short: "register the cluster's service-account issuer as an IAM OIDC provider",
		Long: "Reads the cluster's service-account issuer through its API server and registers it\n" +
			"as an IAM OIDC provider (AWS credentials and AWS_ENDPOINT_URL as for the AWS CLI).\n" +
			"Running it again changes nothing.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAssociate(cmd.Context(), env, cfg)
		},
	}
	fs := cmd.Flags()
	kubeFlags(fs, &cfg.Kubeconfig, &cfg.Context, &cfg.Cluster)
	fs.StringVar(&cfg.ClientID, "client-id", "sts.amazonaws.com", "audience the provider accepts")
	fs.StringVar(&cfg.Thumbprint, "thumbprint", "", "SHA-1 thumbprint of the issuer's CA (default: the kubeconfig's cluster CA)")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "print what would be done and change nothing")
	return cmd
}

func runAssociate(ctx context.Context, env command.Env, cfg AssociateConfig) error {
	cfg.Getenv = env.Getenv
	return Associate(ctx, env, cfg)
}

// Associate registers the cluster's issuer unless it is registered.
func Associate(ctx context.Context, env command.Env, cfg AssociateConfig) error {
	s, err := open(ctx, kube.Config{Kubeconfig: cfg.Kubeconfig, Context: cfg.Context, Cluster: cfg.Cluster, Getenv: cfg.Getenv})
	if err != nil {
		return err
	}
	thumb := cfg.Thumbprint
	if thumb == "" {
		thumb = s.thumbprint
	}
	_, err = ensureProvider(ctx, env, s.iam, s.provider, s.issuer, cfg.ClientID, thumb, cfg.DryRun)
	return err
}

// ensureProvider creates the provider, or adds the client id to an
// existing one; it reports whether anything changed.
func ensureProvider(ctx context.Context, env command.Env, im *iam.Client, arn, issuer, clientID, thumb string, dry bool) (bool, error) {
	got, err := im.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	var ae smithy.APIError
	switch {
	case err == nil:
		if slices.Contains(got.ClientIDList, clientID) {
			fmt.Fprintf(env.Stdout, "OIDC provider %s already trusts audience %s\n", arn, clientID)
			return false, nil
		}
		fmt.Fprintf(env.Stdout, "add audience %s to OIDC provider %s\n", clientID, arn)
		if dry {
			return true, nil
		}
		_, err := im.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String(clientID)})
		return true, err
	case errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity":
		fmt.Fprintf(env.Stdout, "create OIDC provider %s (audience %s, thumbprint %s)\n", issuer, clientID, thumb)
		if dry {
			return true, nil
		}
		_, err := im.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(issuer),
			ClientIDList: []string{clientID}, ThumbprintList: []string{thumb}})
		return true, err
	default:
		return false, fmt.Errorf("read OIDC provider %s: %w", arn, err)
	}
}
