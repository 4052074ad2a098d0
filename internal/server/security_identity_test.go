package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The tests of this file check that sessions and policies follow the
// entity they were made for (its unique id), not its name: a user or role
// deleted and made again under the same name is another principal.

func iamClient(url string, c aws.Credentials) *awsiam.Client {
	return awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticCreds(c)})
}

func stsClient(url string, c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticCreds(c)})
}

func orgsClient(url string, c aws.Credentials) *organizations.Client {
	return organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticCreds(c)})
}

// makeUser creates a user with an inline policy (when policy is not "")
// and an access key, and returns the user's unique id and key.
func makeUser(t *testing.T, im *awsiam.Client, name, policy string) (string, aws.Credentials) {
	t.Helper()
	ctx := t.Context()
	u, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(u.User.UserId), aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
}

// deleteUser deletes a user with its access keys and inline policies.
func deleteUser(t *testing.T, im *awsiam.Client, name string) {
	t.Helper()
	ctx := t.Context()
	keys, err := im.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := im.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	pols, err := im.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols.PolicyNames {
		if _, err := im.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

// sessionOf returns GetSessionToken credentials made with key.
func sessionOf(t *testing.T, url string, key aws.Credentials) aws.Credentials {
	t.Helper()
	out, err := stsClient(url, key).GetSessionToken(t.Context(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

// TestUserSessionOfRecreatedUser: a GetSessionToken session belongs to the
// user that made it. Once that user is deleted and another is made under
// the same name with the same permissions, the old session has none, in
// S3 and Organizations alike, while a session of the new user has them.
func TestUserSessionOfRecreatedUser(t *testing.T) {
	r, root, _ := s3Start(t, "recycled-data")
	ctx := t.Context()
	im := iamClient(r.url, root)
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","organizations:DescribeOrganization"],"Resource":"*"}]}`
	oldID, key := makeUser(t, im, "recycled", pol)
	old := sessionOf(t, r.url, key)
	allowed := func(who string, creds aws.Credentials, want bool) {
		t.Helper()
		_, err := s3Client(r.url, creds).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("recycled-data")})
		if got := err == nil; got != want || (!want && apiCode(err) != "AccessDenied") {
			t.Errorf("%s: ListObjectsV2: %v, want allowed %v", who, err, want)
		}
		_, err = orgsClient(r.url, creds).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		if got := err == nil; got != want || (!want && apiCode(err) != "AccessDeniedException") {
			t.Errorf("%s: DescribeOrganization: %v, want allowed %v", who, err, want)
		}
	}
	allowed("the session of the first user", old, true)

	deleteUser(t, im, "recycled")
	allowed("the session of a deleted user", old, false)
	newID, key := makeUser(t, im, "recycled", pol)
	if newID == oldID {
		t.Fatalf("the new user has the old user's id %s", oldID)
	}
	allowed("the first user's session after the name was reused", old, false)
	allowed("a session of the new user", sessionOf(t, r.url, key), true)

	// GetCallerIdentity needs no permission and still names the session's
	// own user by its id.
	if id := callerIdentity(t, r.url, old); aws.ToString(id.UserId) != oldID || !strings.HasSuffix(aws.ToString(id.Arn), ":user/recycled") {
		t.Errorf("GetCallerIdentity of the old session = %s %s, want the old id %s", aws.ToString(id.UserId), aws.ToString(id.Arn), oldID)
	}
}

// TestAccessKeyOfDeletedUser: a long-term key dies with its user (IAM
// deletes keys first) and does not come back with a user of the same
// name.
func TestAccessKeyOfDeletedUser(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	im := iamClient(r.url, root)
	_, key := makeUser(t, im, "leaver", "")
	if _, err := stsClient(r.url, key).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("the user's key: %v", err)
	}
	deleteUser(t, im, "leaver")
	makeUser(t, im, "leaver", "")
	if _, err := stsClient(r.url, key).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Fatalf("the deleted user's key after the name was reused: %v, want InvalidClientTokenId", err)
	}
}

// TestBucketPolicyOfRecreatedPrincipals: a bucket policy binds the users
// and roles it names when it is written. Once they are deleted and made
// again under the same names, the new ones are not granted, and
// GetBucketPolicy shows the old unique ids in place of the ARNs, as S3
// does; putting the policy again binds the new ones. A policy naming a
// user that does not exist is refused.
func TestBucketPolicyOfRecreatedPrincipals(t *testing.T) {
	r, root, c := s3Start(t, "shared")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("report"), Body: strings.NewReader("q3")}); err != nil {
		t.Fatal(err)
	}
	im := iamClient(r.url, root)
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	carolARN := "arn:aws:iam::" + account + ":user/carol"
	readerARN := "arn:aws:iam::" + account + ":role/reader"
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + carolARN + `","` + readerARN + `"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`
	// carol's key and a session of the role reader; neither has identity
	// policies, so only the bucket policy lets them read.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	assumer := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	principals := func() (carolID, readerID string, carol, reader aws.Credentials) {
		t.Helper()
		carolID, carol = makeUser(t, im, "carol", assumer)
		role, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := stsClient(r.url, carol).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(readerARN), RoleSessionName: aws.String("s1")})
		if err != nil {
			t.Fatal(err)
		}
		k := out.Credentials
		return carolID, aws.ToString(role.Role.RoleId), carol,
			aws.Credentials{AccessKeyID: aws.ToString(k.AccessKeyId), SecretAccessKey: aws.ToString(k.SecretAccessKey), SessionToken: aws.ToString(k.SessionToken)}
	}
	reads := func(who string, creds aws.Credentials, want bool) {
		t.Helper()
		out, err := s3Client(r.url, creds).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("report")})
		if err == nil {
			out.Body.Close()
		}
		if got := err == nil; got != want || (!want && apiCode(err) != "AccessDenied") {
			t.Errorf("%s: GetObject: %v, want allowed %v", who, err, want)
		}
	}
	put := func(doc string) error {
		_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(doc)})
		return err
	}
	shown := func() string {
		t.Helper()
		out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Policy)
	}

	if err := put(grant); apiCode(err) != "MalformedPolicy" || !strings.Contains(err.Error(), "Invalid principal in policy") {
		t.Fatalf("a policy naming users that do not exist yet: %v, want MalformedPolicy", err)
	}
	carolID, readerID, carol, reader := principals()
	if err := put(grant); err != nil {
		t.Fatal(err)
	}
	reads("carol", carol, true)
	carolSession := sessionOf(t, r.url, carol)
	reads("a GetSessionToken session of carol", carolSession, true)
	reads("a session of reader", reader, true)
	if got := shown(); got != grant {
		t.Fatalf("GetBucketPolicy = %s, want the policy as written", got)
	}

	deleteUser(t, im, "carol")
	if _, err := im.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	reads("a session of the deleted role", reader, false)
	newCarolID, newReaderID, carol2, reader2 := principals()
	if newCarolID == carolID || newReaderID == readerID {
		t.Fatal("the principals made again have the old unique ids")
	}
	reads("carol made again", carol2, false)
	reads("a GetSessionToken session of the first carol", carolSession, false)
	reads("a session of reader made again", reader2, false)
	if got, want := shown(), strings.NewReplacer(carolARN, carolID, readerARN, readerID).Replace(grant); got != want {
		t.Fatalf("GetBucketPolicy after the principals were made again =\n %s\nwant\n %s", got, want)
	}

	// Put again with the ARNs: the policy binds the new principals.
	if err := put(grant); err != nil {
		t.Fatal(err)
	}
	reads("carol made again, after the policy was put again", carol2, true)
	reads("reader made again, after the policy was put again", reader2, true)
	if got := shown(); got != grant {
		t.Fatalf("GetBucketPolicy = %s, want the policy as written", got)
	}
}

// TestTrustPolicyOfRecreatedUser: a trust policy binds the user it names;
// a user made again under the name cannot assume the role, and GetRole
// shows the old user's unique id in the trust policy, as IAM does, until
// the policy is written again.
func TestTrustPolicyOfRecreatedUser(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	im := iamClient(r.url, root)
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	carolARN := "arn:aws:iam::" + account + ":user/carol"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + carolARN + `"},"Action":"sts:AssumeRole"}]}`
	createGate := func() error {
		_, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("gate"), AssumeRolePolicyDocument: aws.String(trust)})
		return err
	}
	if err := createGate(); apiCode(err) != "MalformedPolicyDocument" || !strings.Contains(err.Error(), `Invalid principal in policy: "AWS":"`+carolARN+`"`) {
		t.Fatalf("a trust policy naming a user that does not exist: %v", err)
	}
	assumer := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	carolID, carol := makeUser(t, im, "carol", assumer)
	if err := createGate(); err != nil {
		t.Fatal(err)
	}
	assumes := func(who string, key aws.Credentials, want bool) {
		t.Helper()
		_, err := stsClient(r.url, key).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/gate"), RoleSessionName: aws.String("s1")})
		if got := err == nil; got != want || (!want && apiCode(err) != "AccessDenied") {
			t.Errorf("%s: AssumeRole: %v, want allowed %v", who, err, want)
		}
	}
	shown := func() string {
		t.Helper()
		out, err := im.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("gate")})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	assumes("carol", carol, true)
	if got := shown(); got != trust {
		t.Fatalf("GetRole shows %s, want the trust policy as written", got)
	}

	deleteUser(t, im, "carol")
	_, carol2 := makeUser(t, im, "carol", assumer)
	assumes("carol made again", carol2, false)
	if got, want := shown(), strings.ReplaceAll(trust, carolARN, carolID); got != want {
		t.Fatalf("GetRole after carol was made again shows\n %s\nwant\n %s", got, want)
	}
	if _, err := im.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("gate"), PolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	assumes("carol made again, after the trust policy was written again", carol2, true)
}
