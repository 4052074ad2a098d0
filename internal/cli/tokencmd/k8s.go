package tokencmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/k8stoken"
)

// K8sConfig configures "podiam token k8s".
type K8sConfig struct {
	Cluster  string
	RoleARN  string
	Region   string
	Endpoint string // STS's URL; the SDK's (AWS_ENDPOINT_URL_STS, or AWS's) when ""
	// Now is the clock of the expiry; time.Now when nil.
	Now func() time.Time
}

// roleSessionName is the session name of --role-arn, as aws eks get-token names it.
const roleSessionName = "EKSGetTokenAuth"

// execInfoEnv is where kubectl tells an exec plugin the ExecCredential
// version it reads.
const execInfoEnv = "KUBERNETES_EXEC_INFO"

// apiVersions are the ExecCredential versions written; the first is the default.
var apiVersions = []string{"client.authentication.k8s.io/v1beta1", "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1alpha1"}

func newK8s(env command.Env) *cobra.Command {
	var cfg K8sConfig
	cmd := &cobra.Command{
		Use:   "k8s --cluster NAME [flags]",
		Short: "print an EKS token for kubectl (aws eks get-token's ExecCredential)",
		Long: "Prints the ExecCredential that aws eks get-token prints: a k8s-aws-v1. token\n" +
			"(an STS GetCallerIdentity presigned with the cluster's name in x-k8s-aws-id),\n" +
			"good for 15 minutes and given to kubectl with an expiry 14 minutes ahead.\n" +
			"Credentials come from the AWS SDK's default chain; with --role-arn the role is\n" +
			"assumed first (session EKSGetTokenAuth). STS is AWS's unless --endpoint-url or\n" +
			"AWS_ENDPOINT_URL_STS names another (podiam's). The ExecCredential's apiVersion\n" +
			"is the one KUBERNETES_EXEC_INFO asks for, else v1beta1.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runK8s(cmd.Context(), env, cfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Cluster, "cluster", "", "the cluster's name (or id), signed into the token (required)")
	fs.StringVar(&cfg.RoleARN, "role-arn", "", "a role to assume first; the token is then the role's")
	fs.StringVar(&cfg.Region, "region", "", "the region STS is called in (default: the SDK's, $AWS_REGION or the profile's)")
	fs.StringVar(&cfg.Endpoint, "endpoint-url", "", "STS's URL, e.g. podiam's (default $AWS_ENDPOINT_URL_STS, else AWS's regional endpoint)")
	return cmd
}

func runK8s(ctx context.Context, env command.Env, cfg K8sConfig) error {
	if cfg.Cluster == "" {
		return command.Usagef("token k8s: --cluster is required")
	}
	if cfg.Endpoint != "" {
		if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return command.Usagef("token k8s: --endpoint-url %q is not an http(s) URL", cfg.Endpoint)
		}
	}
	apiVersion, err := execVersion(env)
	if err != nil {
		return err
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("token k8s: your AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return command.Usagef("token k8s: no region: give --region or set AWS_REGION")
	}
	client := func(creds aws.CredentialsProvider) *sts.Client {
		return sts.NewFromConfig(awsCfg, func(o *sts.Options) {
			if cfg.Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.Endpoint)
			}
			if creds != nil {
				o.Credentials = creds
			}
		})
	}
	c := client(nil)
	if cfg.RoleARN != "" {
		out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(cfg.RoleARN), RoleSessionName: aws.String(roleSessionName)})
		if err != nil {
			return fmt.Errorf("token k8s: assume role %q: %w", cfg.RoleARN, err)
		}
		k := out.Credentials
		c = client(credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), aws.ToString(k.SessionToken)))
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	expiry := now().Add(k8stoken.Lifetime).UTC()
	tok, err := k8stoken.Generate(ctx, sts.NewPresignClient(c), cfg.Cluster)
	if err != nil {
		return fmt.Errorf("token k8s: %w", err)
	}
	type status struct {
		ExpirationTimestamp string `json:"expirationTimestamp"`
		Token               string `json:"token"`
	}
	out, err := json.Marshal(struct {
		Kind       string   `json:"kind"`
		APIVersion string   `json:"apiVersion"`
		Spec       struct{} `json:"spec"`
		Status     status   `json:"status"`
	}{Kind: "ExecCredential", APIVersion: apiVersion, Status: status{expiry.Format("2006-01-02T15:04:05Z"), tok}})
	if err != nil {
		return fmt.Errorf("token k8s: %w", err)
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", out)
	return err
}

// execVersion is the ExecCredential apiVersion KUBERNETES_EXEC_INFO asks
// for, or the default.
func execVersion(env command.Env) (string, error) {
	if env.Getenv == nil || env.Getenv(execInfoEnv) == "" {
		return apiVersions[0], nil
	}
	var info struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal([]byte(env.Getenv(execInfoEnv)), &info); err != nil {
		return "", command.Usagef("token k8s: %s is not JSON: %v", execInfoEnv, err)
	}
	for _, v := range apiVersions {
		if info.APIVersion == v {
			return v, nil
		}
	}
	return "", command.Usagef("token k8s: %s asks for apiVersion %q; this writes %v", execInfoEnv, info.APIVersion, apiVersions)
}
