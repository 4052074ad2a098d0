package server_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// putVersion puts body at key and returns the version id S3 answered.
func putVersion(t *testing.T, c *s3.Client, bucket, key, body string) string {
	t.Helper()
	out, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.VersionId)
}

// readVersion reads a version of key ("" for the current one).
func readVersion(t *testing.T, c *s3.Client, bucket, key, version string) (string, error) {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := c.GetObject(t.Context(), in)
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

// TestS3Versioning: the life of a versioned bucket through
// aws-sdk-go-v2: a bucket never versioned answers an empty configuration
// and no version ids; enabled, every PUT is a new version, DELETE puts a
// marker that hides the key, versions are read, listed, copied over the
// current one (restored) and removed by id; suspended, writes replace the
// null version; the bucket cannot be deleted while a version remains.
func TestS3Versioning(t *testing.T) {
	_, _, c := s3Start(t, "ver")
	ctx := t.Context()
	b := aws.String("ver")

	got, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	if err != nil || got.Status != "" || got.MFADelete != "" {
		t.Fatalf("a bucket never versioned: %+v, %v", got, err)
	}
	if v := putVersion(t, c, "ver", "doc", "before"); v != "" {
		t.Fatalf("a PUT to a bucket never versioned answered version %q", v)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{
		Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("MFA delete: %v", err)
	}
	if got, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); got.Status != "" {
		t.Fatalf("a refused PUT changed the state to %q", got.Status)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{
		Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err != nil || got.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("after enabling: %+v, %v", got, err)
	}

	v1 := putVersion(t, c, "ver", "doc", "one")
	v2 := putVersion(t, c, "ver", "doc", "two")
	if len(v1) != 32 || len(v2) != 32 || v1 == v2 || v1 > v2 {
		t.Fatalf("version ids %q then %q: want 32 characters each, increasing", v1, v2)
	}
	for _, want := range []struct{ version, body string }{{"", "two"}, {v1, "one"}, {v2, "two"}, {"null", "before"}} {
		if body, err := readVersion(t, c, "ver", "doc", want.version); err != nil || body != want.body {
			t.Fatalf("GET doc?versionId=%s = %q, %v; want %q", want.version, body, err, want.body)
		}
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("doc"), VersionId: aws.String(v1)})
	if err != nil || aws.ToString(head.VersionId) != v1 {
		t.Fatalf("HEAD a version: %+v, %v", head, err)
	}
	if _, err := readVersion(t, c, "ver", "doc", strings.Repeat("A", 32)); apiCode(err) != "NoSuchVersion" || httpStatus(err) != 404 {
		t.Fatalf("an unknown version: %v", err)
	}
	if _, err := readVersion(t, c, "ver", "doc", "not-a-version"); apiCode(err) != "InvalidArgument" || httpStatus(err) != 400 || !strings.Contains(err.Error(), "Invalid version id specified") {
		t.Fatalf("a malformed version id: %v", err)
	}

	// DELETE puts a marker: the key is gone from GET and ListObjects, its
	// versions stay.
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("doc")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || len(aws.ToString(del.VersionId)) != 32 {
		t.Fatalf("DELETE in a versioned bucket: %+v, %v", del, err)
	}
	marker := aws.ToString(del.VersionId)
	if _, err := readVersion(t, c, "ver", "doc", ""); apiCode(err) != "NoSuchKey" || httpStatus(err) != 404 {
		t.Fatalf("GET behind a marker: %v", err)
	}
	if _, err := readVersion(t, c, "ver", "doc", marker); apiCode(err) != "MethodNotAllowed" || httpStatus(err) != 405 {
		t.Fatalf("GET of a marker by id: %v", err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	if err != nil || len(list.Contents) != 0 {
		t.Fatalf("ListObjectsV2 behind a marker: %+v, %v", list.Contents, err)
	}
	putVersion(t, c, "ver", "other", "x")
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range lv.Versions {
		vs = append(vs, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId)+latest(v.IsLatest))
	}
	want := []string{"doc@" + v2, "doc@" + v1, "doc@null", "other@"}
	if len(vs) != 4 || vs[0] != want[0] || vs[1] != want[1] || vs[2] != want[2] || !strings.HasPrefix(vs[3], "other@") || !strings.HasSuffix(vs[3], "*") {
		t.Fatalf("versions %v, want %v (other latest)", vs, want)
	}
	if len(lv.DeleteMarkers) != 1 || aws.ToString(lv.DeleteMarkers[0].VersionId) != marker || !aws.ToBool(lv.DeleteMarkers[0].IsLatest) {
		t.Fatalf("delete markers %+v", lv.DeleteMarkers)
	}
	// Paging one at a time walks the same versions and markers.
	var paged []string
	in := &s3.ListObjectVersionsInput{Bucket: b, MaxKeys: aws.Int32(1)}
	for range 10 {
		p, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Versions {
			paged = append(paged, aws.ToString(v.VersionId))
		}
		for _, m := range p.DeleteMarkers {
			paged = append(paged, aws.ToString(m.VersionId))
		}
		if !aws.ToBool(p.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = p.NextKeyMarker, p.NextVersionIdMarker
	}
	if len(paged) != 5 || paged[0] != marker || paged[1] != v2 || paged[3] != "null" {
		t.Fatalf("paged versions %v", paged)
	}
	if _, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, VersionIdMarker: aws.String(v1)}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("a version-id-marker without a key-marker: %v", err)
	}

	// Restore v1 by copying it over the marker; then remove the new
	// version and the marker by id: v2 is current again.
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("doc"), CopySource: aws.String("ver/doc?versionId=" + v1)})
	if err != nil || aws.ToString(cp.CopySourceVersionId) != v1 || len(aws.ToString(cp.VersionId)) != 32 {
		t.Fatalf("copy a version: %+v, %v", cp, err)
	}
	if body, err := readVersion(t, c, "ver", "doc", ""); err != nil || body != "one" {
		t.Fatalf("after restoring v1: %q, %v", body, err)
	}
	for _, id := range []string{aws.ToString(cp.VersionId), marker} {
		d, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("doc"), VersionId: aws.String(id)})
		if err != nil || aws.ToString(d.VersionId) != id {
			t.Fatalf("DELETE ?versionId=%s: %+v, %v", id, d, err)
		}
		if id == marker && !aws.ToBool(d.DeleteMarker) {
			t.Fatal("removing a marker did not say so")
		}
	}
	if body, err := readVersion(t, c, "ver", "doc", ""); err != nil || body != "two" {
		t.Fatalf("after removing the copy and the marker: %q, %v", body, err)
	}

	// Tags of one version.
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: aws.String("doc"), VersionId: aws.String(v1),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("age"), Value: aws.String("old")}}}}); err != nil {
		t.Fatal(err)
	}
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("doc"), VersionId: aws.String(v1)})
	if err != nil || len(tg.TagSet) != 1 || aws.ToString(tg.VersionId) != v1 {
		t.Fatalf("tags of v1: %+v, %v", tg, err)
	}
	if tg, _ := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("doc")}); len(tg.TagSet) != 0 {
		t.Fatalf("the current version has v1's tags: %+v", tg.TagSet)
	}

	// DeleteObjects with versions.
	dr, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("doc"), VersionId: aws.String(v1)}, {Key: aws.String("other")}, {Key: aws.String("doc"), VersionId: aws.String("bad")}}}})
	if err != nil || len(dr.Deleted) != 2 || len(dr.Errors) != 1 || aws.ToString(dr.Errors[0].Code) != "InvalidArgument" {
		t.Fatalf("DeleteObjects: %+v, %v", dr, err)
	}
	for _, d := range dr.Deleted {
		switch aws.ToString(d.Key) {
		case "doc":
			if aws.ToString(d.VersionId) != v1 || aws.ToBool(d.DeleteMarker) {
				t.Errorf("deleted doc: %+v", d)
			}
		case "other":
			if !aws.ToBool(d.DeleteMarker) || len(aws.ToString(d.DeleteMarkerVersionId)) != 32 {
				t.Errorf("deleted other: %+v", d)
			}
		}
	}
	if _, err := readVersion(t, c, "ver", "doc", v1); apiCode(err) != "NoSuchVersion" {
		t.Fatalf("v1 after its removal: %v", err)
	}

	// Suspended: writes are the null version, each replacing the last.
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{
		Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"s1", "s2"} {
		if v := putVersion(t, c, "ver", "doc", body); v != "null" {
			t.Fatalf("a PUT while suspended answered version %q", v)
		}
	}
	if body, err := readVersion(t, c, "ver", "doc", "null"); err != nil || body != "s2" {
		t.Fatalf("the null version: %q, %v", body, err)
	}
	lv, _ = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, Prefix: aws.String("doc")})
	if len(lv.Versions) != 2 || aws.ToString(lv.Versions[0].VersionId) != "null" || aws.ToString(lv.Versions[1].VersionId) != v2 {
		t.Fatalf("suspended versions: %+v", lv.Versions)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{}}); apiCode(err) != "MalformedXML" {
		t.Fatalf("back to unversioned: %v", err)
	}

	// The bucket stays until every version and marker is gone.
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("delete a bucket with versions: %v", err)
	}
	lv, _ = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	var ids []s3types.ObjectIdentifier
	for _, v := range lv.Versions {
		ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
	}
	for _, m := range lv.DeleteMarkers {
		ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
	}
	if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &s3types.Delete{Objects: ids}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Fatalf("delete the emptied bucket: %v", err)
	}
}

func latest(b *bool) string {
	if aws.ToBool(b) {
		return "*"
	}
	return ""
}

// TestS3VersioningRaw: what the SDKs do not show: the delete marker's
// headers on a GET behind it, and no version header from a bucket never
// versioned.
func TestS3VersioningRaw(t *testing.T) {
	r, _, c := s3Start(t, "raw", "plain")
	ctx := t.Context()
	c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("raw"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	putVersion(t, c, "raw", "k", "x")
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("raw"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::raw","arn:aws:s3:::raw/*","arn:aws:s3:::plain","arn:aws:s3:::plain/*"]}]}`
	for _, bk := range []string{"raw", "plain"} {
		if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bk)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bk), Policy: aws.String(strings.ReplaceAll(policy, "raw", bk))}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(r.url + "/raw/k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("x-amz-delete-marker") != "true" || resp.Header.Get("x-amz-version-id") != aws.ToString(del.VersionId) ||
		!bytes.Contains(body, []byte("<Code>NoSuchKey</Code>")) {
		t.Fatalf("GET behind a marker: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	putVersion(t, c, "plain", "k", "x")
	resp, err = http.Get(r.url + "/plain/k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("x-amz-version-id") != "" {
		t.Fatalf("GET from a bucket never versioned: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestS3VersionAuthorization: reading a version is s3:GetObjectVersion,
// with s3:versionid; a Deny of it refuses a versioned GET while the plain
// GET is allowed.
func TestS3VersionAuthorization(t *testing.T) {
	r, root, c := s3Start(t, "guarded")
	ctx := t.Context()
	c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("guarded"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	v1 := putVersion(t, c, "guarded", "k", "one")
	v2 := putVersion(t, c, "guarded", "k", "two")
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:ListBucketVersions","s3:DeleteObject"],"Resource":["arn:aws:s3:::guarded","arn:aws:s3:::guarded/*"]},
		{"Effect":"Deny","Action":"s3:GetObjectVersion","Resource":"arn:aws:s3:::guarded/*","Condition":{"StringEquals":{"s3:versionid":"` + v1 + `"}}}]}`
	if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("p"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	reader := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	if body, err := readVersion(t, reader, "guarded", "k", ""); err != nil || body != "two" {
		t.Fatalf("plain GET (allowed): %q, %v", body, err)
	}
	if body, err := readVersion(t, reader, "guarded", "k", v2); err != nil || body != "two" {
		t.Fatalf("GET of v2 (allowed): %q, %v", body, err)
	}
	_, err = readVersion(t, reader, "guarded", "k", v1)
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "s3:GetObjectVersion") {
		t.Fatalf("GET of v1 (denied by s3:versionid): %v", err)
	}
	if _, err := reader.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("guarded")}); err != nil {
		t.Fatalf("ListObjectVersions (allowed): %v", err)
	}
	if _, err := reader.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("guarded")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("ListObjectsV2 needs s3:ListBucket, not s3:ListBucketVersions: %v", err)
	}
	// Deleting a version is s3:DeleteObjectVersion, which reader lacks;
	// a plain DELETE (a marker) is s3:DeleteObject, which it has.
	if _, err := reader.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("guarded"), Key: aws.String("k"), VersionId: aws.String(v2)}); apiCode(err) != "AccessDenied" {
		t.Fatalf("DELETE of a version without s3:DeleteObjectVersion: %v", err)
	}
	if d, err := reader.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("guarded"), Key: aws.String("k")}); err != nil || !aws.ToBool(d.DeleteMarker) {
		t.Fatalf("plain DELETE (allowed): %+v, %v", d, err)
	}
	if body, err := readVersion(t, c, "guarded", "k", v2); err != nil || body != "two" {
		t.Fatalf("v2 after the marker: %q, %v", body, err)
	}
}

// TestS3LifecycleVersions: the lifecycle runner on a versioned bucket,
// with the server's clock moved two days on: an expired current version
// gets a delete marker (its bytes kept, as a noncurrent version), an
// expired noncurrent version is removed, and a delete marker left with
// no version is removed; keys outside the rules keep every version.
func TestS3LifecycleVersions(t *testing.T) {
	lc := startLifecycle(t)
	c := s3Client(lc.r.url, readCredentials(t, lc.dir))
	ctx := t.Context()
	b := aws.String("lcv")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	cur := putVersion(t, c, "lcv", "cur/k", "c1")
	old1 := putVersion(t, c, "lcv", "old/k", "o1")
	old2 := putVersion(t, c, "lcv", "old/k", "o2")
	putVersion(t, c, "lcv", "old/d", "d1")
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("old/d")}); err != nil {
		t.Fatal(err)
	}
	keep1 := putVersion(t, c, "lcv", "keep/k", "k1")
	keep2 := putVersion(t, c, "lcv", "keep/k", "k2")
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{
			{ID: aws.String("cur"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("cur/")},
				Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
			{ID: aws.String("old"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("old/")},
				Expiration:                  &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)},
				NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		}}}); err != nil {
		t.Fatal(err)
	}
	listed := func() string {
		t.Helper()
		lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range lv.Versions {
			out = append(out, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
		}
		for _, m := range lv.DeleteMarkers {
			out = append(out, aws.ToString(m.Key)+"@marker"+latest(m.IsLatest))
		}
		return strings.Join(out, " ")
	}
	lc.idle(t)
	before := listed()
	// The noncurrent d1 goes first; its marker is then alone, and goes on
	// a later run.
	lc.expireAfter(t, 48*time.Hour, 4, "(before: "+before+")")
	want := "cur/k@" + cur + " keep/k@" + keep2 + " keep/k@" + keep1 + " old/k@" + old2 + " cur/k@marker*"
	if got := listed(); got != want {
		t.Fatalf("versions after the lifecycle:\n got %s\nwant %s (before: %s; o1 was %s)", got, want, before, old1)
	}
	if body, err := readVersion(t, c, "lcv", "cur/k", cur); err != nil || body != "c1" {
		t.Fatalf("the expired current version is kept as noncurrent: %q, %v", body, err)
	}
}
