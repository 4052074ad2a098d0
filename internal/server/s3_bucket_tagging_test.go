package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3BucketTagging: a bucket without tags is NoSuchTagSet; tags put
// are read back in order; a bad set is refused and leaves the old one;
// delete removes them.
func TestS3BucketTagging(t *testing.T) {
	_, _, c := s3Start(t, "tagged")
	ctx := t.Context()
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")}); apiCode(err) != "NoSuchTagSet" {
		t.Fatalf("tags of an untagged bucket: %v", err)
	}
	set := []s3types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}, {Key: aws.String("env"), Value: aws.String("")}}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &s3types.Tagging{TagSet: set}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")})
	if err != nil || len(got.TagSet) != 2 || aws.ToString(got.TagSet[0].Key) != "team" || aws.ToString(got.TagSet[0].Value) != "blue" || aws.ToString(got.TagSet[1].Key) != "env" {
		t.Fatalf("GetBucketTagging = %+v, %v", got, err)
	}
	for name, bad := range map[string][]s3types.Tag{
		"aws: prefix":   {{Key: aws.String("aws:x"), Value: aws.String("v")}},
		"duplicate key": {{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}},
	} {
		if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &s3types.Tagging{TagSet: bad}}); apiCode(err) != "InvalidTag" {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")}); err != nil || len(got.TagSet) != 2 {
		t.Fatalf("after refused puts: %+v, %v", got, err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("nosuch")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("tags of a missing bucket: %v", err)
	}
	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("tagged")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")}); apiCode(err) != "NoSuchTagSet" {
		t.Fatalf("tags after delete: %v", err)
	}
}
