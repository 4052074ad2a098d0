package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/cli/irsacmd"
	"github.com/podiam/podiam/internal/kubetest"
	"github.com/podiam/podiam/internal/oidc"
)

// TestHostedDiscovery: podiam's STS reaches the issuer's discovery and
// keys only through serve-discovery (which reads them through the API
// server), and a ServiceAccount token assumes a role trusting it; when
// the cluster rotates its signing key, the mirror follows and a token
// signed with the new key is accepted once podiam's STS refetches the
// keys (at most every oidc.DefaultMinRefetch per issuer). The cluster is
// the test's own, as the rotation restarts its API server; the test runs
// beside the others to overlap that wait.
func TestHostedDiscovery(t *testing.T) {
	kubetest.Bins(t)
	t.Parallel()
	c, err := kubetest.Start(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	kc := newKube(t, c)
	mirror := runTLS(t, c, "discovery", []string{kubetest.IssuerHost}, func(ctx context.Context, crt, key string, onListen func(string)) error {
		return irsacmd.ServeDiscovery(ctx, irsacmd.DiscoveryConfig{Kubeconfig: c.Kubeconfig, Issuer: c.Issuer, Listen: "127.0.0.1:0",
			TLSCert: crt, TLSKey: key, Interval: time.Second, OnListen: onListen}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})

	// The mirror's keys are the API server's.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: kubetest.IssuerHost}}}
	mirrored := func() string {
		t.Helper()
		resp, err := hc.Get("https://" + mirror + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	keys := func() string {
		t.Helper()
		b, err := kc.REST.Get().AbsPath("/openid/v1/jwks").SetHeader("Accept", "application/jwk-set+json").DoRaw(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got, want := mirrored(), keys(); got != want || !strings.Contains(got, `"kty":"RSA"`) {
		t.Fatalf("mirrored keys %s, API server's %s", got, want)
	}

	url, root := startServerDialing(t, c, func(ctx context.Context, network, a string) (net.Conn, error) {
		if a == kubetest.IssuerHost+":443" {
			a = mirror
		}
		var d net.Dialer
		return d.DialContext(ctx, network, a)
	})
	e := &env{cluster: c, kube: kc, url: url, root: root}
	e.namespace(t, "hosted", "none")
	e.account(t, "hosted", "app", "")
	im := e.iam()
	prov, err := im.CreateOpenIDConnectProvider(t.Context(), &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(c.Issuer),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{caThumbprint(c)}})
	if err != nil {
		t.Fatal(err)
	}
	trust := irsacmd.TrustPolicy(aws.ToString(prov.OpenIDConnectProviderArn), c.Issuer, "sts.amazonaws.com", "hosted", "app")
	role, err := im.CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String("hosted"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	s := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})
	assume := func(token string) error {
		_, err := s.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: role.Role.Arn,
			RoleSessionName: aws.String("hosted-test"), WebIdentityToken: aws.String(token)})
		return err
	}
	before := stsToken(t, kc, "hosted", "app")
	if err := assume(before); err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity through the mirror: %v", err)
	}

	if err := c.RotateServiceAccountKey(); err != nil {
		t.Fatal(err)
	}
	want := keys()
	if strings.Count(want, `"kid"`) != 2 {
		t.Fatalf("after the rotation the API server serves %s, want the old and the new key", want)
	}
	for deadline := time.Now().Add(15 * time.Second); mirrored() != want; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("15 s after the rotation the mirror serves %s, the API server %s", mirrored(), want)
		}
	}
	after := stsToken(t, kc, "hosted", "app")
	if tokenKid(t, after) == tokenKid(t, before) {
		t.Fatal("the token made after the rotation is signed with the old key")
	}
	// The STS fetched the keys at the first call; it refetches for the
	// unknown kid once DefaultMinRefetch has passed since then.
	had := time.Now()
	for deadline := had.Add(oidc.DefaultMinRefetch + 15*time.Second); ; time.Sleep(time.Second) {
		err := assume(after)
		if err == nil {
			t.Logf("a token signed with the new key was accepted %v after the mirror had it", time.Since(had).Round(time.Second))
			break
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), "InvalidIdentityToken") {
			t.Fatalf("a token signed with the new key, through the mirror: %v", err)
		}
	}
	if err := assume(before); err != nil {
		t.Fatalf("a token signed with the old key, still published: %v", err)
	}
}

// tokenKid is the kid of a token's header, read by podiam's JWS parser.
func tokenKid(t *testing.T, jwt string) string {
	t.Helper()
	tok, err := oidc.Parse(jwt)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Header.Kid == "" {
		t.Fatal("the token's header has no kid")
	}
	return tok.Header.Kid
}
