package eks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"net/url"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// BindingAction is the name of podiam's own operation (EKS has none like
// it) that pushes a cluster's binding.
const BindingAction = "PutClusterBinding"

// BindingIAMAction is the IAM action that authorizes PutBinding, on the
// cluster's ARN. It is outside the eks: prefix on purpose: whoever pushes
// a cluster's keys or issuer can sign tokens for every ServiceAccount of
// it, and so take every role its associations and IRSA trusts name; a
// grant of eks:* (an "EKS administrator") must not include that.
const BindingIAMAction = "podiam:" + BindingAction

// Binding binds a cluster record to a real Kubernetes cluster: what
// podiam's in-cluster component or `podiam cluster` pushes. podiam never
// reaches the API server or its issuer itself.
type Binding struct {
	// Endpoint is the API server's URL (https, or http for tests).
	Endpoint string
	// CAData is the API server's CA bundle: base64 of PEM certificates.
	CAData string
	// Issuer is the cluster's own issuer, when it keeps a reachable one;
	// "" for podiam's hosted issuer.
	Issuer string
	// Keys is the JWKS document of the service-account signing keys,
	// public keys only; nil leaves the pushed keys as they are.
	Keys []byte
}

// PutBinding records a cluster's binding (endpoint, CA, external issuer,
// keys) and returns the cluster. Every member replaces the recorded one,
// but nil Keys keeps the keys pushed before.
func (s *Service) PutBinding(ctx context.Context, c iam.Caller, name string, b Binding) (Cluster, error) {
	if _, err := s.authorizedClusterAs(ctx, c, BindingIAMAction, name, iam.Keys{}); err != nil {
		return Cluster{}, err
	}
	if b.Endpoint != "" {
		if err := checkURL("endpoint", b.Endpoint, true); err != nil {
			return Cluster{}, err
		}
	}
	if b.Issuer != "" {
		if err := checkURL("issuer", b.Issuer, false); err != nil {
			return Cluster{}, err
		}
	}
	if b.CAData != "" {
		if err := checkCAData(b.CAData); err != nil {
			return Cluster{}, err
		}
	}
	var keys string
	if b.Keys != nil {
		if _, err := ParseKeys(b.Keys); err != nil {
			return Cluster{}, invalidParameter("keys: %s.", err.Error())
		}
		keys = string(b.Keys)
	}
	now := s.now()
	rec, err := s.cfg.Store.UpdateCluster(ctx, c.Account, name, func(r *store.Cluster) error {
		r.Endpoint, r.CAData, r.IssuerURL = b.Endpoint, b.CAData, strings.TrimSuffix(b.Issuer, "/")
		if b.Keys != nil {
			r.Keys, r.KeysPushedAt = keys, now
		}
		return nil
	})
	switch {
	case isNotFound(err):
		return Cluster{}, clusterNotFound(name)
	case err != nil:
		return Cluster{}, fault.Internal("bind cluster", err)
	}
	return s.view(rec)
}

// checkURL checks an absolute http(s) URL without a query or fragment;
// an issuer must be https, as OIDC requires.
func checkURL(field, s string, allowHTTP bool) error {
	u, err := url.Parse(s)
	ok := err == nil && u.Host != "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil &&
		(u.Scheme == "https" || (allowHTTP && u.Scheme == "http"))
	if !ok {
		if allowHTTP {
			return invalidParameter("%s %q is not an absolute http or https URL.", field, s)
		}
		return invalidParameter("%s %q is not an absolute https URL without a query.", field, s)
	}
	return nil
}

// checkCAData checks base64 of one or more PEM certificates.
func checkCAData(data string) error {
	pemBytes, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return invalidParameter("certificateAuthority.data is not base64.")
	}
	n := 0
	for rest := bytes.TrimSpace(pemBytes); len(rest) > 0; rest = bytes.TrimSpace(rest) {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return invalidParameter("certificateAuthority.data is not base64 of PEM certificates.")
		}
		n++
	}
	if n == 0 {
		return invalidParameter("certificateAuthority.data holds no certificate.")
	}
	return nil
}
