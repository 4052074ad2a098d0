package sigv4_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
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

// FuzzAuthorizationComponents: an Authorization header that parses gives
// the same authorization whatever the order of its three components, and
// is refused as soon as any component appears twice (with the same value
// or another): the last one must never silently win.
func FuzzAuthorizationComponents(f *testing.F) {
	f.Add("AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request", "host;x-amz-date", strings.Repeat("5f", 32), 0, "AKIDOTHER/20150830/us-east-1/s3/aws4_request")
	f.Add("A/20260101/r/s3/aws4_request", "host", strings.Repeat("0", 64), 2, strings.Repeat("1", 64))
	f.Fuzz(func(t *testing.T, cred, signed, sig string, dup int, other string) {
		parts := []string{"Credential=" + cred, "SignedHeaders=" + signed, "Signature=" + sig}
		base, err := sigv4.ParseAuthorization("AWS4-HMAC-SHA256 " + strings.Join(parts, ", "))
		if err != nil {
			return
		}
		for _, order := range [][3]int{{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
			h := "AWS4-HMAC-SHA256 " + parts[order[0]] + "," + parts[order[1]] + ", " + parts[order[2]]
			a, err := sigv4.ParseAuthorization(h)
			if err != nil || a.AccessKeyID != base.AccessKeyID || a.Scope() != base.Scope() || a.Signature != base.Signature || strings.Join(a.SignedHeaders, ";") != strings.Join(base.SignedHeaders, ";") {
				t.Fatalf("reordered %q parsed as %+v, %v; was %+v", h, a, err, base)
			}
		}
		i := (dup%3 + 3) % 3
		name, _, _ := strings.Cut(parts[i], "=")
		for _, v := range []string{parts[i], name + "=" + other} {
			h := "AWS4-HMAC-SHA256 " + strings.Join(parts, ", ") + ", " + v
			if _, err := sigv4.ParseAuthorization(h); err == nil {
				t.Fatalf("accepted %q with %s twice", h, name)
			}
		}
	})
}

// FuzzParsePresigned: parsing any query string as query-string
// authentication never panics and fails only with a typed error; what it
// accepts names each of its parameters once, parses the same whatever the
// order of the parameters, and is refused once any of its parameters is
// given twice.
func FuzzParsePresigned(f *testing.F) {
	good := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("a", 64)
	for _, s := range []string{good, good + "&X-Amz-Security-Token=tok&list-type=2", good + "&X-Amz-Expires=-1", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a", "X-Amz-Signature=&X-Amz-Signature="} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw string, pick uint8) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r := httptest.NewRequest("GET", "https://example.amazonaws.com/", nil)
		a, err := sigv4.Parse(r, q)
		if err != nil {
			var e *sigv4.Error
			if !errors.As(err, &e) || e.Kind == 0 || e.Message == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !a.Presigned || a.AccessKeyID == "" || len(a.Signature) != 64 || len(a.SignedHeaders) == 0 || a.Expires < 0 || a.Expires > sigv4.MaxPresignExpiry {
			t.Fatalf("accepted an incomplete authorization %+v from %q", a, raw)
		}
		var names []string
		for _, n := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
			switch len(q[n]) {
			case 0:
			case 1:
				names = append(names, n)
			default:
				t.Fatalf("accepted %s given %d times in %q", n, len(q[n]), raw)
			}
		}
		// Reordered: url.Values has no order; encode it sorted, parse again.
		again, err := url.ParseQuery(q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b, err := sigv4.Parse(r, again)
		if err != nil || b.AccessKeyID != a.AccessKeyID || b.Scope() != a.Scope() || b.Signature != a.Signature || b.Expires != a.Expires || b.SecurityToken != a.SecurityToken {
			t.Fatalf("reordered %q parsed as %+v, %v; was %+v", q.Encode(), b, err, a)
		}
		n := names[int(pick)%len(names)]
		twice := url.Values{}
		for k, v := range q {
			twice[k] = append([]string(nil), v...)
		}
		twice.Add(n, q.Get(n))
		if _, err := sigv4.Parse(r, twice); err == nil {
			t.Fatalf("accepted %s twice", n)
		}
	})
}
