package clustercmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podiam/podiam/internal/kube"
)

// state is what a cluster says of itself, as the binding records it.
type state struct {
	Endpoint string          // the API server's URL
	CAData   string          // base64 of the API server's CA, PEM; "" for the system roots
	Issuer   string          // the API server's own issuer; "" when it serves no discovery
	Keys     json.RawMessage // the API server's JWKS, public keys only
	KeyIDs   []string        // the keys' kids, in order
}

// same reports whether s and o would push the same binding.
func (s state) same(o state) bool {
	return s.Endpoint == o.Endpoint && s.CAData == o.CAData && s.Issuer == o.Issuer && bytes.Equal(s.Keys, o.Keys)
}

// readState reads the cluster through kc: the endpoint (apiServer, else
// kc's server) and CA, the service-account keys and, when the API server
// serves it, its issuer. With external, the issuer is what gets pushed:
// a failure to read it is an error, not an empty issuer (which would
// switch the cluster to podiam's hosted issuer).
func readState(ctx context.Context, kc *kube.Client, apiServer string, external bool) (state, error) {
	s := state{Endpoint: strings.TrimSuffix(kc.Config.Host, "/")}
	if apiServer != "" {
		s.Endpoint = apiServer
	}
	if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return state{}, fmt.Errorf("the API server URL %q is not an absolute http or https URL", s.Endpoint)
	}
	ca, err := kc.CA()
	if err != nil {
		return state{}, err
	}
	if len(ca) > 0 {
		s.CAData = base64.StdEncoding.EncodeToString(ca)
	}
	raw, err := kc.REST.Get().AbsPath("/openid/v1/jwks").SetHeader("Accept", "application/jwk-set+json, application/json").DoRaw(ctx)
	switch {
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return state{}, fmt.Errorf("read the cluster's service-account keys (GET /openid/v1/jwks): %w (the caller needs the ClusterRole system:service-account-issuer-discovery)", err)
	case apierrors.IsNotFound(err):
		return state{}, errors.New("read the cluster's service-account keys: the API server does not serve /openid/v1/jwks (its --service-account-issuer must be an https URL)")
	case err != nil:
		return state{}, fmt.Errorf("read the cluster's service-account keys (GET /openid/v1/jwks): %w", err)
	}
	if s.KeyIDs, err = ParseKeyIDs(raw); err != nil {
		return state{}, fmt.Errorf("the cluster's /openid/v1/jwks: %w", err)
	}
	s.Keys = raw
	var doc struct {
		Issuer string `json:"issuer"`
	}
	body, err := kc.REST.Get().AbsPath("/.well-known/openid-configuration").DoRaw(ctx)
	if err == nil {
		if err = json.Unmarshal(body, &doc); err != nil {
			err = errors.New("not a JSON object")
		}
	}
	switch {
	case err == nil:
		s.Issuer = strings.TrimSuffix(doc.Issuer, "/")
	case external:
		return state{}, fmt.Errorf("read the cluster's issuer (GET /.well-known/openid-configuration): %w", err)
	}
	return s, nil
}

// MaxKeys bounds the keys of a JWKS the commands push, as podiam does.
const MaxKeys = 20

// ParseKeyIDs reads a JWKS document {"keys": [...]} and returns its keys'
// "kid" members, in order ("" for a key without one). A document that is
// not a JSON object with a "keys" array of objects, has data after it,
// has more than MaxKeys keys, or holds a key with a private or secret
// member is refused: the commands push public keys only.
func ParseKeyIDs(doc []byte) ([]string, error) {
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&set); err != nil {
		return nil, errors.New("not a JSON object with a keys array")
	}
	if dec.More() {
		return nil, errors.New("data after the key set")
	}
	if set.Keys == nil {
		return nil, errors.New(`no "keys" array`)
	}
	if len(set.Keys) > MaxKeys {
		return nil, fmt.Errorf("%d keys, over %d", len(set.Keys), MaxKeys)
	}
	ids := make([]string, 0, len(set.Keys))
	for i, k := range set.Keys {
		if k == nil {
			return nil, fmt.Errorf("key %d is not an object", i+1)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := k[private]; ok {
				return nil, fmt.Errorf("key %d has the private or secret member %q", i+1, private)
			}
		}
		var kid string
		if raw, ok := k["kid"]; ok {
			if err := json.Unmarshal(raw, &kid); err != nil {
				return nil, fmt.Errorf("key %d has a kid that is not a string", i+1)
			}
		}
		ids = append(ids, kid)
	}
	return ids, nil
}
