package webhook

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const role = "arn:aws:iam::111122223333:role/app"

func sa(annotations map[string]string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "demo", Annotations: annotations}}
}

func pod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "demo"},
		Spec: corev1.PodSpec{ServiceAccountName: "app", Containers: containers}}
}

func ctr(name string, env ...string) corev1.Container {
	c := corev1.Container{Name: name, Image: "busybox"}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
	}
	return c
}

// envOf lists a container's variables as NAME=value.
func envOf(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}

// result decodes a patch into what a test checks: the ops' paths, the
// injected volume (if any) and the containers arrays.
type result struct {
	paths      []string
	volume     *corev1.Volume
	containers []corev1.Container
	inits      []corev1.Container
}

func decode(t *testing.T, ops []Op) result {
	t.Helper()
	b, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	var raw []struct {
		Op, Path string
		Value    json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var r result
	for _, o := range raw {
		if o.Op != "add" {
			t.Fatalf("op %q, want only add", o.Op)
		}
		r.paths = append(r.paths, o.Path)
		var err error
		switch o.Path {
		case "/spec/volumes":
			var vs []corev1.Volume
			err = json.Unmarshal(o.Value, &vs)
			if len(vs) != 1 {
				t.Fatalf("/spec/volumes adds %d volumes", len(vs))
			}
			r.volume = &vs[0]
		case "/spec/volumes/0":
			r.volume = new(corev1.Volume)
			err = json.Unmarshal(o.Value, r.volume)
		case "/spec/containers":
			err = json.Unmarshal(o.Value, &r.containers)
		case "/spec/initContainers":
			err = json.Unmarshal(o.Value, &r.inits)
		default:
			t.Fatalf("unexpected path %q", o.Path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var (
	tokenFile = "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
	roleEnv   = "AWS_ROLE_ARN=" + role
	mount     = corev1.VolumeMount{Name: VolumeName, ReadOnly: true, MountPath: DefaultMountPath}
)

func TestMutate(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		saAnn     map[string]string
		pod       *corev1.Pod
		paths     []string
		exp       int64 // the volume's expirationSeconds; 0: no volume op
		audience  string
		env       [][]string // per container
		initEnv   [][]string
		unmounted []string // containers that get no mount
	}{{
		name:  "baseline",
		pod:   pod(ctr("app")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{roleEnv, tokenFile}},
	}, {
		name: "existing volume: prepended",
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
			return p
		}(),
		paths: []string{"/spec/volumes/0", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{roleEnv, tokenFile}},
	}, {
		name: "the pod's own token volume and a mount of that name are kept",
		pod: func() *corev1.Pod {
			c := ctr("app")
			c.VolumeMounts = []corev1.VolumeMount{{Name: VolumeName, MountPath: "/elsewhere"}}
			p := pod(c)
			p.Spec.Volumes = []corev1.Volume{tokenVol(DefaultAudience, TokenPath)}
			return p
		}(),
		paths: []string{"/spec/containers"},
		env:   [][]string{{roleEnv, tokenFile}}, unmounted: []string{"app"},
	}, {
		name:  "region flag: both variables before the role",
		cfg:   Config{Region: "eu-west-1"},
		pod:   pod(ctr("app")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{"AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1", roleEnv, tokenFile}},
	}, {
		name:  "a region already set blocks both region variables",
		cfg:   Config{Region: "eu-west-1"},
		pod:   pod(ctr("app", "AWS_REGION=us-east-2")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{"AWS_REGION=us-east-2", roleEnv, tokenFile}},
	}, {
		name:  "regional STS first",
		cfg:   Config{Region: "eu-west-1", RegionalSTS: true},
		pod:   pod(ctr("app")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{"AWS_STS_REGIONAL_ENDPOINTS=regional", "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1", roleEnv, tokenFile}},
	}, {
		name:  "the ServiceAccount's false beats the flag",
		cfg:   Config{RegionalSTS: true},
		saAnn: map[string]string{"eks.amazonaws.com/sts-regional-endpoints": "false"},
		pod:   pod(ctr("app")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{roleEnv, tokenFile}},
	}, {
		name:  "identity, region and STS all set: container untouched, volume still added",
		cfg:   Config{Region: "eu-west-1", RegionalSTS: true},
		saAnn: map[string]string{"eks.amazonaws.com/token-expiration": "3600"},
		pod:   pod(ctr("app", "AWS_ROLE_ARN=mine", "AWS_REGION=x", "AWS_STS_REGIONAL_ENDPOINTS=legacy")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 3600, audience: DefaultAudience,
		env: [][]string{{"AWS_ROLE_ARN=mine", "AWS_REGION=x", "AWS_STS_REGIONAL_ENDPOINTS=legacy"}}, unmounted: []string{"app"},
	}, {
		name:  "a user's AWS_ROLE_ARN blocks the token file too",
		pod:   pod(ctr("app", "AWS_ROLE_ARN=mine")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{"AWS_ROLE_ARN=mine"}},
	}, {
		name:  "pod expiration beats the ServiceAccount's; low values raised to 600",
		saAnn: map[string]string{"eks.amazonaws.com/token-expiration": "7200", "eks.amazonaws.com/audience": "my-aud"},
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Annotations = map[string]string{"eks.amazonaws.com/token-expiration": "0"}
			return p
		}(),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 600, audience: "my-aud",
		env: [][]string{{roleEnv, tokenFile}},
	}, {
		name:  "a malformed pod expiration keeps the ServiceAccount's",
		saAnn: map[string]string{"eks.amazonaws.com/token-expiration": "7200"},
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Annotations = map[string]string{"eks.amazonaws.com/token-expiration": "soon"}
			return p
		}(),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 7200, audience: DefaultAudience,
		env: [][]string{{roleEnv, tokenFile}},
	}, {
		name: "skip-containers, init containers and native sidecars",
		pod: func() *corev1.Pod {
			p := pod(ctr("app"), ctr("sidecar"))
			p.Annotations = map[string]string{"eks.amazonaws.com/skip-containers": "sidecar,init-skip"}
			always := corev1.ContainerRestartPolicyAlways
			native := ctr("native")
			native.RestartPolicy = &always
			p.Spec.InitContainers = []corev1.Container{ctr("init"), ctr("init-skip"), native}
			return p
		}(),
		paths: []string{"/spec/volumes", "/spec/containers", "/spec/initContainers"}, exp: 86400, audience: DefaultAudience,
		env:       [][]string{{roleEnv, tokenFile}, nil},
		initEnv:   [][]string{{roleEnv, tokenFile}, nil, {roleEnv, tokenFile}},
		unmounted: []string{"sidecar", "init-skip"},
	}, {
		name: "windows token path",
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "windows"}
			return p
		}(),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{roleEnv, `AWS_WEB_IDENTITY_TOKEN_FILE=C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`}},
	}, {
		name: "beta windows label",
		pod: func() *corev1.Pod {
			p := pod(ctr("app"))
			p.Spec.NodeSelector = map[string]string{"beta.kubernetes.io/os": "windows"}
			return p
		}(),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{roleEnv, `AWS_WEB_IDENTITY_TOKEN_FILE=C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`}},
	}, {
		name:  "podiam: endpoint and session name after the reference's variables",
		cfg:   Config{EndpointURL: "https://podiam.example:4580", SessionNameFromPod: true},
		pod:   pod(ctr("app"), ctr("own", "AWS_ENDPOINT_URL_STS=https://sts.example", "AWS_ROLE_SESSION_NAME=mine")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{
			{roleEnv, tokenFile, "AWS_ENDPOINT_URL=https://podiam.example:4580", "AWS_ENDPOINT_URL_STS=https://podiam.example:4580", "AWS_ROLE_SESSION_NAME=web-0"},
			{"AWS_ENDPOINT_URL_STS=https://sts.example", "AWS_ROLE_SESSION_NAME=mine", roleEnv, tokenFile},
		},
	}, {
		name:  "another prefix and mount path",
		cfg:   Config{AnnotationPrefix: "example.com", MountPath: "/aws"},
		saAnn: map[string]string{"example.com/role-arn": role},
		pod:   pod(ctr("app")),
		paths: []string{"/spec/volumes", "/spec/containers"}, exp: 86400, audience: DefaultAudience,
		env: [][]string{{roleEnv, "AWS_WEB_IDENTITY_TOKEN_FILE=/aws/token"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg.WithDefaults()
			ann := map[string]string{cfg.AnnotationPrefix + "/role-arn": role}
			for k, v := range tt.saAnn {
				ann[k] = v
			}
			id, ok := FromServiceAccount(sa(ann), cfg)
			if !ok {
				t.Fatal("the ServiceAccount names no role")
			}
			before, _ := json.Marshal(tt.pod)
			ops, warning := Mutate(tt.pod, id, cfg)
			if warning != "" {
				t.Fatalf("warning %q", warning)
			}
			r := decode(t, ops)
			if after, _ := json.Marshal(tt.pod); string(after) != string(before) {
				t.Fatal("Mutate changed its input pod")
			}
			if !slices.Equal(r.paths, tt.paths) {
				t.Fatalf("paths %v, want %v", r.paths, tt.paths)
			}
			if tt.exp != 0 {
				tok := r.volume.Projected.Sources[0].ServiceAccountToken
				if r.volume.Name != VolumeName || tok.Path != "token" || *tok.ExpirationSeconds != tt.exp || tok.Audience != tt.audience {
					t.Fatalf("volume %s: %+v, want expiration %d, audience %s", r.volume.Name, tok, tt.exp, tt.audience)
				}
			}
			check := func(got []corev1.Container, want [][]string) {
				if len(got) != len(want) {
					t.Fatalf("%d containers, want %d", len(got), len(want))
				}
				for i, c := range got {
					if e := envOf(c); !slices.Equal(e, want[i]) {
						t.Errorf("container %s env %q, want %q", c.Name, e, want[i])
					}
					hasMount := slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
						return m == corev1.VolumeMount{Name: VolumeName, ReadOnly: true, MountPath: cfg.MountPath}
					})
					if wantMount := !slices.Contains(tt.unmounted, c.Name); hasMount != wantMount {
						t.Errorf("container %s: mount %v, want %v (%+v)", c.Name, hasMount, wantMount, c.VolumeMounts)
					}
				}
			}
			check(r.containers, tt.env)
			check(r.inits, tt.initEnv)
		})
	}
}

func TestFromServiceAccount(t *testing.T) {
	cfg := Config{RegionalSTS: true, Expiration: 100}.WithDefaults()
	if cfg.Expiration != MinExpiration {
		t.Fatalf("flag expiration 100 became %d, want %d", cfg.Expiration, MinExpiration)
	}
	if _, ok := FromServiceAccount(sa(map[string]string{"eks.amazonaws.com/audience": "x"}), cfg); ok {
		t.Fatal("a ServiceAccount without role-arn has an identity")
	}
	id, ok := FromServiceAccount(sa(map[string]string{"eks.amazonaws.com/role-arn": role,
		"eks.amazonaws.com/sts-regional-endpoints": "maybe", "eks.amazonaws.com/token-expiration": "86400s"}), cfg)
	if !ok || id.RegionalSTS != true || id.Expiration != MinExpiration || id.Audience != DefaultAudience || id.RoleARN != role {
		t.Fatalf("malformed annotations keep the flags: %+v", id)
	}
}

// TestComposeRoleARN: with a prefix, a role name (with or without a
// path) becomes an ARN; an annotation holding "arn:" is kept as written.
func TestComposeRoleARN(t *testing.T) {
	prefix := "arn:aws-cn:iam::111122223333:role/"
	for _, tt := range []struct {
		prefix, annotation, want string
	}{
		{prefix, "s3-reader", prefix + "s3-reader"},
		{prefix, "team/a/s3-reader", prefix + "team/a/s3-reader"},
		{prefix, role, role},
		{prefix, "x-arn:y", "x-arn:y"},
		{"", "s3-reader", "s3-reader"},
	} {
		id, ok := FromServiceAccount(sa(map[string]string{"eks.amazonaws.com/role-arn": tt.annotation}), Config{RoleARNPrefix: tt.prefix}.WithDefaults())
		if !ok || id.RoleARN != tt.want {
			t.Errorf("prefix %q, annotation %q: role %q, want %q", tt.prefix, tt.annotation, id.RoleARN, tt.want)
		}
	}
}

func TestSessionName(t *testing.T) {
	long := strings.Repeat("a", 70)
	for _, tt := range []struct{ name, generate, want string }{
		{"web-0", "", "web-0"},
		{"", "web-", "web"},
		{long, "", long[:64]},
	} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: tt.name, GenerateName: tt.generate}}
		if got := SessionName(p); got != tt.want {
			t.Errorf("SessionName(%q, %q) = %q, want %q", tt.name, tt.generate, got, tt.want)
		}
	}
	p := pod()
	p.Labels = map[string]string{SkipLabel: ""}
	if Skipped(p) == "" || Skipped(pod()) != "" {
		t.Fatal("Skipped ignores or invents the skip label")
	}
}

// TestApply: the patched pod carries the volume first and the mutated
// containers, and everything else of the pod unchanged.
func TestApply(t *testing.T) {
	cfg := Config{}.WithDefaults()
	p := pod(ctr("app"))
	p.Spec.Volumes = []corev1.Volume{{Name: "data"}}
	p.Spec.InitContainers = []corev1.Container{ctr("init")}
	p.Labels = map[string]string{"app": "web"}
	ops, _ := Mutate(p, Identity{RoleARN: role, Audience: "aud", Expiration: 900}, cfg)
	out, err := Apply(p, ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Spec.Volumes) != 2 || out.Spec.Volumes[0].Name != VolumeName || out.Spec.Volumes[1].Name != "data" {
		t.Fatalf("volumes %+v", out.Spec.Volumes)
	}
	if !slices.Equal(envOf(out.Spec.Containers[0]), []string{roleEnv, tokenFile}) || !slices.Equal(envOf(out.Spec.InitContainers[0]), []string{roleEnv, tokenFile}) {
		t.Fatalf("containers %+v / %+v", out.Spec.Containers, out.Spec.InitContainers)
	}
	if out.Labels["app"] != "web" || out.Spec.ServiceAccountName != "app" || len(p.Spec.Volumes) != 1 {
		t.Fatal("Apply lost the pod's other fields or changed its input")
	}
	if _, err := Apply(p, []Op{{Op: "remove", Path: "/spec/volumes"}}); err == nil {
		t.Fatal("Apply accepted a remove")
	}
}

func tokenVol(audience, path string) corev1.Volume {
	exp := int64(3600)
	return corev1.Volume{Name: VolumeName, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Audience: audience, ExpirationSeconds: &exp, Path: path}}}}}}
}

// TestPodsOwnTokenVolume: a volume named aws-iam-token that the webhook
// would not have made (a hostPath, another audience, another path, not a
// token) is kept as amazon-eks-pod-identity-webhook keeps it: no volume
// op, the variables injected, a mount of the pod's volume kept and one
// added where a container has none; and a warning names the volume.
func TestPodsOwnTokenVolume(t *testing.T) {
	cfg := Config{}.WithDefaults()
	id := Identity{RoleARN: role, Audience: DefaultAudience, Expiration: 3600}
	hostPath := corev1.Volume{Name: VolumeName, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/path/to/token"}}}
	for _, tt := range []struct {
		name, kind string
		vol        corev1.Volume
	}{
		{"a hostPath", "hostPath /path/to/token", hostPath},
		{"another audience", "projected", tokenVol("vault", TokenPath)},
		{"another path", "projected", tokenVol(DefaultAudience, "jwt")},
		{"a secret", "secret creds", corev1.Volume{Name: VolumeName, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := pod(ctr("app"))
			p.Spec.Volumes = []corev1.Volume{tt.vol}
			ops, warning := Mutate(p, id, cfg)
			if !strings.Contains(warning, VolumeName) || !strings.Contains(warning, "("+tt.kind+")") {
				t.Errorf("warning %q, want one naming %s (%s)", warning, VolumeName, tt.kind)
			}
			r := decode(t, ops)
			if !slices.Equal(r.paths, []string{"/spec/containers"}) || !slices.Equal(envOf(r.containers[0]), []string{roleEnv, tokenFile}) ||
				!slices.Equal(r.containers[0].VolumeMounts, []corev1.VolumeMount{mount}) {
				t.Errorf("paths %v, containers %+v", r.paths, r.containers)
			}
		})
	}

	// A pod like the reference's fixture rawPodHasVolumeMount: a container
	// that mounts the hostPath volume itself keeps its mount and gets the
	// variables; the patch is the reference's, byte for byte in shape.
	t.Run("the reference's hostPath pod", func(t *testing.T) {
		app := corev1.Container{Name: "app", Image: "amazonlinux", VolumeMounts: []corev1.VolumeMount{{Name: VolumeName, MountPath: "/path/to/token"}}}
		p := pod(app)
		p.Spec.Volumes = []corev1.Volume{hostPath}
		ops, warning := Mutate(p, id, cfg)
		if warning == "" {
			t.Error("no warning")
		}
		got, _ := json.Marshal(ops)
		want := `[{"op":"add","path":"/spec/containers","value":[{"name":"app","image":"amazonlinux",` +
			`"env":[{"name":"AWS_ROLE_ARN","value":"` + role + `"},{"name":"AWS_WEB_IDENTITY_TOKEN_FILE","value":"/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}],` +
			`"resources":{},"volumeMounts":[{"name":"aws-iam-token","mountPath":"/path/to/token"}]}]}]`
		if string(got) != want {
			t.Errorf("patch\n%s\nwant\n%s", got, want)
		}
	})

	// The webhook's own token (same audience, path token) is kept without
	// a warning.
	p := pod(ctr("app"))
	p.Spec.Volumes = []corev1.Volume{tokenVol(DefaultAudience, TokenPath)}
	if ops, warning := Mutate(p, id, cfg); warning != "" || len(ops) != 1 {
		t.Errorf("own token: ops %v, warning %q", ops, warning)
	}
}
