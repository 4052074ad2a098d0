package eksauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/oidc"
)

// Pod is what a verified Pod Identity token says of its pod.
type Pod struct {
	Namespace         string
	ServiceAccount    string
	ServiceAccountUID string
	Name, UID         string
}

// kubeClaims is the kubernetes.io claim of a bound service-account token.
type kubeClaims struct {
	Namespace string `json:"namespace"`
	Pod       *struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"pod"`
	ServiceAccount *struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"serviceaccount"`
}

// ParsePodClaims reads the pod and ServiceAccount a token's claims name:
// the kubernetes.io claim, with its namespace, serviceaccount (name and
// uid) and pod (name and uid), which kube-apiserver writes into tokens
// bound to a pod, and a sub of system:serviceaccount:<namespace>:<name>
// that agrees with it.
func ParsePodClaims(c *oidc.Claims) (Pod, error) {
	raw, ok := c.Raw["kubernetes.io"]
	if !ok {
		return Pod{}, invalidToken("The token has no kubernetes.io claim: it must be a service account token bound to a pod")
	}
	var k kubeClaims
	if err := json.Unmarshal(raw, &k); err != nil {
		return Pod{}, invalidToken("The token's kubernetes.io claim is not an object of the pod and service account")
	}
	switch {
	case k.Namespace == "":
		return Pod{}, invalidToken("The token's kubernetes.io claim has no namespace")
	case k.ServiceAccount == nil || k.ServiceAccount.Name == "" || k.ServiceAccount.UID == "":
		return Pod{}, invalidToken("The token's kubernetes.io claim has no service account name and uid")
	case k.Pod == nil || k.Pod.Name == "" || k.Pod.UID == "":
		return Pod{}, invalidToken("The token's kubernetes.io claim has no pod name and uid: it must be a service account token bound to a pod")
	}
	if c.Subject != "system:serviceaccount:"+k.Namespace+":"+k.ServiceAccount.Name {
		return Pod{}, invalidToken("The token's sub does not name the service account of its kubernetes.io claim")
	}
	return Pod{Namespace: k.Namespace, ServiceAccount: k.ServiceAccount.Name, ServiceAccountUID: k.ServiceAccount.UID,
		Name: k.Pod.Name, UID: k.Pod.UID}, nil
}

func invalidToken(msg string) *fault.Error {
	return &fault.Error{Kind: fault.InvalidToken, Subject: fault.IdentityToken, Message: msg}
}

// verifyToken checks a parsed token against the cluster: its issuer, its
// signature with the cluster's keys, its time claims and audience, and
// reads its pod.
func (s *Service) verifyToken(ctx context.Context, cl Cluster, t *oidc.Token) (Pod, error) {
	c := &t.Claims
	if c.Issuer == "" || !sameIssuer(c.Issuer, cl.Issuer) {
		return Pod{}, invalidToken("The token's issuer is not the issuer of cluster " + cl.Name)
	}
	if err := s.verifySignature(ctx, cl, t); err != nil {
		return Pod{}, err
	}
	now := s.now()
	if c.Expiry.IsZero() {
		return Pod{}, invalidToken("The token has no expiration time (exp)")
	}
	if !now.Before(c.Expiry) {
		return Pod{}, &fault.Error{Kind: fault.Expired, Subject: fault.IdentityToken, Message: "The token included in the request is expired: current date/time " +
			now.UTC().Format(time.RFC3339Nano) + " must be before the expiration date/time " + c.Expiry.UTC().Format(time.RFC3339) + "."}
	}
	if !c.NotBefore.IsZero() && now.Add(leeway).Before(c.NotBefore) {
		return Pod{}, invalidToken("The token is not valid yet: its not-before time (nbf) is " + c.NotBefore.UTC().Format(time.RFC3339))
	}
	if !c.IssuedAt.IsZero() && now.Add(leeway).Before(c.IssuedAt) {
		return Pod{}, invalidToken("The token was issued in the future: its issued-at time (iat) is " + c.IssuedAt.UTC().Format(time.RFC3339))
	}
	if !slices.Contains(c.Audience, Audience) {
		return Pod{}, invalidToken("The token's audience does not include " + Audience)
	}
	return ParsePodClaims(c)
}

// sameIssuer compares a token's iss with a cluster's issuer as podiam
// records issuers: without a trailing "/" (an API server whose
// --service-account-issuer ends in "/" writes it into every token).
func sameIssuer(token, cluster string) bool {
	return strings.TrimSuffix(token, "/") == strings.TrimSuffix(cluster, "/")
}

// leeway is the clock skew allowed for a token's nbf and iat (kube-apiserver
// backdates nbf and iat by up to a minute; a node's clock may run ahead).
// An expired token gets none.
const leeway = time.Minute

// verifySignature checks the token's signature with the cluster's pushed
// keys, or else its issuer's published ones.
func (s *Service) verifySignature(ctx context.Context, cl Cluster, t *oidc.Token) error {
	var err error
	if len(cl.Keys) > 0 {
		var ks *oidc.KeySet
		if ks, err = s.keys.get(cl); err == nil {
			err = ks.VerifySignature(t)
		}
	} else if s.issuer != nil {
		err = s.issuer.VerifySignature(ctx, t, cl.Issuer)
	} else {
		return invalidToken("The cluster " + cl.Name + " has no service account signing keys")
	}
	var oe *oidc.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe) && oe.Kind == oidc.Communication:
		return &fault.Error{Kind: fault.Unavailable, Message: "The cluster's issuer could not be reached for its keys; retry the request", Cause: err}
	case errors.As(err, &oe):
		return &fault.Error{Kind: fault.InvalidToken, Subject: fault.IdentityToken, Message: "The token's signature does not verify with the keys of cluster " + cl.Name, Cause: err}
	}
	return &fault.Error{Kind: fault.InvalidToken, Subject: fault.IdentityToken, Message: "The keys of cluster " + cl.Name + " are not a valid JWKS", Cause: err}
}

// keyCache keeps each cluster's parsed key set while its document is
// unchanged: a Directory that reads clusters by store generation hands
// back the same bytes until the keys are pushed again.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKeys // by cluster ARN
}

type cachedKeys struct {
	doc []byte
	ks  *oidc.KeySet
}

// maxCachedClusters bounds the cache; when full it starts afresh.
const maxCachedClusters = 10000

func (c *keyCache) get(cl Cluster) (*oidc.KeySet, error) {
	c.mu.Lock()
	e, ok := c.m[cl.ARN]
	c.mu.Unlock()
	if ok && bytes.Equal(e.doc, cl.Keys) {
		return e.ks, nil
	}
	ks, err := oidc.ParseKeySet(cl.Keys)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedClusters {
		c.m = map[string]cachedKeys{}
	}
	c.m[cl.ARN] = cachedKeys{doc: bytes.Clone(cl.Keys), ks: ks}
	c.mu.Unlock()
	return ks, nil
}
