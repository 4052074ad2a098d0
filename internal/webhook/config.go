package webhook

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Defaults of the reference webhook's flags.
const (
	DefaultAnnotationPrefix = "eks.amazonaws.com"
	DefaultAudience         = "sts.amazonaws.com"
	DefaultMountPath        = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
	DefaultExpiration       = 86400
	// MinExpiration is the shortest token lifetime the webhook asks for,
	// as the kubelet refuses shorter ones; shorter requests are raised.
	MinExpiration = 600

	// VolumeName names the projected token volume and its mounts.
	VolumeName = "aws-iam-token"
	// TokenPath is the token's file name inside the mount.
	TokenPath = "token"
)

// Config is the webhook's configuration: the reference's flags plus
// podiam's additions.
type Config struct {
	AnnotationPrefix string // --annotation-prefix
	Audience         string // --token-audience
	MountPath        string // --token-mount-path
	Expiration       int64  // --token-expiration, seconds
	Region           string // --aws-default-region: AWS_REGION and AWS_DEFAULT_REGION when set
	RegionalSTS      bool   // --sts-regional-endpoint
	// RoleARNPrefix, when set (--compose-role-arn), is put before a
	// role-arn annotation that holds no "arn:", so that the annotation
	// may name just the role (and its path): "arn:aws:iam::111122223333:role/".
	RoleARNPrefix string

	// EndpointURL, when set, is injected as AWS_ENDPOINT_URL and
	// AWS_ENDPOINT_URL_STS, so that unmodified SDKs reach podiam (the Go
	// SDK's web identity provider reads only the latter).
	EndpointURL string
	// SessionNameFromPod injects AWS_ROLE_SESSION_NAME = the pod's name.
	SessionNameFromPod bool

	// PodIdentity is what pods whose ServiceAccount has a Pod Identity
	// association get (MutatePodIdentity).
	PodIdentity PodIdentityConfig
}

// WithDefaults returns c with every unset field at the reference's
// default and the expiration raised to MinExpiration.
func (c Config) WithDefaults() Config {
	if c.AnnotationPrefix == "" {
		c.AnnotationPrefix = DefaultAnnotationPrefix
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.MountPath == "" {
		c.MountPath = DefaultMountPath
	}
	if c.Expiration == 0 {
		c.Expiration = DefaultExpiration
	}
	c.Expiration = max(c.Expiration, MinExpiration)
	c.PodIdentity = c.PodIdentity.withDefaults()
	return c
}

// Identity is what a ServiceAccount (or a mapping) asks the webhook to
// inject.
type Identity struct {
	RoleARN     string
	Audience    string
	RegionalSTS bool
	Expiration  int64 // seconds
}

// FromServiceAccount reads the Identity of a ServiceAccount from its
// annotations under c's prefix (c with defaults applied). ok is false when
// the ServiceAccount names no role. With c.RoleARNPrefix, a role-arn
// without "arn:" in it is a role name composed into an ARN, as the
// reference's --compose-role-arn does (the ConfigMap's mappings are not). As in the reference, a malformed
// sts-regional-endpoints or token-expiration keeps the flag's value, and
// an expiration under MinExpiration is raised to it.
func FromServiceAccount(sa *corev1.ServiceAccount, c Config) (id Identity, ok bool) {
	a := sa.Annotations
	p := c.AnnotationPrefix + "/"
	id = Identity{RoleARN: a[p+"role-arn"], Audience: c.Audience, RegionalSTS: c.RegionalSTS, Expiration: c.Expiration}
	if id.RoleARN == "" {
		return Identity{}, false
	}
	if c.RoleARNPrefix != "" && !strings.Contains(id.RoleARN, "arn:") {
		id.RoleARN = c.RoleARNPrefix + id.RoleARN
	}
	if v, set := a[p+"audience"]; set {
		id.Audience = v
	}
	if v, err := strconv.ParseBool(a[p+"sts-regional-endpoints"]); err == nil {
		id.RegionalSTS = v
	}
	if v, err := strconv.ParseInt(a[p+"token-expiration"], 10, 64); err == nil {
		id.Expiration = max(v, MinExpiration)
	}
	return id, true
}
