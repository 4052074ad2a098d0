package policy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// roundTripDocs are documents of every shape; parse, print, parse must
// give an equal document and printing it again the same bytes.
var roundTripDocs = []struct {
	name string
	kind policy.Kind
	doc  string
}{
	{"minimal", policy.Identity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
	{"array of one", policy.Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{"fields out of order", policy.Identity, `{"Statement":[{"Resource":["arn:aws:s3:::b"],"Action":["s3:GetObject","s3:PutObject"],"Effect":"Deny","Sid":"S1"}],"Id":"doc","Version":"2008-10-17"}`},
	{"not elements", policy.Identity, `{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:iam::123456789012:role/x"]}}`},
	{"conditions", policy.Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*","home/"],"aws:UserAgent":"*"},"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":[]},"IpAddressIfExists":{"aws:SourceIp":["10.0.0.0/8"]},"Null":{"aws:TokenIssueTime":"false"}}}}`},
	{"resource policy", policy.Resource, `{"Id":"p","Statement":[{"Sid":"any sid-at all","Effect":"Allow","Principal":{"Service":"logs.amazonaws.com","AWS":["arn:aws:iam::123456789012:root","210987654321"],"CanonicalUser":"abc","Federated":"accounts.google.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Deny","NotPrincipal":"*","Action":"s3:*","Resource":"*"}]}`},
	{"trust", policy.Trust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:ns:sa"}}}}`},
	{"scp", policy.SCP, `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`},
	{"escapes", policy.Identity, `{"Id":"q\"b\\s/<>&\u0001\t","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/\u00e9\u00ff"}}`},
	{"latin-1 raw", policy.Identity, `{"Id":"café ÿ","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
	{"escaped characters above U+00FF", policy.Identity, `{"Id":"\u4e2d\u2028\ud83d\ude00","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/\u65e5\u672c"}}`},
	{"lone surrogate", policy.Identity, `{"Id":"\ud800","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
	{"whitespace", policy.Identity, "{\n\t\"Statement\" : [ {\r\n \"Effect\" : \"Allow\" , \"Action\" : \"*\" , \"Resource\" : \"*\" } ]\n}\n"},
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, tt := range roundTripDocs {
		t.Run(tt.name, func(t *testing.T) {
			d1, err := policy.ParseDocument([]byte(tt.doc), tt.kind, policy.Options{})
			if err != nil {
				t.Fatalf("parse input: %v", err)
			}
			b1, err := d1.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			d2, err := policy.ParseDocument(b1, tt.kind, policy.Options{})
			if err != nil {
				t.Fatalf("parse printed %s: %v", b1, err)
			}
			if !reflect.DeepEqual(d1, d2) {
				t.Errorf("documents differ after a round trip through\n%s\n got %+v\nwant %+v", b1, d2, d1)
			}
			b2, _ := d2.MarshalJSON()
			if !bytes.Equal(b1, b2) {
				t.Errorf("printing is not stable:\n%s\n%s", b1, b2)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, b1); err != nil || !bytes.Equal(compact.Bytes(), b1) {
				t.Errorf("printed form is not compact JSON (%v): %s", err, b1)
			}
		})
	}
}

// TestMarshalCanonical checks chosen parts of the canonical form.
func TestMarshalCanonical(t *testing.T) {
	tests := []struct {
		name string
		kind policy.Kind
		doc  string
		want string
	}{
		{
			name: "field order and forms kept",
			kind: policy.Identity,
			doc:  `{"Statement":[{"Resource":["arn:aws:s3:::b"],"Action":"s3:GetObject","Effect":"Allow","Sid":"A"}],"Id":"i","Version":"2012-10-17"}`,
			want: `{"Version":"2012-10-17","Id":"i","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b"]}]}`,
		},
		{
			name: "single statement stays an object",
			kind: policy.Identity,
			doc:  `{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"*"}}`,
			want: `{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"*"}}`,
		},
		{
			name: "conditions grouped and sorted, scalars become strings",
			kind: policy.Identity,
			doc:  `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"b":"x","a":["y"]},"Bool":{"k":true},"NumericEquals":{"n":[1,2.5]}}}}`,
			want: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":"true"},"NumericEquals":{"n":["1","2.5"]},"StringLike":{"a":["y"],"b":"x"}}}}`,
		},
		{
			name: "principal types in fixed order",
			kind: policy.Resource,
			doc:  `{"Statement":{"Effect":"Allow","Principal":{"Service":"s.amazonaws.com","CanonicalUser":["c"],"AWS":"*"},"Action":"s3:*","Resource":"*"}}`,
			want: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*","CanonicalUser":["c"],"Service":"s.amazonaws.com"},"Action":"s3:*","Resource":"*"}}`,
		},
		{
			name: "no HTML escaping",
			kind: policy.Identity,
			doc:  `{"Id":"<a&b>","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			want: `{"Id":"<a&b>","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		},
		{
			name: "characters above U+00FF escaped",
			kind: policy.Identity,
			doc:  `{"Id":"\u00e9\u4E2D\ud83d\ude00","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			want: `{"Id":"é\u4e2d\ud83d\ude00","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument([]byte(tt.doc), tt.kind, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := d.MarshalJSON()
			if string(got) != tt.want {
				t.Errorf("MarshalJSON:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMarshalGolden prints each testdata/print/<kind>-<name>.json to
// <kind>-<name>.golden. Run with -update to rewrite the golden files.
func TestMarshalGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "print", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no inputs in testdata/print")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			kindName, _, _ := strings.Cut(name, "-")
			k, err := policy.ParseKind(kindName)
			if err != nil {
				t.Fatalf("file name must start with the kind: %v", err)
			}
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := policy.ParseDocument(in, k, policy.Options{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			out, err := d.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := strings.TrimSuffix(f, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("printed form differs from %s (run go test -update if the change is intended):\n got %s\nwant %s", golden, out, want)
			}
			if _, err := policy.ParseDocument(out, k, policy.Options{}); err != nil {
				t.Errorf("the printed form does not parse: %v", err)
			}
		})
	}
}
