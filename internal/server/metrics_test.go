package server_test

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/podiam/podiam/internal/server"
)

// TestMetrics: /metrics, on the main listener and on --metrics-listen,
// counts the requests answered by service, action and outcome, the
// decisions, S3's bytes and the store's work, with the Go and process
// collectors; actions a client makes up are all "unknown", so that no
// client can grow the metrics.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	var metricsURL string
	r := startWith(t, dir, func(c *server.Config) {
		c.MetricsListen = "127.0.0.1:0"
		c.OnMetricsListen = func(a string) { metricsURL = "http://" + a }
	})
	root := readCredentials(t, dir)
	callerIdentity(t, r.url, root)
	c := s3Client(r.url, root)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("mtr")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("mtr"), Key: aws.String("k"), Body: strings.NewReader("12345")}); err != nil {
		t.Fatal(err)
	}
	getObject(t, c, aws.String("mtr"), aws.String("k"))
	for i := range 20 {
		send(t, signedRequest(t, "GET", r.url+"/?Action=Made"+strconv.Itoa(i)+"Up&Version=2010-05-08", "", root, "iam", nil))
	}
	// REST-JSON: an operation is named by its handler; a path no route
	// knows is the client's, and unknown.
	if got := send(t, signedRequest(t, "GET", r.url+"/clusters", "", root, "eks", nil)); got.status != 200 {
		t.Fatalf("ListClusters: %d %s", got.status, got.body)
	}
	for i := range 5 {
		if got := send(t, signedRequest(t, "GET", r.url+"/made-up-"+strconv.Itoa(i), "", root, "eks", nil)); got.status != 404 {
			t.Fatalf("made-up EKS path: %d %s", got.status, got.body)
		}
	}
	scrape := func(url string) string {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s/metrics: %d %s", url, resp.StatusCode, b)
		}
		return string(b)
	}
	for _, url := range []string{r.url, metricsURL} {
		m := scrape(url)
		for _, want := range []string{
			`podiam_requests_total{action="GetCallerIdentity",outcome="ok",service="sts"} 1`,
			`podiam_requests_total{action="GetObject",outcome="ok",service="s3"} 1`,
			`podiam_requests_total{action="unknown",outcome="InvalidAction",service="unknown"} 20`,
			`podiam_requests_total{action="ListClusters",outcome="ok",service="eks"} 1`,
			`podiam_requests_total{action="unknown",outcome="UnknownOperationException",service="unknown"} 5`,
			`podiam_request_duration_seconds_count{action="PutObject",service="s3"} 1`,
			`podiam_authorization_decisions_total{decision="allowed"}`,
			`podiam_s3_bytes_total{direction="in"} 5`,
			`podiam_s3_bytes_total{direction="out"} 5`,
			`podiam_store_duration_seconds_count{kind="write"}`,
			`go_goroutines `,
			`process_cpu_seconds_total `,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("%s/metrics lacks %q", url, want)
			}
		}
		if n := len(regexp.MustCompile(`(?m)^podiam_requests_total\{action="Made`).FindAllString(m, -1)); n != 0 {
			t.Errorf("%s/metrics has %d series of made-up actions", url, n)
		}
	}
	// A signed request for /metrics is S3's (a bucket may be named so).
	if got := send(t, signedRequest(t, "GET", r.url+"/metrics", "", root, "s3", nil)); !got.has(404, "NoSuchBucket") {
		t.Fatalf("signed GET /metrics: %d %s", got.status, got.body)
	}
}
