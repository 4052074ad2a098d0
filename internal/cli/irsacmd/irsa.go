package irsacmd

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
)

// New returns "podiam irsa" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "irsa", Short: "set up IRSA for a cluster: OIDC provider, roles, ServiceAccounts"},
		newAssociate(env), newCreate(env), newServeDiscovery(env))
}

// Run runs "podiam irsa args" (for tests).
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Run(ctx, env, New(env), args)
}

// cluster is what the commands learn of a cluster.
type cluster struct {
	kube       *kube.Client
	issuer     string // https://host/path, from the API server's discovery document
	thumbprint string // SHA-1 of the CA in the kubeconfig, hex
}

// kubeFlags registers --kubeconfig, --context and --cluster, which every
// irsa command reads the cluster through.
func kubeFlags(fs *pflag.FlagSet, kubeconfig, context, cluster *string) {
	fs.StringVar(kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config, then in-cluster)")
	fs.StringVar(context, "context", "", "the kubeconfig's context (default: its current context)")
	fs.StringVar(cluster, "cluster", "", "the kubeconfig's cluster to use, by name: the context that uses it (default: the current context's)")
}

// connect builds the Kubernetes client of a command; a configuration
// that does not resolve is bad input.
func connect(cfg kube.Config) (*kube.Client, error) {
	c, err := kube.New(cfg)
	if err != nil {
		return nil, command.Usagef("%v", err)
	}
	return c, nil
}

// readCluster reads the issuer through the API server and the CA
// thumbprint from the kubeconfig.
func readCluster(ctx context.Context, kc kube.Config) (*cluster, error) {
	c, err := connect(kc)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	body, err := c.REST.Get().AbsPath("/.well-known/openid-configuration").DoRaw(ctx)
	if err == nil {
		err = json.Unmarshal(body, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("read the cluster's service-account issuer: %w", err)
	}
	u, err := url.Parse(doc.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("the cluster's issuer %q is not an https URL (set --service-account-issuer on the API server)", doc.Issuer)
	}
	if u.Port() != "" {
		return nil, fmt.Errorf("the cluster's issuer %q has a port, which IAM does not accept in a provider URL", doc.Issuer)
	}
	ca, err := c.CA()
	if err != nil {
		return nil, err
	}
	thumb, err := thumbprint(ca)
	if err != nil {
		return nil, err
	}
	return &cluster{kube: c, issuer: strings.TrimSuffix(doc.Issuer, "/"), thumbprint: thumb}, nil
}

// thumbprint returns the SHA-1 thumbprint of the last certificate of the
// kubeconfig's cluster CA, PEM (the root that signs the issuer's chain).
func thumbprint(pemData []byte) (string, error) {
	var last []byte
	for b, rest := pem.Decode(pemData); b != nil; b, rest = pem.Decode(rest) {
		if b.Type == "CERTIFICATE" {
			last = b.Bytes
		}
	}
	if last == nil {
		return "", errors.New("the kubeconfig names no cluster CA certificate: give --thumbprint")
	}
	sum := sha1.Sum(last)
	return hex.EncodeToString(sum[:]), nil
}

// session is what both commands start from: the cluster, an IAM client
// and the ARN its issuer has (or would have) as a provider.
type session struct {
	*cluster
	iam      *iam.Client
	provider string
}

func open(ctx context.Context, kc kube.Config) (*session, error) {
	cl, err := readCluster(ctx, kc)
	if err != nil {
		return nil, err
	}
	im, st, err := awsClients(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := account(ctx, st)
	if err != nil {
		return nil, err
	}
	return &session{cluster: cl, iam: im, provider: providerARN(acct, cl.issuer)}, nil
}

// awsClients loads the AWS configuration as the AWS CLI does
// (AWS_ENDPOINT_URL names podiam).
func awsClients(ctx context.Context) (*iam.Client, *sts.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return iam.NewFromConfig(cfg), sts.NewFromConfig(cfg), nil
}

// providerARN is the ARN IAM gives the provider for issuer in account.
func providerARN(account, issuer string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/" + strings.TrimPrefix(issuer, "https://")
}

func account(ctx context.Context, s *sts.Client) (string, error) {
	id, err := s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("who am I (sts get-caller-identity): %w", err)
	}
	return aws.ToString(id.Account), nil
}
