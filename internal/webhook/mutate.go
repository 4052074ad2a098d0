package webhook

import (
	"encoding/csv"
	"fmt"
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Op is one JSON patch (RFC 6902) operation; the webhook only adds.
type Op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// SkipLabel on a pod keeps the webhook away from it (the shipped
// MutatingWebhookConfiguration's objectSelector leaves such pods out).
const SkipLabel = "eks.amazonaws.com/skip-pod-identity-webhook"

// Environment variables the webhook injects.
const (
	envRoleARN      = "AWS_ROLE_ARN"
	envTokenFile    = "AWS_WEB_IDENTITY_TOKEN_FILE"
	envRegion       = "AWS_REGION"
	envDefaultReg   = "AWS_DEFAULT_REGION"
	envRegionalSTS  = "AWS_STS_REGIONAL_ENDPOINTS"
	envEndpoint     = "AWS_ENDPOINT_URL"
	envEndpointSTS  = "AWS_ENDPOINT_URL_STS"
	envSessionName  = "AWS_ROLE_SESSION_NAME"
	maxSessionName  = 64
	windowsOSLabel  = "kubernetes.io/os"
	windowsBetaOS   = "beta.kubernetes.io/os"
	windowsOSValue  = "windows"
	windowsDrive    = "C:"
	regionalSTSOnly = "regional"
)

// Mutate returns the patch that gives pod the identity id under c (with
// defaults applied). It does not change pod. The patch is ordered as the
// reference orders it: the volume (unless the pod already has one of that
// name), then the whole containers array, then the whole init containers
// array if the pod has any. A volume of that name that is not the token
// the webhook would make (a hostPath, a token for another audience...) is
// kept, as amazon-eks-pod-identity-webhook keeps it, so that the pod
// behaves as on EKS; warning then says so, for the caller to log.
func Mutate(pod *corev1.Pod, id Identity, c Config) (ops []Op, warning string) {
	return inject(pod, injection{
		volume: VolumeName, audience: id.Audience, tokenPath: TokenPath, mountPath: c.MountPath,
		expiration: podExpiration(pod, id.Expiration, c), regionalSTS: id.RegionalSTS,
		identityEnv: [2]string{envRoleARN, envTokenFile}, identityValue: id.RoleARN,
		sessionName: c.SessionNameFromPod,
	}, c)
}

// injection is what one mode (IRSA or Pod Identity) puts into a pod.
type injection struct {
	volume, audience, tokenPath, mountPath string
	expiration                             int64
	regionalSTS                            bool
	// identityEnv are the mode's two variables, added together or not at
	// all: the first with identityValue, the second with the token file.
	identityEnv   [2]string
	identityValue string
	label         bool // add PodIdentityLabel
	sessionName   bool // podiam: AWS_ROLE_SESSION_NAME
}

// podExpiration is the token lifetime for pod: its token-expiration
// annotation (raised to MinExpiration) when that is a number, else
// expiration.
func podExpiration(pod *corev1.Pod, expiration int64, c Config) int64 {
	if v, err := strconv.ParseInt(pod.Annotations[c.AnnotationPrefix+"/token-expiration"], 10, 64); err == nil {
		return max(v, MinExpiration)
	}
	return expiration
}

// inject builds the patch of one mode, in the reference's order: the
// label (Pod Identity), the volume, the containers, the init containers.
func inject(pod *corev1.Pod, in injection, c Config) (ops []Op, warning string) {
	skip := map[string]bool{}
	if v, set := pod.Annotations[c.AnnotationPrefix+"/skip-containers"]; set {
		if names, err := csv.NewReader(strings.NewReader(v)).Read(); err == nil {
			for _, n := range names {
				skip[n] = true
			}
		}
	}
	tokenFile := path.Join(in.mountPath, in.tokenPath)
	if os := pod.Spec.NodeSelector[windowsOSLabel]; os == windowsOSValue || pod.Spec.NodeSelector[windowsBetaOS] == windowsOSValue {
		tokenFile = windowsDrive + strings.ReplaceAll(tokenFile, "/", `\`)
	}
	containers := func(list []corev1.Container) []corev1.Container {
		out := make([]corev1.Container, len(list))
		for i := range list {
			out[i] = *list[i].DeepCopy()
			if !skip[out[i].Name] {
				addToContainer(&out[i], pod, in, c, tokenFile)
			}
		}
		return out
	}

	if in.label {
		if pod.Labels == nil {
			ops = append(ops, Op{Op: "add", Path: "/metadata/labels", Value: map[string]string{PodIdentityLabel: PodIdentityLabelValue}})
		} else {
			ops = append(ops, Op{Op: "add", Path: "/metadata/labels/" + escapePointer(PodIdentityLabel), Value: PodIdentityLabelValue})
		}
	}
	vol, own := tokenVolume(pod.Spec.Volumes, in)
	if vol != nil && !own {
		warning = fmt.Sprintf("the pod's own volume %s (%s) is kept, as the reference webhook keeps it, and %s points into it: it is not a service-account token for audience %q at path %s",
			in.volume, volumeKind(vol), in.identityEnv[1], in.audience, in.tokenPath)
	}
	if vol == nil {
		expiration := in.expiration
		vol := corev1.Volume{Name: in.volume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
				Audience: in.audience, ExpirationSeconds: &expiration, Path: in.tokenPath,
			}}},
		}}}
		if pod.Spec.Volumes == nil {
			ops = append(ops, Op{Op: "add", Path: "/spec/volumes", Value: []corev1.Volume{vol}})
		} else {
			ops = append(ops, Op{Op: "add", Path: "/spec/volumes/0", Value: vol})
		}
	}
	ops = append(ops, Op{Op: "add", Path: "/spec/containers", Value: containers(pod.Spec.Containers)})
	if len(pod.Spec.InitContainers) > 0 {
		ops = append(ops, Op{Op: "add", Path: "/spec/initContainers", Value: containers(pod.Spec.InitContainers)})
	}
	return ops, warning
}

// escapePointer escapes a JSON pointer segment (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// addToContainer adds the variables and the mount to one container, by
// the reference's rules: each group of variables is added only when the
// container sets none of it (the mode's two identity variables are one
// group; AWS_REGION and AWS_DEFAULT_REGION another), and a container that
// already sets the identity, region and STS groups is left alone, mount
// included.
func addToContainer(ct *corev1.Container, pod *corev1.Pod, in injection, c Config, tokenFile string) {
	set := map[string]bool{}
	for _, e := range ct.Env {
		set[e.Name] = true
	}
	hasIdentity := set[in.identityEnv[0]] || set[in.identityEnv[1]]
	hasRegion := set[envRegion] || set[envDefaultReg]
	hasSTS := set[envRegionalSTS]
	if hasIdentity && hasRegion && hasSTS {
		return
	}
	add := func(name, value string) { ct.Env = append(ct.Env, corev1.EnvVar{Name: name, Value: value}) }
	if !hasSTS && in.regionalSTS {
		add(envRegionalSTS, regionalSTSOnly)
	}
	if !hasRegion && c.Region != "" {
		add(envDefaultReg, c.Region)
		add(envRegion, c.Region)
	}
	if !hasIdentity {
		add(in.identityEnv[0], in.identityValue)
		add(in.identityEnv[1], tokenFile)
	}
	// podiam's additions, after the reference's variables.
	if c.EndpointURL != "" && !set[envEndpoint] && !set[envEndpointSTS] {
		add(envEndpoint, c.EndpointURL)
		add(envEndpointSTS, c.EndpointURL)
	}
	if in.sessionName && !set[envSessionName] {
		if name := SessionName(pod); name != "" {
			add(envSessionName, name)
		}
	}
	for _, m := range ct.VolumeMounts {
		if m.Name == in.volume {
			return
		}
	}
	ct.VolumeMounts = append(ct.VolumeMounts, corev1.VolumeMount{Name: in.volume, ReadOnly: true, MountPath: in.mountPath})
}

// SessionName is the role session name for pod: its name, or for a pod
// created with generateName (whose name the API server fills in only
// after admission) that prefix, cut to the 64 characters STS allows.
// Pod names are DNS subdomains, all of whose characters STS accepts.
func SessionName(pod *corev1.Pod) string {
	name := pod.Name
	if name == "" {
		name = strings.TrimSuffix(pod.GenerateName, "-")
	}
	if len(name) > maxSessionName {
		name = name[:maxSessionName]
	}
	return name
}

// tokenVolume finds the pod's volume named in.volume (nil for none); own
// reports that it is a projected service-account token for in.audience at
// in.tokenPath, as the webhook would have made it.
func tokenVolume(vs []corev1.Volume, in injection) (v *corev1.Volume, own bool) {
	for i := range vs {
		if vs[i].Name != in.volume {
			continue
		}
		if p := vs[i].Projected; p != nil {
			for _, src := range p.Sources {
				if t := src.ServiceAccountToken; t != nil && t.Audience == in.audience && t.Path == in.tokenPath {
					return &vs[i], true
				}
			}
		}
		return &vs[i], false
	}
	return nil, false
}

// volumeKind names a volume's source for a warning: "hostPath /x",
// "projected", "secret s"...
func volumeKind(v *corev1.Volume) string {
	switch {
	case v.HostPath != nil:
		return "hostPath " + v.HostPath.Path
	case v.Projected != nil:
		return "projected"
	case v.Secret != nil:
		return "secret " + v.Secret.SecretName
	case v.ConfigMap != nil:
		return "configMap " + v.ConfigMap.Name
	case v.EmptyDir != nil:
		return "emptyDir"
	}
	return "another kind of volume"
}

// Skipped reports why the webhook leaves pod alone before looking at its
// ServiceAccount, or "" when it does not.
func Skipped(pod *corev1.Pod) string {
	if _, ok := pod.Labels[SkipLabel]; ok {
		return fmt.Sprintf("the pod has the label %s", SkipLabel)
	}
	return ""
}

// Apply returns a copy of pod with ops (as Mutate and MutatePodIdentity
// build them) applied.
func Apply(pod *corev1.Pod, ops []Op) (*corev1.Pod, error) {
	out := pod.DeepCopy()
	for _, o := range ops {
		if o.Op != "add" {
			return nil, fmt.Errorf("apply: op %q: only add is supported", o.Op)
		}
		switch v := o.Value.(type) {
		case map[string]string:
			if o.Path != "/metadata/labels" {
				return nil, fmt.Errorf("apply: a map at %q", o.Path)
			}
			out.Labels = v
		case string:
			if o.Path != "/metadata/labels/"+escapePointer(PodIdentityLabel) || out.Labels == nil {
				return nil, fmt.Errorf("apply: a string at %q", o.Path)
			}
			out.Labels[PodIdentityLabel] = v
		case []corev1.Volume:
			if o.Path != "/spec/volumes" {
				return nil, fmt.Errorf("apply: volumes at %q", o.Path)
			}
			out.Spec.Volumes = v
		case corev1.Volume:
			if o.Path != "/spec/volumes/0" {
				return nil, fmt.Errorf("apply: a volume at %q", o.Path)
			}
			out.Spec.Volumes = append([]corev1.Volume{v}, out.Spec.Volumes...)
		case []corev1.Container:
			switch o.Path {
			case "/spec/containers":
				out.Spec.Containers = v
			case "/spec/initContainers":
				out.Spec.InitContainers = v
			default:
				return nil, fmt.Errorf("apply: containers at %q", o.Path)
			}
		default:
			return nil, fmt.Errorf("apply: %T at %q", o.Value, o.Path)
		}
	}
	return out, nil
}

// ServiceAccountName is the ServiceAccount a pod runs as: the one it
// names, else "default".
func ServiceAccountName(pod *corev1.Pod) string {
	if pod.Spec.ServiceAccountName != "" {
		return pod.Spec.ServiceAccountName
	}
	return "default"
}

// Decision is what the webhook does with one pod.
type Decision struct {
	// Ops is the patch; nil leaves the pod alone, and Reason says why.
	Ops    []Op
	Reason string
	// Warning, with Ops, is worth logging: the pod keeps a volume of its
	// own named VolumeName that is not the webhook's token.
	Warning string
	// Identity is the IRSA identity found, nil for none.
	Identity *Identity
	// PodIdentity is set when the pod is given Pod Identity.
	PodIdentity *PodIdentity
}

// Plan decides as the webhook does for pod, whose ServiceAccount is sa
// (nil when it could not be read): the skip label, then the account's
// annotations, then the mappings (may be nil), then Mutate.
func Plan(pod *corev1.Pod, sa *corev1.ServiceAccount, m Mappings, c Config) Decision {
	if why := Skipped(pod); why != "" {
		return Decision{Reason: why}
	}
	name := ServiceAccountName(pod)
	var found Identity
	ok := false
	if sa != nil {
		found, ok = FromServiceAccount(sa, c)
	}
	if !ok && m != nil {
		found, ok = m.Lookup(pod.Namespace, name, c)
	}
	if !ok {
		if sa == nil {
			return Decision{Reason: fmt.Sprintf("ServiceAccount %q could not be read", name)}
		}
		return Decision{Reason: fmt.Sprintf("ServiceAccount %q has no %s/role-arn annotation", name, c.AnnotationPrefix)}
	}
	ops, warning := Mutate(pod, found, c)
	return Decision{Ops: ops, Warning: warning, Identity: &found}
}

// PlanPodIdentity decides as the webhook does for pod when its
// ServiceAccount has a Pod Identity association, which wins over a
// role-arn annotation: the skip label, then MutatePodIdentity with the
// settings of PodIdentityOf (sa may be nil when it could not be read; m
// may be nil). randN draws the jitter (Jitter).
func PlanPodIdentity(pod *corev1.Pod, sa *corev1.ServiceAccount, m Mappings, c Config, randN func(n int64) int64) Decision {
	if why := Skipped(pod); why != "" {
		return Decision{Reason: why}
	}
	id := PodIdentityOf(sa, m, pod.Namespace, ServiceAccountName(pod), c)
	ops, warning := MutatePodIdentity(pod, id, c, randN)
	return Decision{Ops: ops, Warning: warning, PodIdentity: &id}
}
