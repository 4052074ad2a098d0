package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/podiam/podiam/internal/server"
)

// TestProbes: /healthz and /readyz answer on the main listener and on
// the metrics listener; on the main one, a signed request for /healthz,
// or one with a query, or one on a bucket's host, reaches S3 instead,
// where "healthz" is a bucket like another.
func TestProbes(t *testing.T) {
	dir := t.TempDir()
	var metrics string
	r := startWith(t, dir, func(c *server.Config) {
		c.MetricsListen = "127.0.0.1:0"
		c.OnMetricsListen = func(a string) { metrics = "http://" + a }
	})
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("healthz")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("healthz"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	plain := func(method, url string, set func(*http.Request)) *http.Request {
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if set != nil {
			set(req)
		}
		return req
	}
	tests := []struct {
		name   string
		req    *http.Request
		status int
		body   string // the whole body, or with part set, a part of it
		part   bool
	}{
		{name: "healthz", req: plain("GET", r.url+"/healthz", nil), status: 200, body: "ok\n"},
		{name: "readyz", req: plain("GET", r.url+"/readyz", nil), status: 200, body: "ok\n"},
		{name: "HEAD healthz", req: plain("HEAD", r.url+"/healthz", nil), status: 200, body: ""},
		{name: "metrics listener healthz", req: plain("GET", metrics+"/healthz", nil), status: 200, body: "ok\n"},
		{name: "metrics listener readyz", req: plain("GET", metrics+"/readyz", nil), status: 200, body: "ok\n"},
		{name: "metrics listener POST", req: plain("POST", metrics+"/readyz", nil), status: 405, body: "Method Not Allowed", part: true},
		{name: "metrics listener: signed, still the probe", req: signedRequest(t, "GET", metrics+"/healthz", "", root, "s3", nil), status: 200, body: "ok\n"},
		{name: "signed GET /healthz is ListObjects of bucket healthz", req: signedRequest(t, "GET", r.url+"/healthz", "", root, "s3", nil),
			status: 200, body: "<Name>healthz</Name>", part: true},
		{name: "signed HEAD /healthz is HeadBucket", req: signedRequest(t, "HEAD", r.url+"/healthz", "", root, "s3", nil), status: 200, body: ""},
		{name: "signed GET /healthz/k is GetObject", req: signedRequest(t, "GET", r.url+"/healthz/k", "", root, "s3", nil), status: 200, body: "v"},
		{name: "with a query, S3's", req: plain("GET", r.url+"/healthz?list-type=2", nil), status: 403, body: "<Code>AccessDenied</Code>", part: true},
		{name: "on a bucket's host, S3's", req: plain("GET", r.url+"/healthz", func(q *http.Request) { q.Host = "healthz.localhost" }),
			status: 403, body: "<Code>AccessDenied</Code>", part: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultTransport.RoundTrip(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !tt.part && string(b) != tt.body || tt.part && !strings.Contains(string(b), tt.body) {
				t.Errorf("%d %q, want %d and %q", resp.StatusCode, b, tt.status, tt.body)
			}
		})
	}
}

// TestBanner: the start-up banner lists every service served, how a
// request finds its service, and where the probes are.
func TestBanner(t *testing.T) {
	var metrics string
	r := startWith(t, t.TempDir(), func(c *server.Config) {
		c.MetricsListen = "127.0.0.1:0"
		c.OnMetricsListen = func(a string) { metrics = "http://" + a }
	})
	out := r.out.String()
	for _, want := range []string{
		"podiam is serving IAM (Query), STS (Query), Organizations (JSON 1.1), EKS (REST-JSON) and S3 (REST-XML, path-style and virtual-hosted-style) on " + r.url,
		"a request's shape picks its service",
		"credential scope must name that same service",
		"Probes: GET /healthz and /readyz on " + r.url + " and " + metrics,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}
	for _, s := range server.Services {
		if !strings.Contains(out, s.Name+" (") {
			t.Errorf("the banner does not list %s", s.Name)
		}
	}
}
