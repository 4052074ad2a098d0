package eks

import (
	"context"
	"encoding/json"

	"github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// Discovery is a hosted issuer's OpenID Provider configuration.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
}

// IsIssuerID reports whether id has the form of a hosted issuer id.
func IsIssuerID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := range len(id) {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// HostedIssuer returns the cluster whose hosted issuer has id, unsigned
// and for anyone: what discovery and the key set show is public. A
// cluster that keeps an external issuer still has its hosted one. An
// unknown id is fault NotFound.
func (s *Service) HostedIssuer(ctx context.Context, id string) (Cluster, error) {
	notFound := fault.Errorf(fault.NotFound, "No issuer %s.", id)
	if !IsIssuerID(id) {
		return Cluster{}, notFound
	}
	gen, err := s.cfg.Store.Generation(ctx, store.EKS)
	if err != nil {
		return Cluster{}, fault.Internal("EKS generation", err)
	}
	k, ok := s.issuers.Get(gen, id)
	if !ok {
		if k, err = s.indexIssuers(ctx, gen, id); err != nil {
			return Cluster{}, err
		}
	}
	if k.name == "" {
		return Cluster{}, notFound
	}
	c, err := s.ClusterByName(ctx, k.account, k.name)
	if fault.KindOf(err) == fault.NotFound {
		return Cluster{}, notFound
	}
	return c, err
}

// indexIssuers reads every cluster's issuer id into the index kept at gen
// and returns id's cluster (the zero key for none, which is kept too, so
// that unknown ids do not read the store again until a write).
func (s *Service) indexIssuers(ctx context.Context, gen uint64, id string) (clusterKey, error) {
	accts, err := s.cfg.Store.ListAccounts(ctx)
	if err != nil {
		return clusterKey{}, fault.Internal("list accounts", err)
	}
	var found clusterKey
	for _, a := range accts {
		cs, err := s.cfg.Store.ListClusters(ctx, a.ID)
		if err != nil {
			return clusterKey{}, fault.Internal("list clusters", err)
		}
		for _, c := range cs {
			k := clusterKey{c.AccountID, c.Name}
			s.issuers.Put(gen, c.IssuerID, k)
			if c.IssuerID == id {
				found = k
			}
		}
	}
	s.issuers.Put(gen, id, found)
	return found, nil
}

// DiscoveryOf is the discovery document of a cluster's hosted issuer.
func DiscoveryOf(c Cluster) Discovery {
	return Discovery{
		Issuer: c.HostedIssuerURL, JWKSURI: c.HostedIssuerURL + "/keys",
		ResponseTypesSupported: []string{"id_token"}, SubjectTypesSupported: []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
	}
}

// KeysDocument is the key set a hosted issuer serves: the pushed keys, or
// an empty set before a push.
func KeysDocument(c Cluster) ([]byte, error) {
	keys := c.Keys
	if keys.Keys == nil {
		keys.Keys = []jose.JSONWebKey{}
	}
	return json.Marshal(keys)
}
