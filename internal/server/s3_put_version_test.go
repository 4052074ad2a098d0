package server_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// withQuery adds a query parameter to an SDK request before it is signed.
func withQuery(name, value string) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Build.Add(middleware.BuildMiddlewareFunc("podiamQuery", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					q := req.URL.Query()
					q.Set(name, value)
					req.URL.RawQuery = q.Encode()
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
		})
	}
}

// TestS3PutNamesNoVersion: a PutObject or CopyObject signed with a
// ?versionId is refused, whatever the id, with S3's InvalidArgument, 400
// and message, and writes nothing; the same PUT without it makes a
// version, and a PutObjectTagging still names the version it tags.
func TestS3PutNamesNoVersion(t *testing.T) {
	_, _, c := s3Start(t, "putver")
	ctx := t.Context()
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("putver"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	v1 := putVersion(t, c, "putver", "k", "first")
	versions := func() int {
		t.Helper()
		out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("putver")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Versions) + len(out.DeleteMarkers)
	}
	refused := func(what string, err error) {
		t.Helper()
		var ae smithy.APIError
		var re *smithyhttp.ResponseError
		if !errors.As(err, &ae) || !errors.As(err, &re) || ae.ErrorCode() != "InvalidArgument" || re.HTTPStatusCode() != 400 ||
			ae.ErrorMessage() != "This operation does not accept a version-id." {
			t.Fatalf("%s: %v; want 400 InvalidArgument", what, err)
		}
		if n := versions(); n != 1 {
			t.Fatalf("%s: the bucket holds %d versions after the refusal, want 1", what, n)
		}
		if body, err := readVersion(t, c, "putver", "k", ""); err != nil || body != "first" {
			t.Fatalf("%s: current version %q, %v after the refusal", what, body, err)
		}
	}
	for _, id := range []string{v1, "null", "abc", ""} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("putver"), Key: aws.String("k"), Body: strings.NewReader("second")}, withQuery("versionId", id))
		refused("PutObject ?versionId="+id, err)
		_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("putver"), Key: aws.String("k"), CopySource: aws.String("putver/k"),
			MetadataDirective: s3types.MetadataDirectiveReplace}, withQuery("versionId", id))
		refused("CopyObject ?versionId="+id, err)
	}

	// The controls: without the versionId each makes a version.
	v2 := putVersion(t, c, "putver", "k", "second")
	if v2 == "" || v2 == v1 {
		t.Fatalf("PutObject without a versionId made version %q", v2)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("putver"), Key: aws.String("k"), CopySource: aws.String("putver/k"),
		MetadataDirective: s3types.MetadataDirectiveReplace}); err != nil {
		t.Fatalf("CopyObject without a versionId: %v", err)
	}
	if n := versions(); n != 3 {
		t.Fatalf("%d versions after the controls, want 3", n)
	}
	// A subresource's PUT names the version it changes.
	tag := &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("old"), Value: aws.String("yes")}}}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("putver"), Key: aws.String("k"), VersionId: aws.String(v1), Tagging: tag}); err != nil {
		t.Fatalf("PutObjectTagging of a version: %v", err)
	}
	got, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("putver"), Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || len(got.TagSet) != 1 || aws.ToString(got.TagSet[0].Key) != "old" {
		t.Fatalf("the tags of the version tagged: %+v, %v", got, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("putver"), Key: aws.String("k"), VersionId: aws.String(v2)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "second" {
		t.Fatalf("version %s holds %q", v2, b)
	}
}

// TestS3MultipartNamesNoVersion: an UploadPart, an UploadPartCopy or a
// CompleteMultipartUpload signed with a ?versionId is refused, whatever
// the id, with S3's InvalidArgument, 400 and message, and writes nothing:
// no part is stored, the upload stays open and the key keeps its one
// version; the same requests without it store the part and make a
// version.
func TestS3MultipartNamesNoVersion(t *testing.T) {
	_, _, c := s3Start(t, "mpver")
	ctx := t.Context()
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("mpver"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	v1 := putVersion(t, c, "mpver", "k", "first")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpver"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	id := up.UploadId
	parts := func() int {
		t.Helper()
		out, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpver"), Key: aws.String("k"), UploadId: id})
		if err != nil {
			t.Fatalf("ListParts: %v", err)
		}
		return len(out.Parts)
	}
	refused := func(what string, err error, wantParts int) {
		t.Helper()
		var ae smithy.APIError
		var re *smithyhttp.ResponseError
		if !errors.As(err, &ae) || !errors.As(err, &re) || ae.ErrorCode() != "InvalidArgument" || re.HTTPStatusCode() != 400 ||
			ae.ErrorMessage() != "This operation does not accept a version-id." {
			t.Fatalf("%s: %v; want 400 InvalidArgument", what, err)
		}
		if n := parts(); n != wantParts {
			t.Fatalf("%s: the upload holds %d parts after the refusal, want %d", what, n, wantParts)
		}
		out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("mpver")})
		if err != nil || len(out.Versions) != 1 || aws.ToString(out.Versions[0].VersionId) != v1 {
			t.Fatalf("%s: versions %+v, %v after the refusal, want only %s", what, out, err, v1)
		}
	}
	for _, vid := range []string{v1, "null", "abc", ""} {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpver"), Key: aws.String("k"), UploadId: id, PartNumber: aws.Int32(1),
			Body: strings.NewReader("part")}, withQuery("versionId", vid))
		refused("UploadPart ?versionId="+vid, err, 0)
		_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpver"), Key: aws.String("k"), UploadId: id, PartNumber: aws.Int32(1),
			CopySource: aws.String("mpver/k")}, withQuery("versionId", vid))
		refused("UploadPartCopy ?versionId="+vid, err, 0)
	}

	// The control: without the versionId the part is stored.
	p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpver"), Key: aws.String("k"), UploadId: id, PartNumber: aws.Int32(1),
		Body: strings.NewReader("part")})
	if err != nil {
		t.Fatalf("UploadPart without a versionId: %v", err)
	}
	if n := parts(); n != 1 {
		t.Fatalf("%d parts after the control, want 1", n)
	}
	complete := &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpver"), Key: aws.String("k"), UploadId: id,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p.ETag}}}}
	for _, vid := range []string{v1, "null", "abc", ""} {
		_, err := c.CompleteMultipartUpload(ctx, complete, withQuery("versionId", vid))
		refused("CompleteMultipartUpload ?versionId="+vid, err, 1)
	}
	// The control: without the versionId the upload completes as a new version.
	done, err := c.CompleteMultipartUpload(ctx, complete)
	if err != nil {
		t.Fatalf("CompleteMultipartUpload without a versionId: %v", err)
	}
	if v := aws.ToString(done.VersionId); v == "" || v == v1 {
		t.Fatalf("CompleteMultipartUpload made version %q", v)
	}
	if body, err := readVersion(t, c, "mpver", "k", ""); err != nil || body != "part" {
		t.Fatalf("current version %q, %v after the completion", body, err)
	}
}
