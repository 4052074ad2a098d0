package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// BenchmarkSessionRequests sends requests signed with session
// credentials over loopback with aws-sdk-go-v2, client and server in
// this process: for a CPU or allocation profile of the request path
// (-cpuprofile, -memprofile; the client's share shows under the SDK's
// packages). bench/callcost measures the server alone.
func BenchmarkSessionRequests(b *testing.B) {
	e := newSessionEnv(b)
	ctx := b.Context()
	sc := s3Client(e.r.url, e.session)
	st := e.sts(e.session)
	b.Run("GetCallerIdentity", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("HeadBucket", func(b *testing.B) {
		for b.Loop() {
			if _, err := sc.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("data")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetObject", func(b *testing.B) {
		for b.Loop() {
			o, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
			if err != nil {
				b.Fatal(err)
			}
			o.Body.Close()
		}
	})
}
