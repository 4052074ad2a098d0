package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// checkS3Headers checks that every x-amz-* header of a response of op is
// a header member of op's output in botocore's model (the body is
// checkS3Shape's).
func checkS3Headers(m *s3Model, op string, h http.Header) []string {
	o, ok := m.Operations[op]
	if !ok || o.Output == nil {
		return []string{op + ": no output in the model"}
	}
	headers := map[string]bool{}
	for _, mem := range m.Shapes[o.Output.Shape].Members {
		if mem.Location == "header" {
			headers[strings.ToLower(mem.LocationName)] = true
		}
	}
	var problems []string
	for name := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-amz-") && l != "x-amz-request-id" && l != "x-amz-id-2" && !headers[l] {
			problems = append(problems, fmt.Sprintf("%s: %s is not a header of %s", op, name, o.Output.Shape))
		}
	}
	return problems
}

// TestS3VersioningModel: the versioning responses, as S3 writes them,
// against botocore's model: GetBucketVersioning (never versioned and
// enabled), ListObjectVersions with versions, a marker and common
// prefixes, DeleteObjects with versions, and the headers of PUT, GET,
// HEAD, DELETE and CopyObject.
func TestS3VersioningModel(t *testing.T) {
	m := loadS3Model(t)
	r, _, c := s3Start(t, "shapes")
	ctx := t.Context()
	open := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetBucketVersioning","s3:ListBucketVersions","s3:GetObject","s3:GetObjectVersion","s3:PutObject","s3:DeleteObject","s3:DeleteObjectVersion"],"Resource":["arn:aws:s3:::shapes","arn:aws:s3:::shapes/*"]}]}`
	// A public policy, as an AWS user puts one: the block lifted first.
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("shapes")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shapes"), Policy: aws.String(open)}); err != nil {
		t.Fatal(err)
	}
	call := func(op, method, path string, body string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		if op != "" {
			for _, p := range checkS3Headers(m, op, resp.Header) {
				t.Error(p)
			}
			if len(bytes.TrimSpace(b)) > 0 && op != "GetObject" {
				checkS3Shape(t, op, b)
			}
		}
		return resp, b
	}
	_, b := call("GetBucketVersioning", "GET", "/shapes?versioning", "", nil)
	if !bytes.Contains(b, []byte("<VersioningConfiguration")) || bytes.Contains(b, []byte("<Status>")) {
		t.Fatalf("a bucket never versioned: %s", b)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("shapes"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	call("GetBucketVersioning", "GET", "/shapes?versioning", "", nil)
	for _, k := range []string{"a/1", "a/2", "top", "top"} {
		call("PutObject", "PUT", "/shapes/"+k, "x", nil)
	}
	resp, _ := call("DeleteObject", "DELETE", "/shapes/top", "", nil)
	marker := resp.Header.Get("x-amz-version-id")
	call("GetObject", "GET", "/shapes/a/1", "", nil)
	call("HeadObject", "HEAD", "/shapes/a/1", "", nil)
	_, b = call("ListObjectVersions", "GET", "/shapes?versions", "", nil)
	if !bytes.Contains(b, []byte("<DeleteMarker>")) || bytes.Count(b, []byte("<Version>")) != 4 {
		t.Fatalf("ListObjectVersions: %s", b)
	}
	_, b = call("ListObjectVersions", "GET", "/shapes?versions&delimiter=/&max-keys=1", "", nil)
	if !bytes.Contains(b, []byte("<CommonPrefixes>")) || !bytes.Contains(b, []byte("<NextKeyMarker>a/</NextKeyMarker>")) {
		t.Fatalf("ListObjectVersions with a delimiter: %s", b)
	}
	call("DeleteObjects", "POST", "/shapes?delete", `<Delete><Object><Key>top</Key><VersionId>`+marker+`</VersionId></Object><Object><Key>a/2</Key></Object></Delete>`, nil)
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("shapes"), Prefix: aws.String("a/1")})
	if err != nil || len(lv.Versions) != 1 {
		t.Fatal(lv, err)
	}
	call("CopyObject", "PUT", "/shapes/copy", "", map[string]string{"x-amz-copy-source": "shapes/a/1?versionId=" + aws.ToString(lv.Versions[0].VersionId)})
}
