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
)

// TestHostedDiscovery: podiam's STS reaches the issuer's discovery and
// keys only through serve-discovery (which reads them through the API
// server), and a ServiceAccount token assumes a role trusting it.
func TestHostedDiscovery(t *testing.T) {
	c := kubetest.Shared(t)
	kc := newKube(t, c)
	mirror := runTLS(t, c, "discovery", []string{kubetest.IssuerHost}, func(ctx context.Context, crt, key string, onListen func(string)) error {
		return irsacmd.ServeDiscovery(ctx, irsacmd.DiscoveryConfig{Kubeconfig: c.Kubeconfig, Issuer: c.Issuer, Listen: "127.0.0.1:0",
			TLSCert: crt, TLSKey: key, Interval: time.Second, OnListen: onListen}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})

	// The mirror's keys are the API server's.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: kubetest.IssuerHost}}}
	resp, err := hc.Get("https://" + mirror + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, err := kc.GetRaw(t.Context(), "/openid/v1/jwks", "application/jwk-set+json")
	if err != nil || string(got) != string(want) || !strings.Contains(string(got), `"kty":"RSA"`) {
		t.Fatalf("mirrored keys %s, API server's %s (%v)", got, want, err)
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
	var tr struct{ Status struct{ Token string } }
	req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{"audiences": []string{"sts.amazonaws.com"}}}
	if err := kc.Do(t.Context(), "POST", "/api/v1/namespaces/hosted/serviceaccounts/app/token", req, &tr); err != nil {
		t.Fatal(err)
	}
	s := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})
	if _, err := s.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: role.Role.Arn,
		RoleSessionName: aws.String("hosted-test"), WebIdentityToken: aws.String(tr.Status.Token)}); err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity through the mirror: %v", err)
	}
}
