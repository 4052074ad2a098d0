package authenticator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/k8stoken"
	"github.com/podiam/podiam/internal/server/servertest"
)

// podiamServer runs a podiam server on loopback for the test and returns
// its URL and root credentials.
func podiamServer(t testing.TB) (string, aws.Credentials) {
	t.Helper()
	return servertest.Start(t, nil)
}

func awsConfig(c aws.Credentials) aws.Config { return servertest.Config(c) }

// roleSession makes the role (trusting the account) and returns a
// session of it.
func roleSession(t testing.TB, endpoint string, root aws.Credentials, role, session string) aws.Credentials {
	t.Helper()
	return servertest.RoleSession(t, endpoint, root, role, session)
}

// k8sToken is what `aws eks get-token` makes, by aws-sdk-go-v2's
// presigner: GetCallerIdentity at endpoint, signing x-k8s-aws-id, with
// X-Amz-Expires 60.
func k8sToken(t testing.TB, endpoint string, c aws.Credentials, clusterID string) string {
	t.Helper()
	st := sts.NewFromConfig(awsConfig(c), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
	token, err := k8stoken.Generate(t.Context(), sts.NewPresignClient(st), clusterID)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// rewriteToken applies edit to the token's URL.
func rewriteToken(t *testing.T, token string, edit func(*url.URL)) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, TokenPrefix))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	edit(u)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(u.String()))
}

// TestSTSVerifier verifies real tokens, signed by a role session of a
// real podiam server, against that server's STS.
func TestSTSVerifier(t *testing.T) {
	endpoint, root := podiamServer(t)
	session := roleSession(t, endpoint, root, "ci", "build-7")
	ep, _ := url.Parse(endpoint)
	var calls int
	client := &http.Client{Timeout: 10 * time.Second, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		if r.URL.Host != ep.Host {
			t.Errorf("a request to %s", r.URL)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	verifier := func(now func() time.Time) *STS {
		return &STS{Prepare: TokenPrepare(PrepareConfig{ClusterID: "prod", Endpoint: ep, TrustedHosts: []string{"sts.us-east-1.amazonaws.com"}, Now: now}), Client: client}
	}
	v := verifier(nil)
	token := k8sToken(t, endpoint, session, "prod")

	id, err := v.Verify(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCaller(id)
	if err != nil || c.CanonicalARN != "arn:aws:iam::"+id.Account+":role/ci" || c.SessionName != "build-7" || !strings.HasPrefix(c.PrincipalID, "AROA") ||
		id.AccessKeyID != session.AccessKeyID || id.ARN != "arn:aws:sts::"+id.Account+":assumed-role/ci/build-7" {
		t.Fatalf("caller %+v, %v", c, err)
	}

	for _, tt := range []struct {
		name  string
		token string
		kinds []fault.Kind
		sent  bool          // whether STS is asked
		later time.Duration // the clock this far ahead
	}{
		{name: "14 minutes on (control)", token: token, later: 14 * time.Minute, sent: true},
		{name: "16 minutes on", token: token, later: 16 * time.Minute, kinds: []fault.Kind{fault.Expired}},
		{name: "dated 16 minutes ahead", token: token, later: -16 * time.Minute, kinds: []fault.Kind{fault.InvalidToken}},
		{name: "another cluster's token", token: k8sToken(t, endpoint, session, "staging"), kinds: []fault.Kind{fault.InvalidToken}, sent: true},
		{name: "tampered signature", token: rewriteToken(t, token, func(u *url.URL) {
			q := u.Query()
			s := []byte(q.Get("X-Amz-Signature"))
			s[0] ^= 1
			q.Set("X-Amz-Signature", string(s))
			u.RawQuery = q.Encode()
		}), kinds: []fault.Kind{fault.InvalidToken}, sent: true},
		{name: "the signed host changed to a trusted one", token: rewriteToken(t, token, func(u *url.URL) { u.Scheme, u.Host = "https", "sts.us-east-1.amazonaws.com" }), kinds: []fault.Kind{fault.InvalidToken}, sent: true},
		{name: "untrusted host", token: rewriteToken(t, token, func(u *url.URL) { u.Host = "169.254.169.254" }), kinds: []fault.Kind{fault.AccessDenied}},
		{name: "trusted host over http", token: rewriteToken(t, token, func(u *url.URL) { u.Host = "sts.us-east-1.amazonaws.com" }), kinds: []fault.Kind{fault.AccessDenied}},
		{name: "user info", token: rewriteToken(t, token, func(u *url.URL) { u.User = url.User("x") }), kinds: []fault.Kind{fault.Malformed}},
		{name: "a trusted name as a suffix", token: rewriteToken(t, token, func(u *url.URL) { u.Scheme, u.Host = "https", "sts.us-east-1.amazonaws.com.evil" }), kinds: []fault.Kind{fault.AccessDenied}},
		{name: "the endpoint's host on another port", token: rewriteToken(t, token, func(u *url.URL) { u.Host = ep.Hostname() + ":1" }), kinds: []fault.Kind{fault.AccessDenied}},
		{name: "a parameter outside the allow list", token: rewriteToken(t, token, func(u *url.URL) { u.RawQuery += "&X-Amz-Extra=1" }), kinds: []fault.Kind{fault.Malformed}},
		{name: "a parameter twice", token: rewriteToken(t, token, func(u *url.URL) { u.RawQuery += "&Version=2011-06-15" }), kinds: []fault.Kind{fault.Malformed}},
		{name: "another path", token: rewriteToken(t, token, func(u *url.URL) { u.Path = "/x" }), kinds: []fault.Kind{fault.Malformed}},
		{name: "another action", token: rewriteToken(t, token, func(u *url.URL) {
			q := u.Query()
			q.Set("Action", "GetSessionToken")
			u.RawQuery = q.Encode()
		}), kinds: []fault.Kind{fault.Malformed}},
		{name: "no prefix", token: strings.TrimPrefix(token, TokenPrefix), kinds: []fault.Kind{fault.Malformed}},
		{name: "not base64url", token: TokenPrefix + "a+b/", kinds: []fault.Kind{fault.Malformed}},
		{name: "too long", token: token + strings.Repeat("A", k8stoken.MaxLen), kinds: []fault.Kind{fault.Malformed}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := calls
			v := v
			if tt.later != 0 {
				v = verifier(func() time.Time { return time.Now().Add(tt.later) })
			}
			_, err := v.Verify(t.Context(), tt.token)
			if k := fault.KindOf(err); tt.kinds == nil && err != nil || tt.kinds != nil && !slicesContains(tt.kinds, k) {
				t.Errorf("Verify: %v (kind %v), want %v", err, k, tt.kinds)
			}
			if sent := calls > before; sent != tt.sent {
				t.Errorf("STS asked: %v, want %v", sent, tt.sent)
			}
		})
	}
}

// TestGetToken verifies a token that the AWS CLI v1's `aws eks
// get-token` made, pointed at podiam's STS by AWS_ENDPOINT_URL_STS.
func TestGetToken(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
			t.Fatal("aws is not on PATH, and PODIAM_REQUIRE_CLIENTS is set")
		}
		t.Skip("aws is not on PATH")
	}
	endpoint, root := podiamServer(t)
	session := roleSession(t, endpoint, root, "cli", "from-cli")
	cmd := exec.CommandContext(t.Context(), "aws", "eks", "get-token", "--cluster-name", "prod", "--output", "json")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL_STS=" + endpoint, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=" + session.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + session.SecretAccessKey, "AWS_SESSION_TOKEN=" + session.SessionToken}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws eks get-token: %v", err)
	}
	var cred struct {
		Status struct{ Token string } `json:"status"`
	}
	if err := json.Unmarshal(out, &cred); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	ep, _ := url.Parse(endpoint)
	for _, tt := range []struct {
		cluster string
		ok      bool
	}{{"prod", true}, {"staging", false}} {
		v := &STS{Prepare: TokenPrepare(PrepareConfig{ClusterID: tt.cluster, Endpoint: ep})}
		id, err := v.Verify(t.Context(), cred.Status.Token)
		if ok := err == nil && strings.HasSuffix(id.ARN, ":assumed-role/cli/from-cli"); ok != tt.ok {
			t.Errorf("cluster %s: %+v, %v; want ok %v", tt.cluster, id, err, tt.ok)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func slicesContains(ks []fault.Kind, k fault.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
