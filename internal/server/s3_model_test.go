package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// s3Model is the part of botocore's S3 model (the AWS CLI's and boto3's)
// that response bodies need: operations' output shapes and the shapes.
type s3Model struct {
	Operations map[string]struct {
		Output *struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]*s3Shape `json:"shapes"`
}

type s3Shape struct {
	Type      string               `json:"type"`
	Members   map[string]*s3Member `json:"members"`
	Required  []string             `json:"required"`
	Member    *s3Member            `json:"member"`
	Enum      []string             `json:"enum"`
	Payload   string               `json:"payload"`
	Flattened bool                 `json:"flattened"`
}

type s3Member struct {
	Shape        string `json:"shape"`
	Location     string `json:"location"`
	LocationName string `json:"locationName"`
	Flattened    bool   `json:"flattened"`
}

var (
	s3ModelOnce sync.Once
	s3ModelData *s3Model
	s3ModelErr  error
)

// loadS3Model reads botocore's S3 model from PODIAM_BOTOCORE_DATA, or
// skips the test when it is not set (`make test` sets it).
func loadS3Model(t *testing.T) *s3Model {
	t.Helper()
	dir := os.Getenv("PODIAM_BOTOCORE_DATA")
	if dir == "" {
		t.Skip("PODIAM_BOTOCORE_DATA is not set: `make test` sets it to botocore's data directory and runs the model checks")
	}
	s3ModelOnce.Do(func() {
		var r io.Reader
		f, err := os.Open(filepath.Join(dir, "s3", "2006-03-01", "service-2.json.gz"))
		if err == nil {
			defer f.Close()
			r, err = gzip.NewReader(f)
		} else {
			f, err = os.Open(filepath.Join(dir, "s3", "2006-03-01", "service-2.json"))
			if err == nil {
				defer f.Close()
				r = f
			}
		}
		if err != nil {
			s3ModelErr = err
			return
		}
		s3ModelData = &s3Model{}
		s3ModelErr = json.NewDecoder(r).Decode(s3ModelData)
	})
	if s3ModelErr != nil {
		t.Fatalf("botocore's S3 model: %v", s3ModelErr)
	}
	return s3ModelData
}

// xmlNode is an element of a response body.
type xmlNode struct {
	XMLName  xml.Name
	Children []xmlNode `xml:",any"`
	Text     string    `xml:",chardata"`
}

// checkS3Shape fails t when body is not operation op's output as
// botocore's model has it: every element a member of its shape, every
// required member there, every enum value one of the model's.
func checkS3Shape(t *testing.T, op string, body []byte) {
	t.Helper()
	m := loadS3Model(t)
	o, ok := m.Operations[op]
	if !ok || o.Output == nil {
		t.Fatalf("botocore has no output of %s", op)
	}
	var root xmlNode
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatalf("%s: body does not parse: %v\n%s", op, err, body)
	}
	shape := m.Shapes[o.Output.Shape]
	if shape.Payload != "" {
		shape = m.Shapes[shape.Members[shape.Payload].Shape]
	}
	for _, p := range checkS3Node(m, shape, root, op) {
		t.Errorf("%s: %s\n%s", op, p, body)
	}
}

func checkS3Node(m *s3Model, s *s3Shape, n xmlNode, path string) []string {
	var problems []string
	switch s.Type {
	case "structure":
		seen := map[string]bool{}
		for _, c := range n.Children {
			name, mem := c.XMLName.Local, (*s3Member)(nil)
			for mn, mm := range s.Members {
				if mm.Location != "" {
					continue
				}
				wire := mn
				if mm.LocationName != "" {
					wire = mm.LocationName
				}
				if wire == name {
					mem, seen[mn] = mm, true
					break
				}
			}
			if mem == nil {
				problems = append(problems, path+"/"+name+": not in the model")
				continue
			}
			ms := m.Shapes[mem.Shape]
			if ms.Type == "list" && (ms.Flattened || mem.Flattened) {
				problems = append(problems, checkS3Node(m, m.Shapes[ms.Member.Shape], c, path+"/"+name)...)
			} else {
				problems = append(problems, checkS3Node(m, ms, c, path+"/"+name)...)
			}
		}
		for _, r := range s.Required {
			if !seen[r] {
				problems = append(problems, path+": lacks required "+r)
			}
		}
	case "list":
		for _, c := range n.Children {
			problems = append(problems, checkS3Node(m, m.Shapes[s.Member.Shape], c, path+"/"+c.XMLName.Local)...)
		}
	case "string":
		if len(s.Enum) > 0 {
			found := false
			for _, e := range s.Enum {
				found = found || e == n.Text
			}
			if !found {
				problems = append(problems, path+": "+n.Text+" is not one of "+string(mustJSON(s.Enum)))
			}
		}
	case "boolean":
		if n.Text != "true" && n.Text != "false" {
			problems = append(problems, path+": "+n.Text+" is not a boolean")
		}
	}
	return problems
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// rawS3 sends a request signed with c for S3 and returns its status,
// headers and body: what a client's parser would read.
func rawS3(t *testing.T, url string, c aws.Credentials, method, path string, body []byte, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}
