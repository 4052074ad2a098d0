package irsacmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
)

// CreateConfig configures "podiam irsa create-service-account".
type CreateConfig struct {
	Kubeconfig       string // "" is $KUBECONFIG, ~/.kube/config, then in-cluster
	Context          string // the kubeconfig's context; "" is the current one
	Cluster          string // the kubeconfig's cluster; "" is the context's
	Getenv           func(string) string
	Namespace        string // "" is the context's namespace
	Name             string
	RoleName         string
	Policies         []string // ARNs to attach
	Audience         string
	AnnotationPrefix string
	DryRun           bool
}

func newCreate(env command.Env) *cobra.Command {
	var cfg CreateConfig
	cmd := &cobra.Command{
		Use:   "create-service-account [--kubeconfig FILE] --name SA --role-name ROLE [flags]",
		Short: "make a role one ServiceAccount may assume, and annotate the ServiceAccount",
		Long: "Creates the role (or brings its trust policy up to date) so that only the\n" +
			"ServiceAccount NAMESPACE/SA of the cluster may assume it with its token, attaches the\n" +
			"policies, and creates the ServiceAccount or annotates the existing one with the role.\n" +
			"The cluster's issuer must be registered (associate-oidc-provider). Running it again\n" +
			"changes nothing.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCreate(cmd.Context(), env, cfg)
		},
	}
	fs := cmd.Flags()
	kubeFlags(fs, &cfg.Kubeconfig, &cfg.Context, &cfg.Cluster)
	fs.StringVar(&cfg.Namespace, "namespace", "", "the ServiceAccount's namespace (default: the context's, else default)")
	fs.StringVar(&cfg.Name, "name", "", "the ServiceAccount (required)")
	fs.StringVar(&cfg.RoleName, "role-name", "", "the role to create or update (required)")
	fs.StringArrayVar(&cfg.Policies, "attach-policy-arn", nil, "a managed policy to attach to the role (repeatable)")
	fs.StringVar(&cfg.Audience, "audience", "sts.amazonaws.com", "the token audience the trust policy requires")
	fs.StringVar(&cfg.AnnotationPrefix, "annotation-prefix", "eks.amazonaws.com", "prefix of the role-arn annotation")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "print what would be done and change nothing")
	return cmd
}

func runCreate(ctx context.Context, env command.Env, cfg CreateConfig) error {
	if cfg.Name == "" || cfg.RoleName == "" {
		return command.Usagef("irsa create-service-account: --name and --role-name are required")
	}
	cfg.Getenv = env.Getenv
	return Create(ctx, env, cfg)
}

// TrustPolicy is the EKS guide's trust policy: the provider may federate
// the one ServiceAccount, with the audience.
func TrustPolicy(providerARN, issuer, audience, namespace, name string) string {
	host := strings.TrimPrefix(issuer, "https://")
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]string{"Federated": providerARN},
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Condition": map[string]any{"StringEquals": map[string]string{
				host + ":aud": audience,
				host + ":sub": "system:serviceaccount:" + namespace + ":" + name,
			}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// Create does the three steps, each only if needed.
func Create(ctx context.Context, env command.Env, cfg CreateConfig) error {
	s, err := open(ctx, kube.Config{Kubeconfig: cfg.Kubeconfig, Context: cfg.Context, Cluster: cfg.Cluster, Getenv: cfg.Getenv})
	if err != nil {
		return err
	}
	if cfg.Namespace == "" {
		cfg.Namespace = s.kube.Namespace
	}
	cl, im, provider := s.cluster, s.iam, s.provider
	if _, err := im.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(provider)}); err != nil {
		return fmt.Errorf("the cluster's issuer is not an IAM OIDC provider (run podiam irsa associate-oidc-provider): %w", err)
	}
	trust := TrustPolicy(provider, cl.issuer, cfg.Audience, cfg.Namespace, cfg.Name)
	roleARN, err := ensureRole(ctx, env, im, cfg, trust)
	if err != nil {
		return err
	}
	for _, p := range cfg.Policies {
		fmt.Fprintf(env.Stdout, "attach policy %s to role %s\n", p, cfg.RoleName)
		if !cfg.DryRun {
			if _, err := im.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(cfg.RoleName), PolicyArn: aws.String(p)}); err != nil {
				return fmt.Errorf("attach %s: %w", p, err)
			}
		}
	}
	return ensureAccount(ctx, env, cl.kube, cfg, roleARN)
}

func ensureRole(ctx context.Context, env command.Env, im *iam.Client, cfg CreateConfig, trust string) (string, error) {
	got, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(cfg.RoleName)})
	var ae smithy.APIError
	switch {
	case err == nil:
		arn := aws.ToString(got.Role.Arn)
		current, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
		if sameJSON(current, trust) {
			fmt.Fprintf(env.Stdout, "role %s already trusts %s/%s\n", arn, cfg.Namespace, cfg.Name)
			return arn, nil
		}
		fmt.Fprintf(env.Stdout, "update the trust policy of role %s to trust %s/%s\n", arn, cfg.Namespace, cfg.Name)
		if !cfg.DryRun {
			if _, err := im.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(cfg.RoleName), PolicyDocument: aws.String(trust)}); err != nil {
				return "", err
			}
		}
		return arn, nil
	case errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity":
		fmt.Fprintf(env.Stdout, "create role %s trusting %s/%s\n", cfg.RoleName, cfg.Namespace, cfg.Name)
		if cfg.DryRun {
			return "(role " + cfg.RoleName + ")", nil
		}
		out, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(cfg.RoleName), AssumeRolePolicyDocument: aws.String(trust),
			Description: aws.String("IRSA role of " + cfg.Namespace + "/" + cfg.Name)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Role.Arn), nil
	default:
		return "", fmt.Errorf("read role %s: %w", cfg.RoleName, err)
	}
}

func ensureAccount(ctx context.Context, env command.Env, kc *kube.Client, cfg CreateConfig, roleARN string) error {
	key := cfg.AnnotationPrefix + "/role-arn"
	sa, err := kc.Metadata.Resource(serviceAccounts).Namespace(cfg.Namespace).Get(ctx, cfg.Name, metav1.GetOptions{})
	switch {
	case err == nil && sa.Annotations[key] == roleARN:
		fmt.Fprintf(env.Stdout, "ServiceAccount %s/%s already names role %s\n", cfg.Namespace, cfg.Name, roleARN)
		return nil
	case err == nil:
		fmt.Fprintf(env.Stdout, "annotate ServiceAccount %s/%s with %s=%s\n", cfg.Namespace, cfg.Name, key, roleARN)
		if cfg.DryRun {
			return nil
		}
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: roleARN}}})
		if _, err := kc.Metadata.Resource(serviceAccounts).Namespace(cfg.Namespace).Patch(ctx, cfg.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("annotate ServiceAccount %s/%s: %w", cfg.Namespace, cfg.Name, err)
		}
		return nil
	case apierrors.IsNotFound(err):
		fmt.Fprintf(env.Stdout, "create ServiceAccount %s/%s with %s=%s\n", cfg.Namespace, cfg.Name, key, roleARN)
		if cfg.DryRun {
			return nil
		}
		obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ServiceAccount",
			"metadata": map[string]any{"name": cfg.Name, "namespace": cfg.Namespace, "annotations": map[string]any{key: roleARN}}}}
		if _, err := kc.Dynamic.Resource(serviceAccounts).Namespace(cfg.Namespace).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create ServiceAccount %s/%s: %w", cfg.Namespace, cfg.Name, err)
		}
		return nil
	default:
		return fmt.Errorf("read ServiceAccount %s/%s: %w", cfg.Namespace, cfg.Name, err)
	}
}

var serviceAccounts = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
