package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/podiam/podiam/internal/server"
)

// s3Start starts a server in a fresh directory and returns it, its root
// user's credentials and an S3 client for them, having made the buckets.
func s3Start(t testing.TB, buckets ...string) (*running, aws.Credentials, *s3.Client) {
	t.Helper()
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	for _, b := range buckets {
		if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	return r, root, c
}

// getObject reads a whole object, failing the test if it cannot.
func getObject(t testing.TB, c *s3.Client, bucket, key *string) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: bucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out, b
}

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
	got, b := getObject(t, c, aws.String("data"), aws.String("dir/a.bin"))
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
	r, root, c := s3Start(t, "team")
	ctx := t.Context()
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

	// Anonymous reads of public/ through the bucket policy only, once the
	// block public access a new bucket has is removed.
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::team/public/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("team"), Policy: aws.String(public)}); apiCode(err) != "AccessDenied" {
		t.Fatalf("a public policy under the new bucket's BlockPublicPolicy: %v", err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
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

// TestS3Multipart: aws-sdk-go-v2's upload manager (multipart, with its
// default checksums) and downloader, with credentials from STS.
func TestS3Multipart(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	// A user assumes a role whose policy allows the bucket; the S3 calls
	// are signed with the session's credentials.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("uploader"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::big/*"}]}`
	if _, err := im.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("uploader"), PolicyName: aws.String("p"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("ci")}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	user := aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	st := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(user)})
	ar, err := st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/uploader"), RoleSessionName: aws.String("up")})
	if err != nil {
		t.Fatal(err)
	}
	session := aws.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)}
	if _, err := s3Client(r.url, root).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	c := s3Client(r.url, session)
	body := make([]byte, 23<<20) // five parts of 5 MiB
	rand.Read(body)
	//lint:ignore SA1019 the upload manager is what Go programs use today; podiam must serve its multipart uploads
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 3 })
	//lint:ignore SA1019 the upload manager is what Go programs use today; podiam must serve its multipart uploads
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin"), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-5"`) {
		t.Fatalf("multipart ETag %s", aws.ToString(res.ETag))
	}
	buf := manager.NewWriteAtBuffer(nil)
	//lint:ignore SA1019 the upload manager is what Go programs use today; podiam must serve its multipart uploads
	n, err := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 4 << 20 }).Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin")})
	if err != nil || n != int64(len(body)) || !bytes.Equal(buf.Bytes(), body) {
		t.Fatalf("download: %d bytes, same %v, %v", n, bytes.Equal(buf.Bytes(), body), err)
	}
	// The session may not list the bucket or delete.
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("big")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("list without s3:ListBucket: %v", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("delete without s3:DeleteObject: %v", err)
	}
	// An aborted upload leaves nothing; completing with a wrong part is refused.
	cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("big"), Key: aws.String("x"), UploadId: cu.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("x"), UploadId: cu.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"0000"`)}}}})
	if apiCode(err) != "InvalidPart" {
		t.Fatalf("complete with a wrong ETag: %v", err)
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("big"), Key: aws.String("x"), UploadId: cu.UploadId})
	if err != nil || len(lp.Parts) != 1 || aws.ToString(lp.Parts[0].ETag) != aws.ToString(p1.ETag) {
		t.Fatalf("ListParts = %+v, %v", lp, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("x"), UploadId: cu.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("big"), Key: aws.String("x"), UploadId: cu.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("parts of an aborted upload: %v", err)
	}
}

// TestS3CLI: the AWS CLI's s3 and s3api commands against the server.
func TestS3CLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	// The CLI works as a role it assumes itself from a user's key
	// (source_profile); the role may do everything to the bucket but
	// delete it.
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	if _, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("s3cli"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	im.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("s3cli"), PolicyName: aws.String("bucket"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::cli-bucket","arn:aws:s3:::cli-bucket/*"]},
		{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("cli")})
	im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("cli"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("cli")})
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := os.ReadFile(filepath.Join(dir, "credentials"))
	creds = append(creds, []byte("\n[cli]\naws_access_key_id = "+aws.ToString(k.AccessKey.AccessKeyId)+"\naws_secret_access_key = "+aws.ToString(k.AccessKey.SecretAccessKey)+"\n")...)
	os.WriteFile(filepath.Join(dir, "credentials.cli"), creds, 0o600)
	os.WriteFile(filepath.Join(dir, "config"), []byte("[profile s3role]\nrole_arn = arn:aws:iam::"+account+":role/s3cli\nsource_profile = cli\n"), 0o600)
	env := append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials.cli"), "AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PROFILE=s3role", "HOME="+t.TempDir())
	exec1 := func(args ...string) (string, error) {
		cmd := exec.Command("aws", args...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec1(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	if id := run("sts", "get-caller-identity", "--output", "text", "--query", "Arn"); !strings.Contains(id, ":assumed-role/s3cli/") {
		t.Fatalf("the CLI works as %s", id)
	}
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o700)
	big := make([]byte, 9<<20) // over the CLI's 8 MiB multipart threshold
	rand.Read(big)
	os.WriteFile(filepath.Join(src, "big.bin"), big, 0o600)
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("alpha\n"), 0o600)
	os.WriteFile(filepath.Join(src, "sub", "b.txt"), []byte("beta\n"), 0o600)

	run("s3", "mb", "s3://cli-bucket")
	run("s3", "sync", "--only-show-errors", src, "s3://cli-bucket/tree")
	ls := run("s3", "ls", "--recursive", "s3://cli-bucket")
	for _, k := range []string{"tree/a.txt", "tree/big.bin", "tree/sub/b.txt"} {
		if !strings.Contains(ls, k) {
			t.Fatalf("ls lacks %s:\n%s", k, ls)
		}
	}
	run("s3", "cp", "--only-show-errors", "s3://cli-bucket/tree/big.bin", filepath.Join(dir, "big.out"))
	if got, _ := os.ReadFile(filepath.Join(dir, "big.out")); !bytes.Equal(got, big) {
		t.Fatal("the multipart object read back differs")
	}
	// s3api, with JSON output.
	run("s3api", "put-object", "--bucket", "cli-bucket", "--key", "api/x.txt", "--body", filepath.Join(src, "a.txt"), "--content-type", "text/plain")
	run("s3api", "get-object", "--bucket", "cli-bucket", "--key", "api/x.txt", filepath.Join(dir, "x.out"))
	if got, _ := os.ReadFile(filepath.Join(dir, "x.out")); string(got) != "alpha\n" {
		t.Fatalf("get-object wrote %q", got)
	}
	var list struct {
		Contents []struct{ Key string }
		KeyCount int
	}
	if err := json.Unmarshal([]byte(run("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "tree/", "--output", "json")), &list); err != nil || len(list.Contents) != 3 {
		t.Fatalf("list-objects-v2: %+v, %v", list, err)
	}
	// A public policy: refused while the new bucket blocks public
	// policies; accepted once BlockPublicPolicy is off, but it lets no
	// one outside the account read while RestrictPublicBuckets is on;
	// with the block all off, anyone reads.
	os.WriteFile(filepath.Join(dir, "policy.json"), []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cli-bucket/tree/*"}]}`), 0o600)
	if pab := run("s3api", "get-public-access-block", "--bucket", "cli-bucket", "--output", "json"); !strings.Contains(pab, `"BlockPublicPolicy": true`) || !strings.Contains(pab, `"RestrictPublicBuckets": true`) {
		t.Fatalf("a new bucket's public access block:\n%s", pab)
	}
	if out, err := exec1("s3api", "put-bucket-policy", "--bucket", "cli-bucket", "--policy", "file://policy.json"); err == nil || !strings.Contains(out, "AccessDenied") || !strings.Contains(out, "BlockPublicPolicy") {
		t.Fatalf("a public policy under BlockPublicPolicy: %v\n%s", err, out)
	}
	run("s3api", "put-public-access-block", "--bucket", "cli-bucket", "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true")
	run("s3api", "put-bucket-policy", "--bucket", "cli-bucket", "--policy", "file://policy.json")
	anonymous := func() int {
		t.Helper()
		resp, err := http.Get(r.url + "/cli-bucket/tree/a.txt")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := anonymous(); got != 403 {
		t.Fatalf("anonymous read of a public policy under RestrictPublicBuckets: %d", got)
	}
	run("s3api", "put-public-access-block", "--bucket", "cli-bucket", "--public-access-block-configuration",
		"BlockPublicAcls=false,IgnorePublicAcls=false,BlockPublicPolicy=false,RestrictPublicBuckets=false")
	if got := anonymous(); got != 200 {
		t.Fatalf("anonymous read after put-bucket-policy: %d", got)
	}
	run("s3", "rm", "--only-show-errors", "--recursive", "s3://cli-bucket")
	if out, err := exec1("s3", "rb", "s3://cli-bucket"); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("rb as the role (denied by its policy): %v\n%s", err, out)
	}
	if _, err := s3Client(r.url, root).DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("cli-bucket")}); err != nil {
		t.Fatalf("the emptied bucket, by the root: %v", err)
	}
}

// TestS3CopyAndDeleteObjects: CopyObject (metadata copied or replaced;
// GetObject on the source and PutObject on the destination both needed)
// and DeleteObjects with per-key results.
func TestS3CopyAndDeleteObjects(t *testing.T) {
	r, root, c := s3Start(t)
	ctx := t.Context()
	for _, b := range []string{"src", "dst"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/ü.txt"), Body: strings.NewReader("payload"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"m": "1"}}); err != nil {
		t.Fatal(err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy.txt"), CopySource: aws.String("src/a%20b/%C3%BC.txt")})
	if err != nil {
		t.Fatal(err)
	}
	got, b := getObject(t, c, aws.String("dst"), aws.String("copy.txt"))
	if string(b) != "payload" || got.Metadata["m"] != "1" || aws.ToString(got.ETag) != aws.ToString(cp.CopyObjectResult.ETag) {
		t.Fatalf("copy: %q, meta %v, etag %s", b, got.Metadata, aws.ToString(got.ETag))
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy.txt"), CopySource: aws.String("dst/copy.txt"),
		MetadataDirective: s3types.MetadataDirectiveReplace, Metadata: map[string]string{"m": "2"}}); err != nil {
		t.Fatalf("copy onto itself with REPLACE: %v", err)
	}
	if h, _ := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy.txt")}); h == nil || h.Metadata["m"] != "2" {
		t.Fatalf("replaced metadata %v", h)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy.txt"), CopySource: aws.String("dst/copy.txt")}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("copy onto itself without REPLACE: %v", err)
	}

	// A user who may read src but not write dst cannot copy.
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("reader")})
	im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::src/*"}]}`)})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	reader := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	_, err = reader.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/a%20b/%C3%BC.txt")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "s3:PutObject") {
		t.Fatalf("copy without PutObject on the destination: %v", err)
	}

	for _, k := range []string{"k1", "k2"} {
		c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dst"), Key: aws.String(k), Body: strings.NewReader(k)})
	}
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("dst"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("k1")}, {Key: aws.String("k2")}, {Key: aws.String("absent")}}}})
	if err != nil || len(del.Deleted) != 3 || len(del.Errors) != 0 {
		t.Fatalf("DeleteObjects = %+v, %v", del, err)
	}
	del, err = reader.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("dst"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("copy.txt")}}}})
	if err != nil || len(del.Errors) != 1 || aws.ToString(del.Errors[0].Code) != "AccessDenied" {
		t.Fatalf("DeleteObjects without permission = %+v, %v", del, err)
	}
}

// TestS3TaggingAndACLs: object tags (on PUT and by the tagging calls)
// reach conditions as s3:ExistingObjectTag and s3:RequestObjectTag; ACLs
// are owner-enforced.
func TestS3TaggingAndACLs(t *testing.T) {
	r, root, c := s3Start(t, "tags")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("blue"), Body: strings.NewReader("b"), Tagging: aws.String("team=blue&env=dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("red"), Body: strings.NewReader("r")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("red"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("red")}}}}); err != nil {
		t.Fatal(err)
	}
	gt, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("blue")})
	if err != nil || len(gt.TagSet) != 2 {
		t.Fatalf("GetObjectTagging = %+v, %v", gt, err)
	}
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("blue")})
	im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("blue"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::tags/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"blue"}}},
		{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::tags/*","Condition":{"StringEquals":{"s3:RequestObjectTag/team":"blue"}}}]}`)})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("blue")})
	if err != nil {
		t.Fatal(err)
	}
	blue := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	if _, err := blue.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tags"), Key: aws.String("blue")}); err != nil {
		t.Fatalf("reading a blue object: %v", err)
	}
	if _, err := blue.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tags"), Key: aws.String("red")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("reading a red object: %v", err)
	}
	if _, err := blue.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("new"), Body: strings.NewReader("n"), Tagging: aws.String("team=blue")}); err != nil {
		t.Fatalf("writing with the blue tag: %v", err)
	}
	if _, err := blue.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("new2"), Body: strings.NewReader("n"), Tagging: aws.String("team=red")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("writing with the red tag: %v", err)
	}
	// Owner-enforced ACLs.
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("tags"), Key: aws.String("blue"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatalf("bucket-owner-full-control: %v", err)
	}
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("tags"), Key: aws.String("blue"), ACL: s3types.ObjectCannedACLPublicRead}); apiCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("public-read: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("p"), Body: strings.NewReader("p"), ACL: s3types.ObjectCannedACLPublicRead}); apiCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("PutObject with public-read: %v", err)
	}
	acl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("tags"), Key: aws.String("blue")})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != s3types.PermissionFullControl {
		t.Fatalf("GetObjectAcl = %+v, %v", acl, err)
	}
	if bacl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("tags")}); err != nil || aws.ToString(bacl.Owner.ID) == "" {
		t.Fatalf("GetBucketAcl = %+v, %v", bacl, err)
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("blue")}); err != nil {
		t.Fatal(err)
	}
	if _, err := blue.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tags"), Key: aws.String("blue")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("reading after the tag was removed: %v", err)
	}
}

// TestS3OverTLS: over HTTPS aws-sdk-go-v2 and the AWS CLI send bodies
// aws-chunked with a checksum trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER);
// the server checks the checksum, keeps it, and returns it with
// x-amz-checksum-mode: ENABLED, which the SDK then validates.
func TestS3OverTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	r := startWith(t, dir, func(c *server.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	url := strings.Replace(r.url, "http://", "https://", 1)
	root := readCredentials(t, dir)
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var seen []string
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, RetryMaxAttempts: 1, HTTPClient: httpc,
		Credentials: staticCreds(root), APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("record", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					seen = append(seen, req.Header.Get("X-Amz-Content-Sha256"))
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
		}}})
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tls")}); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 200<<10)
	rand.Read(body)
	modes := map[string]bool{}
	for i, alg := range []s3types.ChecksumAlgorithm{"", s3types.ChecksumAlgorithmSha256, s3types.ChecksumAlgorithmCrc32c, ""} {
		seen = nil
		key := fmt.Sprintf("obj-%d-%s", i, alg)
		var rd io.Reader = bytes.NewReader(body) // seekable: the checksum goes in a header
		if i == 3 {
			rd = io.MultiReader(bytes.NewReader(body)) // not seekable: in a trailer
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String(key), Body: rd, ContentLength: aws.Int64(int64(len(body))), ChecksumAlgorithm: alg}); err != nil {
			t.Fatalf("put with %q: %v", alg, err)
		}
		if len(seen) > 0 {
			modes[seen[len(seen)-1]] = true
		}
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(got.Body) // the SDK validates the checksum as it reads
		got.Body.Close()
		if err != nil || !bytes.Equal(b, body) {
			t.Fatalf("get %s: %d bytes, %v", key, len(b), err)
		}
		if alg != "" && got.ChecksumCRC32 == nil && got.ChecksumSHA256 == nil && got.ChecksumCRC32C == nil {
			t.Fatalf("get %s returned no checksum", key)
		}
	}
	// Declared checksums that do not match are refused, and nothing is kept.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("bad"), Body: bytes.NewReader(body), ChecksumCRC32: aws.String("AAAAAA==")}); apiCode(err) != "BadDigest" {
		t.Fatalf("a wrong CRC32: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("bad"), Body: bytes.NewReader(body), ContentMD5: aws.String("1B2M2Y8AsgTpgAmY7PhCfg==")}); apiCode(err) != "BadDigest" {
		t.Fatalf("a wrong Content-MD5: %v", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tls"), Key: aws.String("bad")}); err == nil {
		t.Fatal("a refused upload was kept")
	}
	if !modes["STREAMING-UNSIGNED-PAYLOAD-TRAILER"] {
		t.Fatalf("no upload used the checksum trailer: %v", modes)
	}
	if _, err := exec.LookPath("aws"); err == nil {
		os.WriteFile(filepath.Join(dir, "up.bin"), body, 0o600)
		cmd := exec.Command("aws", "s3", "cp", "--only-show-errors", filepath.Join(dir, "up.bin"), "s3://tls/cli.bin")
		cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
			"AWS_ENDPOINT_URL="+url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CA_BUNDLE="+certFile)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("aws s3 cp over HTTPS: %v\n%s", err, out)
		}
		_, b := getObject(t, c, aws.String("tls"), aws.String("cli.bin"))
		if !bytes.Equal(b, body) {
			t.Fatal("the CLI's upload over HTTPS differs")
		}
	}
}

// TestS3Boto3: boto3 round trip, and presigned URLs (signature_version
// s3v4) that work for anyone until they expire, and only for what they
// were signed for.
func TestS3Boto3(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	if _, err := s3Client(r.url, root).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pyb")}); err != nil {
		t.Fatal(err)
	}
	// boto3 gets a role session from STS with a user's key; the role may
	// use the bucket's objects, not delete the bucket.
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("py"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`)})
	im.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("py"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::pyb","arn:aws:s3:::pyb/*"]}]}`)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("py")})
	im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("py"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("py")})
	if err != nil {
		t.Fatal(err)
	}
	script := `
import boto3, botocore, json, os, sys, urllib.request, urllib.error
from botocore.config import Config
c = boto3.client("sts").assume_role(RoleArn=os.environ["ROLE_ARN"], RoleSessionName="boto3")["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
s3.put_object(Bucket="pyb", Key="docs/readme.txt", Body=b"hello from boto3")
got = s3.get_object(Bucket="pyb", Key="docs/readme.txt")["Body"].read()
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="pyb", Prefix="docs/")["Contents"]]
url = s3.generate_presigned_url("get_object", Params={"Bucket": "pyb", "Key": "docs/readme.txt"}, ExpiresIn=60)
try:
    presigned = urllib.request.urlopen(url).read()
except urllib.error.HTTPError as e:
    sys.exit("presigned GET %s: %s %s" % (url, e.code, e.read()))
put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "pyb", "Key": "up.txt"}, ExpiresIn=60)
urllib.request.urlopen(urllib.request.Request(put_url, data=b"uploaded", method="PUT")).read()
uploaded = s3.get_object(Bucket="pyb", Key="up.txt")["Body"].read()
try:
    urllib.request.urlopen(url.replace("readme.txt", "other.txt"))
    tampered = 200
except urllib.error.HTTPError as e:
    tampered = e.code
try:
    s3.delete_bucket(Bucket="pyb")
    denied = "allowed"
except botocore.exceptions.ClientError as e:
    denied = e.response["Error"]["Code"]
print(json.dumps({"got": got.decode(), "keys": keys, "presigned": presigned.decode(), "uploaded": uploaded.decode(), "tampered": tampered, "denied": denied}))
`
	cmd := exec.Command("python3", "-c", script)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID="+aws.ToString(k.AccessKey.AccessKeyId), "AWS_SECRET_ACCESS_KEY="+aws.ToString(k.AccessKey.SecretAccessKey),
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "ROLE_ARN=arn:aws:iam::"+account+":role/py",
		"AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var res struct {
		Got, Presigned, Uploaded string
		Keys                     []string
		Tampered                 int
		Denied                   string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("boto3 printed %s", out)
	}
	if res.Got != "hello from boto3" || res.Presigned != res.Got || res.Uploaded != "uploaded" || len(res.Keys) != 1 || res.Tampered != 403 || res.Denied != "AccessDenied" {
		t.Fatalf("boto3: %+v", res)
	}
}

// TestS3VirtualHost: buckets addressed as <bucket>.localhost.
func TestS3VirtualHost(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(r.url, "http://"))
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, "127.0.0.1:"+port)
	}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://localhost:" + port), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: dial}}, Credentials: staticCreds(readCredentials(t, dir))})
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	// The same object by path style.
	got, err := s3Client(r.url, readCredentials(t, dir)).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vhost"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(b) != "v" {
		t.Fatalf("read back %q", b)
	}
}

// TestS3TrailerChecksumMismatch: an aws-chunked body whose trailer
// checksum is wrong is BadDigest, and nothing is kept.
func TestS3TrailerChecksumMismatch(t *testing.T) {
	r, root, c := s3Start(t, "trailer")
	ctx := t.Context()
	send := func(checksum string) *http.Response {
		body := "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + checksum + "\r\n\r\n"
		req, _ := http.NewRequest(http.MethodPut, r.url+"/trailer/obj", strings.NewReader(body))
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", "5")
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		if err := v4.NewSigner().SignHTTP(ctx, root, req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := send("AAAAAA==")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "<Code>BadDigest</Code>") {
		t.Fatalf("wrong trailer checksum: %d %s", resp.StatusCode, b)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("trailer"), Key: aws.String("obj")}); err == nil {
		t.Fatal("an upload with a wrong checksum was kept")
	}
	resp = send("NhCmhg==") // CRC32 of "hello"
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("right trailer checksum: %d", resp.StatusCode)
	}
}

// TestS3JavaScript: the AWS SDK for JavaScript v3 (test/jsclient, pinned)
// gets session credentials from STS and uses them against S3; the role's
// policy allows objects and denies DeleteBucket.
func TestS3JavaScript(t *testing.T) {
	js := os.Getenv("PODIAM_JSCLIENT")
	if js == "" {
		if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
			t.Fatal("PODIAM_JSCLIENT is not set, and PODIAM_REQUIRE_CLIENTS is")
		}
		t.Skip("PODIAM_JSCLIENT is not set: `make test` installs the SDK and sets it")
	}
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("js"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	im.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("js"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::jsb/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::jsb"}]}`)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("js")})
	im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("js"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("js")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3Client(r.url, root).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("jsb")}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(js, "s3.mjs"))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ENDPOINT_URL="+r.url, "AWS_ACCESS_KEY_ID="+aws.ToString(k.AccessKey.AccessKeyId),
		"AWS_SECRET_ACCESS_KEY="+aws.ToString(k.AccessKey.SecretAccessKey), "AWS_REGION=us-east-1",
		"ROLE_ARN=arn:aws:iam::"+account+":role/js", "BUCKET=jsb")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s%s", err, out, stderr.Bytes())
	}
	var res struct {
		Body, Presigned, Denied string
		Keys                    []string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("node printed %s", out)
	}
	if res.Body != "hello from js" || res.Presigned != res.Body || len(res.Keys) != 1 || res.Denied != "AccessDenied" {
		t.Fatalf("JavaScript SDK: %+v", res)
	}
}

// TestS3SignedStreamingAndPartCopy: a body sent as signed aws-chunked
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, chunk signatures from
// aws-sdk-go-v2's stream signer), a tampered chunk refused; UploadPartCopy
// of byte ranges; an expired presigned URL; S3 decisions in the audit log.
func TestS3SignedStreamingAndPartCopy(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("stream")}); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 150<<10)
	rand.Read(payload)
	send := func(tamper bool) *http.Response {
		now := time.Now().UTC()
		var body bytes.Buffer
		req, _ := http.NewRequest(http.MethodPut, r.url+"/stream/signed.bin", nil)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(payload)))
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		chunks := [][]byte{payload[:64<<10], payload[64<<10 : 128<<10], payload[128<<10:], nil}
		size := 0
		for _, ch := range chunks {
			size += len(strconv.FormatInt(int64(len(ch)), 16)) + len(";chunk-signature=") + 64 + 2 + len(ch) + 2
		}
		req.ContentLength = int64(size)
		if err := v4.NewSigner().SignHTTP(ctx, root, req, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		auth := req.Header.Get("Authorization")
		seed, _ := hex.DecodeString(auth[strings.LastIndex(auth, "Signature=")+len("Signature="):])
		ss := v4.NewStreamSigner(root, "s3", "us-east-1", seed)
		for i, ch := range chunks {
			sig, err := ss.GetSignature(ctx, nil, ch, now)
			if err != nil {
				t.Fatal(err)
			}
			data := ch
			if tamper && i == 1 {
				data = append([]byte(nil), ch...)
				data[0] ^= 1
			}
			fmt.Fprintf(&body, "%x;chunk-signature=%x\r\n", len(ch), sig)
			body.Write(data)
			body.WriteString("\r\n")
		}
		req.Body = io.NopCloser(&body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := send(true)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "SignatureDoesNotMatch") {
		t.Fatalf("tampered chunk: %d %s", resp.StatusCode, b)
	}
	resp = send(false)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("signed streaming upload: %d %s", resp.StatusCode, b)
	}
	_, b = getObject(t, c, aws.String("stream"), aws.String("signed.bin"))
	if !bytes.Equal(b, payload) {
		t.Fatalf("read back %d bytes", len(b))
	}

	// UploadPartCopy: the object in two ranges, reassembled.
	cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("stream"), Key: aws.String("copy.bin")})
	if err != nil {
		t.Fatal(err)
	}
	half := len(payload) / 2
	var parts []s3types.CompletedPart
	for i, rng := range []string{fmt.Sprintf("bytes=0-%d", half-1), fmt.Sprintf("bytes=%d-%d", half, len(payload)-1)} {
		p, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("stream"), Key: aws.String("copy.bin"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String("stream/signed.bin"), CopySourceRange: aws.String(rng)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.CopyPartResult.ETag})
	}
	// The first part is smaller than 5 MiB: S3 refuses to complete.
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("stream"), Key: aws.String("copy.bin"), UploadId: cu.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	if apiCode(err) != "EntityTooSmall" {
		t.Fatalf("complete with a small first part: %v", err)
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("stream"), Key: aws.String("copy.bin"), UploadId: cu.UploadId})
	if err != nil || len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[0].Size)+aws.ToInt64(lp.Parts[1].Size) != int64(len(payload)) {
		t.Fatalf("copied parts %+v, %v", lp, err)
	}

	// A presigned URL that has expired.
	ps := s3.NewPresignClient(c)
	req, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("stream"), Key: aws.String("signed.bin")}, func(o *s3.PresignOptions) {
		o.Expires = time.Second
		o.ClientOptions = append(o.ClientOptions, func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
				return v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware(s)
			})
		})
	}, func(o *s3.PresignOptions) {
		o.Presigner = presignAt{time.Now().Add(-time.Hour)}
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "Request has expired") {
		t.Fatalf("expired presigned URL: %d %s", resp.StatusCode, b)
	}

	log, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	if !bytes.Contains(log, []byte(`"action":"s3:GetObject","resource":"arn:aws:s3:::stream/signed.bin","decision":"allowed"`)) {
		t.Fatalf("the audit log lacks the GetObject decision:\n%.2000s", log)
	}
}

// presignAt presigns as if at another time.
type presignAt struct{ at time.Time }

func (p presignAt) PresignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, opts ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return v4.NewSigner().PresignHTTP(ctx, c, r, payloadHash, service, region, p.at, opts...)
}

// TestS3CrossAccount: a role of another account reaches a bucket only when
// the bucket policy grants it and its own policies allow; either alone is
// not enough.
func TestS3CrossAccount(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	orgs := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	st, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("other@example.com"), AccountName: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	other := aws.ToString(st.CreateAccountStatus.AccountId)
	// An admin user of the owner account enters the other account.
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("admin")})
	im.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	admin := aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	ar, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(admin)}).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + other + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("xa")})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := aws.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)}
	c := s3Client(r.url, root)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-data")}); err != nil {
		t.Fatal(err)
	}
	c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared-data"), Key: aws.String("report.csv"), Body: strings.NewReader("1,2,3")})
	visitor := s3Client(r.url, otherAdmin) // AdministratorAccess in its own account
	get := func() error {
		_, err := visitor.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared-data"), Key: aws.String("report.csv")})
		return err
	}
	if err := get(); apiCode(err) != "AccessDenied" {
		t.Fatalf("another account without a bucket policy: %v", err)
	}
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared-data"), Policy: aws.String(grant)}); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Fatalf("granted by the bucket policy, allowed by its own: %v", err)
	}
	// A role of the other account without S3 in its own policies.
	otherIAM := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(otherAdmin)})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:role/OrganizationAccountAccessRole"},"Action":"sts:AssumeRole"}]}`
	if _, err := otherIAM.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("no-s3"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	ar2, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(otherAdmin)}).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + other + ":role/no-s3"), RoleSessionName: aws.String("ya")})
	if err != nil {
		t.Fatal(err)
	}
	noS3 := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(ar2.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar2.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar2.Credentials.SessionToken)})
	if _, err := noS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared-data"), Key: aws.String("report.csv")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("granted by the bucket policy but not by its own policies: %v", err)
	}

}

// TestS3OddKeys: keys with dot segments, doubled and leading slashes,
// control characters, unicode and the full 1,024 bytes round-trip
// exactly, list back under encoding-type=url, and never become paths:
// every file the server writes for them is a blob named by a random id.
func TestS3OddKeys(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	c := s3Client(r.url, readCredentials(t, dir))
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("odd")}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"..", "../../../../etc/passwd", "a//b", "/lead", "a/./b/../c", "ctrl\x01\x1fchar", "tab\tand\nnewline",
		"ünïcödé/😀", "%2e%2e/encoded", "sp ace+plus", strings.Repeat("k", 1024)}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("odd"), Key: aws.String(k), Body: strings.NewReader("body of " + k)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	for _, k := range keys {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("odd"), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("get %q: %v", k, err)
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(b) != "body of "+k {
			t.Fatalf("get %q = %q", k, b)
		}
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("odd"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, o := range list.Contents {
		k, err := url.QueryUnescape(aws.ToString(o.Key))
		if err != nil {
			t.Fatalf("listed key %q is not URL-encoded: %v", aws.ToString(o.Key), err)
		}
		listed = append(listed, k)
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("listed %q, want %q", listed, want)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("odd"), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")}); apiCode(err) != "KeyTooLongError" {
		t.Fatalf("a 1,025-byte key: %v", err)
	}
	blobName := regexp.MustCompile(`^objects/data/[0-9a-f]{2}/[0-9a-f]{32}$`)
	var blobs int
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, "objects/") {
			if !blobName.MatchString(rel) {
				t.Errorf("object data at %q", rel)
			}
			blobs++
		}
		return nil
	})
	if err != nil || blobs != len(keys) {
		t.Fatalf("%d blobs for %d keys (%v)", blobs, len(keys), err)
	}
}
