package admission

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAdmit sends arbitrary bodies to the webhook, with Pod Identity on
// for demo/pi: it never panics, always answers, and any 200 carries an
// AdmissionReview whose patch, when there is one, is a JSON array of add
// operations on the pod's spec or its labels.
func FuzzAdmit(f *testing.F) {
	f.Add(review("admission.k8s.io/v1", "app", nil))
	f.Add(review("admission.k8s.io/v1beta1", "", map[string]string{"a": "b"}))
	f.Add(`{"apiVersion":"admission.k8s.io/v1","request":{"uid":"x","kind":{"kind":"Pod"},"operation":"CREATE","object":{"spec":{"initContainers":[{"name":"i"}],"nodeSelector":{"kubernetes.io/os":"windows"}},"metadata":{"annotations":{"eks.amazonaws.com/skip-containers":"\"i","eks.amazonaws.com/token-expiration":"-5"}}}}}`)
	f.Add(`{"request":null}`)
	f.Add(review("admission.k8s.io/v1", "pi", map[string]string{"a": "b"}))
	f.Add(review("admission.k8s.io/v1", "pi", nil))
	h := newHandler()
	h.Associations = &associated{set: map[string]bool{"demo/pi": true, "/default": true}}
	h.Accounts.(accounts)["/default"] = h.Accounts.(accounts)["demo/app"]
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/mutate", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d for a JSON body", rec.Code)
		}
		var out struct {
			Response struct {
				Allowed bool
				Patch   []byte
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("response is not JSON: %v", err)
		}
		if len(out.Response.Patch) > 0 {
			var ops []struct{ Op, Path string }
			if err := json.Unmarshal(out.Response.Patch, &ops); err != nil || len(ops) == 0 {
				t.Fatalf("patch %s: %v", out.Response.Patch, err)
			}
			for _, o := range ops {
				if o.Op != "add" || !strings.HasPrefix(o.Path, "/spec/") && !strings.HasPrefix(o.Path, "/metadata/labels") {
					t.Fatalf("op %+v", o)
				}
			}
		}
	})
}
