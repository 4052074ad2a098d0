package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ABACRetag: while ABAC is enabled on a bucket its tags decide
// access, and PutBucketTagging and DeleteBucketTagging are refused
// (InvalidRequest), as S3 refuses them then: s3:PutBucketTagging's
// authorization sees no aws:RequestTag or aws:TagKeys, so a user allowed
// it could otherwise move another team's bucket into its own tag scope
// past any guardrail on tags. A user allowed s3:PutBucketTagging and
// s3:GetObject on buckets tagged team=blue cannot retag the red bucket
// blue and read it; the same user retags the bucket once ABAC is
// disabled (positive control), and a caller not allowed the action is
// still AccessDenied first.
func TestS3ABACRetag(t *testing.T) {
	r, root, c := s3Start(t, "red-data")
	ctx := t.Context()
	tag := func(cl *s3.Client, team string) string {
		_, err := cl.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("red-data"),
			Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String(team)}}}})
		return apiCode(err)
	}
	abac := func(status s3types.BucketAbacStatus) {
		t.Helper()
		if _, err := c.PutBucketAbac(ctx, &s3.PutBucketAbacInput{Bucket: aws.String("red-data"), AbacStatus: &s3types.AbacStatus{Status: status}}); err != nil {
			t.Fatal(err)
		}
	}
	if code := tag(c, "red"); code != "" {
		t.Fatal(code)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("red-data"), Key: aws.String("k"), Body: strings.NewReader("red")}); err != nil {
		t.Fatal(err)
	}
	im := iamClient(r.url, root)
	_, blueKey := makeUser(t, im, "blue", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:PutBucketTagging","Resource":"*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`)
	_, otherKey := makeUser(t, im, "other", "")
	blue, other := s3Client(r.url, blueKey), s3Client(r.url, otherKey)
	read := func() string {
		_, err := blue.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("red-data"), Key: aws.String("k")})
		return apiCode(err)
	}
	abac(s3types.BucketAbacStatusEnabled)
	if code := read(); code != "AccessDenied" {
		t.Fatalf("blue reads the red bucket before the attack: %q", code)
	}
	if code := tag(blue, "blue"); code != "InvalidRequest" {
		t.Fatalf("PutBucketTagging with ABAC enabled: %q, want InvalidRequest", code)
	}
	if _, err := blue.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("red-data")}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("DeleteBucketTagging with ABAC enabled: %v, want InvalidRequest", err)
	}
	if code := tag(other, "blue"); code != "AccessDenied" {
		t.Fatalf("PutBucketTagging by a caller not allowed it: %q, want AccessDenied", code)
	}
	if code := read(); code != "AccessDenied" {
		t.Fatalf("blue reads the red bucket after the attack: %q", code)
	}
	got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("red-data")})
	if err != nil || len(got.TagSet) != 1 || aws.ToString(got.TagSet[0].Value) != "red" {
		t.Fatalf("the tags after the attack: %+v, %v", got, err)
	}
	abac(s3types.BucketAbacStatusDisabled)
	if code := tag(blue, "blue"); code != "" {
		t.Fatalf("PutBucketTagging with ABAC disabled: %q", code)
	}
	if code := read(); code != "AccessDenied" {
		t.Fatalf("blue reads the bucket with ABAC disabled: %q", code)
	}
}
