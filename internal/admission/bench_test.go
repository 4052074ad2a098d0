package admission

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkAdmit measures one AdmissionReview end to end in process:
// decode, ServiceAccount lookup (cached), mutation, patch and response
// encoding.
func BenchmarkAdmit(b *testing.B) {
	h := newHandler()
	body := review("admission.k8s.io/v1", "app", nil)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/mutate", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
