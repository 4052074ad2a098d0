package e2e

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"
	corev1 "k8s.io/api/core/v1"

	"github.com/podiam/podiam/internal/agent/agenttest"
	"github.com/podiam/podiam/internal/cli/agentcmd"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/kube"
	"github.com/podiam/podiam/internal/kubetest"
	"github.com/podiam/podiam/internal/webhook"
)

// podsTrust is the trust policy of the EKS Pod Identity guide.
const podsTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

// TestPodIdentity walks EKS Pod Identity end to end on real parts, inside
// a network namespace with 169.254.170.23 on its loopback: a kube-apiserver
// (and a second one whose keys rotate), podiam's server, its webhook
// mutating pods, `podiam agent` on 169.254.170.23:80, and the four SDKs
// each run with exactly the environment the webhook gave the pod. The EKS
// walk is the AWS CLI's; each refusal comes with the agent's status and
// text (eks-auth's code inside it) beside a request that passes.
func TestPodIdentity(t *testing.T) {
	kubetest.Bins(t)
	if !agenttest.InNetNS(t) {
		return
	}
	// The cluster whose keys rotate starts meanwhile; it stops, once
	// started, however the test ends.
	var rot struct {
		c   *kubetest.Cluster
		err error
	}
	rotDir, rotStarted := t.TempDir(), make(chan struct{})
	go func() {
		defer close(rotStarted)
		rot.c, rot.err = kubetest.Start(t, rotDir)
	}()
	t.Cleanup(func() {
		<-rotStarted
		if rot.c != nil {
			rot.c.Stop()
		}
	})
	e := newEnv(t)
	ctx := t.Context()
	s := aws.String
	admin := newCLI(t, e.url, e.root)
	account := admin.json("sts", "get-caller-identity")["Account"].(string)
	roleARN := func(n string) string { return "arn:aws:iam::" + account + ":role/" + n }

	// IAM: the role of the guides (its trust for pods.eks.amazonaws.com),
	// the cluster's role, and the node's identity.
	admin.json("iam", "create-role", "--role-name", "app", "--assume-role-policy-document", podsTrust)
	admin.ok("iam", "put-role-policy", "--role-name", "app", "--policy-name", "list", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::pi-data"}]}`)
	im := e.iam()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("eks-cluster"),
		AssumeRolePolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	node := e.user(t, "node", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"arn:aws:eks:us-east-1:`+account+`:cluster/*"}]}`)
	bare := e.user(t, "bare-node", "")

	// The bucket: the role lists it; its policy gives each namespace's
	// sessions the objects under the namespace's prefix.
	s3c := e.s3root()
	must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: s("pi-data")}))
	for _, k := range []string{"pi-a/x", "pi-b/y"} {
		must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: s("pi-data"), Key: s(k), Body: strings.NewReader(k)}))
	}
	must(s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: s("pi-data"), Policy: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"` + roleARN("app") + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pi-data/${aws:PrincipalTag/kubernetes-namespace}/*"}]}`)}))

	// The EKS walk with the AWS CLI: the cluster, its binding (pushed by a
	// signed request, as the in-cluster component does), the agent add-on
	// and the association.
	cl := admin.json("eks", "create-cluster", "--name", "main", "--role-arn", roleARN("eks-cluster"),
		"--resources-vpc-config", "subnetIds=subnet-0123456789abcdef0")["cluster"].(map[string]any)
	if cl["status"] != "CREATING" || cl["arn"] != "arn:aws:eks:us-east-1:"+account+":cluster/main" {
		t.Fatalf("create-cluster: %v", cl)
	}
	bindCluster(t, e.url, e.root, "main", e.cluster)
	addon := admin.json("eks", "create-addon", "--cluster-name", "main", "--addon-name", "eks-pod-identity-agent")["addon"].(map[string]any)
	if addon["status"] != "ACTIVE" || addon["addonName"] != "eks-pod-identity-agent" {
		t.Fatalf("create-addon: %v", addon)
	}
	a := admin.json("eks", "create-pod-identity-association", "--cluster-name", "main", "--namespace", "pi-a",
		"--service-account", "app", "--role-arn", roleARN("app"))["association"].(map[string]any)
	id, _ := a["associationId"].(string)
	if !regexp.MustCompile(`^a-[a-z0-9]{17}$`).MatchString(id) || a["associationArn"] != "arn:aws:eks:us-east-1:"+account+":podidentityassociation/main/"+id ||
		a["clusterName"] != "main" || a["namespace"] != "pi-a" || a["serviceAccount"] != "app" || a["roleArn"] != roleARN("app") ||
		a["disableSessionTags"] != false || a["createdAt"] == nil || a["modifiedAt"] == nil {
		t.Fatalf("create-pod-identity-association: %v", a)
	}
	list := admin.json("eks", "list-pod-identity-associations", "--cluster-name", "main")["associations"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["associationId"] != id || list[0].(map[string]any)["namespace"] != "pi-a" {
		t.Fatalf("list-pod-identity-associations: %v", list)
	}
	if d := admin.json("eks", "describe-pod-identity-association", "--cluster-name", "main", "--association-id", id)["association"].(map[string]any); d["roleArn"] != roleARN("app") {
		t.Fatalf("describe-pod-identity-association: %v", d)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		d := admin.json("eks", "describe-cluster", "--name", "main")["cluster"].(map[string]any)
		if d["status"] == "ACTIVE" {
			if d["endpoint"] != e.cluster.URL || d["certificateAuthority"].(map[string]any)["data"] != base64.StdEncoding.EncodeToString(e.cluster.CAPEM) ||
				d["identity"].(map[string]any)["oidc"].(map[string]any)["issuer"] != e.cluster.Issuer {
				t.Fatalf("describe-cluster after the binding: %v", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ACTIVE: %v", d)
		}
	}

	// The rest of the associations, with the SDK.
	ek := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: s(e.url), RetryMaxAttempts: 1, Credentials: staticProvider(e.root)})
	associate := func(cluster, ns, sa, role string, f func(*awseks.CreatePodIdentityAssociationInput)) {
		t.Helper()
		in := &awseks.CreatePodIdentityAssociationInput{ClusterName: s(cluster), Namespace: s(ns), ServiceAccount: s(sa), RoleArn: s(role)}
		if f != nil {
			f(in)
		}
		must(ek.CreatePodIdentityAssociation(ctx, in))
	}
	associate("main", "pi-b", "app", roleARN("app"), nil)
	// A trust that admits the sessions of one namespace.
	must(im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("gated"), AssumeRolePolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"pi-a"}}}]}`)}))
	associate("main", "pi-a", "gated", roleARN("gated"), nil)
	associate("main", "pi-b", "gated", roleARN("gated"), nil)
	// A trust without sts:TagSession: refused with session tags, taken
	// without them.
	must(im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("notag"), AssumeRolePolicyDocument: s(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	associate("main", "pi-a", "notag", roleARN("notag"), nil)
	associate("main", "pi-b", "notag", roleARN("notag"), func(in *awseks.CreatePodIdentityAssociationInput) { in.DisableSessionTags = aws.Bool(true) })
	member := crossAccountTarget(t, e, account)
	associate("main", "pi-a", "cross", roleARN("first"), func(in *awseks.CreatePodIdentityAssociationInput) {
		in.TargetRoleArn = s("arn:aws:iam::" + member + ":role/target")
	})

	// The webhook, the namespaces and their ServiceAccounts (none has a
	// role-arn annotation: Pod Identity needs none), the agents.
	startPodIdentityWebhook(t, e, webhook.Config{Region: "us-east-1", EndpointURL: e.url}, "main", e.url, e.root, time.Minute)
	sel := "podiam-pi-" + shortName(t)
	for _, ns := range []string{"pi-a", "pi-b"} {
		e.namespace(t, ns, sel)
		for _, sa := range []string{"app", "gated", "notag", "cross", "none"} {
			e.account(t, ns, sa, "")
		}
	}
	startAgent(t, node, "--cluster-name", "main", "--endpoint", e.url, "--region", "us-east-1")
	startAgent(t, bare, "--cluster-name", "main", "--endpoint", e.url, "--region", "us-east-1", "-b", agentHost, "-p", "82", "--probe-port", "0")
	if st, body := httpGet(t, "http://localhost:2703/readyz", ""); st != 200 {
		t.Fatalf("agent /readyz: %d %s", st, body)
	}

	// A pod of pi-a/app is mutated; the four SDKs, each with exactly its
	// environment and its token, list the bucket through the agent.
	pod := createPod(t, e, "pi-a", "app-0", "app")
	if pi, irsa := checkPodIdentity(t, pod); !pi || irsa {
		t.Fatalf("pod app-0: Pod Identity %v, IRSA %v: %+v", pi, irsa, pod.Spec)
	}
	c := pod.Spec.Containers[0]
	if envValue(c, "AWS_ENDPOINT_URL") != e.url || envValue(c, "AWS_REGION") != "us-east-1" || envValue(c, "AWS_DEFAULT_REGION") != "us-east-1" {
		t.Fatalf("pod app-0's environment: %+v", c.Env)
	}
	token := podToken(t, e.kube, pod, "")
	sdkWalk(t, podEnv(t, c, token), "eks-main-app-0", roleARN("app"))

	// The IPv6 listener answers the same token from the same cache: the
	// credentials the SDKs got, without another eks-auth call.
	v4c := agentCredentials(t, 80, token)
	if st, body := httpGet(t, "http://[fd00:ec2::23]/v1/credentials", token); st != 200 || !strings.Contains(body, `"AccessKeyId":"`+v4c.AccessKeyID+`"`) {
		t.Errorf("the agent on [fd00:ec2::23]: %d %s, want the credentials of 169.254.170.23 (%s)", st, body, v4c.AccessKeyID)
	}

	// Four SDKs, the IPv4 and IPv6 listeners: one eks-auth call, well
	// inside the agent's one-second budget.
	if n, slow := eksAuthCalls(t); n != 1 || slow != 0 {
		t.Errorf("the agent called eks-auth %d times (%d over 500 ms) for one pod's token, want once", n, slow)
	}

	// The session's tags: each namespace reads its prefix only.
	podB := createPod(t, e, "pi-b", "app-0", "app")
	for _, tt := range []struct {
		pod      corev1.Pod
		own, not string
	}{{pod, "pi-a/x", "pi-b/y"}, {podB, "pi-b/y", "pi-a/x"}} {
		s3p := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: s(e.url), UsePathStyle: true, RetryMaxAttempts: 1,
			Credentials: staticProvider(agentCredentials(t, 80, podToken(t, e.kube, tt.pod, "")))})
		if _, err := s3p.GetObject(ctx, &s3.GetObjectInput{Bucket: s("pi-data"), Key: s(tt.own)}); err != nil {
			t.Errorf("%s reads %s: %v", tt.pod.Namespace, tt.own, err)
		}
		if _, err := s3p.GetObject(ctx, &s3.GetObjectInput{Bucket: s("pi-data"), Key: s(tt.not)}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("%s reads %s: %v, want AccessDenied", tt.pod.Namespace, tt.not, err)
		}
	}

	// The trust on aws:RequestTag/kubernetes-namespace.
	wantCredentials(t, e.url, 80, podToken(t, e.kube, createPod(t, e, "pi-a", "gated-0", "gated"), ""), "gated")
	wantRefusal(t, 80, podToken(t, e.kube, createPod(t, e, "pi-b", "gated-0", "gated"), ""), 400, "AccessDeniedException", regexp.QuoteMeta(msgUnauthorized))

	// A trust without sts:TagSession.
	wantRefusal(t, 80, podToken(t, e.kube, createPod(t, e, "pi-a", "notag-0", "notag"), ""), 400, "AccessDeniedException", regexp.QuoteMeta(msgUnauthorized))
	wantCredentials(t, e.url, 80, podToken(t, e.kube, createPod(t, e, "pi-b", "notag-0", "notag"), ""), "notag")

	// The target role in the member account, and its bucket (which the
	// first role's own sessions cannot list).
	cross := agentCredentials(t, 80, podToken(t, e.kube, createPod(t, e, "pi-a", "cross-0", "cross"), ""))
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(e.url), RetryMaxAttempts: 1, Credentials: staticProvider(cross)})
	if id, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || *id.Account != member ||
		!strings.HasPrefix(*id.Arn, "arn:aws:sts::"+member+":assumed-role/target/eks-main-cross-0-") {
		t.Fatalf("the target role's session: %v %v", id, err)
	}
	for _, tt := range []struct {
		creds aws.Credentials
		ok    bool
	}{{cross, true}, {agentCredentials(t, 80, token), false}} {
		s3p := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: s(e.url), UsePathStyle: true, RetryMaxAttempts: 1, Credentials: staticProvider(tt.creds)})
		_, err := s3p.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: s("member-data")})
		if (err == nil) != tt.ok {
			t.Errorf("list member-data as %s: %v", tt.creds.AccessKeyID, err)
		}
	}

	// Refusals, each beside the pod's token that passes (app-0's, above).
	noneTok := podToken(t, e.kube, createPod(t, e, "pi-a", "none-0", "none"), webhook.DefaultPodIdentityAudience)
	wantRefusal(t, 80, noneTok, 404, "ResourceNotFoundException",
		regexp.QuoteMeta("No Pod Identity Association found for service account none in namespace pi-a of cluster main."))
	wantRefusal(t, 80, podToken(t, e.kube, pod, "sts.amazonaws.com"), 400, "InvalidTokenException",
		regexp.QuoteMeta("The token's audience does not include pods.eks.amazonaws.com"))
	wantRefusal(t, 82, token, 400, "AccessDeniedException", regexp.QuoteMeta("User: arn:aws:iam::"+account+":user/bare-node is not authorized to perform: "+
		"eks-auth:AssumeRoleForPodIdentity on resource: arn:aws:eks:us-east-1:"+account+":cluster/main because no identity-based policy allows the eks-auth:AssumeRoleForPodIdentity action"))
	wantCredentials(t, e.url, 80, token, "app")
	// An expired token, signed with the API server's key in the shape of
	// the pod's own; the same claims unexpired pass.
	fresh := resignWith(t, e.cluster, token, time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	wantCredentials(t, e.url, 80, fresh, "app")
	expired := resignWith(t, e.cluster, token, time.Now().Add(-2*time.Hour), time.Now().Add(-time.Minute))
	if st, body := agentGet(t, 80, expired); st != 400 || body != "Service account token failed basic claim validations: token is expired" {
		t.Errorf("expired token: agent %d %q", st, body)
	}
	if st, code, body := eksAuthCall(t, e.url, node, "main", expired); st != 400 || code != "ExpiredTokenException" ||
		!regexp.MustCompile(`^\{"message":"The token included in the request is expired: current date/time \S+ must be before the expiration date/time \S+\."\}`).MatchString(body) {
		t.Errorf("expired token: eks-auth %d %s %s", st, code, body)
	}

	// The rotating cluster: another cluster's token is refused, and a new
	// signing key works once its keys are pushed.
	<-rotStarted
	if rot.err != nil {
		t.Fatalf("start the second cluster: %v", rot.err)
	}
	rotation(t, e, rot.c, ek, node, roleARN("eks-cluster"), roleARN("app"), token)
}

// msgUnauthorized is EKS Auth's text for a role it cannot assume.
const msgUnauthorized = "Unauthorized Exception! EKS does not have permissions to assume the associated role."

// agentHost is where EKS's agent, and podiam's, listens.
const agentHost = "169.254.170.23"

// rotation runs the second cluster as cluster "rot" with its own agent
// (refusals kept 1 s): its token works there and not in cluster main; after
// RotateServiceAccountKey a token signed with the new key is refused until
// the new keys are pushed, then accepted by eks-auth at once and by the
// agent within its refusal TTL.
func rotation(t *testing.T, e *env, rc *kubetest.Cluster, ek *awseks.Client, node aws.Credentials, clusterRole, role, mainToken string) {
	ctx := t.Context()
	s := aws.String
	if _, err := ek.CreateCluster(ctx, &awseks.CreateClusterInput{Name: s("rot"), RoleArn: s(clusterRole),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}}); err != nil {
		t.Fatal(err)
	}
	bindCluster(t, e.url, e.root, "rot", rc)
	if _, err := ek.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: s("rot"),
		Namespace: s("rot"), ServiceAccount: s("app"), RoleArn: s(role)}); err != nil {
		t.Fatal(err)
	}
	kc := newKube(t, rc)
	re := &env{cluster: rc, kube: kc}
	re.namespace(t, "rot", "none")
	re.account(t, "rot", "app", "")
	var pod corev1.Pod
	if err := do(ctx, kc, "POST", "/api/v1/namespaces/rot/pods", podFor("app-0", "app"), &pod); err != nil {
		t.Fatal(err)
	}
	startAgent(t, node, "--cluster-name", "rot", "--endpoint", e.url, "--region", "us-east-1", "-b", agentHost, "-p", "81", "--probe-port", "0", "--refusal-ttl", "1s")

	old := podToken(t, kc, pod, webhook.DefaultPodIdentityAudience)
	wantCredentials(t, e.url, 81, old, "app")
	signature := func(cluster string) string {
		return regexp.QuoteMeta("The token's signature does not verify with the keys of cluster " + cluster)
	}
	wantRefusal(t, 80, old, 400, "InvalidTokenException", signature("main"))
	wantRefusal(t, 81, mainToken, 400, "InvalidTokenException", signature("rot"))

	if err := rc.RotateServiceAccountKey(); err != nil {
		t.Fatal(err)
	}
	kc = newKube(t, rc)
	rotated := podToken(t, kc, pod, webhook.DefaultPodIdentityAudience)
	wantRefusal(t, 81, rotated, 400, "InvalidTokenException", signature("rot"))
	bindCluster(t, e.url, e.root, "rot", rc)
	pushed := time.Now()
	if st, code, body := eksAuthCall(t, e.url, node, "rot", rotated); st != 200 {
		t.Fatalf("eks-auth right after the push: %d %s %s", st, code, body)
	}
	for {
		st, body := agentGet(t, 81, rotated)
		if st == 200 {
			break
		}
		if time.Since(pushed) > 3*time.Second {
			t.Fatalf("the agent still refuses the rotated token %v after the push (refusal TTL 1 s): %d %s", time.Since(pushed), st, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The old key still verifies (both are in the JWKS).
	wantCredentials(t, e.url, 81, old, "app")
}

// crossAccountTarget makes a member account (Organizations CreateAccount)
// with the role "target" trusting the role "first" of account, and a
// bucket "member-data" target may list; first may assume target. It
// returns the member's account id.
func crossAccountTarget(t *testing.T, e *env, account string) string {
	ctx := t.Context()
	s := aws.String
	org := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: s(e.url), RetryMaxAttempts: 1, Credentials: staticProvider(e.root)})
	ca, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("member@example.com"), AccountName: s("member")})
	if err != nil {
		t.Fatal(err)
	}
	member := *ca.CreateAccountStatus.AccountId
	// An administrator of the management account enters the member's
	// access role.
	adminKey := e.user(t, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	in, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(e.url), RetryMaxAttempts: 1, Credentials: staticProvider(adminKey)}).
		AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("setup")})
	if err != nil {
		t.Fatal(err)
	}
	mc := staticProvider(aws.Credentials{AccessKeyID: *in.Credentials.AccessKeyId, SecretAccessKey: *in.Credentials.SecretAccessKey, SessionToken: *in.Credentials.SessionToken})
	memberIAM := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: s(e.url), RetryMaxAttempts: 1, Credentials: mc})
	first := "arn:aws:iam::" + account + ":role/first"
	steps := []func() error{
		func() error {
			_, err := e.iam().CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("first"), AssumeRolePolicyDocument: s(podsTrust)})
			return err
		},
		func() error {
			_, err := e.iam().PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s("first"), PolicyName: s("hop"), PolicyDocument: s(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::` + member + `:role/target"}]}`)})
			return err
		},
		func() error {
			_, err := memberIAM.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("target"), AssumeRolePolicyDocument: s(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["sts:AssumeRole","sts:TagSession"],` +
					`"Condition":{"ArnEquals":{"aws:PrincipalARN":"` + first + `"},"StringEquals":{"aws:RequestTag/eks-cluster-name":"main"}}}]}`)})
			return err
		},
		func() error {
			_, err := memberIAM.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s("target"), PolicyName: s("list"), PolicyDocument: s(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::member-data"}]}`)})
			return err
		},
		func() error {
			_, err := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: s(e.url), UsePathStyle: true, RetryMaxAttempts: 1, Credentials: mc}).
				CreateBucket(ctx, &s3.CreateBucketInput{Bucket: s("member-data")})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return member
}

// user makes an IAM user with the inline policy (none when "") and
// returns its access key.
func (e *env) user(t testing.TB, name, policy string) aws.Credentials {
	t.Helper()
	ctx := t.Context()
	im := e.iam()
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
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
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

func staticProvider(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}

// cli runs the AWS CLI v1 with a fixed environment, each invocation with
// a HOME of its own (the CLI caches credentials there).
type cli struct {
	t   *testing.T
	env []string
}

// newCLI is the CLI as a user with keys, pointed at podiam.
func newCLI(t *testing.T, url string, c aws.Credentials) cli {
	needClient(t, "aws")
	return cli{t: t, env: []string{"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_ENDPOINT_URL=" + url,
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey}}
}

func (c cli) run(args ...string) ([]byte, error) {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), "aws", args...)
	cmd.Env = append([]string{"HOME=" + c.t.TempDir(), "PATH=" + os.Getenv("PATH")}, c.env...)
	return cmd.CombinedOutput()
}

// ok runs a command that must succeed.
func (c cli) ok(args ...string) {
	c.t.Helper()
	if out, err := c.run(args...); err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (c cli) json(args ...string) map[string]any {
	c.t.Helper()
	out, err := c.run(append(args, "--output", "json")...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		c.t.Fatalf("aws %s printed %q", strings.Join(args, " "), out)
	}
	return v
}

// needClient skips without the program, or fails when
// PODIAM_REQUIRE_CLIENTS is set.
func needClient(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
			t.Fatalf("%s is not on PATH, and PODIAM_REQUIRE_CLIENTS is set", name)
		}
		t.Skipf("%s is not on PATH", name)
	}
}

// bindCluster pushes the kube cluster's binding to podiam's cluster
// name, as `podiam cluster bind` does: its endpoint, its CA, its issuer
// and the keys it serves at /openid/v1/jwks, in a PUT signed for eks.
func bindCluster(t testing.TB, url string, creds aws.Credentials, name string, c *kubetest.Cluster) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.URL+"/openid/v1/jwks", nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /openid/v1/jwks: %d %s", resp.StatusCode, jwks)
	}
	body, _ := json.Marshal(map[string]any{"endpoint": c.URL, "certificateAuthority": map[string]string{"data": base64.StdEncoding.EncodeToString(c.CAPEM)},
		"issuer": c.Issuer, "keys": json.RawMessage(jwks)})
	st, code, out := signed(t, url, creds, "eks", http.MethodPut, "/clusters/"+name+"/podiam/binding", body)
	if st != 200 {
		t.Fatalf("PUT /clusters/%s/podiam/binding: %d %s %s", name, st, code, out)
	}
}

// eksAuthCall calls AssumeRoleForPodIdentity as an agent does.
func eksAuthCall(t *testing.T, url string, creds aws.Credentials, cluster, token string) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token})
	return signed(t, url, creds, "eks-auth", http.MethodPost, "/clusters/"+cluster+"/assume-role-for-pod-identity", body)
}

// signed sends a JSON body signed with aws-sdk-go-v2's v4 signer for
// service and returns the status, the error code and the body.
func signed(t testing.TB, url string, creds aws.Credentials, service, method, path string, body []byte) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), string(b)
}

// startAgent runs `podiam agent server args` with node's keys in its
// default chain until the test ends, and waits for its listener.
func startAgent(t *testing.T, node aws.Credentials, args ...string) {
	t.Helper()
	clearAWSEnv(t)
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": node.AccessKeyID, "AWS_SECRET_ACCESS_KEY": node.SecretAccessKey,
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	port := "80"
	for i, a := range args {
		if a == "-p" {
			port = args[i+1]
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var errb syncWriter
	go func() {
		done <- agentcmd.Run(ctx, command.Env{Stdout: io.Discard, Stderr: &errb, Getenv: os.Getenv}, append([]string{"server"}, args...))
	}()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if conn, err := net.Dial("tcp", net.JoinHostPort(agentHost, port)); err == nil {
			conn.Close()
			return
		}
		select {
		case err := <-done:
			t.Fatalf("podiam agent server %v: %v\n%s", args, err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("podiam agent server %v is not listening:\n%s", args, errb.String())
		}
	}
}

// clearAWSEnv removes this machine's AWS settings for the rest of the
// test.
func clearAWSEnv(t testing.TB) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

// podToken is the token the kubelet writes for pod's Pod Identity volume:
// from the TokenRequest API, bound to the pod, for the volume's audience
// and lifetime (audience overrides the volume's when not "").
func podToken(t *testing.T, kc *kube.Client, pod corev1.Pod, audience string) string {
	t.Helper()
	seconds := int64(86400)
	for _, v := range pod.Spec.Volumes {
		if v.Name == webhook.DefaultPodIdentityVolumeName {
			p := v.Projected.Sources[0].ServiceAccountToken
			seconds = *p.ExpirationSeconds
			if audience == "" {
				audience = p.Audience
			}
		}
	}
	if audience == "" {
		t.Fatalf("pod %s/%s has no Pod Identity volume", pod.Namespace, pod.Name)
	}
	req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{
		"audiences": []string{audience}, "expirationSeconds": seconds,
		"boundObjectRef": map[string]any{"apiVersion": "v1", "kind": "Pod", "name": pod.Name, "uid": string(pod.UID)}}}
	var tr struct{ Status struct{ Token string } }
	if err := do(t.Context(), kc, "POST", "/api/v1/namespaces/"+pod.Namespace+"/serviceaccounts/"+pod.Spec.ServiceAccountName+"/token", req, &tr); err != nil || tr.Status.Token == "" {
		t.Fatalf("TokenRequest for pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return tr.Status.Token
}

// resignWith re-signs token's claims with the cluster's service-account key
// (sa.key in its directory), under the same header, with iat and nbf
// at issued and exp at expires.
func resignWith(t *testing.T, c *kubetest.Cluster, token string, issued, expires time.Time) string {
	t.Helper()
	parts := strings.Split(token, ".")
	hdr, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	var h struct{ Alg, Kid string }
	claims := map[string]any{}
	if err := json.Unmarshal(hdr, &h); err1 != nil || err2 != nil || err != nil || json.Unmarshal(payload, &claims) != nil {
		t.Fatalf("token %q does not decode", token)
	}
	claims["iat"], claims["nbf"], claims["exp"] = issued.Unix(), issued.Unix(), expires.Unix()
	keyPEM, err := os.ReadFile(filepath.Join(c.Dir, "sa.key"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS1PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(h.Alg), Key: jose.JSONWebKey{Key: (*rsa.PrivateKey)(key), KeyID: h.Kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(claims)
	jws, err := sig.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// agentGet calls the agent on agentHost:port as an SDK does.
func agentGet(t *testing.T, port int, token string) (int, string) {
	t.Helper()
	url := "http://" + agentHost + "/v1/credentials"
	if port != 80 {
		url = "http://" + net.JoinHostPort(agentHost, strconv.Itoa(port)) + "/v1/credentials"
	}
	return httpGet(t, url, token)
}

func httpGet(t *testing.T, url, authorization string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSuffix(string(b), "\n")
}

// eksAuthCalls reads the main agent's metrics: its eks-auth calls so
// far, and how many of them took longer than 500 ms.
func eksAuthCalls(t *testing.T) (calls, slow int) {
	t.Helper()
	st, body := httpGet(t, "http://localhost:2703/metrics", "")
	if st != 200 {
		t.Fatalf("agent /metrics: %d", st)
	}
	for _, line := range strings.Split(body, "\n") {
		name, value, _ := strings.Cut(line, " ")
		n, _ := strconv.Atoi(value)
		switch {
		case strings.HasPrefix(name, "pod_identity_eks_auth_request_duration_seconds_count{"):
			calls += n
		case strings.HasPrefix(name, "pod_identity_eks_auth_request_duration_seconds_bucket{") && strings.Contains(name, `le="0.5"`):
			slow -= n
		}
	}
	return calls, slow + calls
}

// agentCredentials gets a pod's credentials from the agent.
func agentCredentials(t *testing.T, port int, token string) aws.Credentials {
	t.Helper()
	st, body := agentGet(t, port, token)
	var c struct{ AccessKeyId, SecretAccessKey, Token, AccountId, Expiration string }
	if err := json.Unmarshal([]byte(body), &c); st != 200 || err != nil || c.AccessKeyId == "" || !strings.HasSuffix(c.Expiration, "Z") {
		t.Fatalf("agent on port %d: %d %s", port, st, body)
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token, AccountID: c.AccountId}
}

// wantCredentials checks that the agent gives token a session of role,
// as STS at url tells.
func wantCredentials(t *testing.T, url string, port int, token, role string) {
	t.Helper()
	c := agentCredentials(t, port, token)
	id, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: staticProvider(c)}).
		GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || !strings.Contains(*id.Arn, ":assumed-role/"+role+"/eks-") {
		t.Errorf("agent on port %d: the session %v, want one of role %s (%v)", port, id, role, err)
	}
}

// wantRefusal checks the agent's refusal of token: the status and the
// text `[<request id>]: (<code>): <message>, fault: client`.
func wantRefusal(t *testing.T, port int, token string, status int, code, message string) {
	t.Helper()
	st, body := agentGet(t, port, token)
	re := regexp.MustCompile(`^\[[0-9A-Za-z-]+\]: \(` + code + `\): ` + message + `, fault: client$`)
	t.Logf("agent on port %d: %d %s", port, st, body)
	if st != status || !re.MatchString(body) {
		t.Errorf("agent on port %d: %d %q, want %d (%s): %s", port, st, body, status, code, message)
	}
}

type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// podEnv is the environment of a container of the pod: the variables
// the webhook injected, the token file moved under a temporary root and
// holding token, a HOME of its own and no AWS configuration files.
func podEnv(t *testing.T, c corev1.Container, token string) map[string]string {
	t.Helper()
	root := t.TempDir()
	env := map[string]string{"HOME": root, "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull}
	for _, v := range c.Env {
		env[v.Name] = v.Value
	}
	file := filepath.Join(root, env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"])
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = file
	return env
}

// sdkWalk runs aws-sdk-go-v2, boto3, the AWS CLI v1 and the JavaScript
// SDK v3 with exactly env: each gets credentials through the agent and
// lists pi-data; the CLI's get-caller-identity shows the session EKS
// names.
func sdkWalk(t *testing.T, env map[string]string, session, role string) {
	want := []string{"pi-a/x", "pi-b/y"}
	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		clearAWSEnv(t)
		for k, v := range env {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("pi-data")})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		if fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Fatalf("keys %v", keys)
		}
	})
	run := func(t *testing.T, dir, name string, args ...string) string {
		t.Helper()
		needClient(t, name)
		cmd := exec.CommandContext(t.Context(), name, args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr // the JavaScript SDK warns of the Node.js version there
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.Bytes())
		}
		return strings.TrimSpace(string(out))
	}
	t.Run("boto3", func(t *testing.T) {
		out := run(t, "", "python3", "-c", `import boto3, json
s = boto3.Session()
keys = [o["Key"] for o in s.client("s3").list_objects_v2(Bucket="pi-data")["Contents"]]
print(json.dumps({"method": s.get_credentials().method, "keys": keys}))`)
		var got struct {
			Method string
			Keys   []string
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.Method != "container-role" || fmt.Sprint(got.Keys) != fmt.Sprint(want) {
			t.Fatalf("%s (%v)", out, err)
		}
	})
	t.Run("aws-cli-v1", func(t *testing.T) {
		out := run(t, "", "aws", "s3api", "list-objects-v2", "--bucket", "pi-data", "--query", "Contents[].Key", "--output", "text")
		if strings.Join(strings.Fields(out), " ") != strings.Join(want, " ") {
			t.Fatalf("list-objects-v2: %q", out)
		}
		arn := run(t, "", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
		if !regexp.MustCompile(`^arn:aws:sts::\d{12}:assumed-role/` + regexp.QuoteMeta(role[strings.LastIndex(role, "/")+1:]) + `/` + session + `-[0-9a-f-]{36}$`).MatchString(arn) {
			t.Fatalf("get-caller-identity: %q", arn)
		}
	})
	t.Run("javascript-v3", func(t *testing.T) {
		js := os.Getenv("PODIAM_JSCLIENT")
		if js == "" {
			if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
				t.Fatal("PODIAM_JSCLIENT is not set, and PODIAM_REQUIRE_CLIENTS is")
			}
			t.Skip("PODIAM_JSCLIENT is not set")
		}
		out := run(t, js, "node", "--input-type=module", "-e", `import { S3Client, ListObjectsV2Command } from "@aws-sdk/client-s3";
const s3 = new S3Client({ forcePathStyle: true });
const out = await s3.send(new ListObjectsV2Command({ Bucket: "pi-data" }));
console.log(JSON.stringify((out.Contents ?? []).map((o) => o.Key)));`)
		var keys []string
		if err := json.Unmarshal([]byte(out), &keys); err != nil || fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Fatalf("%s (%v)", out, err)
		}
	})
}
