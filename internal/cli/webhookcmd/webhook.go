package webhookcmd

import (
	"context"
	"regexp"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/webhook"
)

// New returns "podiam webhook" and its verbs, writing through env.
func New(env command.Env) *cobra.Command {
	return command.Group(&cobra.Command{Use: "webhook", Short: "the mutating admission webhook (IRSA and EKS Pod Identity)"},
		newServe(env), newMutate(env))
}

// Run runs "podiam webhook args" (for tests).
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Run(ctx, env, New(env), args)
}

// configFlags registers the mutation's flags (the reference webhook's
// names and defaults, and podiam's additions) on fs; the returned
// function reads and checks them after parsing (a UsageError when they
// do not fit together).
func configFlags(fs *pflag.FlagSet) func() (webhook.Config, error) {
	var c webhook.Config
	var compose bool
	var account, partition string
	fs.StringVar(&c.AnnotationPrefix, "annotation-prefix", webhook.DefaultAnnotationPrefix, "prefix of the ServiceAccount and pod annotations")
	fs.StringVar(&c.Audience, "token-audience", webhook.DefaultAudience, "audience of the projected token unless the ServiceAccount names one")
	fs.StringVar(&c.MountPath, "token-mount-path", webhook.DefaultMountPath, "where the token volume is mounted")
	fs.Int64Var(&c.Expiration, "token-expiration", webhook.DefaultExpiration, "token lifetime in seconds (at least 600)")
	fs.StringVar(&c.Region, "aws-default-region", "", "inject AWS_REGION and AWS_DEFAULT_REGION with this region")
	fs.BoolVar(&c.RegionalSTS, "sts-regional-endpoint", false, "inject AWS_STS_REGIONAL_ENDPOINTS=regional")
	fs.BoolVar(&compose, "compose-role-arn", false, "a role-arn annotation may name just the role (and path); the ARN is composed with --account-id and --partition")
	fs.StringVar(&account, "account-id", "", "the account of composed role ARNs (needed by --compose-role-arn: podiam reads no EC2 instance metadata)")
	fs.StringVar(&partition, "partition", "aws", "the partition of composed role ARNs")
	fs.StringVar(&c.EndpointURL, "endpoint-url", "", "podiam: inject AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_STS with this URL")
	fs.BoolVar(&c.SessionNameFromPod, "session-name-from-pod", false, "podiam: inject AWS_ROLE_SESSION_NAME = the pod's name")
	pi := &c.PodIdentity
	fs.StringVar(&pi.Audience, "container-credentials-audience", webhook.DefaultPodIdentityAudience, "Pod Identity: audience of the projected token")
	fs.StringVar(&pi.MountPath, "container-credentials-token-mount-path", webhook.DefaultPodIdentityMountPath, "Pod Identity: where the token volume is mounted")
	fs.StringVar(&pi.VolumeName, "container-credentials-token-volume-name", webhook.DefaultPodIdentityVolumeName, "Pod Identity: name of the token volume")
	fs.StringVar(&pi.TokenPath, "container-credentials-token-path", webhook.DefaultPodIdentityTokenPath, "Pod Identity: the token's file name in the volume")
	fs.StringVar(&pi.FullURI, "container-credentials-full-uri", webhook.DefaultPodIdentityFullURI, "Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI, the node agent's endpoint")
	return func() (webhook.Config, error) {
		if !compose {
			if account != "" {
				return c, command.Usagef("--account-id is used only with --compose-role-arn")
			}
			return c.WithDefaults(), nil
		}
		switch {
		case account == "":
			return c, command.Usagef("--compose-role-arn needs --account-id: the reference webhook reads the account from EC2 instance metadata, podiam does not")
		case !accountID.MatchString(account):
			return c, command.Usagef("--account-id must be 12 digits, not %q", account)
		case !partitionName.MatchString(partition):
			return c, command.Usagef("--partition %q is not a partition (aws, aws-cn, aws-us-gov, ...)", partition)
		}
		c.RoleARNPrefix = "arn:" + partition + ":iam::" + account + ":role/"
		return c.WithDefaults(), nil
	}
}

var (
	accountID     = regexp.MustCompile(`^[0-9]{12}$`)
	partitionName = regexp.MustCompile(`^aws[a-z0-9-]*$`)
)
