package server_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// httpStatus is the HTTP status of an SDK error, 0 when it has none.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// dataFiles returns the contents of every file under dir's objects/.
func dataFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(dir, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestS3EncryptionAtRest: every object written (PutObject, CopyObject,
// a multipart upload with a copied part) is answered as SSE-S3 and is
// not in plaintext on disk; a ranged GET across packages reads right; an
// object whose file is plaintext (written before encryption) still reads,
// without the header, and a copy onto itself naming AES256 encrypts it;
// the objects read back after a restart.
func TestS3EncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sealed")}); err != nil {
		t.Fatal(err)
	}
	marker := []byte("PLAINTEXT-MARKER-podiam-")
	body := bytes.Repeat(marker, 300_000/len(marker)) // several 64 KiB packages
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sealed"), Key: aws.String("a"), Body: bytes.NewReader(body)})
	if err != nil || put.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("PutObject: %+v, %v", put, err)
	}
	// Asking for AES256 is accepted and answered the same.
	put, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sealed"), Key: aws.String("b"), Body: bytes.NewReader(body),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	if err != nil || put.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("PutObject with AES256: %+v, %v", put, err)
	}
	get, got := getObject(t, c, aws.String("sealed"), aws.String("a"))
	if !bytes.Equal(got, body) || get.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("GetObject: %d bytes, sse %q", len(got), get.ServerSideEncryption)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sealed"), Key: aws.String("a")})
	if err != nil || head.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("HeadObject: %+v, %v", head, err)
	}
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sealed"), Key: aws.String("a"), Range: aws.String("bytes=65530-131080")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := io.ReadAll(rng.Body)
	rng.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, body[65530:131081]) {
		t.Fatalf("ranged GET across packages: %d bytes, differs", len(part))
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sealed"), Key: aws.String("copy"), CopySource: aws.String("sealed/a")})
	if err != nil || cp.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("CopyObject: %+v, %v", cp, err)
	}
	// Multipart: a part uploaded, a part copied from a range.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sealed"), Key: aws.String("mp")})
	if err != nil || mp.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("CreateMultipartUpload: %+v, %v", mp, err)
	}
	first := bytes.Repeat(marker, (5<<20)/len(marker)+1)
	p1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sealed"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(first)})
	if err != nil || p1.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("UploadPart: %+v, %v", p1, err)
	}
	p2, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("sealed"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String("sealed/a"), CopySourceRange: aws.String("bytes=100-70099")})
	if err != nil || p2.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("UploadPartCopy: %+v, %v", p2, err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sealed"), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag}, {PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag}}}})
	if err != nil || done.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("CompleteMultipartUpload: %+v, %v", done, err)
	}
	if _, got := getObject(t, c, aws.String("sealed"), aws.String("mp")); !bytes.Equal(got, append(bytes.Clone(first), body[100:70100]...)) {
		t.Fatalf("the multipart object reads back %d bytes, differs", len(got))
	}

	// On disk: no file holds the marker. Positive control: the reads
	// above returned it, and a plaintext file below is found by the same
	// search.
	files := dataFiles(t, dir)
	if len(files) != 4 {
		t.Fatalf("%d object files on disk, want 4 (a, b, copy, mp)", len(files))
	}
	for p, b := range files {
		if bytes.Contains(b, marker) {
			t.Fatalf("%s holds the plaintext", p)
		}
	}

	// An object written before encryption: its file is the plaintext.
	old := []byte("written by an older podiam, PLAINTEXT-MARKER-podiam-")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sealed"), Key: aws.String("old"), Body: bytes.NewReader(old)}); err != nil {
		t.Fatal(err)
	}
	var oldPath string
	for p := range dataFiles(t, dir) {
		if _, seen := files[p]; !seen {
			oldPath = p
		}
	}
	if err := os.WriteFile(oldPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(oldPath); !bytes.Contains(raw, marker) {
		t.Fatal("the search for the marker does not find it in a plaintext file")
	}
	get, got = getObject(t, c, aws.String("sealed"), aws.String("old"))
	if !bytes.Equal(got, old) || get.ServerSideEncryption != "" {
		t.Fatalf("a plaintext object: %q, sse %q", got, get.ServerSideEncryption)
	}
	// A copy onto itself without a change is refused; naming AES256
	// encrypts it.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sealed"), Key: aws.String("old"), CopySource: aws.String("sealed/old")}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("copy onto itself: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sealed"), Key: aws.String("old"), CopySource: aws.String("sealed/old"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
		t.Fatalf("copy onto itself with AES256: %v", err)
	}
	for p, b := range dataFiles(t, dir) {
		if bytes.Contains(b, marker) {
			t.Fatalf("%s holds the plaintext after the object was rewritten", p)
		}
	}
	get, got = getObject(t, c, aws.String("sealed"), aws.String("old"))
	if !bytes.Equal(got, old) || get.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("the rewritten object: %q, sse %q", got, get.ServerSideEncryption)
	}

	// After a restart the same seal key opens every object.
	r.stop()
	r = start(t, dir)
	c = s3Client(r.url, root)
	for _, k := range []string{"a", "b", "copy"} {
		if _, got := getObject(t, c, aws.String("sealed"), aws.String(k)); !bytes.Equal(got, body) {
			t.Fatalf("%s after a restart: %d bytes, differs", k, len(got))
		}
	}
}

// TestS3EncryptionRefusals: SSE-KMS is refused as S3 refuses a KMS key
// that does not exist; SSE-C writes as on a bucket that blocks SSE-C, and
// SSE-C reads of an object not encrypted so; an unknown algorithm is
// InvalidArgument. Each beside a request that succeeds.
func TestS3EncryptionRefusals(t *testing.T) {
	_, _, c := s3Start(t, "refuse")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("refuse"), Key: aws.String("ok"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
		t.Fatalf("the control: %v", err)
	}
	key := make([]byte, 32)
	keyMD5 := md5.Sum(key)
	ssec := func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(key)), aws.String(base64.StdEncoding.EncodeToString(keyMD5[:]))
	}
	for _, tt := range []struct {
		name   string
		change func(*s3.PutObjectInput)
		code   string
		status int
		msg    string
	}{
		{"aws:kms", func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms }, "KMS.NotFoundException", 400, "podiam has no KMS"},
		{"aws:kms with a key", func(in *s3.PutObjectInput) {
			in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String("arn:aws:kms:us-east-1:111122223333:key/nope")
		}, "KMS.NotFoundException", 400, "key/nope"},
		{"aws:kms:dsse", func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKmsDsse }, "KMS.NotFoundException", 400, "no KMS"},
		{"unknown", func(in *s3.PutObjectInput) { in.ServerSideEncryption = "rot13" }, "InvalidArgument", 400, "not supported"},
		{"KMS key without aws:kms", func(in *s3.PutObjectInput) { in.SSEKMSKeyId = aws.String("k") }, "InvalidArgument", 400, "aws:kms"},
		{"SSE-C", ssec, "AccessDenied", 403, "SSE-C is blocked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3.PutObjectInput{Bucket: aws.String("refuse"), Key: aws.String("no"), Body: strings.NewReader("x")}
			tt.change(in)
			_, err := c.PutObject(ctx, in)
			var ae smithy.APIError
			if apiCode(err) != tt.code || httpStatus(err) != tt.status || !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), tt.msg) {
				t.Fatalf("PutObject: %v (status %d), want %s %d with %q", err, httpStatus(err), tt.code, tt.status, tt.msg)
			}
		})
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("refuse"), Key: aws.String("no")}); apiCode(err) != "NotFound" {
		t.Fatalf("a refused put left an object: %v", err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("refuse"), Key: aws.String("mp"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms}); apiCode(err) != "KMS.NotFoundException" {
		t.Fatalf("CreateMultipartUpload with aws:kms: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("refuse"), Key: aws.String("cp"), CopySource: aws.String("refuse/ok"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms}); apiCode(err) != "KMS.NotFoundException" {
		t.Fatalf("CopyObject with aws:kms: %v", err)
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("refuse"), Key: aws.String("ok"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(key)), SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(keyMD5[:]))})
	if apiCode(err) != "InvalidRequest" || httpStatus(err) != http.StatusBadRequest {
		t.Fatalf("GetObject with an SSE-C key: %v", err)
	}
}

// TestS3BucketEncryption: a bucket answers SSE-S3 (SSE-C blocked) when
// nothing was put, as S3 answers every bucket; a put of AES256 is kept;
// aws:kms and unblocking SSE-C are refused and change nothing; delete
// returns to the default.
func TestS3BucketEncryption(t *testing.T) {
	_, _, c := s3Start(t, "enc")
	ctx := t.Context()
	get := func() s3types.ServerSideEncryptionRule {
		t.Helper()
		out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")})
		if err != nil || out.ServerSideEncryptionConfiguration == nil || len(out.ServerSideEncryptionConfiguration.Rules) != 1 {
			t.Fatalf("GetBucketEncryption: %+v, %v", out, err)
		}
		rule := out.ServerSideEncryptionConfiguration.Rules[0]
		if rule.ApplyServerSideEncryptionByDefault == nil || rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 ||
			rule.BlockedEncryptionTypes == nil || len(rule.BlockedEncryptionTypes.EncryptionType) != 1 || rule.BlockedEncryptionTypes.EncryptionType[0] != s3types.EncryptionTypeSseC {
			t.Fatalf("rule %+v", rule)
		}
		return rule
	}
	if rule := get(); rule.BucketKeyEnabled == nil || *rule.BucketKeyEnabled {
		t.Fatalf("default BucketKeyEnabled %v, want false", rule.BucketKeyEnabled)
	}
	putRule := func(rule s3types.ServerSideEncryptionRule) error {
		_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{rule}}})
		return err
	}
	if err := putRule(s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
		BucketKeyEnabled: aws.Bool(true), BlockedEncryptionTypes: &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{s3types.EncryptionTypeSseC}}}); err != nil {
		t.Fatal(err)
	}
	if rule := get(); !aws.ToBool(rule.BucketKeyEnabled) {
		t.Fatal("BucketKeyEnabled put is not kept")
	}
	for _, tt := range []struct {
		name string
		rule s3types.ServerSideEncryptionRule
		code string
	}{
		{"aws:kms", s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}}, "KMS.NotFoundException"},
		{"aws:kms with a key", s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms,
			KMSMasterKeyID: aws.String("alias/mine")}}, "KMS.NotFoundException"},
		{"AES256 with a KMS key", s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256,
			KMSMasterKeyID: aws.String("alias/mine")}}, "InvalidArgument"},
		{"unblock SSE-C", s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			BlockedEncryptionTypes: &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{s3types.EncryptionTypeNone}}}, "InvalidArgument"},
		{"unknown algorithm", s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: "rot13"}}, "MalformedXML"},
		{"no default", s3types.ServerSideEncryptionRule{BucketKeyEnabled: aws.Bool(false)}, "MalformedXML"},
	} {
		if err := putRule(tt.rule); apiCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if rule := get(); !aws.ToBool(rule.BucketKeyEnabled) {
		t.Fatal("a refused put changed the configuration")
	}
	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("enc")}); err != nil {
		t.Fatal(err)
	}
	if rule := get(); aws.ToBool(rule.BucketKeyEnabled) {
		t.Fatal("after delete BucketKeyEnabled is still true")
	}
	if _, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("nosuch")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("a missing bucket: %v", err)
	}
}

// TestS3EncryptionPolicy: a bucket policy that denies PutObject without
// x-amz-server-side-encryption: AES256 refuses a put without the header
// and allows one with it; s3:GetEncryptionConfiguration and
// s3:PutEncryptionConfiguration guard the bucket setting.
func TestS3EncryptionPolicy(t *testing.T) {
	r, root, c := s3Start(t, "strict")
	ctx := t.Context()
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("writer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("writer"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetEncryptionConfiguration"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("writer")})
	if err != nil {
		t.Fatal(err)
	}
	w := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	putPlain := func() error {
		_, err := w.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("strict"), Key: aws.String("k"), Body: strings.NewReader("x")})
		return err
	}
	putAES := func() error {
		_, err := w.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("strict"), Key: aws.String("k"), Body: strings.NewReader("x"),
			ServerSideEncryption: s3types.ServerSideEncryptionAes256})
		return err
	}
	// Before the policy both puts pass (the control of the policy's effect).
	if err := putPlain(); err != nil {
		t.Fatalf("a put without the header, no policy: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"RequireSSE","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::strict/*",
		"Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("strict"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if err := putPlain(); apiCode(err) != "AccessDenied" {
		t.Fatalf("a put without the header under the policy: %v", err)
	}
	if err := putAES(); err != nil {
		t.Fatalf("a put with AES256 under the policy: %v", err)
	}
	if _, err := w.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("strict")}); err != nil {
		t.Fatalf("GetBucketEncryption with s3:GetEncryptionConfiguration: %v", err)
	}
	_, err = w.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("strict"), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("PutBucketEncryption without s3:PutEncryptionConfiguration: %v", err)
	}
	if _, err := w.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("strict")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("DeleteBucketEncryption without s3:PutEncryptionConfiguration: %v", err)
	}
}

// TestS3EncryptionCLI: the AWS CLI's put-, get- and
// delete-bucket-encryption, and put-object with --server-side-encryption
// AES256 (answered) and aws:kms (refused).
func TestS3EncryptionCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	cli := awsCLI{t: t, url: r.url, dir: dir}
	cli.json("s3api", "create-bucket", "--bucket", "clienc")
	conf := func() map[string]any {
		t.Helper()
		v := cli.json("s3api", "get-bucket-encryption", "--bucket", "clienc")
		rules := v["ServerSideEncryptionConfiguration"].(map[string]any)["Rules"].([]any)
		return rules[0].(map[string]any)
	}
	rule := conf()
	if rule["ApplyServerSideEncryptionByDefault"].(map[string]any)["SSEAlgorithm"] != "AES256" || rule["BucketKeyEnabled"] != false {
		t.Fatalf("default rule %v", rule)
	}
	if out, err := cli.run("s3api", "put-bucket-encryption", "--bucket", "clienc", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":true}]}`); err != nil {
		t.Fatalf("put-bucket-encryption: %v\n%s", err, out)
	}
	if rule := conf(); rule["BucketKeyEnabled"] != true {
		t.Fatalf("rule after put %v", rule)
	}
	out := cli.fails("KMS.NotFoundException", "s3api", "put-bucket-encryption", "--bucket", "clienc", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}`)
	if !strings.Contains(out, "podiam has no KMS") {
		t.Fatalf("put-bucket-encryption aws:kms says %s", out)
	}
	if out, err := cli.run("s3api", "delete-bucket-encryption", "--bucket", "clienc"); err != nil {
		t.Fatalf("delete-bucket-encryption: %v\n%s", err, out)
	}
	if rule := conf(); rule["BucketKeyEnabled"] != false {
		t.Fatalf("rule after delete %v", rule)
	}
	os.WriteFile(filepath.Join(dir, "body.txt"), []byte("hello"), 0o600)
	put := cli.json("s3api", "put-object", "--bucket", "clienc", "--key", "k", "--body", "body.txt", "--server-side-encryption", "AES256")
	if put["ServerSideEncryption"] != "AES256" {
		t.Fatalf("put-object answered %v", put)
	}
	if head := cli.json("s3api", "head-object", "--bucket", "clienc", "--key", "k"); head["ServerSideEncryption"] != "AES256" {
		t.Fatalf("head-object answered %v", head)
	}
	cli.fails("KMS.NotFoundException", "s3api", "put-object", "--bucket", "clienc", "--key", "kms", "--body", "body.txt", "--server-side-encryption", "aws:kms")
}

// TestS3EncryptionBoto3: boto3 reads the default encryption, puts SSE-S3,
// sees AES256 on put and head, and is refused aws:kms.
func TestS3EncryptionBoto3(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	script := `
import boto3, botocore, json
from botocore.config import Config
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="pyenc")
default = s3.get_bucket_encryption(Bucket="pyenc")["ServerSideEncryptionConfiguration"]["Rules"][0]
s3.put_bucket_encryption(Bucket="pyenc", ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]})
after = s3.get_bucket_encryption(Bucket="pyenc")["ServerSideEncryptionConfiguration"]["Rules"][0]
put = s3.put_object(Bucket="pyenc", Key="k", Body=b"boto3 bytes", ServerSideEncryption="AES256")["ServerSideEncryption"]
head = s3.head_object(Bucket="pyenc", Key="k")["ServerSideEncryption"]
try:
    s3.put_object(Bucket="pyenc", Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
    kms = "allowed"
except botocore.exceptions.ClientError as e:
    kms = e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"])
print(json.dumps({"default": default, "after": after, "put": put, "head": head, "kms": kms}))
`
	cmd := exec.Command("python3", "-c", script)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+t.TempDir(), "AWS_ACCESS_KEY_ID="+root.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+root.SecretAccessKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="+r.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var res struct {
		Default, After struct {
			ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm string }
			BucketKeyEnabled                   bool
			BlockedEncryptionTypes             struct{ EncryptionType []string }
		}
		Put, Head, KMS string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("boto3 printed %s", out)
	}
	if res.Default.ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" || res.Default.BucketKeyEnabled || len(res.Default.BlockedEncryptionTypes.EncryptionType) != 1 ||
		!res.After.BucketKeyEnabled || res.Put != "AES256" || res.Head != "AES256" || res.KMS != "KMS.NotFoundException 400" {
		t.Fatalf("boto3: %s", out)
	}
}
