package server_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

// s3ControlClient is an S3 Control client of the server at base as the
// SDK is built against a custom endpoint: it puts the account id before
// the endpoint's host (<account>.localhost), a name this client's dialer
// resolves to the server, as resolvers that follow RFC 6761 resolve every
// name under localhost to loopback.
func s3ControlClient(base string, c aws.Credentials) *s3control.Client {
	u, _ := url.Parse(base)
	addr := u.Host
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
	})
	_, port, _ := net.SplitHostPort(addr)
	return s3control.New(s3control.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://localhost:" + port), RetryMaxAttempts: 1,
		HTTPClient: hc, Credentials: staticCreds(c)})
}

// TestS3ControlPublicAccessBlock: the account's block public access
// through aws-sdk-go-v2's S3 Control client. BlockPublicPolicy at the
// account refuses a public policy on a bucket without a block of its own,
// accepted once the account's block is gone; RestrictPublicBuckets at the
// account denies anonymous reads through a public policy, allowed once it
// is gone; another account's id is AccessDenied beside the caller's own.
func TestS3ControlPublicAccessBlock(t *testing.T) {
	r, root, c := s3Start(t, "acct-pab")
	ctx := t.Context()
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	ctl := s3ControlClient(r.url, root)
	b := aws.String("acct-pab")
	if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("an account without a block: %v", err)
	}
	// The bucket has no block of its own, as one made before 2023.
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("pub/a.txt"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	put := func(blockPolicy, restrict bool) {
		t.Helper()
		if _, err := ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(account),
			PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(blockPolicy), RestrictPublicBuckets: aws.Bool(restrict)}}); err != nil {
			t.Fatal(err)
		}
	}
	del := func() {
		t.Helper()
		if _, err := ctl.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: aws.String(account)}); err != nil {
			t.Fatal(err)
		}
	}
	public := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acct-pab/pub/*"}]}`)

	put(true, false)
	got, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicPolicy) || aws.ToBool(p.RestrictPublicBuckets) || aws.ToBool(p.BlockPublicAcls) || aws.ToBool(p.IgnorePublicAcls) {
		t.Fatalf("the account's block as read: %+v", p)
	}
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: public})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "BlockPublicPolicy") {
		t.Fatalf("a public policy under the account's BlockPublicPolicy: %v", err)
	}
	del()
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: public}); err != nil {
		t.Fatalf("a public policy once the account's block is gone: %v", err)
	}
	if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("after delete: %v", err)
	}

	anonymous := func() int {
		t.Helper()
		resp, err := http.Get(r.url + "/acct-pab/pub/a.txt")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := anonymous(); s != 200 {
		t.Fatalf("anonymous read through the public policy, no block: %d", s)
	}
	put(false, true)
	if s := anonymous(); s != 403 {
		t.Fatalf("anonymous read under the account's RestrictPublicBuckets: %d", s)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("pub/a.txt")}); err != nil {
		t.Fatalf("the owner's read under the account's RestrictPublicBuckets: %v", err)
	}
	del()
	if s := anonymous(); s != 200 {
		t.Fatalf("anonymous read once the account's block is gone: %d", s)
	}

	// Another account's id, beside the caller's own.
	orgs := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	st, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("ctl@example.com"), AccountName: aws.String("ctl")})
	if err != nil {
		t.Fatal(err)
	}
	other := aws.ToString(st.CreateAccountStatus.AccountId)
	for _, id := range []string{other, "000000000000"} {
		if _, err := ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(id),
			PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)}}); apiCode(err) != "AccessDenied" {
			t.Fatalf("put the block of account %s: %v", id, err)
		}
		if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(id)}); apiCode(err) != "AccessDenied" {
			t.Fatalf("get the block of account %s: %v", id, err)
		}
	}
	put(true, true)
	if _, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)}); err != nil {
		t.Fatalf("the caller's own account: %v", err)
	}
}

// TestS3ControlRouting: a path-style request under /v20180820/ is S3
// Control's, answered in its error document, never an object of a bucket
// named v20180820; the same key of a virtual-hosted bucket stays S3's.
// Shapes against botocore's S3 Control model.
func TestS3ControlRouting(t *testing.T) {
	r, root, c := s3Start(t, "v20180820")
	ctx := t.Context()
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	hdr := http.Header{"X-Amz-Account-Id": {account}}
	status, _, body := rawS3(t, r.url, root, "GET", "/v20180820/configuration/publicAccessBlock", nil, hdr)
	if status != 404 || !strings.Contains(string(body), "<ErrorResponse><Error><Code>NoSuchPublicAccessBlockConfiguration</Code>") {
		t.Fatalf("GET with no block: %d %s", status, body)
	}
	status, _, body = rawS3(t, r.url, root, "PUT", "/v20180820/configuration/publicAccessBlock",
		[]byte(`<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`), hdr)
	if status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	status, _, body = rawS3(t, r.url, root, "GET", "/v20180820/configuration/publicAccessBlock", nil, hdr)
	if status != 200 || !strings.Contains(string(body), "<BlockPublicAcls>true</BlockPublicAcls>") {
		t.Fatalf("GET: %d %s", status, body)
	}
	checkS3ControlShape(t, "GetPublicAccessBlock", body)
	if status, _, body = rawS3(t, r.url, root, "PUT", "/v20180820/configuration/publicAccessBlock", []byte(`<PublicAccessBlockConfiguration>`), hdr); status != 400 ||
		!strings.Contains(string(body), "<Code>MalformedXML</Code>") {
		t.Fatalf("PUT of bad XML: %d %s", status, body)
	}
	if status, _, body = rawS3(t, r.url, root, "GET", "/v20180820/configuration/publicAccessBlock", nil, nil); status != 400 ||
		!strings.Contains(string(body), "<Code>InvalidRequest</Code>") {
		t.Fatalf("GET without x-amz-account-id: %d %s", status, body)
	}
	if status, _, body = rawS3(t, r.url, root, "GET", "/v20180820/jobs", nil, hdr); status != 501 {
		t.Fatalf("an S3 Control operation not served: %d %s", status, body)
	}
	// The bucket named v20180820 is reached virtual-hosted, its key
	// configuration/publicAccessBlock an object like any other.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("v20180820"), Key: aws.String("configuration/publicAccessBlock"), Body: strings.NewReader("obj")}); err == nil {
		t.Fatal("a path-style PutObject to bucket v20180820 was taken for an object")
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(r.url, "http://"))
	vc := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://localhost:" + port), RetryMaxAttempts: 1, Credentials: staticCreds(root),
		HTTPClient: s3ControlClient(r.url, root).Options().HTTPClient})
	if _, err := vc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("v20180820"), Key: aws.String("v20180820/configuration/publicAccessBlock"), Body: strings.NewReader("obj")}); err != nil {
		t.Fatalf("virtual-hosted PutObject of key v20180820/...: %v", err)
	}
	if _, b := getObject(t, vc, aws.String("v20180820"), aws.String("v20180820/configuration/publicAccessBlock")); string(b) != "obj" {
		t.Fatalf("the object read back: %q", b)
	}
}

// TestS3ControlCLI: the AWS CLI puts, gets and deletes the account's
// block. It sends to <account>.localhost, which the CLI's resolver may not
// know: it goes through the server as its HTTP proxy, which serves the
// request it is given (docs/s3.md).
func TestS3ControlCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(r.url, "http://"))
	aws3 := func(args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"s3control", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_CONFIG_FILE=/dev/null",
			"AWS_ENDPOINT_URL=http://localhost:"+port, "HTTP_PROXY="+r.url, "http_proxy="+r.url, "NO_PROXY=", "no_proxy=",
			"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PROFILE=default", "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := aws3("get-public-access-block", "--account-id", account); err == nil || !strings.Contains(out, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("get with no block: %v %s", err, out)
	}
	if out, err := aws3("put-public-access-block", "--account-id", account, "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false"); err != nil {
		t.Fatalf("put: %v %s", err, out)
	}
	out, err := aws3("get-public-access-block", "--account-id", account)
	if err != nil {
		t.Fatalf("get: %v %s", err, out)
	}
	var got struct{ PublicAccessBlockConfiguration map[string]bool }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("get's output %q: %v", out, err)
	}
	if want := map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": false}; !maps.Equal(got.PublicAccessBlockConfiguration, want) {
		t.Fatalf("get: %v, want %v", got.PublicAccessBlockConfiguration, want)
	}
	if out, err := aws3("get-public-access-block", "--account-id", "000000000000"); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("get of another account: %v %s", err, out)
	}
	if out, err := aws3("delete-public-access-block", "--account-id", account); err != nil {
		t.Fatalf("delete: %v %s", err, out)
	}
	if out, err := aws3("get-public-access-block", "--account-id", account); err == nil || !strings.Contains(out, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("get after delete: %v %s", err, out)
	}
}

// s3ControlModel is botocore's S3 Control model, read once.
var s3ControlModel = sync.OnceValues(func() (*s3Model, error) {
	f, err := os.Open(filepath.Join(os.Getenv("PODIAM_BOTOCORE_DATA"), "s3control", "2018-08-20", "service-2.json.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	m := &s3Model{}
	return m, json.NewDecoder(z).Decode(m)
})

// checkS3ControlShape is checkS3Shape against botocore's S3 Control
// model.
func checkS3ControlShape(t *testing.T, op string, body []byte) {
	t.Helper()
	if os.Getenv("PODIAM_BOTOCORE_DATA") == "" {
		t.Skip("PODIAM_BOTOCORE_DATA is not set: `make test` sets it to botocore's data directory and runs the model checks")
	}
	m, err := s3ControlModel()
	if err != nil {
		t.Fatalf("botocore's S3 Control model: %v", err)
	}
	o, ok := m.Operations[op]
	if !ok || o.Output == nil {
		t.Fatalf("botocore has no output of %s", op)
	}
	var root xmlNode
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatalf("%s: body does not parse: %v\n%s", op, err, body)
	}
	shape := m.Shapes[o.Output.Shape]
	if shape.Payload != "" {
		shape = m.Shapes[shape.Members[shape.Payload].Shape]
	}
	for _, p := range checkS3Node(m, shape, root, op) {
		t.Errorf("%s: %s\n%s", op, p, body)
	}
}
