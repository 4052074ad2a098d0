package authenticator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// viewPolicies allows get and list to the principal AROAVIEW.
type viewPolicies struct {
	user  authenticationv1.UserInfo
	attrs Attributes
	err   error
}

func (p *viewPolicies) Allowed(_ context.Context, user authenticationv1.UserInfo, attrs Attributes) (bool, string, error) {
	p.user, p.attrs = user, attrs
	if p.err != nil {
		return false, "", p.err
	}
	if user.Extra[ExtraPrincipalID][0] == "AROAVIEW" && attrs.Resource != nil && (attrs.Resource.Verb == "get" || attrs.Resource.Verb == "list") {
		return true, "AmazonEKSViewPolicy", nil
	}
	return false, "", nil
}

func sar(apiVersion, principal, verb string) string {
	groupsKey := "groups"
	if apiVersion == authorizationV1beta1 {
		groupsKey = "group"
	}
	spec := map[string]any{"user": "viewer", "uid": "aws-iam-authenticator:111122223333:" + principal, groupsKey: []string{"readers", "system:authenticated"},
		"resourceAttributes": map[string]any{"namespace": "dev-a", "verb": verb, "version": "v1", "resource": "pods"}}
	if principal != "" {
		spec["extra"] = map[string][]string{ExtraPrincipalID: {principal}, ExtraARN: {"arn:aws:sts::111122223333:assumed-role/view/s"}}
	}
	b, _ := json.Marshal(map[string]any{"apiVersion": apiVersion, "kind": "SubjectAccessReview", "spec": spec})
	return string(b)
}

func TestAuthorize(t *testing.T) {
	p := &viewPolicies{}
	h := &Authorize{Policies: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tt := range []struct {
		name, body      string
		status          int
		allowed         bool
		evaluationError bool
		apiVersion      string
	}{
		{name: "v1 allowed", body: sar(authorizationV1, "AROAVIEW", "list"), status: 200, allowed: true, apiVersion: authorizationV1},
		{name: "v1beta1 allowed", body: sar(authorizationV1beta1, "AROAVIEW", "get"), status: 200, allowed: true, apiVersion: authorizationV1beta1},
		{name: "not allowed: no opinion", body: sar(authorizationV1, "AROAVIEW", "delete"), status: 200, apiVersion: authorizationV1},
		{name: "another principal: no opinion", body: sar(authorizationV1, "AROAOTHER", "list"), status: 200, apiVersion: authorizationV1},
		{name: "not the authenticator's user: no opinion", body: sar(authorizationV1, "", "list"), status: 200, apiVersion: authorizationV1},
		{name: "neither attributes: no opinion", body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"u","extra":{"principalId":["AROAVIEW"]}}}`, status: 200, apiVersion: authorizationV1},
		{name: "another kind", body: strings.Replace(sar(authorizationV1, "AROAVIEW", "list"), "SubjectAccessReview", "LocalSubjectAccessReview", 1), status: 400},
		{name: "not JSON", body: "[", status: 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			*p = viewPolicies{}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/authorize?timeout=30s", strings.NewReader(tt.body)))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				return
			}
			var out sarAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			if out.APIVersion != tt.apiVersion || out.Status.Allowed != tt.allowed || out.Status.Denied || (out.Status.EvaluationError != "") != tt.evaluationError {
				t.Errorf("answer %s", rec.Body)
			}
			if tt.allowed && (p.user.Username != "viewer" || !slices.Equal(p.user.Groups, []string{"readers", "system:authenticated"}) || p.attrs.Resource.Namespace != "dev-a") {
				t.Errorf("the policies were asked about %+v %+v", p.user, p.attrs.Resource)
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/authorize", nil))
		if rec.Code != 405 {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("policies fail: no opinion, with the error", func(t *testing.T) {
		p.err = errors.New("connection refused")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/authorize", strings.NewReader(sar(authorizationV1, "AROAVIEW", "list"))))
		var out sarAnswer
		json.Unmarshal(rec.Body.Bytes(), &out)
		if rec.Code != 200 || out.Status.Allowed || out.Status.Denied || out.Status.EvaluationError == "" || strings.Contains(rec.Body.String(), "refused") {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("no policies: no opinion", func(t *testing.T) {
		rec := httptest.NewRecorder()
		(&Authorize{Log: h.Log}).ServeHTTP(rec, httptest.NewRequest("POST", "/authorize", strings.NewReader(sar(authorizationV1, "AROAVIEW", "list"))))
		if rec.Code != 200 || strings.Contains(rec.Body.String(), `"allowed":true`) {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
	})
}
