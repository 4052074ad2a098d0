package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/kubetest"
)

// TestDeployManifests applies deploy/base with kubectl's server-side dry
// run, so that the real API server validates every object, the same of
// deploy/cluster-sync, and renders
// deploy/cert-manager (whose kinds need cert-manager's CRDs).
func TestDeployManifests(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("PODIAM_REQUIRE_K8S") != "" {
			t.Fatal("kubectl is not on PATH and PODIAM_REQUIRE_K8S is set")
		}
		t.Skip("kubectl is not on PATH")
	}
	c := kubetest.Shared(t)
	deploy, _ := filepath.Abs("../../deploy")
	// Server-side dry run checks namespaced objects against an existing
	// namespace, so the namespace is made for real first.
	put(t, newKube(t, c), "/api/v1/namespaces", "podiam-system", corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "podiam-system"}})
	out, err := exec.CommandContext(t.Context(), kubectl, "--kubeconfig", c.Kubeconfig, "apply", "--dry-run=server", "-k", filepath.Join(deploy, "base")).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k deploy/base: %v\n%s", err, out)
	}
	for _, want := range []string{"serviceaccount/podiam-webhook", "clusterrole.rbac.authorization.k8s.io/podiam-webhook",
		"service/podiam-webhook", "deployment.apps/podiam-webhook", "mutatingwebhookconfiguration.admissionregistration.k8s.io/podiam-irsa"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kubectl did not apply %s:\n%s", want, out)
		}
	}
	out, err = exec.CommandContext(t.Context(), kubectl, "--kubeconfig", c.Kubeconfig, "apply", "--dry-run=server", "-k", filepath.Join(deploy, "cluster-sync")).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k deploy/cluster-sync: %v\n%s", err, out)
	}
	for _, want := range []string{"serviceaccount/podiam-cluster-sync", "clusterrolebinding.rbac.authorization.k8s.io/podiam-cluster-sync", "deployment.apps/podiam-cluster-sync"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kubectl did not apply %s:\n%s", want, out)
		}
	}
	out, err = exec.CommandContext(t.Context(), kubectl, "kustomize", filepath.Join(deploy, "cert-manager")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cert-manager.io/inject-ca-from: podiam-system/podiam-webhook") || !strings.Contains(string(out), "kind: Certificate") {
		t.Fatalf("kubectl kustomize deploy/cert-manager: %v\n%s", err, out)
	}
}
