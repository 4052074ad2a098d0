package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/webhook"
)

// ServiceAccounts finds ServiceAccounts (a cache in front of the API).
type ServiceAccounts interface {
	ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error)
}

// Associations tells whether a ServiceAccount has an EKS Pod Identity
// association (package associations asks podiam's EKS API).
type Associations interface {
	HasAssociation(ctx context.Context, namespace, serviceAccount string) (bool, error)
}

// associationsWarning is the admission warning (kubectl prints it) for
// a pod admitted without Pod Identity because the associations could not
// be read.
const associationsWarning = "podiam webhook: EKS Pod Identity associations could not be read; the pod was admitted without Pod Identity (IRSA still applies to a service account with a role)"

// maxReview bounds the request body: an AdmissionReview carries one pod.
const maxReview = 8 << 20

// Handler serves POST /mutate.
type Handler struct {
	Config   webhook.Config // with defaults applied
	Accounts ServiceAccounts
	Log      *slog.Logger
	Metrics  *Metrics
	Now      func() time.Time
	// Mappings, when set, returns the current ConfigMap entries (the
	// reference's --watch-config-map), consulted for ServiceAccounts
	// without a role-arn annotation.
	Mappings func() webhook.Mappings
	// Associations, when set, turns Pod Identity on: a pod whose
	// ServiceAccount has an association gets Pod Identity, not IRSA.
	Associations Associations
	// RandN draws the Pod Identity token lifetime's jitter (webhook.Jitter);
	// nil is math/rand/v2's Int64N.
	RandN func(n int64) int64
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.Now()
	code := h.serve(w, r)
	h.Metrics.observe(code, h.Now().Sub(start))
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "the webhook accepts POST only", http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		http.Error(w, "Invalid Content-Type, expected `application/json`", http.StatusUnsupportedMediaType)
		return http.StatusUnsupportedMediaType
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReview+1))
	if err != nil {
		http.Error(w, "read the request: "+err.Error(), http.StatusBadRequest)
		return http.StatusBadRequest
	}
	var review admissionv1.AdmissionReview
	var resp *admissionv1.AdmissionResponse
	switch {
	case len(body) > maxReview:
		resp = refuse(fmt.Sprintf("AdmissionReview larger than %d bytes", maxReview))
	case json.Unmarshal(body, &review) != nil:
		resp = refuse("the body is not an AdmissionReview")
	case review.Request == nil:
		resp = refuse("bad content: the AdmissionReview has no request")
	default:
		resp = h.admit(r.Context(), review.Request)
		resp.UID = review.Request.UID
	}
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	if out.APIVersion == "" {
		out.TypeMeta = metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}
	}
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(w, "encode the response", http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
	return http.StatusOK
}

// refuse answers a review the webhook cannot read, as the reference
// does: HTTP 200 with allowed false and the reason.
func refuse(msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{Message: msg}}
}

// admit decides one request; it always allows the pod.
func (h *Handler) admit(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	allow := &admissionv1.AdmissionResponse{Allowed: true}
	if req.Kind.Kind != "Pod" || req.Operation != admissionv1.Create {
		return allow
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return refuse("the request's object is not a pod: " + err.Error())
	}
	pod.Namespace = req.Namespace
	log := h.Log.With("namespace", req.Namespace, "pod", podName(&pod), "uid", string(req.UID))
	if why := webhook.Skipped(&pod); why != "" {
		log.Debug("pod skipped", "reason", why)
		return allow
	}
	saName := webhook.ServiceAccountName(&pod)
	sa, err := h.Accounts.ServiceAccount(ctx, req.Namespace, saName)
	if err != nil {
		sa = nil
	}
	var m webhook.Mappings
	if h.Mappings != nil {
		// The ConfigMap names roles for accounts without the annotation.
		m = h.Mappings()
	}
	if h.Associations != nil {
		has, aerr := h.Associations.HasAssociation(ctx, req.Namespace, saName)
		switch {
		case aerr != nil:
			// Without Pod Identity, the pod gets what it would get
			// without an association (IRSA for a role-arn annotation or
			// a mapping, else nothing), and its creator is told.
			h.Metrics.associationsFailed.Add(1)
			log.Warn("pod identity associations could not be read: IRSA only", "serviceAccount", saName, "err", aerr)
			allow.Warnings = []string{associationsWarning}
		case has:
			randN := h.RandN
			if randN == nil {
				randN = rand.Int64N
			}
			return h.patch(log, allow, saName, webhook.PlanPodIdentity(&pod, sa, m, h.Config, randN))
		}
	}
	d := webhook.Plan(&pod, sa, m, h.Config)
	if err != nil && d.Identity == nil {
		h.Metrics.missedAccounts.Add(1)
		log.Warn("pod not mutated: its service account could not be read", "serviceAccount", saName, "err", err)
		return allow
	}
	return h.patch(log, allow, saName, d)
}

// patch answers with d's patch (allow as it is when there is none).
func (h *Handler) patch(log *slog.Logger, allow *admissionv1.AdmissionResponse, saName string, d webhook.Decision) *admissionv1.AdmissionResponse {
	if d.Ops == nil {
		return allow
	}
	patch, err := json.Marshal(d.Ops)
	if err != nil {
		log.Error("encode the patch", "err", err)
		return allow
	}
	h.Metrics.mutated.Add(1)
	if d.Warning != "" {
		volume := webhook.VolumeName
		if d.PodIdentity != nil {
			volume = h.Config.PodIdentity.VolumeName
		}
		log.Warn("pod keeps its own token volume", "serviceAccount", saName, "volume", volume, "reason", d.Warning)
	}
	if d.PodIdentity != nil {
		h.Metrics.podIdentity.Add(1)
		log.Info("pod mutated", "serviceAccount", saName, "podIdentity", true)
	} else {
		log.Info("pod mutated", "serviceAccount", saName, "roleArn", d.Identity.RoleARN)
	}
	pt := admissionv1.PatchTypeJSONPatch
	allow.Patch, allow.PatchType = patch, &pt
	return allow
}

func podName(p *corev1.Pod) string {
	if p.Name != "" {
		return p.Name
	}
	return p.GenerateName + "*"
}
