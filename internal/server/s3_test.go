package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func s3Client(url string, c aws.Credentials) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return "not an API error: " + err.Error()
}

// TestS3RoundTrip: buckets and objects through aws-sdk-go-v2, as the
// account's root.
func TestS3RoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	c := s3Client(r.url, readCredentials(t, dir))
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("create again: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); apiCode(err) != "InvalidBucketName" {
		t.Fatalf("bad name: %v", err)
	}
	body := make([]byte, 300<<10)
	rand.Read(body)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("dir/a.bin"), Body: bytes.NewReader(body),
		ContentType: aws.String("application/x-test"), Metadata: map[string]string{"owner": "me"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dir/b.txt", "dir/sub/c.txt", "top.txt", "../../escape", "ünï/cödé"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(k), Body: strings.NewReader("x:" + k)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("dir/a.bin")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(b, body) || aws.ToString(got.ETag) != aws.ToString(put.ETag) || aws.ToString(got.ContentType) != "application/x-test" || got.Metadata["owner"] != "me" {
		t.Fatalf("get: %d bytes, etag %s/%s, type %s, meta %v", len(b), aws.ToString(got.ETag), aws.ToString(put.ETag), aws.ToString(got.ContentType), got.Metadata)
	}
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("dir/a.bin"), Range: aws.String("bytes=100-199")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(rng.Body)
	rng.Body.Close()
	if !bytes.Equal(b, body[100:200]) || aws.ToString(rng.ContentRange) != "bytes 100-199/307200" {
		t.Fatalf("range: %d bytes, %s", len(b), aws.ToString(rng.ContentRange))
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("dir/a.bin"), IfNoneMatch: put.ETag}); err == nil {
		t.Fatal("If-None-Match with the ETag did not answer 304")
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("ünï/cödé")})
	if err != nil || aws.ToInt64(head.ContentLength) != int64(len("x:ünï/cödé")) {
		t.Fatalf("head: %+v, %v", head, err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("missing")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing key: %v", err)
	}

	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data"), Prefix: aws.String("dir/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys, prefixes []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	for _, p := range list.CommonPrefixes {
		prefixes = append(prefixes, aws.ToString(p.Prefix))
	}
	if strings.Join(keys, ",") != "dir/a.bin,dir/b.txt" || strings.Join(prefixes, ",") != "dir/sub/" || aws.ToInt32(list.KeyCount) != 3 {
		t.Fatalf("list: keys %v, prefixes %v, count %d", keys, prefixes, aws.ToInt32(list.KeyCount))
	}
	// Paging one key at a time visits all six.
	var all []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("data"), MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			all = append(all, aws.ToString(o.Key))
		}
	}
	if len(all) != 6 || all[0] != "../../escape" {
		t.Fatalf("paged listing %v", all)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("data")}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("delete a full bucket: %v", err)
	}
	for _, k := range all {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	bs, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(bs.Buckets) != 0 {
		t.Fatalf("buckets after delete: %+v, %v", bs, err)
	}
}

// TestS3Authorization: a user limited to a prefix, another account
// through a bucket policy, and anonymous reads of a public prefix.
func TestS3Authorization(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"alice/1", "bob/1", "public/readme"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::team/${aws:username}/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::team","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}]}`
	if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("own-prefix"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	if _, err := alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("alice/1")}); err != nil {
		t.Fatalf("own prefix: %v", err)
	}
	_, err = alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("bob/1")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "user/alice is not authorized to perform: s3:GetObject") {
		t.Fatalf("another prefix: %v", err)
	}
	if _, err := alice.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team"), Key: aws.String("bob/2"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("put under another prefix: %v", err)
	}
	// Without s3:ListBucket on that prefix, a missing key is 403, not 404.
	if _, err := alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("bob/none")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("missing key elsewhere: %v", err)
	}
	if _, err := alice.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("alice/none")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing key in own prefix: %v", err)
	}
	if _, err := alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team"), Prefix: aws.String("alice/")}); err != nil {
		t.Fatalf("list own prefix: %v", err)
	}
	if _, err := alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("list the whole bucket: %v", err)
	}

	// Anonymous reads of public/ through the bucket policy only.
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::team/public/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("team"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"public/readme": 200, "alice/1": 403} {
		resp, err := http.Get(r.url + "/team/" + key)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("anonymous GET %s: %d, want %d", key, resp.StatusCode, want)
		}
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("team"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); apiCode(err) != "MalformedPolicy" {
		t.Fatalf("a bucket policy without a principal: %v", err)
	}
	gp, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("team")})
	if err != nil || aws.ToString(gp.Policy) != public {
		t.Fatalf("GetBucketPolicy = %v, %v", gp, err)
	}
	var nsb *s3types.NoSuchBucket
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("nope")}); err == nil || errors.As(err, &nsb) && false {
		t.Fatalf("head a missing bucket: %v", err)
	}
}
