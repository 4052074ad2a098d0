package e2e

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podiam/podiam/internal/cli/webhookcmd"
	"github.com/podiam/podiam/internal/kube"
	"github.com/podiam/podiam/internal/kubetest"
	"github.com/podiam/podiam/internal/server"
	"github.com/podiam/podiam/internal/webhook"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

// env is one test's world: a cluster, podiam's server and webhook, and
// an admin client for each.
type env struct {
	cluster *kubetest.Cluster
	kube    *kube.Client
	url     string // podiam's endpoint
	root    aws.Credentials
}

// startServer runs podiam's server trusting the cluster's issuer,
// reached through the API server.
func startServer(t testing.TB, c *kubetest.Cluster) (string, aws.Credentials) {
	return startServerDialing(t, c, c.DialContext)
}

// startServerDialing is startServer with the issuer reached by dial.
func startServerDialing(t testing.TB, c *kubetest.Cluster, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (string, aws.Credentials) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: dir, Stdout: io.Discard,
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})), OnListen: func(a string) { addr <- a },
			OIDCCABundle: filepath.Join(c.Dir, "ca.crt"), OIDCDialContext: dial})
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case err := <-done:
		t.Fatalf("server: %v", err)
	}
	t.Cleanup(func() { cancel(); <-done })
	// The root key, read from the credentials file the server wrote, by
	// the SDK's own reader of shared credentials files.
	prof, err := config.LoadSharedConfigProfile(t.Context(), "default", func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles, o.ConfigFiles = []string{filepath.Join(dir, "credentials")}, []string{}
	})
	if err != nil {
		t.Fatal(err)
	}
	return url, prof.Credentials
}

// startWebhook runs podiam's webhook and registers it with the API
// server, waiting until a dry-run pod comes back mutated. It returns the
// webhook's URL.
func startWebhook(t testing.TB, e *env, cfg webhook.Config) string {
	t.Helper()
	url := "https://" + runTLS(t, e.cluster, "podiam-webhook", nil, func(ctx context.Context, crt, key string, onListen func(string)) error {
		return webhookcmd.Serve(ctx, webhookcmd.ServeConfig{Listen: "127.0.0.1:0", Kubeconfig: e.cluster.Kubeconfig,
			TLSCert: crt, TLSKey: key, Webhook: cfg.WithDefaults(), OnListen: onListen}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}) + "/mutate"
	name := "podiam-irsa-" + strings.ToLower(t.Name())
	registerWebhook(t, e, name, url)
	e.namespace(t, "probe-"+shortName(t), name)
	e.account(t, "probe-"+shortName(t), "probe", "arn:aws:iam::111122223333:role/probe")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var p corev1.Pod
		err := do(t.Context(), e.kube, "POST", "/api/v1/namespaces/probe-"+shortName(t)+"/pods?dryRun=All", podFor("probe", "probe"), &p)
		if err == nil && envValue(p.Spec.Containers[0], "AWS_ROLE_ARN") != "" {
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook is not called: %v", err)
		}
	}
}

// runTLS writes a certificate for name (and dnsNames) from the cluster's
// CA, starts run with its files until the test ends, and returns the
// address run reports listening on.
func runTLS(t testing.TB, c *kubetest.Cluster, name string, dnsNames []string, run func(ctx context.Context, crt, key string, onListen func(string)) error) string {
	t.Helper()
	crtPEM, keyPEM, err := c.CertFor(name, dnsNames...)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := errors.Join(os.WriteFile(crt, crtPEM, 0o600), os.WriteFile(key, keyPEM, 0o600)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, crt, key, func(a string) { addr <- a }) }()
	select {
	case a := <-addr:
		t.Cleanup(func() { cancel(); <-done })
		return a
	case err := <-done:
		cancel()
		t.Fatal(err)
		return ""
	}
}

// registerWebhook registers the webhook at url for pod creation in the
// namespaces labelled podiam-test=name; the webhook (and the API
// server's metrics of it) is named name.test.podiam.dev.
func registerWebhook(t testing.TB, e *env, name, url string) {
	t.Helper()
	fail, none := "Fail", "None"
	mwc := map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
		"metadata": map[string]any{"name": name},
		"webhooks": []map[string]any{{
			"name":                    name + ".test.podiam.dev",
			"clientConfig":            map[string]any{"url": url, "caBundle": e.cluster.CAPEM},
			"rules":                   []map[string]any{{"operations": []string{"CREATE"}, "apiGroups": []string{""}, "apiVersions": []string{"v1"}, "resources": []string{"pods"}}},
			"failurePolicy":           fail,
			"sideEffects":             none,
			"admissionReviewVersions": []string{"v1", "v1beta1"},
			"objectSelector":          map[string]any{"matchExpressions": []map[string]any{{"key": webhook.SkipLabel, "operator": "DoesNotExist"}}},
			"namespaceSelector":       map[string]any{"matchLabels": map[string]string{"podiam-test": name}},
		}},
	}
	if err := do(t.Context(), e.kube, "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", mwc, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		do(context.Background(), e.kube, "DELETE", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/"+name, nil, nil)
	})
}

func shortName(t testing.TB) string {
	s := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-"))
	return strings.Trim(s[:min(len(s), 40)], "-")
}

func (e *env) namespace(t testing.TB, name, selector string) {
	t.Helper()
	ns := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"podiam-test": selector}}}
	put(t, e.kube, "/api/v1/namespaces", name, ns)
}

func (e *env) account(t testing.TB, ns, name, role string) {
	t.Helper()
	sa := corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	if role != "" {
		sa.Annotations = map[string]string{"eks.amazonaws.com/role-arn": role}
	}
	put(t, e.kube, "/api/v1/namespaces/"+ns+"/serviceaccounts", name, sa)
}

// put creates the object in collection, or replaces the one of that name
// that another test or an earlier run (go test -count) left in the shared
// cluster.
func put(t testing.TB, kc *kube.Client, collection, name string, obj any) {
	t.Helper()
	err := do(t.Context(), kc, "POST", collection, obj, nil)
	if apierrors.IsAlreadyExists(err) {
		err = do(t.Context(), kc, "PUT", collection+"/"+name, obj, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// do sends one request through client-go's REST client: obj (nil for
// none) as the JSON body, the answer decoded into out (nil to discard).
// path may carry a query.
func do(ctx context.Context, kc *kube.Client, verb, path string, obj, out any) error {
	path, query, _ := strings.Cut(path, "?")
	req := kc.REST.Verb(verb).AbsPath(path)
	params, err := url.ParseQuery(query)
	if err != nil {
		return err
	}
	for k, vs := range params {
		for _, v := range vs {
			req.Param(k, v)
		}
	}
	if obj != nil {
		b, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		req.Body(b)
	}
	b, err := req.DoRaw(ctx)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// stsToken gets a token of namespace/sa for the audience sts.amazonaws.com
// through the TokenRequest API.
func stsToken(t testing.TB, kc *kube.Client, namespace, sa string) string {
	t.Helper()
	var tr struct{ Status struct{ Token string } }
	req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{"audiences": []string{"sts.amazonaws.com"}}}
	if err := do(t.Context(), kc, "POST", "/api/v1/namespaces/"+namespace+"/serviceaccounts/"+sa+"/token", req, &tr); err != nil || tr.Status.Token == "" {
		t.Fatalf("TokenRequest for %s/%s: %v", namespace, sa, err)
	}
	return tr.Status.Token
}

func podFor(name, sa string) corev1.Pod {
	return corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{ServiceAccountName: sa, Containers: []corev1.Container{{Name: "app", Image: "public.ecr.aws/aws-cli/aws-cli"}}}}
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func newKube(t testing.TB, c *kubetest.Cluster) *kube.Client {
	t.Helper()
	kc, err := kube.New(kube.Config{Kubeconfig: c.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

func newEnv(t testing.TB) *env {
	t.Helper()
	c := kubetest.Shared(t)
	kc := newKube(t, c)
	e := &env{cluster: c, kube: kc}
	e.url, e.root = startServer(t, c)
	// The issuer's discovery document and keys, readable anonymously,
	// as podiam's STS fetches them.
	crb := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "podiam-oidc-discovery"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:service-account-issuer-discovery"},
		"subjects": []map[string]any{{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}}}
	put(t, kc, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "podiam-oidc-discovery", crb)
	return e
}

func (e *env) iam() *awsiam.Client {
	return awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return e.root, nil })})
}

func (e *env) s3root() *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return e.root, nil })})
}

// caThumbprint is the SHA-1 of the cluster CA's certificate, as
// eksctl registers it.
func caThumbprint(c *kubetest.Cluster) string {
	b, _ := pem.Decode(c.CAPEM)
	sum := sha1.Sum(b.Bytes)
	return hex.EncodeToString(sum[:])
}

// TestIRSAEndToEnd walks the EKS guide on a real API server: the issuer
// registered in IAM, a role trusting one ServiceAccount, the webhook
// mutating its pod, a token from the TokenRequest API, and the AWS SDK
// run with exactly the pod's environment listing a bucket; a pod of
// another ServiceAccount naming the same role is refused.
func TestIRSAEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	startWebhook(t, e, webhook.Config{EndpointURL: e.url, Region: "us-east-1"})
	ns := "irsa-" + shortName(t)
	e.namespace(t, ns, "podiam-irsa-"+strings.ToLower(t.Name()))

	// IAM: the provider (issuer without scheme, audience, CA thumbprint),
	// the role with the trust policy of the EKS guide, and its policy.
	im := e.iam()
	issuer := strings.TrimPrefix(e.cluster.Issuer, "https://")
	prov, err := im.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(e.cluster.Issuer),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{caThumbprint(e.cluster)}})
	if err != nil {
		t.Fatal(err)
	}
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity",`+
		`"Condition":{"StringEquals":{"%s:aud":"sts.amazonaws.com","%s:sub":"system:serviceaccount:%s:app"}}}]}`,
		aws.ToString(prov.OpenIDConnectProviderArn), issuer, issuer, ns)
	role, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := aws.ToString(role.Role.Arn)
	if _, err := im.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::irsa-data","arn:aws:s3:::irsa-data/*"]}]}`)}); err != nil {
		t.Fatal(err)
	}
	s3c := e.s3root()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("irsa-data")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("irsa-data"), Key: aws.String("hello.txt"), Body: strings.NewReader("hi")}); err != nil {
		t.Fatal(err)
	}

	// Kubernetes: two ServiceAccounts naming the role, one pod each.
	e.account(t, ns, "app", roleARN)
	e.account(t, ns, "other", roleARN)
	run := func(sa string) error {
		var pod corev1.Pod
		if err := do(ctx, e.kube, "POST", "/api/v1/namespaces/"+ns+"/pods", podFor(sa+"-pod", sa), &pod); err != nil {
			t.Fatal(err)
		}
		c := pod.Spec.Containers[0]
		if envValue(c, "AWS_ROLE_ARN") != roleARN || envValue(c, "AWS_WEB_IDENTITY_TOKEN_FILE") != webhook.DefaultMountPath+"/token" ||
			envValue(c, "AWS_ENDPOINT_URL") != e.url || envValue(c, "AWS_REGION") != "us-east-1" {
			t.Fatalf("pod %s not mutated: %+v", pod.Name, c.Env)
		}
		var tok *corev1.ServiceAccountTokenProjection
		for _, v := range pod.Spec.Volumes {
			if v.Name == webhook.VolumeName {
				tok = v.Projected.Sources[0].ServiceAccountToken
			}
		}
		if tok == nil || tok.Audience != "sts.amazonaws.com" || *tok.ExpirationSeconds != 86400 {
			t.Fatalf("pod %s: token volume %+v", pod.Name, pod.Spec.Volumes)
		}
		// What the kubelet would do: a token for the pod's account with
		// the volume's audience and lifetime, bound to the pod, written
		// where the pod's environment says.
		req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{
			"audiences": []string{tok.Audience}, "expirationSeconds": *tok.ExpirationSeconds,
			"boundObjectRef": map[string]any{"apiVersion": "v1", "kind": "Pod", "name": pod.Name, "uid": string(pod.UID)}}}
		var tr struct {
			Status struct{ Token string }
		}
		if err := do(ctx, e.kube, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts/"+sa+"/token", req, &tr); err != nil || tr.Status.Token == "" {
			t.Fatalf("TokenRequest: %v", err)
		}
		root := t.TempDir()
		tokenFile := filepath.Join(root, envValue(c, "AWS_WEB_IDENTITY_TOKEN_FILE"))
		os.MkdirAll(filepath.Dir(tokenFile), 0o700)
		if err := os.WriteFile(tokenFile, []byte(tr.Status.Token), 0o600); err != nil {
			t.Fatal(err)
		}
		// The SDK with exactly the pod's environment, the token file
		// moved under a temporary root, and nothing of this machine's AWS
		// set-up.
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
		}
		t.Setenv("AWS_CONFIG_FILE", os.DevNull)
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
		for _, v := range c.Env {
			t.Setenv(v.Name, v.Value)
		}
		t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("irsa-data")})
		if err == nil && (len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "hello.txt") {
			t.Fatalf("listing %+v", out.Contents)
		}
		return err
	}
	if err := run("app"); err != nil {
		t.Fatalf("the pod of the trusted ServiceAccount: %v", err)
	}
	if err := run("other"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("the pod of another ServiceAccount: %v, want AccessDenied", err)
	}
}

// TestServiceAccountRace: a pod created in the same instant as its
// ServiceAccount, before the webhook's watch can have delivered it, is
// still mutated.
func TestServiceAccountRace(t *testing.T) {
	e := newEnv(t)
	startWebhook(t, e, webhook.Config{})
	ns := "race-" + shortName(t)
	e.namespace(t, ns, "podiam-irsa-"+strings.ToLower(t.Name()))
	for i := range 5 {
		sa := fmt.Sprintf("fresh-%d", i)
		e.account(t, ns, sa, "arn:aws:iam::111122223333:role/fresh")
		var pod corev1.Pod
		if err := do(t.Context(), e.kube, "POST", "/api/v1/namespaces/"+ns+"/pods", podFor(sa, sa), &pod); err != nil {
			t.Fatal(err)
		}
		if envValue(pod.Spec.Containers[0], "AWS_ROLE_ARN") != "arn:aws:iam::111122223333:role/fresh" {
			t.Fatalf("pod %d created right after its ServiceAccount was not mutated: %+v", i, pod.Spec.Containers[0].Env)
		}
	}
	// A pod with the skip label is left alone.
	p := podFor("skipped", "fresh-0")
	p.Labels = map[string]string{webhook.SkipLabel: "true"}
	var pod corev1.Pod
	if err := do(t.Context(), e.kube, "POST", "/api/v1/namespaces/"+ns+"/pods", p, &pod); err != nil {
		t.Fatal(err)
	}
	if len(pod.Spec.Containers[0].Env) != 0 {
		t.Fatalf("a pod with the skip label was mutated: %+v", pod.Spec.Containers[0].Env)
	}
}
