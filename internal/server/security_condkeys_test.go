package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The Deny guardrails of issue 12 (item 4): each names a condition key
// that IAM or STS must put in the request context. Each attack has an
// honest request beside it that must succeed, so that a server refusing
// everything fails too.

// guarded is a server, its root's IAM client and a user made by the root
// with one inline policy, with IAM and STS clients for that user.
type guarded struct {
	r     *running
	root  *awsiam.Client
	iam   *awsiam.Client
	sts   *sts.Client
	arn   string
	creds aws.Credentials
}

func newGuarded(t *testing.T, policy string) guarded {
	t.Helper()
	dir := t.TempDir()
	r := start(t, dir)
	ctx := t.Context()
	root := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(readCredentials(t, dir))})
	u, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("mallory")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("mallory"), PolicyName: aws.String("guardrail"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("mallory")})
	if err != nil {
		t.Fatal(err)
	}
	user := aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	c := staticCreds(user)
	return guarded{
		r: r, root: root, arn: aws.ToString(u.User.Arn), creds: user,
		iam: awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: c}),
		sts: sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: c}),
	}
}

// role makes a role, tagged tier=tier unless tier is "", whose trust
// policy lets the account's principals assume it.
func (g guarded) role(t *testing.T, name, tier string) string {
	t.Helper()
	account := g.arn[len("arn:aws:iam::") : len("arn:aws:iam::")+12]
	in := &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustAccount(account))}
	if tier != "" {
		in.Tags = []iamtypes.Tag{{Key: aws.String("tier"), Value: aws.String(tier)}}
	}
	out, err := g.root.CreateRole(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

func trustAccount(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
}

// TestDenyPolicyARN: a user allowed to attach policies to itself, with a
// Deny on iam:PolicyARN = AdministratorAccess, cannot make itself an
// administrator, and can still attach another policy.
func TestDenyPolicyARN(t *testing.T) {
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"
	g := newGuarded(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"arn:aws:iam::*:user/mallory"},
		{"Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"`+admin+`"}}}]}`)
	ctx := t.Context()
	_, err := g.iam.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("mallory"), PolicyArn: aws.String(admin)})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("attach AdministratorAccess: %v, want AccessDenied", err)
	}
	if _, err := g.iam.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("mallory"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatalf("attach ReadOnlyAccess: %v", err)
	}
	att, err := g.root.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("mallory")})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyName) != "ReadOnlyAccess" {
		t.Fatalf("attached: %+v, %v", att, err)
	}
}

// TestDenyResourceTagIAM: Deny iam:* on roles tagged tier=prod keeps a
// user from rewriting a prod role's trust policy; an untagged role's it
// may rewrite.
func TestDenyResourceTagIAM(t *testing.T) {
	g := newGuarded(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:*","sts:AssumeRole"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/tier":"prod"}}}]}`)
	g.role(t, "prod", "prod")
	g.role(t, "scratch", "")
	ctx := t.Context()
	mine := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + g.arn + `"},"Action":"sts:AssumeRole"}]}`
	_, err := g.iam.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("prod"), PolicyDocument: aws.String(mine)})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("rewrite the prod role's trust policy: %v, want AccessDenied", err)
	}
	if _, err := g.iam.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("scratch"), PolicyDocument: aws.String(mine)}); err != nil {
		t.Fatalf("rewrite the untagged role's trust policy: %v", err)
	}
	// Every IAM action on the prod role is denied, reads too.
	if _, err := g.iam.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("prod")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("GetRole of the prod role: %v, want AccessDenied", err)
	}
	if _, err := g.iam.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("scratch")}); err != nil {
		t.Fatalf("GetRole of the untagged role: %v", err)
	}
}

// TestDenyResourceTagAssumeRole: Deny sts:AssumeRole on roles tagged
// tier=prod keeps the user out of the prod role and lets it into the dev
// one, though both trust policies trust its account.
func TestDenyResourceTagAssumeRole(t *testing.T) {
	g := newGuarded(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},
		{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/tier":"prod"}}}]}`)
	prod := g.role(t, "prod", "prod")
	dev := g.role(t, "dev", "dev")
	ctx := t.Context()
	_, err := g.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(prod), RoleSessionName: aws.String("guard")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("assume the prod role: %v, want AccessDenied", err)
	}
	if _, err := g.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(dev), RoleSessionName: aws.String("guard")}); err != nil {
		t.Fatalf("assume the dev role: %v", err)
	}
}

// TestCreateUsersOnlyWithSpecificTags: AWS's example policy "create new
// users only with specific tags" (with an access-level tag) refuses a
// user tagged access-level=admin, or with a tag key outside its list,
// and allows one tagged with a listed value.
func TestCreateUsersOnlyWithSpecificTags(t *testing.T) {
	g := newGuarded(t, `{"Version":"2012-10-17","Statement":[{"Sid":"TagUsersWithOnlyTheseTags","Effect":"Allow",
		"Action":["iam:CreateUser","iam:TagUser"],"Resource":"*",
		"Condition":{"StringEqualsIfExists":{"aws:RequestTag/access-level":["user","developer"]},
			"ForAllValues:StringEquals":{"aws:TagKeys":["access-level","team"]}}}]}`)
	ctx := t.Context()
	tag := func(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	for _, c := range []struct {
		name string
		tags []iamtypes.Tag
		want string
	}{
		{"admin", []iamtypes.Tag{tag("access-level", "admin")}, "AccessDenied"},
		{"other-key", []iamtypes.Tag{tag("access-level", "user"), tag("cost", "1")}, "AccessDenied"},
		{"developer", []iamtypes.Tag{tag("access-level", "developer"), tag("team", "a")}, ""},
	} {
		_, err := g.iam.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(c.name), Tags: c.tags})
		if c.want == "" && err != nil || c.want != "" && apiCode(err) != c.want {
			t.Errorf("CreateUser %s: %v, want %q", c.name, err, c.want)
		}
	}
	// The same policy governs TagUser on an existing user.
	if _, err := g.iam.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("developer"), Tags: []iamtypes.Tag{tag("access-level", "admin")}}); apiCode(err) != "AccessDenied" {
		t.Errorf("TagUser access-level=admin: %v, want AccessDenied", err)
	}
	if _, err := g.iam.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("developer"), Tags: []iamtypes.Tag{tag("access-level", "user")}}); err != nil {
		t.Errorf("TagUser access-level=user: %v", err)
	}
}

// TestDenyUnencryptedUploads: S3's documented guardrail, a Deny on
// s3:PutObject unless s3:x-amz-server-side-encryption is AES256, refuses
// a plain upload and lets an encrypted one through: the header is a key.
func TestDenyUnencryptedUploads(t *testing.T) {
	g := newGuarded(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::vault/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]}`)
	ctx := t.Context()
	c := s3Client(g.r.url, g.creds)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("plain"), Body: strings.NewReader("x")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("an upload without encryption: %v, want AccessDenied", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("sealed"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
		t.Fatalf("an upload with AES256: %v", err)
	}
}
