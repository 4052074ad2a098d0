package webhookcmd

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/webhook"
)

// MutateConfig configures "podiam webhook mutate".
type MutateConfig struct {
	Pod            string // path of the pod manifest (YAML or JSON)
	ServiceAccount string // path of the ServiceAccount manifest
	Output         string // "patch" or "pod"
	// PodIdentity: the ServiceAccount has a Pod Identity association.
	PodIdentity bool
	Webhook     webhook.Config
}

func newMutate(env command.Env) *cobra.Command {
	var cfg MutateConfig
	var webhookCfg func() (webhook.Config, error)
	cmd := &cobra.Command{
		Use:   "mutate --pod FILE --service-account FILE [flags]",
		Short: "show what the webhook does to a pod manifest, offline",
		Long: "Runs the webhook's mutation offline and prints the JSON patch it would return\n" +
			"(or, with --output pod, the pod after it). When nothing would be injected it\n" +
			"prints [] (or the pod unchanged) and says why on stderr.",
		Args: command.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runMutate(env, cfg, webhookCfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Pod, "pod", "", "the pod manifest, YAML or JSON (required)")
	fs.StringVar(&cfg.ServiceAccount, "service-account", "", "the pod's ServiceAccount manifest, YAML or JSON (required)")
	fs.StringVar(&cfg.Output, "output", "patch", "what to print: patch (the JSON patch) or pod (the pod after it)")
	fs.BoolVar(&cfg.PodIdentity, "pod-identity", false, "the ServiceAccount has an EKS Pod Identity association: inject Pod Identity (the token lifetime is not jittered)")
	webhookCfg = configFlags(fs)
	cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]cobra.Completion{"patch", "pod"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runMutate(env command.Env, cfg MutateConfig, webhookCfg func() (webhook.Config, error)) error {
	if cfg.Pod == "" || cfg.ServiceAccount == "" {
		return command.Usagef("webhook mutate: --pod and --service-account are required")
	}
	if cfg.Output != "patch" && cfg.Output != "pod" {
		return command.Usagef("webhook mutate: --output must be patch or pod, not %q", cfg.Output)
	}
	var err error
	if cfg.Webhook, err = webhookCfg(); err != nil {
		return err
	}
	return Mutate(env, cfg)
}

// Mutate reads the manifests, mutates and prints.
func Mutate(env command.Env, cfg MutateConfig) error {
	var pod corev1.Pod
	if err := readManifest(cfg.Pod, "Pod", &pod.TypeMeta, &pod); err != nil {
		return err
	}
	var sa corev1.ServiceAccount
	if err := readManifest(cfg.ServiceAccount, "ServiceAccount", &sa.TypeMeta, &sa); err != nil {
		return err
	}
	d := plan(&pod, &sa, cfg.Webhook, cfg.PodIdentity)
	if d.Reason != "" {
		fmt.Fprintf(env.Stderr, "nothing injected: %s\n", d.Reason)
	}
	if d.Warning != "" {
		fmt.Fprintf(env.Stderr, "warning: %s\n", d.Warning)
	}
	ops := d.Ops
	var out any = ops
	if cfg.Output == "pod" {
		p, err := webhook.Apply(&pod, ops)
		if err != nil {
			return err
		}
		out = p
	} else if ops == nil {
		out = []webhook.Op{}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}

// plan decides as the webhook does, after checking that the manifests
// belong together. Offline, a Pod Identity token's lifetime is not
// jittered, so that the output is the same every time.
func plan(pod *corev1.Pod, sa *corev1.ServiceAccount, c webhook.Config, podIdentity bool) webhook.Decision {
	if why := webhook.Skipped(pod); why != "" {
		return webhook.Decision{Reason: why}
	}
	if want := webhook.ServiceAccountName(pod); sa.Name != want {
		return webhook.Decision{Reason: fmt.Sprintf("the pod runs as ServiceAccount %q, the file holds %q", want, sa.Name)}
	}
	if pod.Namespace != "" && sa.Namespace != "" && pod.Namespace != sa.Namespace {
		return webhook.Decision{Reason: fmt.Sprintf("the pod is in namespace %q, the ServiceAccount in %q", pod.Namespace, sa.Namespace)}
	}
	if podIdentity {
		return webhook.PlanPodIdentity(pod, sa, nil, c, nil)
	}
	return webhook.Plan(pod, sa, nil, c)
}

// readManifest reads one YAML or JSON object of the given kind into v,
// whose type metadata is tm.
func readManifest(path, kind string, tm *metav1.TypeMeta, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return command.Usagef("read the %s manifest: %v", kind, err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		return command.Usagef("%s: not a %s manifest: %v", path, kind, err)
	}
	if tm.Kind != "" && tm.Kind != kind {
		return command.Usagef("%s: kind %s, want %s", path, tm.Kind, kind)
	}
	return nil
}
