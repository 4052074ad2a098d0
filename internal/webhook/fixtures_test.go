package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The annotations of amazon-eks-pod-identity-webhook's test fixtures
// (testdata/containercredentials/README.md): they configure the webhook
// and the ServiceAccount, and hold the reference's patch.
const fixturePrefix = "testing.eks.amazonaws.com/"

// fixture turns one of the reference's fixture pods into what its test
// harness builds from it: the ServiceAccount default/default, the
// webhook's configuration, whether Pod Identity is on for that account,
// and the expected patch.
func fixture(t *testing.T, file string) (pod *corev1.Pod, sa *corev1.ServiceAccount, c Config, podIdentity bool, want string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pod = new(corev1.Pod)
	if err := yaml.Unmarshal(data, pod); err != nil {
		t.Fatal(err)
	}
	a := pod.Annotations
	pod.Namespace = "default"
	sa = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "default", Annotations: map[string]string{}}}
	for from, to := range map[string]string{"serviceAccount/roleArn": "role-arn", "serviceAccount/audience": "audience"} {
		if v, ok := a[fixturePrefix+from]; ok {
			sa.Annotations[DefaultAnnotationPrefix+"/"+to] = v
		}
	}
	// As in the reference's harness, the serviceAccount/ annotation wins
	// over the handler/ one.
	for to, from := range map[string][]string{"sts-regional-endpoints": {"serviceAccount/sts-regional-endpoints", "handler/injectSTS"},
		"token-expiration": {"serviceAccount/token-expiration", "handler/expiration"}} {
		for _, f := range from {
			if v, ok := a[fixturePrefix+f]; ok {
				sa.Annotations[DefaultAnnotationPrefix+"/"+to] = v
				break
			}
		}
	}
	c = Config{Region: a[fixturePrefix+"handler/region"], MountPath: a[fixturePrefix+"handler/mountPath"]}
	if uri, ok := a[fixturePrefix+"containercredentials/uri"]; ok {
		podIdentity = true
		c.PodIdentity = PodIdentityConfig{
			FullURI:    uri,
			Audience:   a[fixturePrefix+"containercredentials/audience"],
			MountPath:  a[fixturePrefix+"containercredentials/mountPath"],
			VolumeName: a[fixturePrefix+"containercredentials/volumeName"],
			TokenPath:  a[fixturePrefix+"containercredentials/tokenPath"],
		}
	}
	return pod, sa, c.WithDefaults(), podIdentity, a[fixturePrefix+"expectedPatch"]
}

// TestContainerCredentialsFixtures replays the reference's six Pod
// Identity fixtures: each patch must be the reference's, byte for byte.
// The reference's harness draws the jitter from a source that always
// gives 0, so a default lifetime becomes MinJitteredExpiration.
func TestContainerCredentialsFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/containercredentials/*.pod.yaml")
	if err != nil || len(files) != 6 {
		t.Fatalf("%d fixtures (%v), want the reference's 6", len(files), err)
	}
	zero := func(int64) int64 { return 0 }
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			pod, sa, c, podIdentity, want := fixture(t, file)
			if !podIdentity || want == "" {
				t.Fatal("not a Pod Identity fixture")
			}
			d := PlanPodIdentity(pod, sa, nil, c, zero)
			got, err := json.Marshal(d.Ops)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("patch\n%s\nwant\n%s", got, want)
			}
			// The patch applies to the pod and gives it the label.
			out, err := Apply(pod, d.Ops)
			if err != nil {
				t.Fatal(err)
			}
			if out.Labels[PodIdentityLabel] != PodIdentityLabelValue {
				t.Errorf("labels %v", out.Labels)
			}
		})
	}
}
