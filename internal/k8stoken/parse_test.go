package k8stoken_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/k8stoken"
)

var signedAt = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// good is a URL of the shape aws eks get-token makes.
const good = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
	"&X-Amz-Credential=AKIAEXAMPLE%2F20261201%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261201T100000Z&X-Amz-Expires=60" +
	"&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=0123456789abcdef"

func opts(age time.Duration) k8stoken.Options {
	return k8stoken.Options{ClusterID: "c1", TrustedHosts: []string{"sts.*.amazonaws.com", "http://127.0.0.1:8080"},
		Now: func() time.Time { return signedAt.Add(age) }}
}

// TestParse: each refusal beside its positive control.
func TestParse(t *testing.T) {
	replace := func(old, new string) string { return k8stoken.Encode(strings.Replace(good, old, new, 1)) }
	for _, tc := range []struct {
		name  string
		token string
		age   time.Duration
		want  error
	}{
		{"get-token's URL", k8stoken.Encode(good), 0, nil},
		{"14 minutes old", k8stoken.Encode(good), 14 * time.Minute, nil},
		{"16 minutes old", k8stoken.Encode(good), 16 * time.Minute, k8stoken.ErrExpired},
		{"4 minutes ahead", k8stoken.Encode(good), -4 * time.Minute, nil},
		{"6 minutes ahead", k8stoken.Encode(good), -6 * time.Minute, k8stoken.ErrNotYetValid},
		{"16 minutes ahead", k8stoken.Encode(good), -16 * time.Minute, k8stoken.ErrNotYetValid},
		{"too large", k8stoken.Encode(good + strings.Repeat("x", 3000)), 0, k8stoken.ErrTooLarge},
		{"no prefix", strings.TrimPrefix(k8stoken.Encode(good), "k8s-aws-v1."), 0, k8stoken.ErrPrefix},
		{"v2 prefix", "k8s-aws-v2." + strings.TrimPrefix(k8stoken.Encode(good), "k8s-aws-v1."), 0, k8stoken.ErrPrefix},
		{"padded", k8stoken.Prefix + base64.URLEncoding.EncodeToString([]byte(good+"x")), 0, k8stoken.ErrEncoding},
		{"standard base64", k8stoken.Prefix + base64.RawStdEncoding.EncodeToString([]byte(good+"??>")), 0, k8stoken.ErrEncoding},
		{"a bad URL", k8stoken.Encode("https://sts.us-east-1.amazonaws.com/%zz"), 0, k8stoken.ErrURL},
		{"user info", replace("https://", "https://u:p@"), 0, k8stoken.ErrURL},
		{"a fragment", k8stoken.Encode(good + "#x"), 0, k8stoken.ErrURL},
		{"http to AWS", replace("https://", "http://"), 0, k8stoken.ErrUntrustedHost},
		{"another host", replace("sts.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com.evil.example"), 0, k8stoken.ErrUntrustedHost},
		{"a label with a dot", replace("us-east-1", "a.b"), 0, k8stoken.ErrUntrustedHost},
		{"another port", replace("amazonaws.com/", "amazonaws.com:8443/"), 0, k8stoken.ErrUntrustedHost},
		{"the default port", replace("amazonaws.com/", "amazonaws.com:443/"), 0, nil},
		{"podiam over http", replace("https://sts.us-east-1.amazonaws.com", "http://127.0.0.1:8080"), 0, nil},
		{"podiam on another port", replace("https://sts.us-east-1.amazonaws.com", "http://127.0.0.1:8081"), 0, k8stoken.ErrUntrustedHost},
		{"a path", replace(".com/?", ".com/x?"), 0, k8stoken.ErrPath},
		{"no path", replace(".com/?", ".com?"), 0, k8stoken.ErrPath},
		{"an extra parameter", k8stoken.Encode(good + "&RoleArn=x"), 0, k8stoken.ErrQuery},
		{"a lower-case parameter", replace("Action=", "action="), 0, k8stoken.ErrQuery},
		{"a repeated parameter", k8stoken.Encode(good + "&Version=2011-06-15"), 0, k8stoken.ErrQuery},
		{"a bad query", k8stoken.Encode(good + "&%zz"), 0, k8stoken.ErrQuery},
		{"another action", replace("GetCallerIdentity", "GetSessionToken"), 0, k8stoken.ErrAction},
		{"cluster header unsigned", replace("host%3Bx-k8s-aws-id", "host"), 0, k8stoken.ErrClusterUnsigned},
		{"expires over 900", replace("X-Amz-Expires=60", "X-Amz-Expires=901"), 0, k8stoken.ErrExpires},
		{"expires 900", replace("X-Amz-Expires=60", "X-Amz-Expires=900"), 0, nil},
		{"no expires", replace("&X-Amz-Expires=60", ""), 0, k8stoken.ErrExpires},
		{"bad date", replace("20261201T100000Z", "2026-12-01"), 0, k8stoken.ErrDate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := k8stoken.Parse(tc.token, opts(tc.age))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v, want %v", err, tc.want)
			}
			if tc.want == nil && (r.ClusterID != "c1" || r.AccessKeyID != "AKIAEXAMPLE" || !r.Date.Equal(signedAt) || r.Host != r.URL.Host) {
				t.Fatalf("request %+v", r)
			}
		})
	}
	if _, err := k8stoken.Parse(k8stoken.Encode(good), k8stoken.Options{TrustedHosts: []string{"sts.*.amazonaws.com"}}); !errors.Is(err, k8stoken.ErrOptions) {
		t.Fatalf("no cluster id: %v", err)
	}
}

// TestHTTPRequest: the GET goes to the endpoint, never to the token's host,
// with the signed host as Host, the query as signed and the cluster header.
func TestHTTPRequest(t *testing.T) {
	r, err := k8stoken.Parse(k8stoken.Encode(good), opts(0))
	if err != nil {
		t.Fatal(err)
	}
	req, err := r.HTTPRequest(t.Context(), "http://127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Host != "127.0.0.1:9000" || req.Host != "sts.us-east-1.amazonaws.com" || req.URL.Path != "/" || req.URL.RawQuery != strings.SplitN(good, "?", 2)[1] ||
		req.Header.Get("x-k8s-aws-id") != "c1" || req.Header.Get("Accept") != "application/json" || req.Method != "GET" {
		t.Fatalf("request %s Host %s %v", req.URL, req.Host, req.Header)
	}
	for _, bad := range []string{"ftp://127.0.0.1", "127.0.0.1:9000", "http://127.0.0.1/?x=1", "http://"} {
		if _, err := r.HTTPRequest(t.Context(), bad); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
}

// TestGenerate: a token from aws-sdk-go-v2's presigner has the shape Parse
// accepts, for the host the SDK resolves and for an endpoint override.
func TestGenerate(t *testing.T) {
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret"}, nil
	})
	for _, tc := range []struct {
		name, endpoint, host string
	}{
		{"AWS", "", "sts.eu-west-1.amazonaws.com"},
		{"podiam", "http://127.0.0.1:8080", "127.0.0.1:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := sts.Options{Region: "eu-west-1", Credentials: creds}
			if tc.endpoint != "" {
				o.BaseEndpoint = aws.String(tc.endpoint)
			}
			tok, err := k8stoken.Generate(t.Context(), sts.NewPresignClient(sts.New(o)), "c1")
			if err != nil {
				t.Fatal(err)
			}
			r, err := k8stoken.Parse(tok, k8stoken.Options{ClusterID: "c1", TrustedHosts: []string{"sts.*.amazonaws.com", "http://127.0.0.1:8080"}})
			if err != nil {
				t.Fatal(err)
			}
			q, _ := url.ParseQuery(r.URL.RawQuery)
			if r.Host != tc.host || q.Get("X-Amz-Expires") != "60" || q.Get("X-Amz-SignedHeaders") != "host;x-k8s-aws-id" || r.AccessKeyID != "AKIAEXAMPLE" {
				t.Fatalf("token's URL %s", r.URL)
			}
		})
	}
	if _, err := k8stoken.Generate(t.Context(), sts.NewPresignClient(sts.New(sts.Options{Region: "eu-west-1", Credentials: creds})), ""); err == nil {
		t.Fatal("a token without a cluster id")
	}
}
