package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3BucketDefaults: the settings of features podiam does not run
// answer as S3 answers a bucket where they were never made; the writes
// that mean what they say are kept, the others refused with S3's errors,
// never 501.
func TestS3BucketDefaults(t *testing.T) {
	r, root, c := s3Start(t, "plain")
	ctx := t.Context()
	b := aws.String("plain")

	if out, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b}); err != nil || out.LoggingEnabled != nil {
		t.Fatalf("GetBucketLogging = %+v, %v", out, err)
	}
	if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{}}); err != nil {
		t.Fatalf("PutBucketLogging disabled: %v", err)
	}
	if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{
		LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: b, TargetPrefix: aws.String("logs/")}}}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("PutBucketLogging enabled: %v", err)
	}

	if out, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: b}); err != nil || out.Status != "" {
		t.Fatalf("GetBucketAccelerateConfiguration never set = %+v, %v", out, err)
	}
	if _, err := c.PutBucketAccelerateConfiguration(ctx, &s3.PutBucketAccelerateConfigurationInput{Bucket: b,
		AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusEnabled}}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("accelerate Enabled: %v", err)
	}
	if _, err := c.PutBucketAccelerateConfiguration(ctx, &s3.PutBucketAccelerateConfigurationInput{Bucket: b,
		AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusSuspended}}); err != nil {
		t.Fatalf("accelerate Suspended: %v", err)
	}
	if out, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: b}); err != nil || out.Status != s3types.BucketAccelerateStatusSuspended {
		t.Fatalf("GetBucketAccelerateConfiguration after Suspended = %+v, %v", out, err)
	}

	if out, err := c.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: b}); err != nil || out.Payer != s3types.PayerBucketOwner {
		t.Fatalf("GetBucketRequestPayment = %+v, %v", out, err)
	}
	if _, err := c.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: b,
		RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: s3types.PayerRequester}}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("Requester pays: %v", err)
	}
	if _, err := c.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: b,
		RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: s3types.PayerBucketOwner}}); err != nil {
		t.Fatalf("BucketOwner pays: %v", err)
	}

	if _, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b}); apiCode(err) != "NoSuchWebsiteConfiguration" {
		t.Fatalf("GetBucketWebsite: %v", err)
	}
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("PutBucketWebsite: %v", err)
	}
	if _, err := c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: b}); err != nil {
		t.Fatalf("DeleteBucketWebsite: %v", err)
	}

	if _, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b}); apiCode(err) != "ReplicationConfigurationNotFoundError" {
		t.Fatalf("GetBucketReplication: %v", err)
	}
	if _, err := c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: b, ReplicationConfiguration: &s3types.ReplicationConfiguration{
		Role: aws.String("arn:aws:iam::123456789012:role/r"), Rules: []s3types.ReplicationRule{{Status: s3types.ReplicationRuleStatusEnabled,
			Destination: &s3types.Destination{Bucket: aws.String("arn:aws:s3:::elsewhere")}}}}}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("PutBucketReplication without versioning: %v", err)
	}
	if _, err := c.DeleteBucketReplication(ctx, &s3.DeleteBucketReplicationInput{Bucket: b}); err != nil {
		t.Fatalf("DeleteBucketReplication: %v", err)
	}

	if _, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b}); apiCode(err) != "ObjectLockConfigurationNotFoundError" {
		t.Fatalf("GetObjectLockConfiguration: %v", err)
	}
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: b,
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled}}); apiCode(err) != "InvalidBucketState" {
		t.Fatalf("PutObjectLockConfiguration: %v", err)
	}

	// A missing bucket is NoSuchBucket before anything else.
	if _, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String("nosuch")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("GetBucketLogging of a missing bucket: %v", err)
	}

	// The bodies, as botocore's model has them.
	for _, tc := range []struct{ op, query, want string }{
		{"GetBucketLogging", "logging", "<BucketLoggingStatus"},
		{"GetBucketAccelerateConfiguration", "accelerate", "<Status>Suspended</Status>"},
		{"GetBucketRequestPayment", "requestPayment", "<Payer>BucketOwner</Payer>"},
	} {
		status, _, body := rawS3(t, r.url, root, "GET", "/plain?"+tc.query, nil, nil)
		if status != 200 || !bytes.Contains(body, []byte(tc.want)) {
			t.Fatalf("%s: %d %s", tc.op, status, body)
		}
		checkS3Shape(t, tc.op, body)
	}
}

// TestS3AuditNamesEveryAction: every S3 request's audit record names the
// operation it asked for, refused or not: one podiam does not serve, a
// method its subresource lacks, a bad signature, and (the control) one
// served.
func TestS3AuditNamesEveryAction(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("audited")}); err != nil {
		t.Fatal(err)
	}
	forged := root
	forged.SecretAccessKey = "not-the-secret"
	for _, tc := range []struct {
		name, method, path string
		creds              aws.Credentials
		status             int
		action             string
	}{
		{"served", "GET", "/audited?logging", root, 200, "s3:GetBucketLogging"},
		{"not served", "PUT", "/audited?inventory&id=x", root, 501, "s3:PutBucketInventoryConfiguration"},
		{"not served on an object", "PUT", "/audited/k?retention", root, 501, "s3:PutObjectRetention"},
		{"method the subresource lacks: no operation, not DeleteBucket", "DELETE", "/audited?logging", root, 405, ""},
		{"bad signature", "GET", "/audited?website", forged, 403, "s3:GetBucketWebsite"},
	} {
		status, h, body := rawS3(t, r.url, tc.creds, tc.method, tc.path, nil, nil)
		if status != tc.status {
			t.Fatalf("%s: %d %s", tc.name, status, body)
		}
		id := h.Get("X-Amz-Request-Id")
		rec := auditRecord(t, dir, id)
		if rec["action"] != tc.action {
			t.Fatalf("%s: audit record %v, want action %s", tc.name, rec, tc.action)
		}
	}
}

// auditRecord is the audit log's record of request id.
func auditRecord(t *testing.T, dir, id string) map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.Contains(sc.Text(), id) {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err == nil && rec["requestId"] == id {
			return rec
		}
	}
	t.Fatalf("no audit record of request %s", id)
	return nil
}
