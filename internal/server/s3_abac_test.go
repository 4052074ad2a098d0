package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ResourceTag: with ABAC enabled on a bucket, its tags are
// aws:ResourceTag in decisions: a policy on the tag team=blue lets a user
// read the blue bucket and not the red one; with ABAC disabled (S3's
// default) the tags decide nothing and the blue bucket is refused too.
func TestS3ResourceTag(t *testing.T) {
	r, root, c := s3Start(t, "blue-data", "red-data")
	ctx := t.Context()
	for _, b := range []string{"blue-data", "red-data"} {
		team := strings.TrimSuffix(b, "-data")
		if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(b), Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String(team)}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader(team)}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := c.GetBucketAbac(ctx, &s3.GetBucketAbacInput{Bucket: aws.String("blue-data")}); err != nil || got.AbacStatus == nil || got.AbacStatus.Status != s3types.BucketAbacStatusDisabled {
		t.Fatalf("a new bucket's ABAC: %+v, %v", got, err)
	}
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("blue")})
	if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("blue"), PolicyName: aws.String("team"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("blue")})
	if err != nil {
		t.Fatal(err)
	}
	user := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	read := func(b string) string {
		_, err := user.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
		return apiCode(err)
	}
	if got := read("blue-data"); got != "AccessDenied" {
		t.Fatalf("blue bucket, ABAC disabled: %q", got)
	}
	for _, b := range []string{"blue-data", "red-data"} {
		if _, err := c.PutBucketAbac(ctx, &s3.PutBucketAbacInput{Bucket: aws.String(b), AbacStatus: &s3types.AbacStatus{Status: s3types.BucketAbacStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := c.GetBucketAbac(ctx, &s3.GetBucketAbacInput{Bucket: aws.String("blue-data")}); err != nil || got.AbacStatus.Status != s3types.BucketAbacStatusEnabled {
		t.Fatalf("ABAC after enabling: %+v, %v", got, err)
	}
	if got := read("blue-data"); got != "" {
		t.Fatalf("blue bucket, ABAC enabled: %q", got)
	}
	if got := read("red-data"); got != "AccessDenied" {
		t.Fatalf("red bucket, ABAC enabled: %q", got)
	}
	status, _, body := rawS3(t, r.url, root, "GET", "/blue-data?abac", nil, nil)
	if status != 200 {
		t.Fatalf("GET ?abac: %d %s", status, body)
	}
	checkS3Shape(t, "GetBucketAbac", body)
}
