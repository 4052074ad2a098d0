package webhook

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// Defaults of the reference webhook's --container-credentials-* flags,
// which are what EKS's managed webhook injects.
const (
	DefaultPodIdentityAudience   = "pods.eks.amazonaws.com"
	DefaultPodIdentityMountPath  = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"
	DefaultPodIdentityVolumeName = "eks-pod-identity-token"
	DefaultPodIdentityTokenPath  = "eks-pod-identity-token"
	DefaultPodIdentityFullURI    = "http://169.254.170.23/v1/credentials"

	// PodIdentityLabel marks a pod given Pod Identity, as EKS marks it.
	PodIdentityLabel      = "eks.amazonaws.com/pod-identity"
	PodIdentityLabelValue = "enabled"

	// A Pod Identity token asked for with exactly DefaultExpiration
	// seconds gets a lifetime drawn from [MinJitteredExpiration,
	// DefaultExpiration] instead, as the reference does, so that the
	// tokens of pods started together are not all renewed together.
	MinJitteredExpiration = 79200

	envFullURI       = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	envAuthTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
)

// PodIdentityConfig is the Pod Identity half of the configuration: the
// reference's --container-credentials-* flags.
type PodIdentityConfig struct {
	Audience   string // the projected token's audience
	MountPath  string // where its volume is mounted
	VolumeName string // the volume's name
	TokenPath  string // the token's file name in the volume
	FullURI    string // AWS_CONTAINER_CREDENTIALS_FULL_URI: the node agent
}

func (p PodIdentityConfig) withDefaults() PodIdentityConfig {
	if p.Audience == "" {
		p.Audience = DefaultPodIdentityAudience
	}
	if p.MountPath == "" {
		p.MountPath = DefaultPodIdentityMountPath
	}
	if p.VolumeName == "" {
		p.VolumeName = DefaultPodIdentityVolumeName
	}
	if p.TokenPath == "" {
		p.TokenPath = DefaultPodIdentityTokenPath
	}
	if p.FullURI == "" {
		p.FullURI = DefaultPodIdentityFullURI
	}
	return p
}

// PodIdentity is what a pod whose ServiceAccount has a Pod Identity
// association gets besides the fixed variables: the regional STS
// variable and the token's lifetime, read as the reference reads them.
type PodIdentity struct {
	RegionalSTS bool
	Expiration  int64 // seconds, before the pod's annotation and the jitter
}

// PodIdentityOf reads the settings that Pod Identity shares with IRSA for
// the ServiceAccount namespace/name: its sts-regional-endpoints and
// token-expiration annotations (by FromServiceAccount's rules, whether or
// not it names a role); for an account that could not be read (sa nil),
// its ConfigMap mapping; else the flags.
func PodIdentityOf(sa *corev1.ServiceAccount, m Mappings, namespace, name string, c Config) PodIdentity {
	id := PodIdentity{RegionalSTS: c.RegionalSTS, Expiration: c.Expiration}
	switch {
	case sa != nil:
		p := c.AnnotationPrefix + "/"
		if v, err := strconv.ParseBool(sa.Annotations[p+"sts-regional-endpoints"]); err == nil {
			id.RegionalSTS = v
		}
		if v, err := strconv.ParseInt(sa.Annotations[p+"token-expiration"], 10, 64); err == nil {
			id.Expiration = max(v, MinExpiration)
		}
	case m != nil:
		if e, ok := m.Lookup(namespace, name, c); ok {
			id.RegionalSTS, id.Expiration = e.RegionalSTS, e.Expiration
		}
	}
	return id
}

// Jitter returns expiration, or when it is exactly DefaultExpiration a
// lifetime in [MinJitteredExpiration, DefaultExpiration] drawn with
// randN, which returns a number in [0, n) (math/rand/v2's Int64N; a test
// passes a fixed one).
func Jitter(expiration int64, randN func(n int64) int64) int64 {
	if expiration != DefaultExpiration || randN == nil {
		return expiration
	}
	return MinJitteredExpiration + randN(DefaultExpiration-MinJitteredExpiration+1)
}

// MutatePodIdentity returns the patch that gives pod EKS Pod Identity
// under c (with defaults applied), as the reference builds it: the label
// PodIdentityLabel, the projected token volume for c.PodIdentity.Audience
// (unless the pod has a volume of that name), then the containers and
// init containers with AWS_STS_REGIONAL_ENDPOINTS (if asked for), the
// region variables (if configured), AWS_CONTAINER_CREDENTIALS_FULL_URI
// and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, and the mount. The token's
// lifetime is the pod's annotation, else id.Expiration, then jittered
// with randN. It does not change pod; warning is as Mutate's.
func MutatePodIdentity(pod *corev1.Pod, id PodIdentity, c Config, randN func(n int64) int64) (ops []Op, warning string) {
	pi := c.PodIdentity
	return inject(pod, injection{
		volume: pi.VolumeName, audience: pi.Audience, tokenPath: pi.TokenPath, mountPath: pi.MountPath,
		expiration: Jitter(podExpiration(pod, id.Expiration, c), randN), regionalSTS: id.RegionalSTS,
		identityEnv: [2]string{envFullURI, envAuthTokenFile}, identityValue: pi.FullURI,
		label: true,
	}, c)
}
