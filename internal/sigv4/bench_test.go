package sigv4_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/podiam/podiam/internal/sigv4"
)

// BenchmarkVerifyHeader parses and verifies a header-signed IAM request as
// the AWS CLI sends it (form body, session token), given the body's hash.
func BenchmarkVerifyHeader(b *testing.B) {
	body := "Action=GetRole&RoleName=app&Version=2010-05-08"
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	creds := aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SessionToken: strings.Repeat("t", 600)}
	r := httptest.NewRequest("POST", "http://127.0.0.1:4580/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("User-Agent", "aws-cli/1.45.0 Python/3.11.7 Linux/6.1 botocore/1.43.0")
	hash := sigv4.HashPayload([]byte(body))
	out := r.Clone(context.Background())
	out.RequestURI = ""
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, out, hash, "iam", "us-east-1", now); err != nil {
		b.Fatal(err)
	}
	r.Header = out.Header
	// The edge decodes the query once for the whole request (a form POST
	// has none); the benchmark measures the signature's share.
	var query url.Values
	for _, cached := range []bool{false, true} {
		name := "derive-key"
		opt := sigv4.Options{}
		if cached {
			name, opt.Keys = "cached-key", &sigv4.KeyCache{}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, err := sigv4.Parse(r, query)
				if err != nil {
					b.Fatal(err)
				}
				if err := sigv4.Verify(r, a, creds.SecretAccessKey, hash, now, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
