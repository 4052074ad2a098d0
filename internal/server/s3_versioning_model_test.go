package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Model is what the shape checks read of botocore's S3 model.
type s3Model struct {
	Operations map[string]struct {
		Output *struct {
			Shape string `json:"shape"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]*s3Shape `json:"shapes"`
}

type s3Shape struct {
	Type      string               `json:"type"`
	Members   map[string]*s3Member `json:"members"`
	Member    *s3Member            `json:"member"`
	Flattened bool                 `json:"flattened"`
	Enum      []string             `json:"enum"`
	Payload   string               `json:"payload"`
}

type s3Member struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
	Location     string `json:"location"`
}

// loadS3Model reads botocore's S3 model from PODIAM_BOTOCORE_DATA, or
// skips the test when it is not set.
func loadS3Model(t *testing.T) *s3Model {
	t.Helper()
	dir := os.Getenv("PODIAM_BOTOCORE_DATA")
	if dir == "" {
		t.Skip("PODIAM_BOTOCORE_DATA is not set: `make test` sets it to botocore's data directory")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "s3", "*", "service-2.json*"))
	if len(matches) == 0 {
		t.Fatalf("no s3 model under %s", dir)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(matches[0], ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	var m s3Model
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// xmlNode is an element of a response.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

func parseXMLNodes(body []byte) (*xmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tok.Name.Local}
			if len(stack) > 0 {
				stack[len(stack)-1].children = append(stack[len(stack)-1].children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// checkS3Response checks a REST-XML response of op against the model:
// every element is a member of its shape (flattened lists as repeated
// elements), scalars have their form, enums their values, and every
// x-amz-* header the response has is a header of the output.
func checkS3Response(m *s3Model, op string, h http.Header, body []byte) []string {
	o, ok := m.Operations[op]
	if !ok || o.Output == nil {
		return []string{op + ": no output in the model"}
	}
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, op+": "+path+": "+fmt.Sprintf(format, args...))
	}
	out := m.Shapes[o.Output.Shape]
	headers := map[string]bool{}
	for _, mem := range out.Members {
		if mem.Location == "header" {
			headers[strings.ToLower(mem.LocationName)] = true
		}
	}
	for name := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-amz-") && l != "x-amz-request-id" && l != "x-amz-id-2" && !headers[l] {
			bad("headers", "%s is not a header of %s", name, o.Output.Shape)
		}
	}
	shape := o.Output.Shape
	if out.Payload != "" {
		// The body is one member: a structure, or bytes (GetObject's).
		shape = out.Members[out.Payload].Shape
		if m.Shapes[shape].Type != "structure" {
			return problems
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return problems
	}
	root, err := parseXMLNodes(body)
	if err != nil {
		return append(problems, op+": "+err.Error())
	}
	var walk func(path string, n *xmlNode, sh string)
	walk = func(path string, n *xmlNode, sh string) {
		s := m.Shapes[sh]
		text := strings.TrimSpace(n.text)
		switch s.Type {
		case "structure":
			names := map[string]*s3Member{}
			for name, mem := range s.Members {
				if mem.Location != "" {
					continue
				}
				wire := name
				if mem.LocationName != "" {
					wire = mem.LocationName
				}
				names[wire] = mem
			}
			seen := map[string]bool{}
			for _, c := range n.children {
				mem, ok := names[c.name]
				if !ok {
					bad(path, "%s is not a member of %s", c.name, sh)
					continue
				}
				ms := m.Shapes[mem.Shape]
				if ms.Type == "list" && ms.Flattened {
					walk(path+"/"+c.name, c, ms.Member.Shape)
					continue
				}
				if seen[c.name] {
					bad(path, "%s repeated", c.name)
				}
				seen[c.name] = true
				walk(path+"/"+c.name, c, mem.Shape)
			}
		case "list":
			want := "member"
			if s.Member.LocationName != "" {
				want = s.Member.LocationName
			}
			for i, c := range n.children {
				if c.name != want {
					bad(path, "list element %s, want %s", c.name, want)
					continue
				}
				walk(fmt.Sprintf("%s[%d]", path, i), c, s.Member.Shape)
			}
		case "string":
			if len(n.children) > 0 {
				bad(path, "elements inside a string")
			}
			if len(s.Enum) > 0 && !slices.Contains(s.Enum, text) {
				bad(path, "%q is not one of %v", text, s.Enum)
			}
		case "boolean":
			if text != "true" && text != "false" {
				bad(path, "%q is not a boolean", text)
			}
		case "integer", "long":
			if _, err := strconv.ParseInt(text, 10, 64); err != nil {
				bad(path, "%q is not an integer", text)
			}
		case "timestamp":
			if _, err := time.Parse(time.RFC3339, text); err != nil {
				bad(path, "%q is not an ISO 8601 time", text)
			}
		}
	}
	walk("/"+root.name, root, shape)
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
			for _, p := range checkS3Response(m, op, resp.Header, b) {
				t.Error(p)
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
