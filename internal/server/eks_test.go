package server_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/server"
)

const podsTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

// awsCLI runs the AWS CLI against the server with the given credentials
// (the root's credentials file when nil), each run with a HOME of its own
// so that the CLI's credential cache is never shared.
type awsCLI struct {
	t     *testing.T
	url   string
	dir   string
	creds *aws.Credentials
}

// run returns the CLI's output and error.
func (a awsCLI) run(args ...string) ([]byte, error) {
	a.t.Helper()
	cmd := exec.Command("aws", args...)
	cmd.Dir = a.dir
	env := []string{"HOME=" + a.t.TempDir(), "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=/dev/null",
		"AWS_ENDPOINT_URL=" + a.url, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"}
	if a.creds == nil {
		env = append(env, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(a.dir, "credentials"), "AWS_PROFILE=default")
	} else {
		env = append(env, "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ACCESS_KEY_ID="+a.creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+a.creds.SecretAccessKey)
	}
	cmd.Env = env
	return cmd.CombinedOutput()
}

// json runs a command that must succeed and decodes its JSON output.
func (a awsCLI) json(args ...string) map[string]any {
	a.t.Helper()
	out, err := a.run(append(args, "--output", "json")...)
	if err != nil {
		a.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		a.t.Fatalf("aws %s printed %q", strings.Join(args, " "), out)
	}
	return v
}

// fails runs a command that must fail with code, and returns its output.
func (a awsCLI) fails(code string, args ...string) string {
	a.t.Helper()
	out, err := a.run(args...)
	if err == nil || !strings.Contains(string(out), "("+code+")") {
		a.t.Fatalf("aws %s: %v, want %s\n%s", strings.Join(args, " "), err, code, out)
	}
	return string(out)
}

// TestEKSCLI walks the EKS API with the AWS CLI v1 as the Pod Identity
// guides do: a cluster whose issuer podiam hosts, the agent add-on, and
// Pod Identity associations in AWS's shapes, with AWS's errors; iam:PassRole
// decides whether a user may associate a role.
func TestEKSCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	cli := awsCLI{t: t, url: r.url, dir: dir}
	account := cli.json("sts", "get-caller-identity")["Account"].(string)
	for _, role := range []string{"eks", "app", "other"} {
		cli.json("iam", "create-role", "--role-name", role, "--assume-role-policy-document", podsTrust)
	}
	roleARN := func(n string) string { return "arn:aws:iam::" + account + ":role/" + n }

	cl := cli.json("eks", "create-cluster", "--name", "c1", "--role-arn", roleARN("eks"),
		"--resources-vpc-config", "subnetIds=subnet-1", "--tags", "team=a")["cluster"].(map[string]any)
	if cl["status"] != "CREATING" || cl["arn"] != "arn:aws:eks:us-east-1:"+account+":cluster/c1" || cl["version"] != "1.33" ||
		cl["accessConfig"].(map[string]any)["authenticationMode"] != "API_AND_CONFIG_MAP" {
		t.Fatalf("create-cluster: %v", cl)
	}
	out, err := cli.run("eks", "describe-cluster", "--name", "c1", "--query", "cluster.identity.oidc.issuer", "--output", "text")
	issuer := strings.TrimSpace(string(out))
	if err != nil || !regexp.MustCompile(`^`+regexp.QuoteMeta(r.url)+`/id/[0-9a-f]{32}$`).MatchString(issuer) {
		t.Fatalf("describe-cluster issuer: %v %q", err, out)
	}
	cli.fails("ResourceInUseException", "eks", "create-cluster", "--name", "c1", "--role-arn", roleARN("eks"), "--resources-vpc-config", "subnetIds=subnet-1")
	cli.fails("ResourceNotFoundException", "eks", "describe-cluster", "--name", "nope")
	if names := cli.json("eks", "list-clusters")["clusters"].([]any); len(names) != 1 || names[0] != "c1" {
		t.Fatalf("list-clusters: %v", names)
	}

	addon := cli.json("eks", "create-addon", "--cluster-name", "c1", "--addon-name", "eks-pod-identity-agent")["addon"].(map[string]any)
	if addon["status"] != "ACTIVE" || !strings.HasPrefix(addon["addonArn"].(string), "arn:aws:eks:us-east-1:"+account+":addon/c1/eks-pod-identity-agent/") {
		t.Fatalf("create-addon: %v", addon)
	}
	cli.fails("InvalidParameterException", "eks", "create-addon", "--cluster-name", "c1", "--addon-name", "vpc-cni")
	if names := cli.json("eks", "list-addons", "--cluster-name", "c1")["addons"].([]any); len(names) != 1 {
		t.Fatalf("list-addons: %v", names)
	}

	// Associations, in AWS's shape.
	a := cli.json("eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "ns", "--service-account", "sa",
		"--role-arn", roleARN("app"), "--tags", "k=v")["association"].(map[string]any)
	id, _ := a["associationId"].(string)
	if !regexp.MustCompile(`^a-[a-z0-9]{17}$`).MatchString(id) ||
		a["associationArn"] != "arn:aws:eks:us-east-1:"+account+":podidentityassociation/c1/"+id ||
		a["clusterName"] != "c1" || a["namespace"] != "ns" || a["serviceAccount"] != "sa" || a["roleArn"] != roleARN("app") ||
		a["disableSessionTags"] != false || a["tags"].(map[string]any)["k"] != "v" || a["createdAt"] == nil || a["modifiedAt"] == nil {
		t.Fatalf("create-pod-identity-association: %v", a)
	}
	cli.fails("ResourceInUseException", "eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "ns",
		"--service-account", "sa", "--role-arn", roleARN("app"))
	cli.json("eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "ns", "--service-account", "sb", "--role-arn", roleARN("app"))
	cli.json("eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "other", "--service-account", "sa", "--role-arn", roleARN("app"))

	// Filters and pages.
	list := func(args ...string) map[string]any {
		return cli.json(append([]string{"eks", "list-pod-identity-associations", "--cluster-name", "c1"}, args...)...)
	}
	if as := list("--namespace", "ns")["associations"].([]any); len(as) != 2 {
		t.Fatalf("namespace filter: %v", as)
	}
	if as := list("--namespace", "ns", "--service-account", "sa")["associations"].([]any); len(as) != 1 || as[0].(map[string]any)["associationId"] != id {
		t.Fatalf("both filters: %v", as)
	}
	if as := list()["associations"].([]any); len(as) != 3 {
		t.Fatalf("the CLI's own paging: %v", as)
	}
	seen := map[string]bool{}
	page := list("--no-paginate", "--max-results", "2")
	for {
		for _, x := range page["associations"].([]any) {
			seen[x.(map[string]any)["associationId"].(string)] = true
		}
		tok, _ := page["nextToken"].(string)
		if tok == "" {
			break
		}
		page = list("--no-paginate", "--max-results", "2", "--next-token", tok)
	}
	if len(seen) != 3 {
		t.Fatalf("pages of 2 gave %d associations", len(seen))
	}
	cli.fails("InvalidParameterException", "eks", "list-pod-identity-associations", "--cluster-name", "c1", "--no-paginate", "--next-token", "bogus")

	got := cli.json("eks", "describe-pod-identity-association", "--cluster-name", "c1", "--association-id", id)["association"].(map[string]any)
	if got["associationArn"] != a["associationArn"] {
		t.Fatalf("describe: %v", got)
	}
	up := cli.json("eks", "update-pod-identity-association", "--cluster-name", "c1", "--association-id", id, "--role-arn", roleARN("other"))["association"].(map[string]any)
	if up["roleArn"] != roleARN("other") || up["namespace"] != "ns" {
		t.Fatalf("update: %v", up)
	}
	cli.fails("InvalidParameterException", "eks", "update-pod-identity-association", "--cluster-name", "c1", "--association-id", id, "--role-arn", roleARN("other"))
	cli.fails("InvalidParameterException", "eks", "update-pod-identity-association", "--cluster-name", "c1", "--association-id", id, "--policy", `{"Version":"2012-10-17","Statement":[]}`)
	cli.json("eks", "delete-pod-identity-association", "--cluster-name", "c1", "--association-id", id)
	cli.fails("ResourceNotFoundException", "eks", "describe-pod-identity-association", "--cluster-name", "c1", "--association-id", id)

	// iam:PassRole: a user allowed every EKS action but not to pass the
	// role is refused; with PassRole on that role for Pod Identity it may.
	im := iamClient(r.url, readCredentials(t, dir))
	_, devKey := makeUser(t, im, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"}]}`)
	dev := awsCLI{t: t, url: r.url, dir: dir, creds: &devKey}
	msg := dev.fails("AccessDeniedException", "eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "dev",
		"--service-account", "sa", "--role-arn", roleARN("app"))
	if !strings.Contains(msg, "iam:PassRole") {
		t.Errorf("the refusal does not name iam:PassRole:\n%s", msg)
	}
	pass := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"},` +
		`{"Effect":"Allow","Action":"iam:PassRole","Resource":"` + roleARN("app") + `","Condition":{"StringEquals":{"iam:PassedToService":"pods.eks.amazonaws.com"}}}]}`
	if _, err := im.PutUserPolicy(t.Context(), &awsiam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(pass)}); err != nil {
		t.Fatal(err)
	}
	dev.json("eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "dev", "--service-account", "sa", "--role-arn", roleARN("app"))
	dev.fails("AccessDeniedException", "eks", "create-pod-identity-association", "--cluster-name", "c1", "--namespace", "dev",
		"--service-account", "sb", "--role-arn", roleARN("other"))

	// Deleting the cluster deletes its associations and add-ons.
	if del := cli.json("eks", "delete-cluster", "--name", "c1")["cluster"].(map[string]any); del["status"] != "DELETING" {
		t.Fatalf("delete-cluster: %v", del)
	}
	cli.fails("ResourceNotFoundException", "eks", "list-pod-identity-associations", "--cluster-name", "c1")
}

// signedEKS sends a request to the EKS API signed with c.
func signedEKS(t *testing.T, url string, c aws.Credentials, method, path string, body []byte) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(t.Context(), c, req, hex.EncodeToString(sum[:]), "eks", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), b
}

// TestEKSSDK drives the same flow with aws-sdk-go-v2's EKS client, then
// pushes a cluster's binding (podiam's operation) and reads the hosted
// issuer's discovery document and keys, unsigned.
func TestEKSSDK(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	e := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	role := "arn:aws:iam::" + account + ":role/app"

	c, err := e.CreateCluster(ctx, &awseks.CreateClusterInput{Name: aws.String("c1"), RoleArn: aws.String("arn:aws:iam::" + account + ":role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.Status != ekstypes.ClusterStatusCreating || c.Cluster.CreatedAt == nil || time.Since(*c.Cluster.CreatedAt) > time.Minute {
		t.Fatalf("created %+v", c.Cluster)
	}
	issuer := aws.ToString(c.Cluster.Identity.Oidc.Issuer)
	if !strings.HasPrefix(issuer, r.url+"/id/") {
		t.Fatalf("issuer %s", issuer)
	}
	if _, err := e.CreateAddon(ctx, &awseks.CreateAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String("eks-pod-identity-agent")}); err != nil {
		t.Fatal(err)
	}
	a, err := e.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
		Namespace: aws.String("ns"), ServiceAccount: aws.String("sa"), RoleArn: aws.String(role),
		TargetRoleArn: aws.String("arn:aws:iam::444455556666:role/t"), DisableSessionTags: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(a.Association.ExternalId) != "us-east-1/"+account+"/c1/ns/sa" || !aws.ToBool(a.Association.DisableSessionTags) {
		t.Fatalf("association %+v", a.Association)
	}
	_, err = e.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
		Namespace: aws.String("ns"), ServiceAccount: aws.String("sa"), RoleArn: aws.String(role)})
	var inUse *ekstypes.ResourceInUseException
	var re *smithyhttp.ResponseError
	if !errors.As(err, &inUse) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusConflict {
		t.Fatalf("duplicate: %v", err)
	}
	for _, sa := range []string{"sb", "sc"} {
		if _, err := e.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
			Namespace: aws.String("ns"), ServiceAccount: aws.String(sa), RoleArn: aws.String(role)}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for p := awseks.NewListPodIdentityAssociationsPaginator(e, &awseks.ListPodIdentityAssociationsInput{ClusterName: aws.String("c1"),
		Namespace: aws.String("ns"), MaxResults: aws.Int32(1)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Associations)
	}
	if n != 3 {
		t.Fatalf("paginator saw %d associations", n)
	}
	if _, err := e.UpdatePodIdentityAssociation(ctx, &awseks.UpdatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
		AssociationId: a.Association.AssociationId, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeletePodIdentityAssociation(ctx, &awseks.DeletePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: a.Association.AssociationId}); err != nil {
		t.Fatal(err)
	}
	_, err = e.DescribePodIdentityAssociation(ctx, &awseks.DescribePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: a.Association.AssociationId})
	var nf *ekstypes.ResourceNotFoundException
	if !errors.As(err, &nf) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Fatalf("describe deleted: %v", err)
	}

	// The issuer serves an empty key set before a push, then the keys.
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if st, b := get(issuer + "/keys"); st != http.StatusOK || string(b) != `{"keys":[]}` {
		t.Fatalf("keys before a push: %d %s", st, b)
	}
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	pub, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "kid-1", Algorithm: "RS256", Use: "sig"}}})
	priv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k, KeyID: "kid-1", Algorithm: "RS256", Use: "sig"}}})
	body := func(keys []byte) []byte {
		return []byte(`{"endpoint":"https://10.0.0.1:6443","certificateAuthority":{"data":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1BPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="},"keys":` + string(keys) + `}`)
	}
	if st, code, b := signedEKS(t, r.url, root, http.MethodPut, "/clusters/c1/podiam/binding", body(priv)); st != http.StatusBadRequest || code != "InvalidParameterException" {
		t.Fatalf("a private key pushed: %d %s %s", st, code, b)
	}
	if st, code, b := signedEKS(t, r.url, root, http.MethodPut, "/clusters/c1/podiam/binding", body(pub)); st != http.StatusOK {
		t.Fatalf("push: %d %s %s", st, code, b)
	}
	st, b := get(issuer + "/.well-known/openid-configuration")
	var d struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal(b, &d); st != http.StatusOK || err != nil || d.Issuer != issuer || d.JWKSURI != issuer+"/keys" || len(d.Algs) != 1 {
		t.Fatalf("discovery: %d %s", st, b)
	}
	st, b = get(d.JWKSURI)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); st != http.StatusOK || err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != "kid-1" || !set.Keys[0].IsPublic() {
		t.Fatalf("keys after a push: %d %s", st, b)
	}
	if st, _ := get(r.url + "/id/" + strings.Repeat("0", 32) + "/keys"); st != http.StatusNotFound {
		t.Fatalf("an unknown issuer: %d", st)
	}
	desc, err := e.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("c1")})
	if err != nil || aws.ToString(desc.Cluster.Endpoint) != "https://10.0.0.1:6443" || desc.Cluster.CertificateAuthority.Data == nil {
		t.Fatalf("described after a push: %v %+v", err, desc)
	}

	// Tags by ARN, with their own errors.
	clARN := aws.ToString(desc.Cluster.Arn)
	if _, err := e.TagResource(ctx, &awseks.TagResourceInput{ResourceArn: aws.String(clARN), Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.UntagResource(ctx, &awseks.UntagResourceInput{ResourceArn: aws.String(clARN), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if tags, err := e.ListTagsForResource(ctx, &awseks.ListTagsForResourceInput{ResourceArn: aws.String(clARN)}); err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Fatalf("tags after tag and untag: %v %+v", err, tags)
	}
	_, err = e.ListTagsForResource(ctx, &awseks.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:eks:us-east-1:" + account + ":cluster/nope")})
	var tnf *ekstypes.NotFoundException
	if !errors.As(err, &tnf) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Fatalf("tags of a missing cluster: %v", err)
	}
	_, err = e.TagResource(ctx, &awseks.TagResourceInput{ResourceArn: aws.String(clARN), Tags: map[string]string{"aws:x": "1"}})
	var bad *ekstypes.BadRequestException
	if !errors.As(err, &bad) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Fatalf("a reserved tag key: %v", err)
	}

	// Bad input gets EKS's errors, never a panic or S3's XML.
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{http.MethodPost, "/clusters", `{"name":`, http.StatusBadRequest, "SerializationException"},
		{http.MethodPost, "/clusters", `{"name":"c9"}`, http.StatusBadRequest, "InvalidParameterException"},
		{http.MethodPost, "/clusters", `{"name":"bad name","roleArn":"arn:aws:iam::` + account + `:role/eks","resourcesVpcConfig":{}}`, http.StatusBadRequest, "InvalidParameterException"},
		{http.MethodPost, "/clusters/c1/pod-identity-associations", `{"namespace":1}`, http.StatusBadRequest, "SerializationException"},
		{http.MethodGet, "/clusters?maxResults=0", "", http.StatusBadRequest, "InvalidParameterException"},
		{http.MethodGet, "/clusters/c1/nodegroups", "", http.StatusNotFound, "UnknownOperationException"},
		{http.MethodPatch, "/clusters/c1", "", http.StatusNotFound, "UnknownOperationException"},
		{http.MethodGet, "/clusters/c1/addons/nope", "", http.StatusNotFound, "ResourceNotFoundException"},
	} {
		if st, code, b := signedEKS(t, r.url, root, tc.method, tc.path, []byte(tc.body)); st != tc.status || code != tc.code {
			t.Errorf("%s %s %s: %d %s %s, want %d %s", tc.method, tc.path, tc.body, st, code, b, tc.status, tc.code)
		}
	}

	// Refusals, with the root's successes above as their control.
	im := iamClient(r.url, root)
	_, readOnly := makeUser(t, im, "ro", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:Describe*","Resource":"*"}]}`)
	if st, code, _ := signedEKS(t, r.url, readOnly, http.MethodPut, "/clusters/c1/podiam/binding", body(pub)); st != http.StatusForbidden || code != "AccessDeniedException" {
		t.Fatalf("push without podiam:PutClusterBinding: %d %s", st, code)
	}
	// Pushing keys hands out every identity of the cluster: an EKS
	// administrator's eks:* does not include it; podiam's own action does.
	_, eksAdmin := makeUser(t, im, "eks-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"}]}`)
	if st, code, _ := signedEKS(t, r.url, eksAdmin, http.MethodPut, "/clusters/c1/podiam/binding", body(pub)); st != http.StatusForbidden || code != "AccessDeniedException" {
		t.Fatalf("push with eks:* alone: %d %s", st, code)
	}
	_, binder := makeUser(t, im, "binder", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"podiam:PutClusterBinding","Resource":"arn:aws:eks:*:*:cluster/c1"}]}`)
	if st, code, b := signedEKS(t, r.url, binder, http.MethodPut, "/clusters/c1/podiam/binding", body(pub)); st != http.StatusOK {
		t.Fatalf("push with podiam:PutClusterBinding: %d %s %s", st, code, b)
	}
	eRO := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(readOnly)})
	if _, err := eRO.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("c1")}); err != nil {
		t.Fatalf("the read-only user's describe: %v", err)
	}
	_, err = eRO.DeleteCluster(ctx, &awseks.DeleteClusterInput{Name: aws.String("c1")})
	var denied *ekstypes.AccessDeniedException
	if !errors.As(err, &denied) || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
		t.Fatalf("the read-only user's delete: %v", err)
	}
}

// TestEKSPublicURL: a cluster's issuer is under --public-url when it is
// set, and the hosted documents are found by their path whatever the host
// a request names.
func TestEKSPublicURL(t *testing.T) {
	dir := t.TempDir()
	r := startWith(t, dir, func(c *server.Config) { c.PublicURL = "https://podiam.example:8443/" })
	root := readCredentials(t, dir)
	e := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	c, err := e.CreateCluster(t.Context(), &awseks.CreateClusterInput{Name: aws.String("c1"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}})
	if err != nil {
		t.Fatal(err)
	}
	issuer := aws.ToString(c.Cluster.Identity.Oidc.Issuer)
	id, ok := strings.CutPrefix(issuer, "https://podiam.example:8443/id/")
	if !ok || len(id) != 32 {
		t.Fatalf("issuer %s", issuer)
	}
	resp, err := http.Get(r.url + "/id/" + id + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"issuer":"`+issuer+`"`) {
		t.Fatalf("discovery: %d %s", resp.StatusCode, b)
	}
	// A signed request for that path goes to the API it is signed for
	// (EKS, which has no such operation), not to the issuer.
	if st, code, _ := signedEKS(t, r.url, root, http.MethodGet, "/id/"+id+"/keys", nil); st != http.StatusNotFound || code != "UnknownOperationException" {
		t.Fatalf("a signed GET of the keys path answered %d %s", st, code)
	}
}
