package k8stoken_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/k8stoken"
)

// FuzzParse: Parse never panics, and what it accepts is a GetCallerIdentity
// at "/" on a trusted origin, signing the cluster header, whose request
// goes to the endpoint with the signed host.
func FuzzParse(f *testing.F) {
	f.Add(k8stoken.Encode(good))
	f.Add(k8stoken.Encode(strings.Replace(good, "https://sts.us-east-1.amazonaws.com", "http://127.0.0.1:8080", 1)))
	f.Add(k8stoken.Encode(good + "&Action=x"))
	f.Add(k8stoken.Encode(strings.Replace(good, "/?", "/..;/?", 1)))
	f.Add(k8stoken.Encode(strings.Replace(good, "https://", "https://evil@", 1)))
	f.Add(k8stoken.Encode(strings.Replace(good, "amazonaws.com/", "amazonaws.com.evil/", 1)))
	f.Add(k8stoken.Encode(strings.Replace(good, "https://sts.us-east-1.amazonaws.com/", "//127.0.0.1:8080/../", 1)))
	f.Add("k8s-aws-v1.")
	f.Add("k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8")
	f.Fuzz(func(t *testing.T, token string) {
		r, err := k8stoken.Parse(token, opts(0))
		if err != nil {
			if r != nil {
				t.Fatal("a request with an error")
			}
			return
		}
		q, qerr := url.ParseQuery(r.URL.RawQuery)
		if qerr != nil || q.Get("Action") != "GetCallerIdentity" || r.URL.Path != "/" || len(token) > k8stoken.MaxLen ||
			!strings.Contains(strings.ToLower(q.Get("X-Amz-SignedHeaders")), "x-k8s-aws-id") {
			t.Fatalf("accepted %s", r.URL)
		}
		if h := strings.ToLower(r.Host); !strings.HasSuffix(strings.TrimSuffix(h, ":443"), ".amazonaws.com") && h != "127.0.0.1:8080" {
			t.Fatalf("accepted host %q", r.Host)
		}
		req, err := r.HTTPRequest(t.Context(), "http://127.0.0.1:9000")
		if err != nil {
			t.Fatal(err)
		}
		if req.URL.Host != "127.0.0.1:9000" || req.Host != r.Host || req.Header.Get("x-k8s-aws-id") != "c1" {
			t.Fatalf("request to %s Host %s", req.URL, req.Host)
		}
	})
}
