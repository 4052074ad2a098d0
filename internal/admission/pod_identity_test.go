package admission

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/webhook"
)

// associated is an in-memory Associations: a fake for this package's
// unit tests only. err, when set, is every answer; asked counts calls.
type associated struct {
	set   map[string]bool
	err   error
	asked int
}

func (a *associated) HasAssociation(_ context.Context, ns, sa string) (bool, error) {
	a.asked++
	if a.err != nil {
		return false, a.err
	}
	return a.set[ns+"/"+sa], nil
}

func podIdentityHandler(a *associated) *Handler {
	h := newHandler()
	h.Associations = a
	h.RandN = func(int64) int64 { return 0 }
	h.Accounts.(accounts)["demo/plain"] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: "demo"}}
	return h
}

// TestPodIdentity: a ServiceAccount with an association gets Pod
// Identity only (its role-arn annotation is ignored), one without gets
// IRSA as before, and one the cache of accounts cannot read still gets
// Pod Identity.
func TestPodIdentity(t *testing.T) {
	a := &associated{set: map[string]bool{"demo/app": true, "demo/plain": true, "demo/ghost": true}}
	h := podIdentityHandler(a)
	for _, tt := range []struct {
		sa          string
		podIdentity bool
	}{{"app", true}, {"plain", true}, {"ghost", true}} {
		_, out, _ := post(t, h, "POST", "application/json", review("admission.k8s.io/v1", tt.sa, nil))
		p := string(out.Response.Patch)
		if !out.Response.Allowed || !strings.Contains(p, `"path":"/metadata/labels","value":{"eks.amazonaws.com/pod-identity":"enabled"}`) ||
			!strings.Contains(p, `{"name":"AWS_CONTAINER_CREDENTIALS_FULL_URI","value":"http://169.254.170.23/v1/credentials"}`) ||
			!strings.Contains(p, `"expirationSeconds":79200`) || strings.Contains(p, "AWS_ROLE_ARN") || strings.Contains(p, webhook.VolumeName) {
			t.Errorf("%s: patch %s", tt.sa, p)
		}
	}
	// Positive control: without an association, the annotated account
	// gets IRSA, and the plain one nothing.
	a.set = nil
	_, out, _ := post(t, h, "POST", "application/json", review("admission.k8s.io/v1", "app", nil))
	if p := string(out.Response.Patch); !strings.Contains(p, "AWS_ROLE_ARN") || strings.Contains(p, "pod-identity") {
		t.Errorf("IRSA: patch %s", p)
	}
	_, out, _ = post(t, h, "POST", "application/json", review("admission.k8s.io/v1", "plain", nil))
	if out.Response.Patch != nil || !out.Response.Allowed {
		t.Errorf("no identity: %+v", out.Response)
	}
	// The skip label is honoured before the associations are asked.
	asked := a.asked
	a.set = map[string]bool{"demo/app": true}
	_, out, _ = post(t, h, "POST", "application/json", review("admission.k8s.io/v1", "app", map[string]string{webhook.SkipLabel: ""}))
	if out.Response.Patch != nil || a.asked != asked {
		t.Errorf("skip label: patch %s, %d lookups", out.Response.Patch, a.asked-asked)
	}
	var m strings.Builder
	h.Metrics.WriteTo(&m)
	for _, want := range []string{"podiam_webhook_pods_pod_identity_total 3\n", "podiam_webhook_pods_mutated_total 4\n", "podiam_webhook_associations_unavailable_total 0\n"} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
}

// TestAssociationsUnavailable: when the associations cannot be read, a
// pod whose ServiceAccount has a role-arn annotation still gets IRSA, and
// one without an identity is admitted unchanged, both with a warning for
// the creator and a count; beside them, the annotated pod gets Pod
// Identity once the associations can be read.
func TestAssociationsUnavailable(t *testing.T) {
	a := &associated{err: errors.New("connection refused")}
	h := podIdentityHandler(a)
	for _, tt := range []struct {
		sa   string
		irsa bool
	}{{"app", true}, {"plain", false}} {
		_, out, _ := post(t, h, "POST", "application/json", review("admission.k8s.io/v1", tt.sa, nil))
		r := out.Response
		if !r.Allowed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "associations could not be read") {
			t.Fatalf("%s: response %+v", tt.sa, r)
		}
		p := string(r.Patch)
		if tt.irsa && (!strings.Contains(p, "AWS_ROLE_ARN") || !strings.Contains(p, webhook.VolumeName) || strings.Contains(p, "pod-identity")) {
			t.Errorf("%s: want IRSA, patch %s", tt.sa, p)
		}
		if !tt.irsa && r.Patch != nil {
			t.Errorf("%s: want no patch, patch %s", tt.sa, p)
		}
	}
	var m strings.Builder
	h.Metrics.WriteTo(&m)
	for _, want := range []string{"podiam_webhook_associations_unavailable_total 2\n", "podiam_webhook_pods_mutated_total 1\n", "podiam_webhook_pods_pod_identity_total 0\n"} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
	a.err, a.set = nil, map[string]bool{"demo/app": true}
	_, out, _ := post(t, h, "POST", "application/json", review("admission.k8s.io/v1", "app", nil))
	var ops []map[string]any
	if err := json.Unmarshal(out.Response.Patch, &ops); err != nil || len(ops) != 3 || out.Response.Warnings != nil || !strings.Contains(string(out.Response.Patch), "pod-identity") {
		t.Fatalf("patch %s (%v), warnings %v", out.Response.Patch, err, out.Response.Warnings)
	}
}
