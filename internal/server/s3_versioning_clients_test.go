package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// clientEnvFor is an environment for the AWS CLI or boto3 with the root's
// key against r, its own HOME (the CLI caches there) and nothing else of
// the machine's AWS set-up.
func clientEnvFor(t *testing.T, url, accessKeyID, secret string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+t.TempDir(), "AWS_ACCESS_KEY_ID="+accessKeyID, "AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL="+url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1")
}

// TestS3VersioningCLI: the AWS CLI enables versioning, writes two
// versions, lists them, reads the first by id, deletes the key (a
// marker), and restores the first version by copying it over.
func TestS3VersioningCLI(t *testing.T) {
	needAWSCLI(t)
	r, root, _ := s3Start(t, "cliver")
	dir := t.TempDir()
	env := clientEnvFor(t, r.url, root.AccessKeyID, root.SecretAccessKey)
	exec1 := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append(args, "--output", "json")...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	run := func(v any, args ...string) {
		t.Helper()
		out, err := exec1(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("aws %s printed %s", strings.Join(args, " "), out)
			}
		}
	}
	var status struct{ Status string }
	if out, err := exec1("s3api", "get-bucket-versioning", "--bucket", "cliver"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("get-bucket-versioning of a bucket never versioned: %v %q", err, out)
	}
	run(nil, "s3api", "put-bucket-versioning", "--bucket", "cliver", "--versioning-configuration", "Status=Enabled")
	run(&status, "s3api", "get-bucket-versioning", "--bucket", "cliver")
	if status.Status != "Enabled" {
		t.Fatalf("status %q", status.Status)
	}
	os.WriteFile(filepath.Join(dir, "one"), []byte("first\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "two"), []byte("second\n"), 0o600)
	var put1, put2 struct{ VersionId string }
	run(&put1, "s3api", "put-object", "--bucket", "cliver", "--key", "notes.txt", "--body", "one")
	run(&put2, "s3api", "put-object", "--bucket", "cliver", "--key", "notes.txt", "--body", "two")
	if len(put1.VersionId) != 32 || len(put2.VersionId) != 32 || put1.VersionId == put2.VersionId {
		t.Fatalf("version ids %q %q", put1.VersionId, put2.VersionId)
	}
	var lv struct {
		Versions []struct {
			Key, VersionId string
			IsLatest       bool
		}
		DeleteMarkers []struct{ VersionId string }
	}
	run(&lv, "s3api", "list-object-versions", "--bucket", "cliver")
	if len(lv.Versions) != 2 || lv.Versions[0].VersionId != put2.VersionId || !lv.Versions[0].IsLatest || lv.Versions[1].IsLatest {
		t.Fatalf("list-object-versions: %+v", lv)
	}
	var got struct{ VersionId string }
	run(&got, "s3api", "get-object", "--bucket", "cliver", "--key", "notes.txt", "--version-id", put1.VersionId, "first.out")
	if b, _ := os.ReadFile(filepath.Join(dir, "first.out")); string(b) != "first\n" || got.VersionId != put1.VersionId {
		t.Fatalf("get-object --version-id: %q %+v", b, got)
	}
	var del struct {
		DeleteMarker bool
		VersionId    string
	}
	run(&del, "s3api", "delete-object", "--bucket", "cliver", "--key", "notes.txt")
	if !del.DeleteMarker || len(del.VersionId) != 32 {
		t.Fatalf("delete-object: %+v", del)
	}
	if out, err := exec1("s3api", "get-object", "--bucket", "cliver", "--key", "notes.txt", "gone.out"); err == nil || !strings.Contains(out, "NoSuchKey") {
		t.Fatalf("get-object behind the marker: %v %s", err, out)
	}
	run(nil, "s3api", "copy-object", "--bucket", "cliver", "--key", "notes.txt", "--copy-source", "cliver/notes.txt?versionId="+put1.VersionId)
	run(nil, "s3api", "get-object", "--bucket", "cliver", "--key", "notes.txt", "restored.out")
	if b, _ := os.ReadFile(filepath.Join(dir, "restored.out")); string(b) != "first\n" {
		t.Fatalf("the restored object reads %q", b)
	}
	run(&lv, "s3api", "list-object-versions", "--bucket", "cliver")
	if len(lv.Versions) != 3 || len(lv.DeleteMarkers) != 1 {
		t.Fatalf("after the restore: %+v", lv)
	}
}

// TestS3VersioningBoto3: boto3 enables versioning, reads versions by id,
// lists them with its paginator, and deletes one version for good.
func TestS3VersioningBoto3(t *testing.T) {
	needAWSCLI(t)
	r, root, _ := s3Start(t, "pyver")
	script := `
import boto3, botocore, json
from botocore.config import Config
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
s3.put_bucket_versioning(Bucket="pyver", VersioningConfiguration={"Status": "Enabled"})
ids = [s3.put_object(Bucket="pyver", Key="k%d" % (i % 2), Body=b"v%d" % i)["VersionId"] for i in range(5)]
first = s3.get_object(Bucket="pyver", Key="k0", VersionId=ids[0])["Body"].read().decode()
pages = s3.get_paginator("list_object_versions").paginate(Bucket="pyver", PaginationConfig={"PageSize": 2})
listed = [v["VersionId"] for p in pages for v in p.get("Versions", [])]
s3.delete_object(Bucket="pyver", Key="k0", VersionId=ids[4])
current = s3.get_object(Bucket="pyver", Key="k0")["Body"].read().decode()
try:
    s3.get_object(Bucket="pyver", Key="k0", VersionId=ids[4])
    gone = "found"
except botocore.exceptions.ClientError as e:
    gone = e.response["Error"]["Code"]
print(json.dumps({"status": s3.get_bucket_versioning(Bucket="pyver")["Status"], "ids": ids, "first": first, "listed": listed, "current": current, "gone": gone}))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Env = clientEnvFor(t, r.url, root.AccessKeyID, root.SecretAccessKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var res struct {
		Status, First, Current, Gone string
		IDs, Listed                  []string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("boto3 printed %s", out)
	}
	want := []string{res.IDs[4], res.IDs[2], res.IDs[0], res.IDs[3], res.IDs[1]} // by key, newest first
	if res.Status != "Enabled" || res.First != "v0" || res.Current != "v2" || res.Gone != "NoSuchVersion" || strings.Join(res.Listed, ",") != strings.Join(want, ",") {
		t.Fatalf("boto3: %+v, want listed %v", res, want)
	}
}
