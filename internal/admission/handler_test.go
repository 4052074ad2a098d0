package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/webhook"
)

// accounts is an in-memory ServiceAccounts: a fake for this package's
// unit tests only.
type accounts map[string]*corev1.ServiceAccount

func (a accounts) ServiceAccount(_ context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	if sa, ok := a[ns+"/"+name]; ok {
		return sa, nil
	}
	return nil, errors.New("service account not found")
}

const role = "arn:aws:iam::111122223333:role/app"

func newHandler() *Handler {
	return &Handler{
		Config: webhook.Config{}.WithDefaults(),
		Accounts: accounts{"demo/app": {ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "demo",
			Annotations: map[string]string{"eks.amazonaws.com/role-arn": role}}}},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: NewMetrics(),
		Now:     time.Now,
	}
}

func review(apiVersion, sa string, labels map[string]string) string {
	return reviewOf(apiVersion, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Labels: labels},
		Spec: corev1.PodSpec{ServiceAccountName: sa, Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}})
}

func reviewOf(apiVersion string, pod corev1.Pod) string {
	raw, _ := json.Marshal(pod)
	b, _ := json.Marshal(map[string]any{"apiVersion": apiVersion, "kind": "AdmissionReview", "request": map[string]any{
		"uid": "uid-1", "kind": map[string]string{"group": "", "version": "v1", "kind": "Pod"},
		"resource":  map[string]string{"group": "", "version": "v1", "resource": "pods"},
		"namespace": "demo", "operation": "CREATE", "object": json.RawMessage(raw),
	}})
	return string(b)
}

func post(t *testing.T, h http.Handler, method, contentType, body string) (int, admissionv1.AdmissionReview, string) {
	t.Helper()
	req := httptest.NewRequest(method, "/mutate", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out admissionv1.AdmissionReview
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("response is not an AdmissionReview: %v: %s", err, rec.Body)
		}
	}
	return rec.Code, out, rec.Body.String()
}

func TestAdmit(t *testing.T) {
	h := newHandler()
	for _, v := range []string{"admission.k8s.io/v1", "admission.k8s.io/v1beta1"} {
		code, out, _ := post(t, h, "POST", "application/json", review(v, "app", nil))
		if code != 200 || out.APIVersion != v || out.Kind != "AdmissionReview" || out.Response.UID != "uid-1" || !out.Response.Allowed {
			t.Fatalf("%s: %d %+v", v, code, out)
		}
		if out.Response.PatchType == nil || *out.Response.PatchType != admissionv1.PatchTypeJSONPatch {
			t.Fatalf("%s: patch type %v", v, out.Response.PatchType)
		}
		var ops []map[string]any
		if err := json.Unmarshal(out.Response.Patch, &ops); err != nil || len(ops) != 2 || ops[0]["path"] != "/spec/volumes" ||
			!strings.Contains(string(out.Response.Patch), role) {
			t.Fatalf("%s: patch %s (%v)", v, out.Response.Patch, err)
		}
	}
	for name, body := range map[string]string{
		"no service account":      review("admission.k8s.io/v1", "ghost", nil),
		"skip label":              review("admission.k8s.io/v1", "app", map[string]string{webhook.SkipLabel: "true"}),
		"default service account": review("admission.k8s.io/v1", "", nil),
	} {
		code, out, _ := post(t, h, "POST", "application/json; charset=utf-8", body)
		if code != 200 || !out.Response.Allowed || out.Response.Patch != nil || out.Response.UID != "uid-1" {
			t.Fatalf("%s: %d %+v", name, code, out.Response)
		}
	}
	var m strings.Builder
	h.Metrics.WriteTo(&m)
	for _, want := range []string{"podiam_webhook_pods_mutated_total 2\n", "podiam_webhook_service_accounts_missed_total 2\n",
		`podiam_webhook_requests_total{code="200"} 5`, `podiam_webhook_request_duration_seconds_bucket{le="+Inf"} 5`} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
}

func TestBadRequests(t *testing.T) {
	h := newHandler()
	if code, _, body := post(t, h, "POST", "text/plain", review("admission.k8s.io/v1", "app", nil)); code != 415 || !strings.Contains(body, "expected `application/json`") {
		t.Fatalf("wrong content type: %d %s", code, body)
	}
	if code, _, _ := post(t, h, "GET", "application/json", ""); code != 405 {
		t.Fatalf("GET: %d", code)
	}
	for name, body := range map[string]string{
		"not JSON":   "{",
		"no request": `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`,
		"not a pod":  strings.Replace(review("admission.k8s.io/v1", "app", nil), `"spec":{`, `"spec":{"containers":7,`, 1),
		"too large":  `{"x":"` + strings.Repeat("a", maxReview) + `"}`,
	} {
		code, out, raw := post(t, h, "POST", "application/json", body)
		if code != 200 || out.Response == nil || out.Response.Allowed || out.Response.Result == nil || out.Response.Result.Message == "" {
			t.Fatalf("%s: %d %s", name, code, raw)
		}
	}
}

// TestMappings: an account without the annotation gets its role from the
// ConfigMap entries; an annotated one keeps its own.
func TestMappings(t *testing.T) {
	h := newHandler()
	h.Accounts.(accounts)["demo/plain"] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: "demo"}}
	m, err := webhook.ParseMappings(`{"demo/plain": {"RoleARN": "arn:aws:iam::111122223333:role/mapped"}, "*/app": {"RoleARN": "arn:aws:iam::111122223333:role/wild"}}`)
	if err != nil {
		t.Fatal(err)
	}
	h.Mappings = func() webhook.Mappings { return m }
	for sa, want := range map[string]string{"plain": "role/mapped", "app": role} {
		_, out, _ := post(t, h, "POST", "application/json", review("admission.k8s.io/v1", sa, nil))
		if !strings.Contains(string(out.Response.Patch), want) {
			t.Errorf("%s: patch %s, want %s", sa, out.Response.Patch, want)
		}
	}
}

// TestPodsOwnTokenVolume: a pod with a hostPath volume named
// aws-iam-token is mutated as the reference mutates it (the volume kept,
// the variables injected) and a warning names the pod and the volume.
func TestPodsOwnTokenVolume(t *testing.T) {
	h := newHandler()
	var logs bytes.Buffer
	h.Log = slog.New(slog.NewTextHandler(&logs, nil))
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0"}, Spec: corev1.PodSpec{ServiceAccountName: "app",
		Containers: []corev1.Container{{Name: "app", Image: "busybox"}},
		Volumes:    []corev1.Volume{{Name: webhook.VolumeName, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/path/to/token"}}}}}}
	_, out, _ := post(t, h, "POST", "application/json", reviewOf("admission.k8s.io/v1", pod))
	var ops []map[string]any
	if err := json.Unmarshal(out.Response.Patch, &ops); err != nil || len(ops) != 1 || ops[0]["path"] != "/spec/containers" ||
		!strings.Contains(string(out.Response.Patch), "AWS_WEB_IDENTITY_TOKEN_FILE") {
		t.Fatalf("patch %s (%v)", out.Response.Patch, err)
	}
	var warn string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "level=WARN") {
			warn = line
		}
	}
	for _, want := range []string{"namespace=demo", "pod=web-0", "volume=aws-iam-token", "hostPath /path/to/token"} {
		if !strings.Contains(warn, want) {
			t.Errorf("warning %q lacks %q (log %s)", warn, want, logs.String())
		}
	}
}
