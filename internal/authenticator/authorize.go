package authenticator

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The SubjectAccessReview versions the authorization webhook answers.
const (
	authorizationV1      = "authorization.k8s.io/v1"
	authorizationV1beta1 = "authorization.k8s.io/v1beta1"
)

// Attributes is what a SubjectAccessReview asks about: a resource
// request or a non-resource one (exactly one is set).
type Attributes struct {
	Resource    *authorizationv1.ResourceAttributes
	NonResource *authorizationv1.NonResourceAttributes
}

// AccessPolicies decides by EKS access policies: whether the access
// policies associated with the user's access entry allow the request.
// The user is the one the authenticator let in, as kube-apiserver passes
// it on: the principal's unique id is Extra[ExtraPrincipalID] and its
// ARN Extra[ExtraARN] (and Extra[ExtraCanonicalARN]); the cluster is the
// one the authenticator serves. A user with no access entry, or whose
// policies do not allow the request, is not allowed (reason optional).
type AccessPolicies interface {
	Allowed(ctx context.Context, user authenticationv1.UserInfo, attrs Attributes) (allowed bool, reason string, err error)
}

// Authorize serves SubjectAccessReviews (POST /authorize): a request of
// a user the authenticator let in (one with ExtraPrincipalID) is allowed
// when Policies allows it; every other answer is "no opinion" (allowed
// false, denied false), so that the next authorizer (RBAC) decides. It
// never denies outright: EKS's access policies only grant.
type Authorize struct {
	Policies AccessPolicies // nil: no opinion on anything
	Log      *slog.Logger
}

// sarWire reads both versions: v1beta1 names the groups "group", v1
// "groups"; the rest is alike.
type sarWire struct {
	metav1.TypeMeta `json:",inline"`
	Spec            struct {
		ResourceAttributes    *authorizationv1.ResourceAttributes    `json:"resourceAttributes,omitempty"`
		NonResourceAttributes *authorizationv1.NonResourceAttributes `json:"nonResourceAttributes,omitempty"`
		User                  string                                 `json:"user,omitempty"`
		Groups                []string                               `json:"groups,omitempty"`
		Group                 []string                               `json:"group,omitempty"`
		Extra                 map[string]authorizationv1.ExtraValue  `json:"extra,omitempty"`
		UID                   string                                 `json:"uid,omitempty"`
	} `json:"spec"`
}

// sarAnswer is the answer in either version (the status is alike).
type sarAnswer struct {
	metav1.TypeMeta `json:",inline"`
	Status          authorizationv1.SubjectAccessReviewStatus `json:"status"`
}

func (h *Authorize) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "expected POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBody+1))
	var review sarWire
	switch {
	case err != nil:
		http.Error(w, "read the request body", http.StatusBadRequest)
		return
	case len(body) > maxReviewBody:
		http.Error(w, "the SubjectAccessReview is too large", http.StatusRequestEntityTooLarge)
		return
	case json.Unmarshal(body, &review) != nil:
		http.Error(w, "expected a request body to be a SubjectAccessReview", http.StatusBadRequest)
		return
	}
	switch review.APIVersion {
	case authorizationV1, authorizationV1beta1:
		if review.Kind != "SubjectAccessReview" {
			http.Error(w, "expected a request body to be a SubjectAccessReview", http.StatusBadRequest)
			return
		}
	case "":
	default:
		http.Error(w, "unsupported SubjectAccessReview version "+review.APIVersion, http.StatusBadRequest)
		return
	}
	spec := review.Spec
	attrs := Attributes{Resource: spec.ResourceAttributes, NonResource: spec.NonResourceAttributes}
	out := sarAnswer{TypeMeta: review.TypeMeta}
	principal := spec.Extra[ExtraPrincipalID]
	if h.Policies == nil || len(principal) != 1 || (attrs.Resource == nil) == (attrs.NonResource == nil) {
		writeJSON(w, http.StatusOK, out)
		return
	}
	groups := spec.Groups
	if review.APIVersion == authorizationV1beta1 {
		groups = spec.Group
	}
	user := authenticationv1.UserInfo{Username: spec.User, UID: spec.UID, Groups: groups, Extra: map[string]authenticationv1.ExtraValue{}}
	for k, v := range spec.Extra {
		user.Extra[k] = authenticationv1.ExtraValue(v)
	}
	allowed, reason, err := h.Policies.Allowed(r.Context(), user, attrs)
	if err != nil {
		// No opinion, with the error for kube-apiserver's log; RBAC
		// decides. kube-apiserver keeps it for its unauthorized TTL.
		h.Log.Error("access policies not read", logUser, spec.User, logReason, err.Error())
		out.Status.EvaluationError = "podiam authenticator: the access policies could not be read"
		writeJSON(w, http.StatusOK, out)
		return
	}
	out.Status.Allowed, out.Status.Reason = allowed, reason
	writeJSON(w, http.StatusOK, out)
}
