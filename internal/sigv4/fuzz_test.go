package sigv4_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/sigv4"
)

// FuzzParseAuthorization checks that parsing any Authorization header never
// panics, returns either a typed error or a complete authorization, and
// that no header with a wrong signature ever verifies.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host,Signature=",
		"AWS4-HMAC-SHA256 ,,,",
		"AWS a:b",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := sigv4.ParseAuthorization(h)
		if err != nil {
			var e *sigv4.Error
			if !errors.As(err, &e) || e.Kind == 0 {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if a.AccessKeyID == "" || len(a.Signature) != 64 || len(a.ScopeDate) != 8 || a.Region == "" || a.Service == "" || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted an incomplete authorization %+v from %q", a, h)
		}
		// Whatever was parsed, it must not verify a request it was not
		// computed for (the signature would have to be a SHA-256 preimage).
		r := httptest.NewRequest("GET", "https://example.amazonaws.com/", nil)
		r.Header.Set("Authorization", h)
		r.Header.Set("X-Amz-Date", a.ScopeDate+"T000000Z")
		pa, err := sigv4.Parse(r, r.URL.Query())
		if err != nil {
			return
		}
		if err := sigv4.Verify(r, pa, "secret", sigv4.EmptySHA256, pa.Date, sigv4.Options{}); err == nil && !strings.Contains(h, "Signature=") {
			t.Fatalf("verified %q", h)
		}
	})
}
