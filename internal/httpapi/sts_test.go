package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/sigv4"
	"github.com/podiam/podiam/internal/store"
)

func (env iamEnv) stsAs(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.url), HTTPClient: env.client, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })})
}

func (env iamEnv) iamAs(c aws.Credentials) *awsiam.Client {
	return awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.url), HTTPClient: env.client, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })})
}

// userCreds makes a user with an inline policy and an access key, through
// the API as the root, and returns its credentials.
func (env iamEnv) userCreds(t *testing.T, name, policy string) aws.Credentials {
	t.Helper()
	ctx := t.Context()
	if _, err := env.c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := env.c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
}

const assumeAndTag = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`

func sessionCreds(c *ststypes.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

// TestSTSEveryAction drives each STS action through aws-sdk-go-v2, uses
// the credentials they return against IAM and STS, and checks every
// response against botocore's model.
func TestSTSEveryAction(t *testing.T) {
	env := iamClient(t, true)
	ctx := t.Context()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	if _, err := env.c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	ci := env.stsAs(env.userCreds(t, "ci", assumeAndTag))
	if _, err := env.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/reader"), RoleSessionName: aws.String("root")}); code(err) != "AccessDenied" {
		t.Fatalf("AssumeRole by the root: %v", err)
	}
	ar, err := ci.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/reader"), RoleSessionName: aws.String("ci"),
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}, DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ar.AssumedRoleUser.Arn) != "arn:aws:sts::111122223333:assumed-role/reader/ci" || !strings.HasPrefix(aws.ToString(ar.Credentials.AccessKeyId), "ASIA") ||
		//lint:ignore SA1019 AWS still returns PackedPolicySize, and podiam computes it; the SDK reads it
		ar.PackedPolicySize == nil || !strings.HasSuffix(aws.ToString(ar.AssumedRoleUser.AssumedRoleId), ":ci") {
		t.Fatalf("AssumeRole %+v", ar)
	}
	sc := sessionCreds(ar.Credentials)
	id, err := env.stsAs(sc).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != aws.ToString(ar.AssumedRoleUser.Arn) || aws.ToString(id.UserId) != aws.ToString(ar.AssumedRoleUser.AssumedRoleId) {
		t.Fatalf("GetCallerIdentity as the session = %+v, %v", id, err)
	}
	// The session has the role's policies: reads, no writes.
	asRole := env.iamAs(sc)
	if _, err := asRole.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("reader")}); err != nil {
		t.Fatalf("GetRole as the session: %v", err)
	}
	_, err = asRole.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(trust)})
	if code(err) != "AccessDenied" || !strings.Contains(err.Error(), "assumed-role/reader/ci is not authorized to perform: iam:CreateRole") {
		t.Fatalf("CreateRole as the session: %v", err)
	}
	// A tampered token and a session key without its token are refused.
	bad := sc
	bad.SessionToken = sc.SessionToken[:len(sc.SessionToken)-2] + "AA"
	if _, err := env.stsAs(bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); code(err) != "InvalidClientTokenId" {
		t.Fatalf("tampered token: %v", err)
	}
	bad.SessionToken = ""
	if _, err := env.stsAs(bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); code(err) != "InvalidClientTokenId" {
		t.Fatalf("no token: %v", err)
	}

	// GetSessionToken: the root's session, which may not call IAM.
	gst, err := env.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if exp := aws.ToTime(gst.Credentials.Expiration); time.Until(exp) > time.Hour+time.Minute {
		t.Fatalf("root session until %v, want at most an hour", exp)
	}
	rc := sessionCreds(gst.Credentials)
	if id, err := env.stsAs(rc).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || aws.ToString(id.Arn) != "arn:aws:iam::111122223333:root" {
		t.Fatalf("GetCallerIdentity as the root's session = %+v, %v", id, err)
	}
	if _, err := env.iamAs(rc).ListRoles(ctx, &awsiam.ListRolesInput{}); code(err) != "AccessDenied" {
		t.Fatalf("IAM with GetSessionToken credentials: %v", err)
	}

	// AssumeRoleWithWebIdentity, unsigned, for a token of the test issuer.
	url := strings.TrimPrefix(env.issuer.URL, "https://")
	provider := iam.OIDCProviderARN("111122223333", url)
	if err := env.store.CreateOIDCProvider(ctx, store.OIDCProvider{AccountID: "111122223333", URL: url, ARN: provider, ClientIDs: []string{"sts.amazonaws.com"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	irsa := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
		`"Condition":{"StringEquals":{"` + url + `:sub":"system:serviceaccount:default:app"}}}]}`
	if _, err := env.c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(irsa)}); err != nil {
		t.Fatal(err)
	}
	anon := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.url), HTTPClient: env.client, RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})
	tok := env.issuer.Sign(env.issuer.Claims("system:serviceaccount:default:app", "sts.amazonaws.com", time.Hour))
	wi, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/app"),
		RoleSessionName: aws.String("pod"), WebIdentityToken: aws.String(tok)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(wi.SubjectFromWebIdentityToken) != "system:serviceaccount:default:app" || aws.ToString(wi.Provider) != env.issuer.URL ||
		//lint:ignore SA1019 AWS still returns PackedPolicySize, and podiam computes it; the SDK reads it
		aws.ToString(wi.Audience) != "sts.amazonaws.com" || wi.PackedPolicySize != nil {
		t.Fatalf("AssumeRoleWithWebIdentity %+v", wi)
	}
	other := env.issuer.Sign(env.issuer.Claims("system:serviceaccount:default:other", "sts.amazonaws.com", time.Hour))
	_, err = anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/app"),
		RoleSessionName: aws.String("pod"), WebIdentityToken: aws.String(other)})
	if code(err) != "AccessDenied" {
		t.Fatalf("another service account: %v", err)
	}
	_, err = anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/app"),
		RoleSessionName: aws.String("pod"), WebIdentityToken: aws.String("not.a.jwt")})
	if code(err) != "InvalidIdentityToken" {
		t.Fatalf("garbage token: %v", err)
	}
	for _, a := range env.actions {
		if strings.HasPrefix(a, "sts:") && !env.seen[a] {
			t.Errorf("action %s was never called successfully", a)
		}
	}
}

// TestPresignedGetCallerIdentity: a presigned GetCallerIdentity URL that
// signs an extra header, as aws-iam-authenticator's tokens are made,
// answers for the signer, also with session credentials, and fails when
// the header is changed.
func TestPresignedGetCallerIdentity(t *testing.T) {
	env := iamClient(t, true)
	ctx := t.Context()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`
	if _, err := env.c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	ar, err := env.stsAs(env.userCreds(t, "ops", assumeAndTag)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/admin"), RoleSessionName: aws.String("kubectl")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		client  *sts.Client
		wantARN string
	}{
		{"root key", env.sts, "arn:aws:iam::111122223333:root"},
		{"session", env.stsAs(sessionCreds(ar.Credentials)), "arn:aws:sts::111122223333:assumed-role/admin/kubectl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			presigner := sts.NewPresignClient(tc.client)
			req, err := presigner.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
				o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
					o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-k8s-aws-id", "my-cluster"))
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.ToLower(req.URL), "x-amz-signedheaders=host%3bx-k8s-aws-id") {
				t.Fatalf("the cluster header is not signed: %s", req.URL)
			}
			get := func(cluster string) (*http.Response, string) {
				r, _ := http.NewRequestWithContext(ctx, req.Method, req.URL, nil)
				r.Header.Set("x-k8s-aws-id", cluster)
				resp, err := env.client.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, string(b)
			}
			resp, body := get("my-cluster")
			if resp.StatusCode != 200 || !strings.Contains(body, "<Arn>"+tc.wantARN+"</Arn>") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			resp, body = get("other-cluster")
			if resp.StatusCode != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
				t.Fatalf("another cluster's header: %d %s", resp.StatusCode, body)
			}
		})
	}
}

// presign signs a GET of query at env's URL in its query string with the
// root key, at signed, with the header x-k8s-aws-id, as aws eks get-token
// does, by aws-sdk-go-v2's signer.
func (env iamEnv) presign(t *testing.T, service, query string, signed time.Time) string {
	t.Helper()
	r, err := http.NewRequestWithContext(t.Context(), http.MethodGet, env.url+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("x-k8s-aws-id", "my-cluster")
	u, _, err := v4.NewSigner().PresignHTTP(t.Context(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, r, sigv4.EmptySHA256, service, "us-east-1", signed)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// get sends a presigned URL with the signed cluster header and accept as
// its Accept header ("" for none).
func (env iamEnv) get(t *testing.T, u, accept string) (*http.Response, string) {
	t.Helper()
	r, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	r.Header.Set("x-k8s-aws-id", "my-cluster")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	resp, err := env.client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestPresignedWindow: STS holds a presigned GetCallerIdentity to 15
// minutes after its X-Amz-Date whatever its X-Amz-Expires says (60, as
// aws eks get-token writes it); every other presigned request keeps its
// X-Amz-Expires.
func TestPresignedWindow(t *testing.T) {
	env := iamClient(t, false)
	const callerIdentity = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60"
	for _, tc := range []struct {
		name, service, query string
		age                  time.Duration
		want                 int
		code                 string
	}{
		{"GetCallerIdentity 14 min old", "sts", callerIdentity, 14 * time.Minute, 200, ""},
		{"GetCallerIdentity 16 min old", "sts", callerIdentity, 16 * time.Minute, 400, "RequestExpired"},
		{"GetCallerIdentity 14 min ahead", "sts", callerIdentity, -14 * time.Minute, 200, ""},
		{"GetCallerIdentity 16 min ahead", "sts", callerIdentity, -16 * time.Minute, 400, "RequestExpired"},
		{"GetSessionToken within its expiry", "sts", "Action=GetSessionToken&Version=2011-06-15&X-Amz-Expires=120", time.Minute, 200, ""},
		{"GetSessionToken past its expiry", "sts", "Action=GetSessionToken&Version=2011-06-15&X-Amz-Expires=60", 2 * time.Minute, 400, "RequestExpired"},
		{"IAM ListUsers within its expiry", "iam", "Action=ListUsers&Version=2010-05-08&X-Amz-Expires=120", time.Minute, 200, ""},
		{"IAM ListUsers past its expiry", "iam", "Action=ListUsers&Version=2010-05-08&X-Amz-Expires=60", 2 * time.Minute, 400, "RequestExpired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.get(t, env.presign(t, tc.service, tc.query, env.now.Add(-tc.age)), "")
			if resp.StatusCode != tc.want || !strings.Contains(body, "<Code>"+tc.code+"</Code>") && tc.code != "" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
}

// TestCallerIdentityJSON: GetCallerIdentity answers in JSON when the
// request accepts application/json, as aws-iam-authenticator asks; its
// errors too; XML stays the default.
func TestCallerIdentityJSON(t *testing.T) {
	env := iamClient(t, false)
	good := env.presign(t, "sts", "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", env.now)
	resp, body := env.get(t, good, "application/json")
	want := `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"UserId":"111122223333","Account":"111122223333","Arn":"arn:aws:iam::111122223333:root"},"ResponseMetadata":{"RequestId":"req-1"}}}`
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || body != want {
		t.Fatalf("JSON: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = env.get(t, good, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml" || !strings.Contains(body, "<Arn>arn:aws:iam::111122223333:root</Arn>") {
		t.Fatalf("XML: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = env.get(t, good, "text/html, application/json;q=0.9")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, `{"GetCallerIdentityResponse"`) {
		t.Fatalf("JSON among others: %d %s", resp.StatusCode, body)
	}
	old := env.presign(t, "sts", "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", env.now.Add(-16*time.Minute))
	resp, body = env.get(t, old, "application/json")
	var e struct {
		Error     struct{ Code, Message, Type string }
		RequestID string `json:"RequestId"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" ||
		e.Error.Code != "RequestExpired" || e.Error.Type != "Sender" || e.Error.Message == "" || e.RequestID != "req-1" {
		t.Fatalf("JSON error: %d %s (%v)", resp.StatusCode, body, err)
	}
	// Other actions answer in XML whatever the request accepts.
	resp, body = env.get(t, env.presign(t, "iam", "Action=ListUsers&Version=2010-05-08&X-Amz-Expires=60", env.now), "application/json")
	if resp.StatusCode != 200 || !strings.Contains(body, "<ListUsersResponse") {
		t.Fatalf("ListUsers: %d %s", resp.StatusCode, body)
	}
}
