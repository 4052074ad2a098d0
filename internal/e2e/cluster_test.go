package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/cli/clustercmd"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/cli/irsacmd"
	"github.com/podiam/podiam/internal/kubetest"
	"github.com/podiam/podiam/internal/server"
)

// podiamHost is the name podiam's public URL has in these tests,
// https://podiamHost with no port (IAM takes no port in a provider URL):
// a TLS proxy in front of the server, as an ingress would be.
const podiamHost = "podiam.podiam.test"

// hosted is a podiam server whose public URL is https://podiamHost.
type hosted struct {
	url    string // the server itself, plain HTTP on loopback
	root   aws.Credentials
	public *http.Client // reaches https://podiamHost
}

// startHosted runs podiam's server behind a TLS proxy that answers as
// https://podiamHost, its --public-url; the server fetches its own hosted
// issuers through the proxy, trusting the proxy's certificate.
func startHosted(t *testing.T) *hosted {
	t.Helper()
	certPEM, keyPEM := selfSigned(t, podiamHost)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "proxy-ca.crt")
	if err := os.WriteFile(bundle, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	var backend url.URL // set once the server listens
	proxy := httptest.NewUnstartedServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(&backend)
		r.Out.Host = r.In.Host
	}})
	proxy.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	proxy.StartTLS()
	t.Cleanup(proxy.Close)
	proxyAddr := proxy.Listener.Addr().String()
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == podiamHost+":443" {
			addr = proxyAddr
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: data, Stdout: io.Discard, PublicURL: "https://" + podiamHost,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnListen: func(a string) { addr <- a },
			OIDCCABundle: bundle, OIDCDialContext: dial})
	}()
	h := &hosted{}
	select {
	case a := <-addr:
		h.url = "http://" + a
		backend = url.URL{Scheme: "http", Host: a}
	case err := <-done:
		t.Fatalf("server: %v", err)
	}
	t.Cleanup(func() { cancel(); <-done })
	prof, err := config.LoadSharedConfigProfile(t.Context(), "default", func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles, o.ConfigFiles = []string{filepath.Join(data, "credentials")}, []string{}
	})
	if err != nil {
		t.Fatal(err)
	}
	h.root = prof.Credentials
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	h.public = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return h
}

// selfSigned makes a self-signed serving certificate for host.
func selfSigned(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// awsEnv points the commands' AWS configuration at podiam as root, and
// at nothing else of the machine's.
func awsEnv(t *testing.T, endpoint string, root aws.Credentials) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": root.AccessKeyID, "AWS_SECRET_ACCESS_KEY": root.SecretAccessKey,
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}
}

func eksClient(endpoint string, root aws.Credentials) *awseks.Client {
	return awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return root, nil })})
}

// createCluster creates an EKS cluster in podiam and returns its issuer.
func createCluster(t *testing.T, e *awseks.Client, name string) string {
	t.Helper()
	c, err := e.CreateCluster(t.Context(), &awseks.CreateClusterInput{Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(c.Cluster.Identity.Oidc.Issuer)
}

// runCluster runs "podiam cluster args" and returns its output.
func runCluster(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := clustercmd.Run(t.Context(), command.Env{Stdout: &out, Stderr: io.Discard, Getenv: os.Getenv}, args)
	return out.String(), err
}

// TestClusterHostedIssuer: a real API server signing for the issuer
// podiam hosts for its EKS cluster, bound with `podiam cluster bind`; IRSA
// through the hosted issuer (podiam irsa associate-oidc-provider and
// create-service-account, AssumeRoleWithWebIdentity with a token of the
// API server's); a token of a key podiam was not given refused; then key
// rotation followed by `podiam cluster sync`, with the time it takes.
func TestClusterHostedIssuer(t *testing.T) {
	kubetest.Bins(t)
	h := startHosted(t)
	awsEnv(t, h.url, h.root)
	ctx := t.Context()
	issuer := createCluster(t, eksClient(h.url, h.root), "hosted")
	if !strings.HasPrefix(issuer, "https://"+podiamHost+"/id/") {
		t.Fatalf("hosted issuer %s", issuer)
	}
	c, err := kubetest.StartWith(t, t.TempDir(), kubetest.Options{Issuer: issuer, JWKSURI: issuer + "/keys"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	e := &env{cluster: c, kube: newKube(t, c), url: h.url, root: h.root}

	// The API server points relying parties at podiam's keys.
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := do(ctx, e.kube, "GET", "/.well-known/openid-configuration", nil, &disc); err != nil || disc.Issuer != issuer || disc.JWKSURI != issuer+"/keys" {
		t.Fatalf("the API server's discovery: %+v, %v", disc, err)
	}
	hostedKeys := func() string {
		t.Helper()
		resp, err := h.public.Get(issuer + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if keys := hostedKeys(); keys != `{"keys":[]}` {
		t.Fatalf("keys before the bind: %s", keys)
	}

	out, err := runCluster(t, "bind", "--name", "hosted", "--kubeconfig", c.Kubeconfig)
	if err != nil {
		t.Fatalf("bind: %v\n%s", err, out)
	}
	e.namespace(t, "hosted", "none")
	e.account(t, "hosted", "app", "")
	kid := tokenKid(t, stsToken(t, e.kube, "hosted", "app"))
	for _, want := range []string{"bound EKS cluster hosted (arn:aws:eks:us-east-1:", "issuer: " + issuer + "\n", "keys: " + kid + "\n", "the API server signs for the hosted issuer"} {
		if !strings.Contains(out, want) {
			t.Fatalf("bind printed\n%s\nwithout %q", out, want)
		}
	}
	if keys := hostedKeys(); !strings.Contains(keys, `"kid":"`+kid+`"`) || strings.Contains(keys, `"d":`) {
		t.Fatalf("hosted keys after the bind: %s", keys)
	}
	d, err := eksClient(h.url, h.root).DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("hosted")})
	if err != nil || aws.ToString(d.Cluster.Endpoint) != c.URL || aws.ToString(d.Cluster.CertificateAuthority.Data) != base64.StdEncoding.EncodeToString(c.CAPEM) {
		t.Fatalf("describe-cluster after the bind: %+v, %v", d, err)
	}

	// IRSA through the hosted issuer, with podiam's own commands.
	irsa := func(args ...string) {
		t.Helper()
		var out bytes.Buffer
		if err := irsacmd.Run(ctx, command.Env{Stdout: &out, Stderr: io.Discard, Getenv: os.Getenv}, args); err != nil {
			t.Fatalf("podiam irsa %v: %v\n%s", args, err, out.String())
		}
	}
	irsa("associate-oidc-provider", "--kubeconfig", c.Kubeconfig)
	irsa("create-service-account", "--kubeconfig", c.Kubeconfig, "--namespace", "hosted", "--name", "app", "--role-name", "hosted-app")
	s := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(h.url), RetryMaxAttempts: 1})
	roleARN := aws.String("arn:aws:iam::" + accountOf(t, h) + ":role/hosted-app")
	assume := func(token string) error {
		out, err := s.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: roleARN,
			RoleSessionName: aws.String("hosted"), WebIdentityToken: aws.String(token)})
		if err == nil && aws.ToString(out.SubjectFromWebIdentityToken) != "system:serviceaccount:hosted:app" {
			return errors.New("subject " + aws.ToString(out.SubjectFromWebIdentityToken))
		}
		return err
	}
	oldToken := stsToken(t, e.kube, "hosted", "app")
	if err := assume(oldToken); err != nil {
		t.Fatalf("the API server's token through the hosted issuer: %v", err)
	}
	// The same claims signed with a key podiam was not given (another
	// cluster's) are refused.
	if err := assume(resign(t, oldToken)); err == nil || !strings.Contains(err.Error(), "InvalidIdentityToken") {
		t.Fatalf("a token of another key: %v", err)
	}

	// Rotation, with sync stopped: the new key's token is refused until
	// sync pushes it; the old key's is still accepted.
	syncCtx, stopSync := context.WithCancel(ctx)
	synced := make(chan error, 1)
	go func() {
		synced <- clustercmd.Sync(syncCtx, clustercmd.Config{Name: "hosted", Kubeconfig: c.Kubeconfig, Getenv: os.Getenv}, time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	stopSync()
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	if err := c.RotateServiceAccountKey(); err != nil {
		t.Fatal(err)
	}
	newToken := stsToken(t, e.kube, "hosted", "app")
	if tokenKid(t, newToken) == kid {
		t.Fatal("the rotated key signs with the old kid")
	}
	if err := assume(newToken); err == nil || !strings.Contains(err.Error(), "InvalidIdentityToken") {
		t.Fatalf("the new key's token before the push: %v", err)
	}
	if err := assume(oldToken); err != nil {
		t.Fatalf("the old key's token after the rotation: %v", err)
	}
	const interval = 2 * time.Second
	sync := func() {
		syncCtx, stopSync := context.WithCancel(context.Background())
		synced := make(chan error, 1)
		go func() {
			synced <- clustercmd.Sync(syncCtx, clustercmd.Config{Name: "hosted", Kubeconfig: c.Kubeconfig, Getenv: os.Getenv}, interval, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()
		t.Cleanup(func() { stopSync(); <-synced })
	}
	start := time.Now()
	sync()
	accepted := waitFor(t, 45*time.Second, func() bool { return assume(newToken) == nil })
	t.Logf("the new key's token accepted %v after sync started (the push at start, then the verifier's refetch of unknown kids, at most every 30 s)", accepted.Sub(start).Round(time.Millisecond))

	// A second rotation with sync running: the key reaches podiam within
	// the interval and one push.
	if err := c.RotateServiceAccountKey(); err != nil {
		t.Fatal(err)
	}
	rotated := time.Now()
	third := stsToken(t, e.kube, "hosted", "app")
	pushed := waitFor(t, 30*time.Second, func() bool { return strings.Contains(hostedKeys(), `"kid":"`+tokenKid(t, third)+`"`) })
	if took := pushed.Sub(rotated); took > interval+3*time.Second {
		t.Fatalf("the rotated key reached podiam %v after the rotation, over the interval %v and a push", took, interval)
	} else {
		t.Logf("the rotated key reached podiam's hosted issuer %v after the API server served it (interval %v)", took.Round(time.Millisecond), interval)
	}
	accepted = waitFor(t, 45*time.Second, func() bool { return assume(third) == nil })
	t.Logf("and its token was accepted by STS %v after the rotation", accepted.Sub(rotated).Round(time.Millisecond))
}

// waitFor polls ok every 200 ms until it holds, and returns when it did.
func waitFor(t *testing.T, limit time.Duration, ok func() bool) time.Time {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(200 * time.Millisecond) {
		if ok() {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", limit)
		}
	}
}

func accountOf(t testing.TB, h *hosted) string {
	t.Helper()
	s := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(h.url), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return h.root, nil })})
	id, err := s.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(id.Account)
}

// resign signs token's claims, as they are, with a new RSA key under a
// new kid: a token of a key its issuer never published.
func resign(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "another-cluster"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestClusterBindExternal: a cluster with its own reachable issuer is
// registered as it is (--external-issuer), and describe-cluster shows it;
// bad input gets a plain error, each beside a run that succeeds.
func TestClusterBindExternal(t *testing.T) {
	e := newEnv(t)
	awsEnv(t, e.url, e.root)
	ctx := t.Context()
	eks := eksClient(e.url, e.root)
	hostedIssuer := createCluster(t, eks, "external")
	kc := e.cluster.Kubeconfig

	// A cluster podiam does not have.
	if _, err := runCluster(t, "bind", "--name", "missing", "--kubeconfig", kc, "--external-issuer"); err == nil ||
		!strings.Contains(err.Error(), `no EKS cluster "missing" in podiam: create it first`) || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("a cluster podiam does not have: %v", err)
	}
	// A context the kubeconfig does not have.
	if _, err := runCluster(t, "bind", "--name", "external", "--kubeconfig", kc, "--context", "nope"); err == nil || !strings.Contains(err.Error(), "context was not found for specified context: nope") {
		t.Fatalf("a context the kubeconfig does not have: %v", err)
	}
	// A user the API server does not let read its keys (the admin,
	// impersonating a user with no role).
	noAccess := filepath.Join(t.TempDir(), "kubeconfig")
	os.WriteFile(noAccess, []byte(`clusters:
- {name: test, cluster: {server: "`+e.cluster.URL+`", certificate-authority-data: `+base64.StdEncoding.EncodeToString(e.cluster.CAPEM)+`}}
contexts:
- {name: test, context: {cluster: test, user: nobody}}
current-context: test
users:
- {name: nobody, user: {token: "`+e.cluster.Token+`", as: "nobody@podiam.test"}}
`), 0o600)
	if _, err := runCluster(t, "bind", "--name", "external", "--kubeconfig", noAccess); err == nil ||
		!strings.Contains(err.Error(), "GET /openid/v1/jwks") || !strings.Contains(err.Error(), "system:service-account-issuer-discovery") {
		t.Fatalf("a user without access to the keys: %v", err)
	}
	if d, err := eks.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("external")}); err != nil || d.Cluster.Endpoint != nil {
		t.Fatalf("the refused binds recorded something: %+v, %v", d, err)
	}

	out, err := runCluster(t, "bind", "--name", "external", "--kubeconfig", kc, "--context", "test", "--external-issuer")
	if err != nil || !strings.Contains(out, "issuer: "+e.cluster.Issuer+"\n") || !strings.Contains(out, "keeps its own issuer") {
		t.Fatalf("bind --external-issuer: %v\n%s", err, out)
	}
	d, err := eks.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("external")})
	if err != nil || aws.ToString(d.Cluster.Identity.Oidc.Issuer) != e.cluster.Issuer || aws.ToString(d.Cluster.Endpoint) != e.cluster.URL {
		t.Fatalf("describe-cluster: %+v, %v", d, err)
	}
	// The hosted issuer serves the pushed keys all the same.
	e.namespace(t, "external", "none")
	e.account(t, "external", "app", "")
	kid := tokenKid(t, stsToken(t, e.kube, "external", "app"))
	resp, err := http.Get(e.url + strings.TrimPrefix(hostedIssuer, e.url) + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"kid":"`+kid+`"`) {
		t.Fatalf("hosted keys %s, want kid %s", b, kid)
	}
	// Bound again without --external-issuer, it is back on the hosted one.
	if out, err := runCluster(t, "bind", "--name", "external", "--kubeconfig", kc); err != nil || !strings.Contains(out, "issuer: "+hostedIssuer+"\n") ||
		!strings.Contains(out, "--service-account-issuer="+hostedIssuer+"\n") || !strings.Contains(out, "--service-account-jwks-uri="+hostedIssuer+"/keys\n") {
		t.Fatalf("bind without --external-issuer: %v\n%s", err, out)
	}
}
