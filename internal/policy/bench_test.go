package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/policy"
)

// sixKiB builds an identity policy of just under 6144 characters without
// whitespace (the managed-policy limit), with conditions and variables.
func sixKiB(tb testing.TB) []byte {
	var st []string
	size := func() int {
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(st, ",") + `]}`
		return len(doc)
	}
	for i := 0; ; i++ {
		s := fmt.Sprintf(`{"Sid":"Stmt%d","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:List*"],`+
			`"Resource":["arn:aws:s3:::bucket-%d/${aws:username}/*","arn:aws:s3:::shared-%d/*"],`+
			`"Condition":{"StringEquals":{"aws:PrincipalTag/team":"team-%d"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]},"Bool":{"aws:SecureTransport":"true"}}}`, i, i, i, i)
		st = append(st, s)
		if size() > 6144 {
			st = st[:len(st)-1]
			break
		}
	}
	doc := []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(st, ",") + `]}`)
	if len(doc) < 5800 {
		tb.Fatalf("document is %d bytes, want close to 6144", len(doc))
	}
	return doc
}

// BenchmarkParseCompile6KiB parses, validates and compiles a managed
// policy of nearly the maximum size.
func BenchmarkParseCompile6KiB(b *testing.B) {
	doc := sixKiB(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Parse("p", doc, policy.Identity, policy.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
