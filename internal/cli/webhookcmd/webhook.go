package webhookcmd

import (
	"context"
	"flag"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/webhook"
)

var commands = []command.Command{
	{Name: "serve", Summary: "serve the mutating admission webhook", Run: runServe},
	{Name: "mutate", Summary: "show what the webhook does to a pod manifest, offline", Run: runMutate},
}

// Run dispatches "podiam webhook <verb>".
func Run(ctx context.Context, env command.Env, args []string) error {
	return command.Dispatch(ctx, env, "podiam webhook", commands, args)
}

// configFlags registers the mutation's flags (the reference webhook's
// names and defaults, and podiam's additions) on fs; the returned
// function reads them after parsing.
func configFlags(fs *flag.FlagSet) func() webhook.Config {
	var c webhook.Config
	fs.StringVar(&c.AnnotationPrefix, "annotation-prefix", webhook.DefaultAnnotationPrefix, "prefix of the ServiceAccount and pod annotations")
	fs.StringVar(&c.Audience, "token-audience", webhook.DefaultAudience, "audience of the projected token unless the ServiceAccount names one")
	fs.StringVar(&c.MountPath, "token-mount-path", webhook.DefaultMountPath, "where the token volume is mounted")
	fs.Int64Var(&c.Expiration, "token-expiration", webhook.DefaultExpiration, "token lifetime in seconds (at least 600)")
	fs.StringVar(&c.Region, "aws-default-region", "", "inject AWS_REGION and AWS_DEFAULT_REGION with this region")
	fs.BoolVar(&c.RegionalSTS, "sts-regional-endpoint", false, "inject AWS_STS_REGIONAL_ENDPOINTS=regional")
	fs.StringVar(&c.EndpointURL, "endpoint-url", "", "podiam: inject AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_STS with this URL")
	fs.BoolVar(&c.SessionNameFromPod, "session-name-from-pod", false, "podiam: inject AWS_ROLE_SESSION_NAME = the pod's name")
	return func() webhook.Config { return c.WithDefaults() }
}
