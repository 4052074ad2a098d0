package server_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestS3PublicAccessBlock: a new bucket blocks all public access, as on
// AWS since 2023; BlockPublicPolicy refuses a public policy and not a
// private one; under RestrictPublicBuckets a public policy grants to the
// owner's account only (anonymous and other accounts are denied), and
// without it to anyone; the block removed is NoSuchPublicAccessBlock.
func TestS3PublicAccessBlock(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	c := s3Client(r.url, root)
	b := aws.String("pab")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("pub/a.txt"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Fatalf("a new bucket's block: %+v", p)
	}
	status, _, body := rawS3(t, r.url, root, "GET", "/pab?publicAccessBlock", nil, nil)
	if status != 200 {
		t.Fatalf("GET ?publicAccessBlock: %d %s", status, body)
	}
	checkS3Shape(t, "GetPublicAccessBlock", body)

	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pab/pub/*"}]}`
	private := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pab/pub/*"}]}`
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(public)})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "because public policies are blocked by the BlockPublicPolicy block public access setting") {
		t.Fatalf("a public policy under BlockPublicPolicy: %v", err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(private)}); err != nil {
		t.Fatalf("a private policy under BlockPublicPolicy: %v", err)
	}

	// Anyone may read pub/ by the policy; a user of the owner's account
	// with no policy of its own, an admin of another account and an
	// anonymous caller try.
	im := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bare")})
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("bare")})
	if err != nil {
		t.Fatal(err)
	}
	bare := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("admin")})
	im.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	ak, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	orgs := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	st, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("other@example.com"), AccountName: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	admin := aws.Credentials{AccessKeyID: aws.ToString(ak.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(ak.AccessKey.SecretAccessKey)}
	ar, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(admin)}).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + aws.ToString(st.CreateAccountStatus.AccountId) + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("xa")})
	if err != nil {
		t.Fatal(err)
	}
	visitor := s3Client(r.url, aws.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)})
	reads := func() (sameAccount, otherAccount string, anonymous int) {
		t.Helper()
		_, err := bare.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("pub/a.txt")})
		sameAccount = apiCode(err)
		_, err = visitor.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("pub/a.txt")})
		otherAccount = apiCode(err)
		resp, err := http.Get(r.url + "/pab/pub/a.txt")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return sameAccount, otherAccount, resp.StatusCode
	}

	put := func(blockPolicy, restrict bool) {
		t.Helper()
		if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(blockPolicy), RestrictPublicBuckets: aws.Bool(restrict)}}); err != nil {
			t.Fatal(err)
		}
	}
	put(false, true)
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(public)}); err != nil {
		t.Fatalf("a public policy without BlockPublicPolicy: %v", err)
	}
	if same, other, anon := reads(); same != "" || other != "AccessDenied" || anon != 403 {
		t.Fatalf("under RestrictPublicBuckets: same account %q, other account %q, anonymous %d", same, other, anon)
	}
	put(false, false)
	if same, other, anon := reads(); same != "" || other != "" || anon != 200 {
		t.Fatalf("without RestrictPublicBuckets: same account %q, other account %q, anonymous %d", same, other, anon)
	}
	// The policy, already set, stays when BlockPublicPolicy comes back
	// (as on AWS); RestrictPublicBuckets closes it again.
	put(true, true)
	if same, other, anon := reads(); same != "" || other != "AccessDenied" || anon != 403 {
		t.Fatalf("block back on: same account %q, other account %q, anonymous %d", same, other, anon)
	}

	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
	if _, _, anon := reads(); anon != 200 {
		t.Fatalf("no block: anonymous %d", anon)
	}
}

// TestS3OwnershipControls: a new bucket's ownership is BucketOwnerEnforced;
// the ownerships that give ACLs a meaning are refused, on the setting and
// on CreateBucket; ACLs other than the owner's stay refused; the setting
// removed is OwnershipControlsNotFoundError.
func TestS3OwnershipControls(t *testing.T) {
	r, root, c := s3Start(t, "owned")
	ctx := t.Context()
	b := aws.String("owned")
	got, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || len(got.OwnershipControls.Rules) != 1 || got.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("a new bucket's ownership: %+v, %v", got, err)
	}
	status, _, body := rawS3(t, r.url, root, "GET", "/owned?ownershipControls", nil, nil)
	if status != 200 {
		t.Fatalf("GET ?ownershipControls: %d %s", status, body)
	}
	checkS3Shape(t, "GetBucketOwnershipControls", body)
	for _, o := range []s3types.ObjectOwnership{s3types.ObjectOwnershipObjectWriter, s3types.ObjectOwnershipBucketOwnerPreferred} {
		if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
			Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: o}}}}); apiCode(err) != "InvalidRequest" {
			t.Fatalf("PutBucketOwnershipControls %s: %v", o, err)
		}
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acl-" + strings.ToLower(string(o))), ObjectOwnership: o}); apiCode(err) != "InvalidRequest" {
			t.Fatalf("CreateBucket with %s: %v", o, err)
		}
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("enforced"), ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}); err != nil {
		t.Fatalf("CreateBucket BucketOwnerEnforced: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x"), ACL: s3types.ObjectCannedACLPublicRead}); apiCode(err) != "AccessControlListNotSupported" {
		t.Fatalf("a public-read ACL: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatalf("bucket-owner-full-control: %v", err)
	}
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
		t.Fatalf("PutBucketOwnershipControls BucketOwnerEnforced: %v", err)
	}
	if _, err := c.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b}); apiCode(err) != "OwnershipControlsNotFoundError" {
		t.Fatalf("after delete: %v", err)
	}
}

// TestS3SettingsBoto3: boto3 reads and writes the block, the ownership
// and the read-only settings as Terraform's provider does on a refresh.
func TestS3SettingsBoto3(t *testing.T) {
	needAWSCLI(t)
	r, root, _ := s3Start(t, "pyset")
	script := `
import boto3, botocore, json
from botocore.config import Config
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
def code(f, **kw):
    try:
        f(**kw)
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
out = {
    "pab": s3.get_public_access_block(Bucket="pyset")["PublicAccessBlockConfiguration"],
    "ownership": s3.get_bucket_ownership_controls(Bucket="pyset")["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
    "logging": "LoggingEnabled" in s3.get_bucket_logging(Bucket="pyset"),
    "payer": s3.get_bucket_request_payment(Bucket="pyset")["Payer"],
    "accelerate": s3.get_bucket_accelerate_configuration(Bucket="pyset").get("Status", ""),
    "website": code(s3.get_bucket_website, Bucket="pyset"),
    "replication": code(s3.get_bucket_replication, Bucket="pyset"),
    "lock": code(s3.get_object_lock_configuration, Bucket="pyset"),
    "public": code(s3.put_bucket_policy, Bucket="pyset", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pyset/*"}]})),
}
s3.put_public_access_block(Bucket="pyset", PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
out["after"] = s3.get_public_access_block(Bucket="pyset")["PublicAccessBlockConfiguration"]
print(json.dumps(out))
`
	cmd := exec.Command("python3", "-c", script)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID="+root.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+root.SecretAccessKey,
		"AWS_ENDPOINT_URL="+r.url, "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME="+t.TempDir())
	raw, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, raw)
	}
	var out struct {
		PAB, After                                         map[string]bool
		Ownership, Payer, Accelerate, Website, Replication string
		Lock, Public                                       string
		Logging                                            bool
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	want := map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}
	if !maps.Equal(out.PAB, want) || out.Ownership != "BucketOwnerEnforced" || out.Logging || out.Payer != "BucketOwner" || out.Accelerate != "" ||
		out.Website != "NoSuchWebsiteConfiguration" || out.Replication != "ReplicationConfigurationNotFoundError" || out.Lock != "ObjectLockConfigurationNotFoundError" ||
		out.Public != "AccessDenied" {
		t.Fatalf("boto3 saw %s", raw)
	}
	want["BlockPublicPolicy"] = false
	if !maps.Equal(out.After, want) {
		t.Fatalf("after put_public_access_block: %v", out.After)
	}
}
