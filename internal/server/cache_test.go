package server_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The server keeps what requests derive from IAM records and buckets (a
// principal's compiled policies, an access key's secret, a bucket, an
// OIDC provider, a role) by the store's generations, and the sessions its
// tokens opened to. These tests change each kind of record between two
// requests of a real SDK and check that the second sees the change at
// once, in both directions (the first request of each pair is the
// positive control, and fills the caches).

// sessionEnv is a running server with a bucket "data" holding "k", a
// user "ci" whose key may assume the role "reader", and a session of that
// role, whose inline policy "read" allows s3:GetObject on the bucket.
type sessionEnv struct {
	r       *running
	root    aws.Credentials
	user    aws.Credentials
	session aws.Credentials
	iam     *awsiam.Client
	account string
}

func newSessionEnv(t testing.TB) *sessionEnv {
	t.Helper()
	dir := t.TempDir()
	e := &sessionEnv{r: start(t, dir)}
	e.root = readCredentials(t, dir)
	ctx := t.Context()
	e.iam = awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.r.url), RetryMaxAttempts: 1, Credentials: staticCreds(e.root)})
	id, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.r.url), RetryMaxAttempts: 1, Credentials: staticCreds(e.root)}).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	e.account = aws.ToString(id.Account)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + e.account + `"},"Action":"sts:AssumeRole"}]}`
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.iam.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)}))
	must(e.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"]}]}`)}))
	must(e.iam.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("ci")}))
	must(e.iam.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ci"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
	k, err := e.iam.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	e.user = aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	ar, err := e.sts(e.user).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + e.account + ":role/reader"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	e.session = aws.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(ar.Credentials.SessionToken)}
	rc := s3Client(e.r.url, e.root)
	must(rc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}))
	must(rc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), Body: bytes.NewReader([]byte("v"))}))
	return e
}

func (e *sessionEnv) sts(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.r.url), RetryMaxAttempts: 1, Credentials: staticCreds(c)})
}

// flips runs each step's change, then the call twice (the second from
// whatever the first cached), wanting the code ("" for success).
type flip struct {
	name   string
	change func() error
	code   string
}

func runFlips(t *testing.T, call func() error, steps []flip) {
	t.Helper()
	for _, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for i := range 2 {
			if got := apiCode(call()); got != st.code {
				t.Fatalf("%s, call %d: code %q, want %q", st.name, i+1, got, st.code)
			}
		}
	}
}

func none() error { return nil }

func ignore(_ any, err error) error { return err }

// TestCachedDecisionsFlip: a role session's read, a user's key and a
// bucket's policy each change between two requests.
func TestCachedDecisionsFlip(t *testing.T) {
	e := newSessionEnv(t)
	ctx := t.Context()
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}`
	sc := s3Client(e.r.url, e.session)
	read := func() error {
		o, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
		if err == nil {
			o.Body.Close()
		}
		return err
	}
	head := func() error { return ignore(sc.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("data")})) }

	t.Run("role policy", func(t *testing.T) {
		runFlips(t, read, []flip{
			{"the role allows", none, ""},
			{"a Deny put on the role", func() error {
				return ignore(e.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("deny"), PolicyDocument: aws.String(deny)}))
			}, "AccessDenied"},
			{"the Deny deleted", func() error {
				return ignore(e.iam.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("deny")}))
			}, ""},
			{"the Allow deleted", func() error {
				return ignore(e.iam.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read")}))
			}, "AccessDenied"},
			{"the Allow as a managed policy attached", func() error {
				p, err := e.iam.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("read"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`)})
				if err != nil {
					return err
				}
				return ignore(e.iam.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: p.Policy.Arn}))
			}, ""},
			{"a Deny as its new default version", func() error {
				return ignore(e.iam.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::" + e.account + ":policy/read"),
					PolicyDocument: aws.String(deny), SetAsDefault: true}))
			}, "AccessDenied"},
			{"the Allow its default again", func() error {
				return ignore(e.iam.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::" + e.account + ":policy/read"),
					VersionId: aws.String("v1")}))
			}, ""},
		})
	})

	t.Run("bucket policy", func(t *testing.T) {
		rc := s3Client(e.r.url, e.root)
		runFlips(t, head, []flip{
			{"no bucket policy", none, ""},
			{"a bucket policy that denies the role", func() error {
				return ignore(rc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("data"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[` +
					`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + e.account + `:role/reader"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::data"}]}`)}))
			}, "Forbidden"}, // a HEAD's 403 has no body: the SDK names its status
			{"the bucket policy deleted", func() error {
				return ignore(rc.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("data")}))
			}, ""},
		})
	})

	t.Run("access key", func(t *testing.T) {
		us := e.sts(e.user)
		status := func(s iamtypes.StatusType) func() error {
			return func() error {
				return ignore(e.iam.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: aws.String(e.user.AccessKeyID), Status: s}))
			}
		}
		runFlips(t, func() error { return ignore(us.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})) }, []flip{
			{"the key is active", none, ""},
			{"the key deactivated", status(iamtypes.StatusTypeInactive), "InvalidClientTokenId"},
			{"the key active again", status(iamtypes.StatusTypeActive), ""},
			{"the key deleted", func() error {
				return ignore(e.iam.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: aws.String(e.user.AccessKeyID)}))
			}, "InvalidClientTokenId"},
		})
	})
}

// TestCachedWebIdentityFlips: a web identity exchange after its OIDC
// provider is deleted and made again, and after its role's trust changes.
func TestCachedWebIdentityFlips(t *testing.T) {
	x := newIRSA(t)
	ctx := t.Context()
	c := x.iam(x.root)
	anon := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(x.r.url), RetryMaxAttempts: 1})
	token := x.issuer.Sign(x.issuer.Claims(runnerSA, "sts.amazonaws.com", time.Hour))
	exchange := func() error {
		return ignore(anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(x.roleARN),
			RoleSessionName: aws.String("pod"), WebIdentityToken: aws.String(token)}))
	}
	providerARN := "arn:aws:iam::" + x.account + ":oidc-provider/" + strings.TrimPrefix(x.issuer.URL, "https://")
	role, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	trust, err := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)) // IAM returns documents URL-encoded
	if err != nil {
		t.Fatal(err)
	}
	setTrust := func(doc string) func() error {
		return func() error {
			return ignore(c.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("ci"), PolicyDocument: aws.String(doc)}))
		}
	}
	runFlips(t, exchange, []flip{
		{"the provider exists", none, ""},
		{"the provider deleted", func() error {
			return ignore(c.DeleteOpenIDConnectProvider(ctx, &awsiam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(providerARN)}))
		}, "InvalidIdentityToken"},
		{"the provider made again", func() error {
			return ignore(c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(x.issuer.URL),
				ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{x.issuer.Thumbprint()}}))
		}, ""},
		{"the trust names another service account", setTrust(strings.Replace(trust, runnerSA, "system:serviceaccount:ci:other", 1)), "AccessDenied"},
		{"the trust names it again", setTrust(trust), ""},
	})
}
