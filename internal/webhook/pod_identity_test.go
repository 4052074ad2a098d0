package webhook

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

var (
	fullURI  = "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials"
	authFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"
	piMount  = corev1.VolumeMount{Name: DefaultPodIdentityVolumeName, ReadOnly: true, MountPath: DefaultPodIdentityMountPath}
)

// TestMutatePodIdentity: with the defaults, a pod gets what EKS injects;
// the reference's rules for variables already set, init containers and
// labels hold.
func TestMutatePodIdentity(t *testing.T) {
	zero := func(int64) int64 { return 0 }
	tests := []struct {
		name    string
		cfg     Config
		id      PodIdentity
		pod     *corev1.Pod
		paths   []string
		exp     int64
		env     [][]string
		initEnv [][]string
		mounted []bool
	}{{
		name:  "baseline: label map, volume, variables, mount",
		id:    PodIdentity{Expiration: 3600},
		pod:   pod(ctr("app")),
		paths: []string{"/metadata/labels", "/spec/volumes", "/spec/containers"}, exp: 3600,
		env: [][]string{{fullURI, authFile}}, mounted: []bool{true},
	}, {
		name: "a pod with labels gets one label added",
		id:   PodIdentity{Expiration: DefaultExpiration},
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Labels = map[string]string{"app": "web"}
			return p
		}(),
		paths: []string{"/metadata/labels/eks.amazonaws.com~1pod-identity", "/spec/volumes", "/spec/containers"}, exp: MinJitteredExpiration,
		env: [][]string{{fullURI, authFile}}, mounted: []bool{true},
	}, {
		name:  "STS, region, then the credentials variables; an AWS_ROLE_ARN does not block them",
		cfg:   Config{Region: "eu-west-1"},
		id:    PodIdentity{RegionalSTS: true, Expiration: 3600},
		pod:   pod(ctr("app", "AWS_ROLE_ARN=mine")),
		paths: []string{"/metadata/labels", "/spec/volumes", "/spec/containers"}, exp: 3600,
		env:     [][]string{{"AWS_ROLE_ARN=mine", "AWS_STS_REGIONAL_ENDPOINTS=regional", "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1", fullURI, authFile}},
		mounted: []bool{true},
	}, {
		name: "either credentials variable blocks both; all three groups set: untouched",
		cfg:  Config{Region: "eu-west-1"},
		id:   PodIdentity{RegionalSTS: true, Expiration: 3600},
		pod: pod(ctr("own", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://x"),
			ctr("all", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/t", "AWS_REGION=x", "AWS_STS_REGIONAL_ENDPOINTS=legacy")),
		paths: []string{"/metadata/labels", "/spec/volumes", "/spec/containers"}, exp: 3600,
		env: [][]string{
			{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://x", "AWS_STS_REGIONAL_ENDPOINTS=regional", "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1"},
			{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/t", "AWS_REGION=x", "AWS_STS_REGIONAL_ENDPOINTS=legacy"},
		},
		mounted: []bool{true, false},
	}, {
		name: "init containers and native sidecars too; the pod's expiration wins",
		id:   PodIdentity{Expiration: 3600},
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			always := corev1.ContainerRestartPolicyAlways
			native := ctr("native")
			native.RestartPolicy = &always
			p.Spec.InitContainers = []corev1.Container{ctr("init"), native}
			p.Annotations = map[string]string{"eks.amazonaws.com/token-expiration": "7200"}
			return p
		}(),
		paths: []string{"/metadata/labels", "/spec/volumes", "/spec/containers", "/spec/initContainers"}, exp: 7200,
		env: [][]string{{fullURI, authFile}}, initEnv: [][]string{{fullURI, authFile}, {fullURI, authFile}}, mounted: []bool{true},
	}, {
		name:  "podiam's endpoint, not the session name (eks-auth names the session)",
		cfg:   Config{EndpointURL: "https://podiam.example", SessionNameFromPod: true},
		id:    PodIdentity{Expiration: 3600},
		pod:   pod(ctr("app")),
		paths: []string{"/metadata/labels", "/spec/volumes", "/spec/containers"}, exp: 3600,
		env:     [][]string{{fullURI, authFile, "AWS_ENDPOINT_URL=https://podiam.example", "AWS_ENDPOINT_URL_STS=https://podiam.example"}},
		mounted: []bool{true},
	}, {
		name: "windows token path",
		id:   PodIdentity{Expiration: 3600},
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "windows"}
			return p
		}(),
		paths: []string{"/metadata/labels", "/spec/volumes", "/spec/containers"}, exp: 3600,
		env:     [][]string{{fullURI, `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=C:\var\run\secrets\pods.eks.amazonaws.com\serviceaccount\eks-pod-identity-token`}},
		mounted: []bool{true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg.WithDefaults()
			before, _ := json.Marshal(tt.pod)
			ops, warning := MutatePodIdentity(tt.pod, tt.id, cfg, zero)
			if warning != "" {
				t.Fatalf("warning %q", warning)
			}
			if after, _ := json.Marshal(tt.pod); string(after) != string(before) {
				t.Fatal("MutatePodIdentity changed its input pod")
			}
			var paths []string
			for _, o := range ops {
				paths = append(paths, o.Path)
			}
			if !slices.Equal(paths, tt.paths) {
				t.Fatalf("paths %v, want %v", paths, tt.paths)
			}
			out, err := Apply(tt.pod, ops)
			if err != nil {
				t.Fatal(err)
			}
			if out.Labels[PodIdentityLabel] != PodIdentityLabelValue || len(out.Labels) != len(tt.pod.Labels)+1 {
				t.Errorf("labels %v", out.Labels)
			}
			v := out.Spec.Volumes[0]
			tok := v.Projected.Sources[0].ServiceAccountToken
			if v.Name != DefaultPodIdentityVolumeName || tok.Audience != DefaultPodIdentityAudience || tok.Path != DefaultPodIdentityTokenPath || *tok.ExpirationSeconds != tt.exp {
				t.Errorf("volume %s %+v, want expiration %d", v.Name, tok, tt.exp)
			}
			check := func(got []corev1.Container, want [][]string) {
				if len(got) != len(want) {
					t.Fatalf("%d containers, want %d", len(got), len(want))
				}
				for i, c := range got {
					if e := envOf(c); !slices.Equal(e, want[i]) {
						t.Errorf("container %s env %q, want %q", c.Name, e, want[i])
					}
				}
			}
			check(out.Spec.Containers, tt.env)
			check(out.Spec.InitContainers, tt.initEnv)
			for i, want := range tt.mounted {
				if has := slices.Contains(out.Spec.Containers[i].VolumeMounts, piMount); has != want {
					t.Errorf("container %d mount %v, want %v", i, has, want)
				}
			}
		})
	}
}

// TestJitter: only the default lifetime is jittered, within the
// reference's range.
func TestJitter(t *testing.T) {
	var asked int64
	draw := func(v int64) func(int64) int64 { return func(n int64) int64 { asked = n; return v } }
	if got := Jitter(DefaultExpiration, draw(0)); got != MinJitteredExpiration || asked != 7201 {
		t.Errorf("lowest draw: %d (n %d)", got, asked)
	}
	if got := Jitter(DefaultExpiration, draw(7200)); got != DefaultExpiration {
		t.Errorf("highest draw: %d", got)
	}
	asked = 0
	if got := Jitter(86399, draw(5)); got != 86399 || asked != 0 {
		t.Errorf("another lifetime was jittered: %d", got)
	}
}

// TestPodIdentityOf: the ServiceAccount's annotations, else (account
// unreadable) the ConfigMap's mapping, else the flags.
func TestPodIdentityOf(t *testing.T) {
	c := Config{RegionalSTS: true, Expiration: 5000}.WithDefaults()
	m, err := ParseMappings(`{"demo/app": {"RoleARN": "r", "UseRegionalSTS": false, "TokenExpiration": 1200}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		sa   *corev1.ServiceAccount
		m    Mappings
		want PodIdentity
	}{
		{"flags", sa(nil), m, PodIdentity{RegionalSTS: true, Expiration: 5000}},
		{"annotations, no role needed", sa(map[string]string{"eks.amazonaws.com/sts-regional-endpoints": "false", "eks.amazonaws.com/token-expiration": "60"}), m, PodIdentity{Expiration: MinExpiration}},
		{"malformed annotations keep the flags", sa(map[string]string{"eks.amazonaws.com/sts-regional-endpoints": "maybe", "eks.amazonaws.com/token-expiration": "x"}), m, PodIdentity{RegionalSTS: true, Expiration: 5000}},
		{"unreadable account: the mapping", nil, m, PodIdentity{Expiration: 1200}},
		{"unreadable account, no mapping: the flags", nil, nil, PodIdentity{RegionalSTS: true, Expiration: 5000}},
	} {
		if got := PodIdentityOf(tt.sa, tt.m, "demo", "app", c); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestPlanPodIdentity: the skip label still wins; otherwise the pod gets
// Pod Identity only, whatever role its ServiceAccount names.
func TestPlanPodIdentity(t *testing.T) {
	c := Config{}.WithDefaults()
	p := pod(ctr("app"))
	d := PlanPodIdentity(p, sa(map[string]string{"eks.amazonaws.com/role-arn": role}), nil, c, nil)
	if d.PodIdentity == nil || d.Identity != nil || d.Ops == nil {
		t.Fatalf("decision %+v", d)
	}
	b, _ := json.Marshal(d.Ops)
	for _, absent := range []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", VolumeName} {
		if strings.Contains(string(b), absent) {
			t.Errorf("the patch carries %s: %s", absent, b)
		}
	}
	// A nil randN leaves the default lifetime as it is.
	out, _ := Apply(p, d.Ops)
	if got := *out.Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds; got != DefaultExpiration {
		t.Errorf("expiration %d", got)
	}
	p.Labels = map[string]string{SkipLabel: "true"}
	if d := PlanPodIdentity(p, nil, nil, c, nil); d.Ops != nil || d.Reason == "" {
		t.Fatalf("skip label: %+v", d)
	}
}
