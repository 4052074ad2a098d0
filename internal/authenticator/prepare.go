package authenticator

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/fault"
)

// TokenPrefix starts every token: `k8s-aws-v1.` and the presigned URL,
// base64url without padding.
const TokenPrefix = "k8s-aws-v1."

// maxToken bounds a token, as aws-iam-authenticator does.
const maxToken = 4096

// PrepareConfig says which cluster tokens must be for and where STS is.
type PrepareConfig struct {
	ClusterID string
	// Endpoint is the STS the request goes to (podiam's), whatever host
	// the token names.
	Endpoint *url.URL
	// TrustedHosts are the hosts (host or host:port) a token's URL may
	// name, over https; Endpoint's own host is trusted with Endpoint's
	// scheme.
	TrustedHosts []string
}

// BasicPrepare is a Prepare with the checks that keep the authenticator
// safe: the prefix, the size, base64url, a trusted scheme and host, the
// path "/", Action GetCallerIdentity and x-k8s-aws-id among the signed
// headers; the request goes to cfg.Endpoint only, with the token's Host,
// so the signature covers the host and the cluster id (a token for
// another cluster does not verify). It is a stand-in: package k8stoken's
// parser, with the allow-listed parameters and the 15-minute window
// checked here too, takes its place.
func BasicPrepare(cfg PrepareConfig) Prepare {
	return func(ctx context.Context, token string) (*http.Request, string, error) {
		raw, ok := strings.CutPrefix(token, TokenPrefix)
		switch {
		case len(token) > maxToken:
			return nil, "", fault.Errorf(fault.Malformed, "the token is longer than %d bytes", maxToken)
		case !ok:
			return nil, "", fault.Errorf(fault.Malformed, "the token does not start with %s", TokenPrefix)
		}
		b, err := base64.RawURLEncoding.DecodeString(raw)
		if err != nil {
			return nil, "", fault.Errorf(fault.Malformed, "the token is not base64url")
		}
		u, err := url.Parse(string(b))
		if err != nil {
			return nil, "", fault.Errorf(fault.Malformed, "the token is not a URL")
		}
		trusted := u.Scheme == cfg.Endpoint.Scheme && u.Host == cfg.Endpoint.Host ||
			u.Scheme == "https" && slices.Contains(cfg.TrustedHosts, u.Host)
		if !trusted || u.User != nil || u.Opaque != "" {
			return nil, "", fault.Errorf(fault.AccessDenied, "the token's URL names an untrusted host %q (scheme %q)", u.Host, u.Scheme)
		}
		if u.Path != "/" {
			return nil, "", fault.Errorf(fault.Malformed, "the token's URL path is %q, not /", u.Path)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return nil, "", fault.Errorf(fault.Malformed, "the token's query does not parse")
		}
		if a := q["Action"]; len(a) != 1 || a[0] != "GetCallerIdentity" {
			return nil, "", fault.Errorf(fault.Malformed, "the token's Action is not GetCallerIdentity")
		}
		if !slices.Contains(strings.Split(strings.ToLower(q.Get("X-Amz-SignedHeaders")), ";"), "x-k8s-aws-id") {
			return nil, "", fault.Errorf(fault.Malformed, "the token does not sign x-k8s-aws-id")
		}
		keyID, _, _ := strings.Cut(q.Get("X-Amz-Credential"), "/")
		target := *cfg.Endpoint
		target.Path, target.RawPath, target.RawQuery = "/", "", u.RawQuery
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
		if err != nil {
			return nil, "", fault.Internal("build the STS request", err)
		}
		req.Host = u.Host
		req.Header.Set("x-k8s-aws-id", cfg.ClusterID)
		req.Header.Set("Accept", "application/json")
		return req, keyID, nil
	}
}
