// Command callcost measures what one call costs podiam's server: it builds
// and starts `podiam server` on a fresh data directory, and for each load
// (16 concurrent aws-sdk-go-v2 clients by default) reports the rate, the
// p50 and p99 latency and the server's CPU time per call (the server
// process's user and system time over the calls it answered, read from
// /proc), which the load generator's share of the machine does not blur.
//
// The loads: GetCallerIdentity, S3 HeadBucket and a 4 KiB GetObject, all
// with session credentials from AssumeRole; AssumeRoleWithWebIdentity with
// an RS256 service-account token from an OIDC issuer it serves itself on
// https://127.0.0.2 (binding port 443 needs root; without it that load is
// left out); AssumeRoleForPodIdentity (EKS Auth) with an RS256 pod token (kube-apiserver's usual key)
// of a cluster whose key is pushed, signed by the node agent's eks-auth
// client with a node user's key, beside it; and GetRole with the root's
// long-term key. -objects fills the bucket first, to see how a GET's cost
// grows with the bucket. -floor
// measures the same client loads against a Go net/http server that
// answers each with a fixed response: what net/http and the kernel cost
// per call, under any server written on them. -minio BIN measures the S3
// loads against MinIO, with session credentials from its AssumeRole.
//
//	go run ./bench/callcost -clients 16 -duration 5s
//
// -only runs the loads whose names contain its text, so that a profiler
// attached to the server (its pid is printed) sees one load:
//
//	go run ./bench/callcost -only HeadBucket -duration 20s &
//	perf record -F 999 -g -p $(pgrep -f "server --data /tmp/callcost") -- sleep 10
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/bench/internal/loadgen"
	"github.com/podiam/podiam/bench/internal/podident"
	"github.com/podiam/podiam/bench/internal/serverproc"
	"github.com/podiam/podiam/internal/agent"
)

func main() {
	clients := flag.Int("clients", 16, "concurrent clients")
	duration := flag.Duration("duration", 5*time.Second, "length of each load")
	bin := flag.String("bin", "", "the podiam binary to measure (default: built from this tree)")
	auditLog := flag.Bool("audit", false, "have the server write its audit log (to a file in the work directory)")
	objects := flag.Int("objects", 0, "put this many 4 KiB objects in the bucket first; GetObject then reads 1,000 of them spread over the bucket")
	only := flag.String("only", "", "run only the loads whose names contain this text (\"HeadBucket\"), to profile one")
	floor := flag.Bool("floor", false, "measure a Go net/http server that answers each load with a fixed response instead of podiam: net/http's own cost per call")
	minio := flag.String("minio", "", "measure the S3 loads against this MinIO binary instead of podiam")
	serveFloor := flag.String("serve-floor", "", "(internal) be that server, on this address")
	flag.Parse()
	var err error
	switch {
	case *serveFloor != "":
		err = runFloorServer(*serveFloor)
	case *floor:
		err = runFloor(*only, *clients, *duration)
	case *minio != "":
		err = runMinIO(*minio, *only, *clients, *duration)
	default:
		err = run(*bin, *only, *auditLog, *objects, *clients, *duration)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "callcost:", err)
		os.Exit(1)
	}
}

// issuerHost is where the OIDC issuer listens: a loopback address of its
// own, on port 443, since IAM's provider URLs may not name a port.
const issuerHost = "127.0.0.2"

func run(bin, only string, auditLog bool, objects, clients int, duration time.Duration) error {
	work, err := os.MkdirTemp("", "callcost-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if bin == "" {
		bin = filepath.Join(work, "podiam")
		build := exec.Command("go", "build", "-o", bin, "./cmd/podiam")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	iss, err := startIssuer(work)
	if err != nil {
		fmt.Printf("AssumeRoleWithWebIdentity left out: %v\n", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	args := []string{"server", "--data", filepath.Join(work, "data"), "--listen", addr}
	if iss != nil {
		args = append(args, "--oidc-ca-bundle", iss.caFile)
	}
	if auditLog {
		args = append(args, "--audit-log", filepath.Join(work, "audit.log"))
	}
	srv := exec.Command(bin, args...)
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "podiam is serving") {
	}
	go func() {
		for sc.Scan() {
		}
	}()
	root, err := serverproc.RootCredentials(filepath.Join(work, "data", "credentials"))
	if err != nil {
		return err
	}
	url := "http://" + addr
	ctx := context.Background()
	e, err := setUp(ctx, url, root, iss)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}

	getKey := func(int) string { return "small" }
	if objects > 0 {
		if err := fill(ctx, e.sessionS3, objects, clients); err != nil {
			return fmt.Errorf("fill the bucket: %w", err)
		}
		stride := max(objects/1000, 1)
		getKey = func(i int) string { return fillKey((i % 1000 * stride) % objects) }
	}
	fmt.Printf("server pid %d\n", srv.Process.Pid)
	measure := func(name string, fn func(i int) error) error {
		if !strings.Contains(name, only) {
			return nil
		}
		return measure(srv.Process.Pid, name, clients, duration, fn)
	}
	if err := measure("GetCallerIdentity, session credentials", func(int) error {
		_, err := e.sessionSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}); err != nil {
		return err
	}
	for _, l := range s3Loads(ctx, e.sessionS3, bucket, getKey, "session credentials") {
		if err := measure(l.name, l.fn); err != nil {
			return err
		}
	}
	if iss != nil {
		anon := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})
		token := iss.token()
		if err := measure("AssumeRoleWithWebIdentity, RS256 token", func(int) error {
			_, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: e.roleARN, RoleSessionName: aws.String("pod"), WebIdentityToken: aws.String(token)})
			return err
		}); err != nil {
			return err
		}
	}
	if name := "AssumeRoleForPodIdentity, RS256 token"; strings.Contains(name, only) {
		pods, err := podident.Setup(ctx, url, root, "callcost", 1)
		if err != nil {
			return fmt.Errorf("set up pod identity: %w", err)
		}
		src := pods.Source()
		src.HTTP = agent.NewHTTPClient()
		src.HTTP.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
		token := pods.Token(0, time.Now())
		if err := measure(name, func(int) error {
			_, err := src.AssumeRoleForPodIdentity(ctx, token)
			return err
		}); err != nil {
			return err
		}
	}
	return measure("GetRole, long-term key", func(int) error {
		_, err := e.rootIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("bench")})
		return err
	})
}

const bucket = "callcost"

// measure runs one load and prints, besides its rate and latency, the
// CPU time that the server process pid spent per call answered.
func measure(pid int, name string, clients int, duration time.Duration, fn func(i int) error) error {
	var n atomic.Int64
	c0, err := serverproc.CPUTime(pid)
	if err != nil {
		return err
	}
	err = loadgen.Run(name, clients, duration, func(i int) error {
		err := fn(i)
		if err == nil {
			n.Add(1)
		}
		return err
	})
	c1, _ := serverproc.CPUTime(pid)
	if err != nil {
		return err
	}
	fmt.Printf("  server CPU per call: %.0f µs\n", float64((c1-c0).Microseconds())/float64(n.Load()))
	return nil
}

type env struct {
	rootIAM    *iam.Client
	sessionSTS *sts.Client
	sessionS3  *s3.Client
	roleARN    *string
}

// setUp makes a user and a role it may assume (which the issuer's
// service account may assume too), a bucket with a 4 KiB object, and the
// clients of a session of that role.
func setUp(ctx context.Context, url string, root aws.Credentials, iss *issuer) (*env, error) {
	static := func(c aws.Credentials) aws.CredentialsProvider {
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
	}
	e := &env{rootIAM: iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: static(root), RetryMaxAttempts: 1})}
	rootSTS := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: static(root), RetryMaxAttempts: 1})
	id, err := rootSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, err
	}
	account := aws.ToString(id.Account)
	trust := `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}`
	if iss != nil {
		if _, err := e.rootIAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://" + issuerHost),
			ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("0", 40)}}); err != nil {
			return nil, err
		}
		trust += `,{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account + `:oidc-provider/` + issuerHost + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
			`"Condition":{"StringEquals":{"` + issuerHost + `:sub":"system:serviceaccount:default:bench","` + issuerHost + `:aud":"sts.amazonaws.com"}}}`
	}
	role, err := e.rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[` + trust + `]}`)})
	if err != nil {
		return nil, err
	}
	e.roleARN = role.Role.Arn
	if _, err := e.rootIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("bench"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}); err != nil {
		return nil, err
	}
	if _, err := e.rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bench")}); err != nil {
		return nil, err
	}
	if _, err := e.rootIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bench"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		return nil, err
	}
	key, err := e.rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bench")})
	if err != nil {
		return nil, err
	}
	user := aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}
	userSTS := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: static(user), RetryMaxAttempts: 1})
	var ar *sts.AssumeRoleOutput
	for range 50 { // IAM is eventually consistent on AWS; podiam is not, but the key's first use may race its commit
		if ar, err = userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("bench"), DurationSeconds: aws.Int32(3600)}); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	session := aws.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(ar.Credentials.SessionToken)}
	e.sessionSTS = sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: static(session), RetryMaxAttempts: 1})
	e.sessionS3 = s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: static(session), RetryMaxAttempts: 1})
	if _, err := e.sessionS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return nil, err
	}
	if _, err := e.sessionS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("small"), Body: bytes.NewReader(make([]byte, 4096))}); err != nil {
		return nil, err
	}
	return e, nil
}

// fill puts n objects of 4 KiB into the bucket, from clients at once.
func fill(ctx context.Context, c *s3.Client, n, clients int) error {
	start := time.Now()
	var next atomic.Int64
	errs := make(chan error, clients)
	body := make([]byte, 4096)
	for range clients {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					errs <- nil
					return
				}
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fillKey(i)), Body: bytes.NewReader(body)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var first error
	for range clients {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	fmt.Printf("put %d objects in %v\n", n, time.Since(start).Round(time.Second))
	return first
}

func fillKey(i int) string { return fmt.Sprintf("fill/%07d", i) }

// issuer is an OIDC issuer on https://127.0.0.2 with one RSA key.
type issuer struct {
	key    *rsa.PrivateKey
	caFile string
}

func startIssuer(work string) (*issuer, error) {
	ln, err := net.Listen("tcp", issuerHost+":443")
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	certKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: issuerHost}, IPAddresses: []net.IP{net.ParseIP(issuerHost)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &certKey.PublicKey, certKey)
	if err != nil {
		return nil, err
	}
	iss := &issuer{key: key, caFile: filepath.Join(work, "issuer-ca.pem")}
	if err := os.WriteFile(iss.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": "https://" + issuerHost, "jwks_uri": "https://" + issuerHost + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) { w.Write(jwks) })
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: certKey}}}}
	go srv.ServeTLS(ln, "", "")
	return iss, nil
}

// token is a service-account token of system:serviceaccount:default:bench
// for sts.amazonaws.com, valid for an hour.
func (iss *issuer) token() string {
	b64 := base64.RawURLEncoding.EncodeToString
	now := time.Now().Unix()
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{"iss": "https://" + issuerHost, "sub": "system:serviceaccount:default:bench",
		"aud": []string{"sts.amazonaws.com"}, "iat": now, "nbf": now, "exp": now + 3600})
	signing := b64(head) + "." + b64(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, iss.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signing + "." + b64(sig)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
