package kubetest

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
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// IssuerHost names the service-account issuer, https://IssuerHost with
// no port as IAM requires of provider URLs. Nothing resolves it:
// DialContext reaches the API server under that name.
const IssuerHost = "kubernetes.podiam.test"

// Cluster is a running control plane.
type Cluster struct {
	Dir        string // certificates, kubeconfig, logs
	URL        string // https://127.0.0.1:port
	Issuer     string // the service-account issuer, https://IssuerHost unless Options.Issuer
	Kubeconfig string // an admin kubeconfig (bearer token)
	CAPEM      []byte // the CA of the API server's certificate (and of CertFor)
	Token      string // the admin bearer token

	ca      *x509.Certificate
	caKey   *ecdsa.PrivateKey
	procs   []*exec.Cmd
	names   []string
	logs    []*syncBuffer
	api     int      // the API server's index in procs
	apiArgs []string // and its arguments
	saKeys  int      // service-account signing keys made so far
}

// Bins returns the directory of the binaries, or skips (fails when
// PODIAM_REQUIRE_K8S is set) without them.
func Bins(tb testing.TB) string {
	dir := os.Getenv("PODIAM_K8S_BINS")
	if dir == "" {
		if os.Getenv("PODIAM_REQUIRE_K8S") != "" {
			tb.Fatal("PODIAM_K8S_BINS is unset and PODIAM_REQUIRE_K8S is set: run tools/k8s/build.sh")
		}
		tb.Skip("no Kubernetes binaries: set PODIAM_K8S_BINS=$(tools/k8s/build.sh)")
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			tb.Fatalf("PODIAM_K8S_BINS: %v", err)
		}
	}
	return dir
}

// Kubectl returns the path of kubectl among the binaries, or skips (fails
// when PODIAM_REQUIRE_K8S is set) without it: a cache built before
// kubectl was added lacks it until tools/k8s/build.sh runs again.
func Kubectl(tb testing.TB) string {
	tb.Helper()
	p := filepath.Join(Bins(tb), "kubectl")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("PODIAM_REQUIRE_K8S") != "" {
			tb.Fatalf("PODIAM_K8S_BINS has no kubectl and PODIAM_REQUIRE_K8S is set: run tools/k8s/build.sh (%v)", err)
		}
		tb.Skipf("no kubectl in PODIAM_K8S_BINS: run tools/k8s/build.sh again (%v)", err)
	}
	return p
}

// Options change how Start runs the API server.
type Options struct {
	// ExtraAudiences are added to the API server's --api-audiences.
	ExtraAudiences []string
	// Issuer is the API server's --service-account-issuer; "" is
	// https://IssuerHost.
	Issuer string
	// JWKSURI is its --service-account-jwks-uri, the jwks_uri of the
	// discovery document it serves; "" is Issuer + "/openid/v1/jwks".
	JWKSURI string
	// Webhooks, when set, is called once the cluster's files are written
	// and before the API server starts (URL, Kubeconfig, CAPEM and
	// CertFor are ready; nothing answers at URL yet): it starts the
	// authentication and authorization webhooks the API server will
	// call, whose addresses must be known first, and names their
	// configuration.
	Webhooks func(c *Cluster) (Webhooks, error)
	// APIServerArgs are more of the API server's flags, each
	// "--name=value": one replaces the flag of the same name that Start
	// sets (--authorization-mode=Node,Webhook,RBAC), the others are
	// added (--authentication-token-webhook-config-file=...).
	APIServerArgs []string
}

// Webhooks configure the API server's token authentication and
// authorization webhooks. The files are kubeconfigs naming the webhook's
// URL and CA, as `podiam authenticator init` writes them. Both are asked
// in version v1.
type Webhooks struct {
	// Authentication is --authentication-token-webhook-config-file; ""
	// adds no token webhook.
	Authentication string
	// AuthenticationCacheTTL is --authentication-token-webhook-cache-ttl;
	// 0 keeps the API server's default (2m).
	AuthenticationCacheTTL time.Duration
	// Authorization is --authorization-webhook-config-file; "" adds no
	// authorization webhook.
	Authorization string
	// AuthorizationCacheTTL sets both
	// --authorization-webhook-cache-authorized-ttl and
	// -unauthorized-ttl; 0 keeps the defaults (5m and 30s).
	AuthorizationCacheTTL time.Duration
	// AuthorizationMode is --authorization-mode; "" is Node,Webhook,RBAC
	// with an authorization webhook and RBAC without.
	AuthorizationMode string
}

// args are the API server's flags for w.
func (w Webhooks) args() []string {
	var args []string
	mode := w.AuthorizationMode
	if mode == "" && w.Authorization != "" {
		mode = "Node,Webhook,RBAC"
	}
	if mode != "" {
		args = append(args, "--authorization-mode="+mode)
	}
	if w.Authentication != "" {
		args = append(args, "--authentication-token-webhook-config-file="+w.Authentication,
			"--authentication-token-webhook-version=v1")
		if w.AuthenticationCacheTTL > 0 {
			args = append(args, "--authentication-token-webhook-cache-ttl="+w.AuthenticationCacheTTL.String())
		}
	}
	if w.Authorization != "" {
		args = append(args, "--authorization-webhook-config-file="+w.Authorization,
			"--authorization-webhook-version=v1")
		if w.AuthorizationCacheTTL > 0 {
			ttl := w.AuthorizationCacheTTL.String()
			args = append(args, "--authorization-webhook-cache-authorized-ttl="+ttl,
				"--authorization-webhook-cache-unauthorized-ttl="+ttl)
		}
	}
	return args
}

// Start runs a control plane in dir until Stop. extraAudiences are
// added to the API server's --api-audiences.
func Start(tb testing.TB, dir string, extraAudiences ...string) (*Cluster, error) {
	return StartWith(tb, dir, Options{ExtraAudiences: extraAudiences})
}

// StartWith runs a control plane in dir until Stop, with opts.
func StartWith(tb testing.TB, dir string, opts Options) (*Cluster, error) {
	bins := Bins(tb)
	c := &Cluster{Dir: dir, Token: "podiam-test-admin-token"}
	if err := c.makeCA(); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]
	c.URL = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	c.Issuer = "https://" + IssuerHost
	if opts.Issuer != "" {
		c.Issuer = opts.Issuer
	}
	jwksURI := c.Issuer + "/openid/v1/jwks"
	if opts.JWKSURI != "" {
		jwksURI = opts.JWKSURI
	}
	if err := c.writeFiles(); err != nil {
		return nil, err
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPeer)
	if err := c.run(filepath.Join(bins, "etcd"), "--name", "default", "--data-dir", p("etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL, "--unsafe-no-fsync", "--log-level", "warn"); err != nil {
		return nil, err
	}
	audiences := c.Issuer + ",sts.amazonaws.com,pods.eks.amazonaws.com"
	for _, a := range opts.ExtraAudiences {
		audiences += "," + a
	}
	c.apiArgs = []string{"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + p("apiserver-certs"), "--tls-cert-file=" + p("apiserver.crt"), "--tls-private-key-file=" + p("apiserver.key"),
		"--client-ca-file=" + p("ca.crt"), "--token-auth-file=" + p("tokens.csv"), "--authorization-mode=RBAC",
		"--service-account-issuer=" + c.Issuer, "--service-account-jwks-uri=" + jwksURI,
		"--service-account-key-file=" + p("sa.pub"),
		"--service-account-signing-key-file=" + p("sa.key"), "--service-cluster-ip-range=10.0.0.0/24",
		"--endpoint-reconciler-type=none", "--api-audiences=" + audiences}
	hooks, err := c.webhooks(opts)
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("start the webhooks: %w", err)
	}
	// Each replaces the flag of its name (--authorization-mode), or is added.
	c.apiArgs = withArgs(c.apiArgs, append(hooks.args(), opts.APIServerArgs...))
	c.api = len(c.procs)
	if err := c.run(filepath.Join(bins, "kube-apiserver"), c.apiArgs...); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.waitReady(60 * time.Second); err != nil {
		c.Stop()
		return nil, fmt.Errorf("%w\n%s", err, c.Logs())
	}
	if err := c.run(filepath.Join(bins, "kube-controller-manager"), "--kubeconfig="+c.Kubeconfig,
		"--controllers=serviceaccount-token-controller,serviceaccount-controller,namespace-controller,root-ca-certificate-publisher-controller,garbage-collector-controller",
		"--root-ca-file="+p("ca.crt"), "--service-account-private-key-file="+p("sa.key"),
		"--leader-elect=false", "--secure-port=0", "--use-service-account-credentials=false"); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// webhooks calls opts.Webhooks, stopping etcd if it ends the test
// (t.Fatal or t.Skip) instead of returning.
func (c *Cluster) webhooks(opts Options) (Webhooks, error) {
	if opts.Webhooks == nil {
		return Webhooks{}, nil
	}
	returned := false
	defer func() {
		if !returned {
			c.Stop()
		}
	}()
	w, err := opts.Webhooks(c)
	returned = true
	return w, err
}

// withArgs returns args with each of extra ("--name=value") replacing
// the argument of the same name, or added.
func withArgs(args, extra []string) []string {
	args = append([]string(nil), args...)
	for _, e := range extra {
		name, _, _ := strings.Cut(e, "=")
		i := slices.IndexFunc(args, func(a string) bool { n, _, _ := strings.Cut(a, "="); return n == name })
		if i >= 0 {
			args[i] = e
		} else {
			args = append(args, e)
		}
	}
	return args
}

// Stop ends the processes, newest first, and waits for them.
func (c *Cluster) Stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i]
		p.Process.Kill()
		p.Wait()
	}
	c.procs = nil
}

// Logs returns what the processes wrote, for a failing test.
func (c *Cluster) Logs() string {
	var b bytes.Buffer
	for i, l := range c.logs {
		l.mu.Lock()
		fmt.Fprintf(&b, "--- %s\n%s\n", c.names[i], tail(l.String(), 4000))
		l.mu.Unlock()
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (c *Cluster) run(bin string, args ...string) error {
	cmd, buf, err := start(bin, args)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, cmd)
	c.names = append(c.names, filepath.Base(bin))
	c.logs = append(c.logs, buf)
	return nil
}

func start(bin string, args []string) (*exec.Cmd, *syncBuffer, error) {
	cmd := exec.Command(bin, args...)
	// The processes die with the test binary, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	buf := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	return cmd, buf, nil
}

// RotateServiceAccountKey does what an operator does to rotate the
// service-account signing key: a new key signs, the old one still
// verifies (both public keys in --service-account-key-file, so both are
// in the issuer's JWKS), and the API server restarts with them. It
// returns when the API server is ready again. Not for the shared cluster,
// whose other tests would see the restart.
func (c *Cluster) RotateServiceAccountKey() error {
	c.saKeys++
	key, pub, err := newSAKey()
	if err != nil {
		return err
	}
	keyFile := filepath.Join(c.Dir, fmt.Sprintf("sa-%d.key", c.saKeys))
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "sa.pub"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(pub)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for i, a := range c.apiArgs {
		if strings.HasPrefix(a, "--service-account-signing-key-file=") {
			c.apiArgs[i] = "--service-account-signing-key-file=" + keyFile
		}
	}
	old := c.procs[c.api]
	old.Process.Kill()
	old.Wait()
	cmd, buf, err := start(old.Path, c.apiArgs)
	if err != nil {
		return err
	}
	c.procs[c.api], c.logs[c.api] = cmd, buf
	if err := c.waitReady(60 * time.Second); err != nil {
		return fmt.Errorf("%w\n%s", err, c.Logs())
	}
	return nil
}

// DialContext connects IssuerHost:443 to the API server and every other
// address as usual: for clients that fetch the issuer's discovery.
func (c *Cluster) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr == IssuerHost+":443" {
		addr = strings.TrimPrefix(c.URL, "https://")
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// HTTPClient trusts the cluster's CA.
func (c *Cluster) HTTPClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAPEM)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func (c *Cluster) waitReady(limit time.Duration) error {
	hc := c.HTTPClient()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", c.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the API server was not ready within %v", limit)
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (c *Cluster) makeCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "podiam-test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	c.ca, _ = x509.ParseCertificate(der)
	c.caKey = key
	c.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return nil
}

// CertFor issues a serving certificate for 127.0.0.1, localhost and
// dnsNames signed by the cluster's CA, as PEM certificate and key.
func (c *Cluster) CertFor(name string, dnsNames ...string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: append([]string{"localhost"}, dnsNames...)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.ca, &key.PublicKey, c.caKey)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}

// ClientKubeconfig writes a kubeconfig for user in groups, who presents a
// client certificate of the cluster's CA (the API server's
// --client-ca-file), and returns its path: a user the API server
// authenticates by itself, beside users of a token webhook.
func (c *Cluster) ClientKubeconfig(user string, groups ...string) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: user, Organization: groups},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.ca, &key.PublicKey, c.caKey)
	if err != nil {
		return "", err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	b64 := func(typ string, der []byte) string {
		return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: test
  context: {cluster: test, user: %q}
current-context: test
users:
- name: %q
  user:
    client-certificate-data: %s
    client-key-data: %s
`, c.URL, base64.StdEncoding.EncodeToString(c.CAPEM), user, user, b64("CERTIFICATE", der), b64("EC PRIVATE KEY", kder))
	f, err := os.CreateTemp(c.Dir, "client-*.kubeconfig")
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(kubeconfig)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// newSAKey makes a service-account signing key: the private key and the
// public key, as PEM.
func newSAKey() (key, pub []byte, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

func (c *Cluster) writeFiles() error {
	p := func(n string) string { return filepath.Join(c.Dir, n) }
	crt, key, err := c.CertFor("kube-apiserver", IssuerHost)
	if err != nil {
		return err
	}
	saKey, saPub, err := newSAKey()
	if err != nil {
		return err
	}
	c.Kubeconfig = p("kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: ca.crt
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
users:
- name: admin
  user: {token: %s}
`, c.URL, c.Token)
	files := map[string][]byte{
		"ca.crt":        c.CAPEM,
		"apiserver.crt": crt,
		"apiserver.key": key,
		"sa.key":        saKey,
		"sa.pub":        saPub,
		"tokens.csv":    []byte(c.Token + ",admin,admin-uid,system:masters\n"),
		"kubeconfig":    []byte(kubeconfig),
	}
	for n, b := range files {
		if err := os.WriteFile(p(n), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

var shared struct {
	once sync.Once
	c    *Cluster
	dir  string
	err  error
}

// Shared returns the package's one cluster, started on first use; Main
// stops it. Tests share it and keep apart by namespace.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	Bins(tb)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "podiam-kube-")
		if shared.err == nil {
			shared.c, shared.err = Start(tb, shared.dir)
		}
	})
	if shared.err != nil {
		tb.Fatalf("start the cluster: %v", shared.err)
	}
	return shared.c
}

// Main runs the tests, then stops the shared cluster and removes its
// files: call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.c != nil {
		if code != 0 {
			fmt.Fprint(os.Stderr, shared.c.Logs())
		}
		shared.c.Stop()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}
