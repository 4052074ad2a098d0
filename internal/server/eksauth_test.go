package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/eksauth/eksauthtest"
	"github.com/podiam/podiam/internal/server"
	"github.com/podiam/podiam/internal/store"
)

// podDirectory is an in-memory eksauth.Directory the test fills once the
// server has made its account.
type podDirectory struct {
	mu       sync.Mutex
	clusters map[string]eksauth.Cluster
	assocs   map[string]eksauth.Association
}

func (d *podDirectory) Cluster(_ context.Context, acct, name string) (eksauth.Cluster, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clusters[acct+"/"+name]; ok {
		return c, nil
	}
	return eksauth.Cluster{}, store.ErrNotFound
}

func (d *podDirectory) Association(_ context.Context, acct, cluster, ns, sa string) (eksauth.Association, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a, ok := d.assocs[acct+"/"+cluster+"/"+ns+"/"+sa]; ok {
		return a, nil
	}
	return eksauth.Association{}, store.ErrNotFound
}

func (d *podDirectory) associate(acct, ns, sa string, a eksauth.Association) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a.ID = "a-" + strings.Repeat("0", 17-len(ns)) + ns
	a.ARN = "arn:aws:eks:us-east-1:" + acct + ":podidentityassociation/dev/" + a.ID
	d.assocs[acct+"/dev/"+ns+"/"+sa] = a
}

// podAnswer is AssumeRoleForPodIdentity's answer, or its error.
type podAnswer struct {
	status    int
	errorType string
	Message   string `json:"message"`
	Subject   struct{ Namespace, ServiceAccount string }
	Audience  string
	Assoc     struct{ AssociationArn, AssociationId string } `json:"podIdentityAssociation"`
	User      struct{ Arn, AssumeRoleId string }             `json:"assumedRoleUser"`
	Creds     struct {
		AccessKeyId, SecretAccessKey, SessionToken string
		Expiration                                 json.Number
	} `json:"credentials"`
}

// assumeForPod calls eks-auth as the node agent does: a POST signed with
// aws-sdk-go-v2's v4 signer for the service eks-auth.
func assumeForPod(t *testing.T, url string, c aws.Credentials, cluster, token string) podAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/clusters/"+cluster+"/assume-role-for-pod-identity", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(t.Context(), c, req, hex.EncodeToString(sum[:]), "eks-auth", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("eks-auth answered in %v: the agent allows 1 s", d)
	}
	b, _ := io.ReadAll(resp.Body)
	var a podAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("eks-auth body %q: %v", b, err)
	}
	a.status, a.errorType = resp.StatusCode, resp.Header.Get("x-amzn-ErrorType")
	return a
}

// TestEKSAuth: a node's credentials exchange a pod's token for its
// association's role session, over aws-sdk-go-v2's signer and the AWS CLI;
// the session is the assumed role named as EKS names it, and a bucket
// policy on its namespace tag gives it its prefix only. Each refusal
// comes with its status, code and text, beside a request that passes.
func TestEKSAuth(t *testing.T) {
	dir := t.TempDir()
	pods := &podDirectory{clusters: map[string]eksauth.Cluster{}, assocs: map[string]eksauth.Association{}}
	r := startWith(t, dir, func(c *server.Config) { c.PodIdentity = pods })
	ctx := t.Context()
	root := readCredentials(t, dir)
	account := *callerIdentity(t, r.url, root).Account
	iamc := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	s := aws.String
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	trust := func(actions, cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":[` + actions + `]` + cond + `}]}`
	}
	roleARN := func(name, doc string) string {
		out, err := iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s(name), AssumeRolePolicyDocument: s(doc)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.Role.Arn
	}
	user := func(name, policy string) aws.Credentials {
		must(iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s(name)}))
		if policy != "" {
			must(iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s(name), PolicyName: s("p"), PolicyDocument: s(policy)}))
		}
		k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: s(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	}
	app := roleARN("app", trust(`"sts:AssumeRole","sts:TagSession"`, ""))
	noTag := roleARN("notag", trust(`"sts:AssumeRole"`, ""))
	prod := roleARN("prod", trust(`"sts:AssumeRole","sts:TagSession"`, `,"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"prod"}}`))
	node := user("node", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"*"}]}`)
	nobody := user("nobody", "")

	issuer := "https://oidc.eks.us-east-1.amazonaws.com/id/" + strings.Repeat("AB", 16)
	key := eksauthtest.NewKey(issuer)
	pods.mu.Lock()
	pods.clusters[account+"/dev"] = eksauth.Cluster{Name: "dev", ARN: eksauth.ClusterARN("us-east-1", account, "dev"), AccountID: account, Region: "us-east-1", Issuer: issuer, Keys: key.JWKS()}
	pods.mu.Unlock()
	pods.associate(account, "default", "app", eksauth.Association{RoleARN: app})
	pods.associate(account, "notag", "app", eksauth.Association{RoleARN: noTag})
	pods.associate(account, "prod", "app", eksauth.Association{RoleARN: prod})
	pods.associate(account, "staging", "app", eksauth.Association{RoleARN: prod})

	// A bucket whose policy gives the role's sessions their namespace's
	// prefix.
	s3root := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), UsePathStyle: true, RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	must(s3root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: s("data")}))
	must(s3root.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: s("data"), Policy: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"` + app + `"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::data/default/*",` +
		`"Condition":{"StringEquals":{"aws:PrincipalTag/kubernetes-namespace":"default"}}}]}`)}))

	pod := eksauthtest.Pod{Namespace: "default", ServiceAccount: "app", Name: "app-5d8f9c7b6-q2w3e"}
	now := time.Now()
	a := assumeForPod(t, r.url, node, "dev", key.Token(pod, now))
	if a.status != 200 || a.Subject.Namespace != "default" || a.Subject.ServiceAccount != "app" || a.Audience != "pods.eks.amazonaws.com" ||
		!strings.HasPrefix(a.Assoc.AssociationArn, "arn:aws:eks:us-east-1:"+account+":podidentityassociation/dev/a-") ||
		!strings.HasPrefix(a.User.Arn, "arn:aws:sts::"+account+":assumed-role/app/eks-dev-app-5d8f9c7b6-q2w-") {
		t.Fatalf("answer %+v", a)
	}
	exp, err := a.Creds.Expiration.Int64()
	if err != nil || exp < now.Add(6*time.Hour-time.Minute).Unix() || exp > now.Add(6*time.Hour+time.Minute).Unix() {
		t.Fatalf("expiration %q: epoch seconds six hours on", a.Creds.Expiration)
	}
	session := aws.Credentials{AccessKeyID: a.Creds.AccessKeyId, SecretAccessKey: a.Creds.SecretAccessKey, SessionToken: a.Creds.SessionToken}
	if id := callerIdentity(t, r.url, session); *id.Arn != a.User.Arn || !strings.HasSuffix(*id.UserId, ":"+a.User.Arn[strings.LastIndexByte(a.User.Arn, '/')+1:]) {
		t.Fatalf("caller identity %s %s, answer %s", *id.Arn, *id.UserId, a.User.Arn)
	}
	s3pod := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), UsePathStyle: true, RetryMaxAttempts: 1, Credentials: staticCreds(session)})
	must(s3pod.PutObject(ctx, &awss3.PutObjectInput{Bucket: s("data"), Key: s("default/x"), Body: strings.NewReader("x")}))
	if _, err := s3pod.PutObject(ctx, &awss3.PutObjectInput{Bucket: s("data"), Key: s("prod/x"), Body: strings.NewReader("x")}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("another namespace's prefix: %v", err)
	}

	other := eksauthtest.NewKey("https://oidc.eks.us-east-1.amazonaws.com/id/" + strings.Repeat("CD", 16))
	aud := key.Claims(pod, now, time.Hour)
	aud["aud"] = []string{"sts.amazonaws.com"}
	expired := key.Claims(pod, now.Add(-2*time.Hour), time.Hour)
	for _, c := range []struct {
		name          string
		caller        aws.Credentials
		token         string
		status        int
		code, message string
	}{
		{"no association", node, key.Token(eksauthtest.Pod{Namespace: "default", ServiceAccount: "other", Name: "p"}, now), 404, "ResourceNotFoundException",
			"No Pod Identity Association found for service account other in namespace default of cluster dev."},
		{"another cluster's token", node, other.Token(pod, now), 400, "InvalidTokenException", "The token's issuer is not the issuer of cluster dev"},
		{"wrong audience", node, key.Sign(aud), 400, "InvalidTokenException", "The token's audience does not include pods.eks.amazonaws.com"},
		{"expired", node, key.Sign(expired), 400, "ExpiredTokenException", "The token included in the request is expired: current date/time "},
		{"trust without sts:TagSession", node, key.Token(eksauthtest.Pod{Namespace: "notag", ServiceAccount: "app", Name: "p"}, now), 400, "AccessDeniedException",
			"Unauthorized Exception! EKS does not have permissions to assume the associated role."},
		{"caller without eks-auth:AssumeRoleForPodIdentity", nobody, key.Token(pod, now), 400, "AccessDeniedException",
			"User: arn:aws:iam::" + account + ":user/nobody is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: arn:aws:eks:us-east-1:" + account + ":cluster/dev"},
		{"trust on the namespace tag refuses staging", node, key.Token(eksauthtest.Pod{Namespace: "staging", ServiceAccount: "app", Name: "p"}, now), 400, "AccessDeniedException", "Unauthorized Exception!"},
		{"trust on the namespace tag admits prod", node, key.Token(eksauthtest.Pod{Namespace: "prod", ServiceAccount: "app", Name: "p"}, now), 200, "", ""},
		{"bad token form", node, "Bearer x.y.z", 400, "InvalidParameterException", "1 validation error detected: Value at 'token'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := assumeForPod(t, r.url, c.caller, "dev", c.token)
			if a.status != c.status || a.errorType != c.code || !strings.HasPrefix(a.Message, c.message) {
				t.Fatalf("%d %s %q, want %d %s %q", a.status, a.errorType, a.Message, c.status, c.code, c.message)
			}
		})
	}

	t.Run("target role in another account", func(t *testing.T) { eksAuthTargetRole(t, r.url, root, iamc, pods, account, key) })
	t.Run("AWS CLI", func(t *testing.T) { eksAuthCLI(t, r.url, node, key.Token(pod, now), app) })
}

// eksAuthTargetRole: an association's target role in a member account
// (Organizations CreateAccount) is reached as the first role's session,
// with EKS's ExternalId when session tags are off; another
// ServiceAccount's ExternalId is refused.
func eksAuthTargetRole(t *testing.T, url string, root aws.Credentials, iamc *awsiam.Client, pods *podDirectory, account string, key *eksauthtest.Key) {
	ctx := t.Context()
	s := aws.String
	org := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	ca, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("member@example.com"), AccountName: s("member")})
	if err != nil {
		t.Fatal(err)
	}
	member := *ca.CreateAccountStatus.AccountId
	// An administrator of the management account enters the member's
	// access role to make the target role there.
	if _, err := iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("admin")}); err != nil {
		t.Fatal(err)
	}
	iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("admin"), PolicyName: s("all"), PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: s("admin")})
	if err != nil {
		t.Fatal(err)
	}
	admin := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticCreds(admin)})
	in, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("setup")})
	if err != nil {
		t.Fatal(err)
	}
	memberIAM := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticCreds(aws.Credentials{
		AccessKeyID: *in.Credentials.AccessKeyId, SecretAccessKey: *in.Credentials.SecretAccessKey, SessionToken: *in.Credentials.SessionToken})})

	first := "arn:aws:iam::" + account + ":role/first"
	_, err = iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("first"), AssumeRolePolicyDocument: s(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	iamc.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s("first"), PolicyName: s("hop"), PolicyDocument: s(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::` + member + `:role/*"}]}`)})
	target, err := memberIAM.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("target"), AssumeRolePolicyDocument: s(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["sts:AssumeRole","sts:TagSession"],` +
			`"Condition":{"ArnEquals":{"aws:PrincipalARN":"` + first + `"},"StringEquals":{"sts:ExternalId":"us-east-1/` + account + `/dev/batch/job"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	pods.associate(account, "batch", "job", eksauth.Association{RoleARN: first, TargetRoleARN: *target.Role.Arn, DisableSessionTags: true})
	pods.associate(account, "batch", "other", eksauth.Association{RoleARN: first, TargetRoleARN: *target.Role.Arn, DisableSessionTags: true})
	node := aws.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}
	a := assumeForPod(t, url, node, "dev", key.Token(eksauthtest.Pod{Namespace: "batch", ServiceAccount: "job", Name: "job-1"}, time.Now()))
	exp, _ := a.Creds.Expiration.Int64()
	if a.status != 200 || !strings.HasPrefix(a.User.Arn, "arn:aws:sts::"+member+":assumed-role/target/eks-dev-job-1-") || exp > time.Now().Add(time.Hour+time.Minute).Unix() {
		t.Fatalf("target role answer %+v", a)
	}
	id := callerIdentity(t, url, aws.Credentials{AccessKeyID: a.Creds.AccessKeyId, SecretAccessKey: a.Creds.SecretAccessKey, SessionToken: a.Creds.SessionToken})
	if *id.Account != member {
		t.Fatalf("target session's account %s, want %s", *id.Account, member)
	}
	a = assumeForPod(t, url, node, "dev", key.Token(eksauthtest.Pod{Namespace: "batch", ServiceAccount: "other", Name: "job-2"}, time.Now()))
	if a.status != 400 || a.errorType != "AccessDeniedException" || a.Message != "Unauthorized Exception! EKS does not have permissions to assume the associated role." {
		t.Fatalf("another ServiceAccount's ExternalId: %+v", a)
	}
}

// eksAuthCLI: `aws eks-auth assume-role-for-pod-identity` with the node's
// keys, pointed at podiam by AWS_ENDPOINT_URL_EKS_AUTH.
func eksAuthCLI(t *testing.T, url string, node aws.Credentials, token, roleARN string) {
	needAWSCLI(t)
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command("aws", append([]string{"eks-auth", "assume-role-for-pod-identity", "--output", "json"}, args...)...)
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "HOME="+t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_ACCESS_KEY_ID="+node.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+node.SecretAccessKey,
			"AWS_ENDPOINT_URL_EKS_AUTH="+url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1")
		return cmd.CombinedOutput()
	}
	out, err := run("--cluster-name", "dev", "--token", token)
	if err != nil {
		t.Fatalf("aws eks-auth assume-role-for-pod-identity: %v\n%s", err, out)
	}
	var v struct {
		AssumedRoleUser struct{ Arn string } `json:"assumedRoleUser"`
		Credentials     struct {
			AccessKeyId string
			Expiration  any
		} `json:"credentials"`
	}
	if err := json.Unmarshal(out, &v); err != nil || !strings.Contains(v.AssumedRoleUser.Arn, ":assumed-role/app/eks-dev-") || !strings.HasPrefix(v.Credentials.AccessKeyId, "ASIA") || v.Credentials.Expiration == nil {
		t.Fatalf("CLI output %s: %v (role %s)", out, err, roleARN)
	}
	out, err = run("--cluster-name", "nope", "--token", token)
	if err == nil || !strings.Contains(string(out), "(ResourceNotFoundException)") || !strings.Contains(string(out), "No cluster found for name: nope.") {
		t.Fatalf("CLI on a missing cluster: %v\n%s", err, out)
	}
}
