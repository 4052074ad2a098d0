package authenticator

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/k8stoken"
)

// TokenPrefix starts every token: `k8s-aws-v1.` and the presigned URL,
// base64url without padding.
const TokenPrefix = k8stoken.Prefix

// PrepareConfig says which cluster tokens must be for and where STS is.
type PrepareConfig struct {
	ClusterID string
	// Endpoint is the STS the request goes to (podiam's), whatever host
	// the token names; a token may name it too, with its scheme.
	Endpoint *url.URL
	// TrustedHosts are the other origins a token's URL may name, as
	// k8stoken.Options reads them: "host[:port]" over https,
	// "scheme://host[:port]", a "*" label matching one DNS label
	// ("sts.*.amazonaws.com").
	TrustedHosts []string
	// Now is the clock for the 15-minute window; time.Now when nil.
	Now func() time.Time
}

// TokenPrepare is the Prepare of package k8stoken: Parse checks the
// token (its size, prefix, encoding, a trusted origin, the path "/", the
// allow-listed query parameters, Action GetCallerIdentity, x-k8s-aws-id
// signed, at most k8stoken.Window old) before anything is sent, and the
// request goes to cfg.Endpoint only, with the token's Host and this
// cluster's id, so that the signature covers both (a token for another
// cluster, or tampered with, does not verify).
func TokenPrepare(cfg PrepareConfig) Prepare {
	opt := k8stoken.Options{ClusterID: cfg.ClusterID, Now: cfg.Now,
		TrustedHosts: append([]string{cfg.Endpoint.Scheme + "://" + cfg.Endpoint.Host}, cfg.TrustedHosts...)}
	endpoint := cfg.Endpoint.Scheme + "://" + cfg.Endpoint.Host
	return func(ctx context.Context, token string) (*http.Request, string, error) {
		r, err := k8stoken.Parse(token, opt)
		if err != nil {
			return nil, "", fault.Errorf(parseKind(err), "%v", err)
		}
		req, err := r.HTTPRequest(ctx, endpoint)
		if err != nil {
			return nil, "", fault.Internal("build the STS request", err)
		}
		return req, r.AccessKeyID, nil
	}
}

// parseKind is the fault kind of a k8stoken.Parse error: an untrusted
// origin is AccessDenied, an old token Expired, a token dated ahead
// InvalidToken, the rest Malformed.
func parseKind(err error) fault.Kind {
	switch {
	case errors.Is(err, k8stoken.ErrUntrustedHost):
		return fault.AccessDenied
	case errors.Is(err, k8stoken.ErrExpired):
		return fault.Expired
	case errors.Is(err, k8stoken.ErrNotYetValid):
		return fault.InvalidToken
	case errors.Is(err, k8stoken.ErrOptions):
		return fault.Failure
	}
	return fault.Malformed
}
