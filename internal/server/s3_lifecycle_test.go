package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	podiams3 "github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/server"
)

// TestS3Lifecycle: through aws-sdk-go-v2, a bucket without a lifecycle
// configuration is NoSuchLifecycleConfiguration; one put reads back the
// same with S3's transition default; a bad one is refused and leaves the
// old; delete removes it.
func TestS3Lifecycle(t *testing.T) {
	_, _, c := s3Start(t, "lc-bucket")
	ctx := t.Context()
	get := &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lc-bucket")}
	if _, err := c.GetBucketLifecycleConfiguration(ctx, get); apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("lifecycle of a bucket without one: %v", err)
	}
	rules := []s3types.LifecycleRule{
		{ID: aws.String("logs"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration:  &s3types.LifecycleExpiration{Days: aws.Int32(30)},
			Transitions: []s3types.Transition{{Days: aws.Int32(10), StorageClass: s3types.TransitionStorageClassGlacier}}},
		{ID: aws.String("uploads"), Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)},
			NoncurrentVersionExpiration:    &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(3), NewerNoncurrentVersions: aws.Int32(2)}},
		{ID: aws.String("tagged"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{
			Prefix: aws.String("t/"), Tags: []s3types.Tag{{Key: aws.String("tmp"), Value: aws.String("yes")}}, ObjectSizeGreaterThan: aws.Int64(1)}},
			Expiration: &s3types.LifecycleExpiration{Date: aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}},
	}
	put, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-bucket"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}})
	if err != nil {
		t.Fatal(err)
	}
	if put.TransitionDefaultMinimumObjectSize != s3types.TransitionDefaultMinimumObjectSizeAllStorageClasses128k {
		t.Fatalf("put answered transition default %q", put.TransitionDefaultMinimumObjectSize)
	}
	got, err := c.GetBucketLifecycleConfiguration(ctx, get)
	if err != nil {
		t.Fatal(err)
	}
	if got.TransitionDefaultMinimumObjectSize != s3types.TransitionDefaultMinimumObjectSizeAllStorageClasses128k {
		t.Fatalf("get answered transition default %q", got.TransitionDefaultMinimumObjectSize)
	}
	want, _ := json.Marshal(rules)
	if have, _ := json.Marshal(got.Rules); !bytes.Equal(have, want) {
		t.Fatalf("read back\n%s\nwant\n%s", have, want)
	}
	for name, bad := range map[string]struct {
		rule s3types.LifecycleRule
		code string
	}{
		"zero days": {s3types.LifecycleRule{Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(0)}}, "InvalidArgument"},
		"no action": {s3types.LifecycleRule{Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{}}, "InvalidRequest"},
		"date not at midnight": {s3types.LifecycleRule{Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{},
			Expiration: &s3types.LifecycleExpiration{Date: aws.Time(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC))}}, "InvalidArgument"},
		"days and date": {s3types.LifecycleRule{Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1), Date: aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}}, "MalformedXML"},
	} {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-bucket"),
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{bad.rule}}})
		if apiCode(err) != bad.code {
			t.Fatalf("%s: %v, want %s", name, err, bad.code)
		}
	}
	if again, err := c.GetBucketLifecycleConfiguration(ctx, get); err != nil || len(again.Rules) != 3 {
		t.Fatalf("after refused puts: %+v, %v", again, err)
	}
	if _, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("nosuch")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("lifecycle of a missing bucket: %v", err)
	}
	if _, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lc-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketLifecycleConfiguration(ctx, get); apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("lifecycle after delete: %v", err)
	}
}

// lifecycleServer is a server whose lifecycle runs every 20 ms on a
// clock the test moves on.
type lifecycleServer struct {
	r      *running
	dir    string
	offset atomic.Int64
	runs   chan podiams3.LifecycleStats
}

func startLifecycle(t *testing.T) *lifecycleServer {
	t.Helper()
	lc := &lifecycleServer{dir: t.TempDir(), runs: make(chan podiams3.LifecycleStats, 100)}
	lc.r = startWith(t, lc.dir, func(c *server.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(lc.offset.Load())) }
		c.LifecycleInterval = 20 * time.Millisecond
		c.OnLifecycleRun = func(st podiams3.LifecycleStats, err error) {
			if err == nil {
				select {
				case lc.runs <- st:
				default:
				}
			}
		}
	})
	return lc
}

// idle checks that three runs at today's time expire nothing.
func (lc *lifecycleServer) idle(t *testing.T) {
	t.Helper()
	for range 3 {
		if st := <-lc.runs; st.Expired != 0 {
			t.Fatalf("a run before anything was due expired %d", st.Expired)
		}
	}
}

// expireAfter moves the server's clock d on, waits for its runs to
// expire n objects (detail goes into the failure), and puts the clock
// back: the SDK signs with the real time.
func (lc *lifecycleServer) expireAfter(t *testing.T, d time.Duration, n int, detail string) {
	t.Helper()
	lc.offset.Store(int64(d))
	deadline := time.After(30 * time.Second)
	expired := 0
	for expired < n {
		select {
		case st := <-lc.runs:
			expired += st.Expired
		case <-deadline:
			t.Fatalf("lifecycle runs expired %d of %d %s", expired, n, detail)
		}
	}
	lc.offset.Store(0)
}

// TestS3LifecycleExpiry: a server whose clock moves two days on expires
// the objects a rule selects on its next lifecycle run, keeps the
// others, and writes one audit record per object expired.
func TestS3LifecycleExpiry(t *testing.T) {
	lc := startLifecycle(t)
	r, dir := lc.r, lc.dir
	c := s3Client(r.url, readCredentials(t, dir))
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("exp")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tmp/a", "tmp/b", "keep/c"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exp"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("exp"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{ID: aws.String("tmp"),
			Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}}}}); err != nil {
		t.Fatal(err)
	}
	lc.idle(t)
	lc.expireAfter(t, 48*time.Hour, 2, "")
	for _, k := range []string{"tmp/a", "tmp/b"} {
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exp"), Key: aws.String(k)}); apiCode(err) != "NotFound" {
			t.Fatalf("%s after its expiry: %v", k, err)
		}
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("exp"), Key: aws.String("keep/c")}); err != nil {
		t.Fatalf("keep/c, outside the rule: %v", err)
	}
	r.stop()
	log, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, line := range bytes.Split(bytes.TrimSpace(log), []byte("\n")) {
		var rec struct {
			Action, Resource, Principal, Reason string
			Statements                          []string
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Action == podiams3.ActionLifecycleExpiration {
			if rec.Principal != "s3.amazonaws.com" || rec.Reason != "S3.EXPIRE.OBJECT" || len(rec.Statements) != 1 || rec.Statements[0] != "lifecycle/tmp" {
				t.Fatalf("audit record %s", line)
			}
			audited = append(audited, rec.Resource)
		}
	}
	if strings.Join(audited, " ") != "arn:aws:s3:::exp/tmp/a arn:aws:s3:::exp/tmp/b" {
		t.Fatalf("audited expirations %q", audited)
	}
}

// TestS3LifecycleCLI: put-, get-bucket-lifecycle-configuration and
// delete-bucket-lifecycle with the AWS CLI (which sends a Content-MD5 or
// a checksum, as the call requires).
func TestS3LifecycleCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	cli := awsCLI{t: t, url: r.url, dir: dir}
	if out, err := cli.run("s3api", "create-bucket", "--bucket", "clc"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	conf := `{"Rules":[{"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Days":7},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":2}},` +
		`{"ID":"markers","Status":"Enabled","Filter":{},"Expiration":{"ExpiredObjectDeleteMarker":true},"NoncurrentVersionExpiration":{"NoncurrentDays":30}}]}`
	os.WriteFile(filepath.Join(dir, "lc.json"), []byte(conf), 0o600)
	if out, err := cli.run("s3api", "put-bucket-lifecycle-configuration", "--bucket", "clc", "--lifecycle-configuration", "file://lc.json"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := cli.json("s3api", "get-bucket-lifecycle-configuration", "--bucket", "clc")
	if got["TransitionDefaultMinimumObjectSize"] != "all_storage_classes_128K" {
		t.Fatalf("get printed %v", got)
	}
	var want map[string]any
	json.Unmarshal([]byte(conf), &want)
	have, _ := json.Marshal(got["Rules"])
	wantRules, _ := json.Marshal(want["Rules"])
	if !bytes.Equal(have, wantRules) {
		t.Fatalf("rules read back\n%s\nwant\n%s", have, wantRules)
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"Rules":[{"ID":"a","Status":"Enabled","Filter":{},"Expiration":{"Days":1}},{"ID":"a","Status":"Enabled","Filter":{},"Expiration":{"Days":2}}]}`), 0o600)
	if out := cli.fails("InvalidArgument", "s3api", "put-bucket-lifecycle-configuration", "--bucket", "clc", "--lifecycle-configuration", "file://bad.json"); !strings.Contains(out, "Rule ID must be unique") {
		t.Fatalf("duplicate ids: %s", out)
	}
	if out, err := cli.run("s3api", "delete-bucket-lifecycle", "--bucket", "clc"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cli.fails("NoSuchLifecycleConfiguration", "s3api", "get-bucket-lifecycle-configuration", "--bucket", "clc")
}

// TestS3LifecycleBoto3: boto3 puts and reads a configuration back, and
// every element of podiam's GetBucketLifecycleConfiguration answer is
// one botocore's model of S3 names at that place.
func TestS3LifecycleBoto3(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	if _, err := s3Client(r.url, root).CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("pylc")}); err != nil {
		t.Fatal(err)
	}
	script := `
import boto3, json, datetime
import xml.etree.ElementTree as ET
from botocore.config import Config
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
raw = {}
s3.meta.events.register("after-call.s3.GetBucketLifecycleConfiguration", lambda http_response, **kw: raw.update(body=http_response.content))
rules = [{"ID": "r1", "Status": "Enabled", "Filter": {"And": {"Prefix": "a/", "Tags": [{"Key": "k", "Value": "v"}], "ObjectSizeLessThan": 100}},
          "Expiration": {"Date": datetime.datetime(2031, 5, 1, tzinfo=datetime.timezone.utc)},
          "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}], "NoncurrentVersionTransitions": [{"NoncurrentDays": 5, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 1}]},
         {"ID": "r2", "Status": "Disabled", "Prefix": "old/", "Expiration": {"Days": 3}}]
put = s3.put_bucket_lifecycle_configuration(Bucket="pylc", LifecycleConfiguration={"Rules": rules}, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
got = s3.get_bucket_lifecycle_configuration(Bucket="pylc")
problems = []
def check(el, shape, path):
    if shape.type_name == "structure":
        names = {}
        for name, m in shape.members.items():
            names[m.serialization.get("name", name)] = m
        for child in el:
            tag = child.tag.split("}")[-1]
            m = names.get(tag)
            if m is None:
                problems.append(path + "/" + tag + " is not in " + shape.name)
                continue
            s = m.member if m.type_name == "list" else m
            check(child, s, path + "/" + tag)
    elif shape.type_name in ("integer", "long"):
        int(el.text)
    elif shape.type_name == "boolean":
        if el.text not in ("true", "false"): problems.append(path + " is not a boolean")
    elif shape.type_name == "string" and shape.enum and el.text not in shape.enum:
        problems.append(path + ": " + el.text + " is not in " + shape.name)
root = ET.fromstring(raw["body"])
check(root, s3.meta.service_model.operation_model("GetBucketLifecycleConfiguration").output_shape, "")
for r in got["Rules"]:
    if "Expiration" in r and "Date" in r["Expiration"]: r["Expiration"]["Date"] = r["Expiration"]["Date"].isoformat()
rules[0]["Expiration"]["Date"] = rules[0]["Expiration"]["Date"].isoformat()
print(json.dumps({"same": got["Rules"] == rules, "got": got["Rules"], "put": put.get("TransitionDefaultMinimumObjectSize"),
                  "get": got.get("TransitionDefaultMinimumObjectSize"), "problems": problems, "root": root.tag}))
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
		Same     bool
		Got      any
		Put, Get string
		Problems []string
		Root     string
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("boto3 printed %s", out)
	}
	if !res.Same || res.Put != "varies_by_storage_class" || res.Get != "varies_by_storage_class" || len(res.Problems) > 0 ||
		res.Root != "{http://s3.amazonaws.com/doc/2006-03-01/}LifecycleConfiguration" {
		t.Fatalf("boto3: %+v", res)
	}
}

// TestS3LifecycleAuthorization: reading a configuration takes
// s3:GetLifecycleConfiguration; writing and deleting it
// s3:PutLifecycleConfiguration, as AWS's Service Authorization Reference
// says.
func TestS3LifecycleAuthorization(t *testing.T) {
	r, root, c := s3Start(t, "lc-authz")
	ctx := t.Context()
	conf := &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{ID: aws.String("a"), Status: s3types.ExpirationStatusEnabled,
		Filter: &s3types.LifecycleRuleFilter{}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}}}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-authz"), LifecycleConfiguration: conf}); err != nil {
		t.Fatal(err)
	}
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("lc")}); err != nil {
		t.Fatal(err)
	}
	allow := func(actions string) {
		t.Helper()
		if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("lc"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + actions + `,"Resource":"arn:aws:s3:::lc-authz"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	allow(`"s3:GetLifecycleConfiguration"`)
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("lc")})
	if err != nil {
		t.Fatal(err)
	}
	u := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	if _, err := u.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lc-authz")}); err != nil {
		t.Fatalf("get with s3:GetLifecycleConfiguration: %v", err)
	}
	if _, err := u.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-authz"), LifecycleConfiguration: conf}); apiCode(err) != "AccessDenied" {
		t.Fatalf("put without s3:PutLifecycleConfiguration: %v", err)
	}
	if _, err := u.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lc-authz")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("delete without s3:PutLifecycleConfiguration: %v", err)
	}
	allow(`["s3:GetLifecycleConfiguration","s3:PutLifecycleConfiguration"]`)
	if _, err := u.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-authz"), LifecycleConfiguration: conf}); err != nil {
		t.Fatalf("put with s3:PutLifecycleConfiguration: %v", err)
	}
	if _, err := u.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lc-authz")}); err != nil {
		t.Fatalf("delete with s3:PutLifecycleConfiguration: %v", err)
	}
}
