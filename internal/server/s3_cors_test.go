package server_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// preflightResult is a CORS preflight's answer.
type preflightResult struct {
	status int
	header http.Header
	body   string
}

// preflight sends a browser's OPTIONS (no credentials) for path.
func preflight(t *testing.T, url, path, origin, method, headers string) preflightResult {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method != "" {
		req.Header.Set("Access-Control-Request-Method", method)
	}
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return preflightResult{resp.StatusCode, resp.Header, string(b)}
}

// TestS3CORS: rules written with the SDK are read back and validated as
// S3 does; a preflight, unauthenticated, is answered from the first rule
// that matches, refused when none does or the bucket has none; a
// request with an Origin a rule allows gets the rule's headers, also when
// it fails.
func TestS3CORS(t *testing.T) {
	r, root, c := s3Start(t, "web")
	ctx := t.Context()
	b := aws.String("web")
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("no rules: %v", err)
	}
	if got := preflight(t, r.url, "/web/a.txt", "https://app.example.com", "GET", ""); got.status != 403 || !strings.Contains(got.body, "<Code>AccessForbidden</Code>") ||
		!strings.Contains(got.body, "CORS is not enabled for this bucket") || !strings.Contains(got.body, "<Method>GET</Method><ResourceType>OBJECT</ResourceType><RequestId>") {
		t.Fatalf("preflight without rules: %+v", got)
	}
	if got := preflight(t, r.url, "/web", "https://app.example.com", "PUT", ""); got.status != 403 ||
		!strings.Contains(got.body, "<Method>PUT</Method><ResourceType>BUCKET</ResourceType><RequestId>") {
		t.Fatalf("preflight of the bucket without rules: %+v", got)
	}
	for name, bad := range map[string]s3types.CORSRule{
		"PATCH":          {AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}},
		"two wildcards":  {AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://*.*.example.com"}},
		"header wilds":   {AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"x-*-*"}},
		"an ID too long": {ID: aws.String(strings.Repeat("i", 256)), AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}},
	} {
		_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{bad}}})
		if code := apiCode(err); code != "InvalidRequest" && code != "MalformedXML" {
			t.Fatalf("%s: %v", name, err)
		}
	}
	noOrigin := []byte(`<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
	if status, _, body := rawS3(t, r.url, root, "PUT", "/web?cors", noOrigin, nil); status != 400 || !strings.Contains(string(body), "MalformedXML") {
		t.Fatalf("a rule without an origin: %d %s", status, body)
	}
	tooMany := make([]s3types.CORSRule, 101)
	for i := range tooMany {
		tooMany[i] = s3types.CORSRule{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: tooMany}}); apiCode(err) != "MalformedXML" {
		t.Fatalf("101 rules: %v", err)
	}
	rules := []s3types.CORSRule{
		{ID: aws.String("app"), AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"content-type", "x-amz-*"}, ExposeHeaders: []string{"ETag", "x-amz-request-id"}, MaxAgeSeconds: aws.Int32(600)},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	if err != nil || len(got.CORSRules) != 2 || aws.ToString(got.CORSRules[0].ID) != "app" || aws.ToInt32(got.CORSRules[0].MaxAgeSeconds) != 600 ||
		len(got.CORSRules[0].AllowedHeaders) != 2 || got.CORSRules[1].MaxAgeSeconds != nil {
		t.Fatalf("GetBucketCors = %+v, %v", got, err)
	}
	status, _, body := rawS3(t, r.url, root, "GET", "/web?cors", nil, nil)
	if status != 200 {
		t.Fatalf("GET ?cors: %d %s", status, body)
	}
	checkS3Shape(t, "GetBucketCors", body)

	// Preflights.
	p := preflight(t, r.url, "/web/up/a.txt", "https://app.example.com", "PUT", "Content-Type, X-Amz-Meta-Owner")
	if p.status != 200 || p.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || p.header.Get("Access-Control-Allow-Methods") != "GET, PUT" ||
		p.header.Get("Access-Control-Allow-Headers") != "Content-Type, X-Amz-Meta-Owner" || p.header.Get("Access-Control-Max-Age") != "600" ||
		p.header.Get("Access-Control-Expose-Headers") != "ETag, x-amz-request-id" || !strings.Contains(p.header.Get("Vary"), "Origin") {
		t.Fatalf("preflight of the first rule: %+v", p)
	}
	if p := preflight(t, r.url, "/web", "https://other.org", "GET", ""); p.status != 200 || p.header.Get("Access-Control-Allow-Origin") != "*" ||
		p.header.Get("Access-Control-Allow-Methods") != "GET" || p.header.Get("Access-Control-Max-Age") != "" {
		t.Fatalf("preflight of the second rule, on the bucket: %+v", p)
	}
	for name, tc := range map[string][3]string{
		"a method no rule allows":      {"https://other.org", "PUT", ""},
		"a header the rule lacks":      {"https://app.example.com", "PUT", "authorization"},
		"an origin outside the domain": {"https://example.com.evil.org", "PUT", ""},
	} {
		if p := preflight(t, r.url, "/web/a.txt", tc[0], tc[1], tc[2]); p.status != 403 || !strings.Contains(p.body, "This CORS request is not allowed") ||
			!strings.Contains(p.body, "<Method>"+tc[1]+"</Method><ResourceType>OBJECT</ResourceType>") || p.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%s: %+v", name, p)
		}
	}
	if p := preflight(t, r.url, "/web", "https://other.org", "PUT", ""); p.status != 403 || !strings.Contains(p.body, "<Method>PUT</Method><ResourceType>BUCKET</ResourceType>") {
		t.Fatalf("a refused preflight of the bucket: %+v", p)
	}
	// Other errors' bodies name no method or resource type.
	if p := preflight(t, r.url, "/web/a.txt", "", "GET", ""); p.status != 400 || strings.Contains(p.body, "<Method>") || strings.Contains(p.body, "<ResourceType>") {
		t.Fatalf("preflight without an Origin: %+v", p)
	}

	// Actual requests: the rule's headers, on success and on failure; none
	// for an origin no rule allows.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("a.txt"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	status, h, _ := rawS3(t, r.url, root, "GET", "/web/a.txt", nil, http.Header{"Origin": {"https://app.example.com"}})
	if status != 200 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Get("Access-Control-Expose-Headers") != "ETag, x-amz-request-id" {
		t.Fatalf("GET with an Origin: %d %v", status, h)
	}
	status, h, missing := rawS3(t, r.url, root, "GET", "/web/missing", nil, http.Header{"Origin": {"https://app.example.com"}})
	if status != 404 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || strings.Contains(string(missing), "<Method>") ||
		strings.Contains(string(missing), "<ResourceType>") {
		t.Fatalf("a failed GET with an Origin: %d %v %s", status, h, missing)
	}
	status, h, _ = rawS3(t, r.url, root, "DELETE", "/web/a.txt", nil, http.Header{"Origin": {"https://other.org"}})
	if status != 204 || h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a DELETE no rule allows: %d %v", status, h)
	}

	// The AWS CLI writes rules; its preflight is answered.
	needAWSCLI(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cors.json"), []byte(`{"CORSRules":[{"AllowedOrigins":["https://cli.example"],"AllowedMethods":["POST"],"AllowedHeaders":["*"]}]}`), 0o600)
	cmd := exec.Command("aws", "s3api", "put-bucket-cors", "--bucket", "web", "--cors-configuration", "file://cors.json")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+root.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+root.SecretAccessKey,
		"AWS_ENDPOINT_URL="+r.url, "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws s3api put-bucket-cors: %v\n%s", err, out)
	}
	if p := preflight(t, r.url, "/web/form", "https://cli.example", "POST", "x-anything"); p.status != 200 || p.header.Get("Access-Control-Allow-Origin") != "https://cli.example" {
		t.Fatalf("preflight of the CLI's rule: %+v", p)
	}
	if p := preflight(t, r.url, "/web/form", "https://app.example.com", "GET", ""); p.status != 403 {
		t.Fatalf("the old rules replaced: %+v", p)
	}

	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
}
