package eks

import (
	"context"
	"encoding/json"
	"sync"

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
//
// The ids are read whole, once per EKS generation, into an index that
// answers every id, known or not: unknown ids (anyone may ask for any)
// cost no store read and take no room.
func (s *Service) HostedIssuer(ctx context.Context, id string) (Cluster, error) {
	notFound := fault.Errorf(fault.NotFound, "No issuer %s.", id)
	if !IsIssuerID(id) {
		return Cluster{}, notFound
	}
	gen, err := s.cfg.Store.Generation(ctx, store.EKS)
	if err != nil {
		return Cluster{}, fault.Internal("EKS generation", err)
	}
	ids, err := s.issuers.at(ctx, gen, s.readIssuers)
	if err != nil {
		return Cluster{}, err
	}
	k, ok := ids[id]
	if !ok {
		return Cluster{}, notFound
	}
	c, err := s.ClusterByName(ctx, k.account, k.name)
	if fault.KindOf(err) == fault.NotFound {
		return Cluster{}, notFound
	}
	return c, err
}

// issuerIndex holds the hosted issuer ids of one generation; builds are
// serialized so that concurrent requests after a write read the store
// once.
type issuerIndex struct {
	mu  sync.Mutex
	gen uint64
	ids map[string]clusterKey // nil before the first build
}

// at returns the index at gen, building it with read when it is of
// another generation. An index of a later generation than gen (a request
// that read the generation before a write) is answered as it is.
func (x *issuerIndex) at(ctx context.Context, gen uint64, read func(context.Context) (map[string]clusterKey, error)) (map[string]clusterKey, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ids != nil && x.gen >= gen {
		return x.ids, nil
	}
	ids, err := read(ctx)
	if err != nil {
		return nil, err
	}
	x.gen, x.ids = gen, ids
	return ids, nil
}

// readIssuers reads every cluster's hosted issuer id.
func (s *Service) readIssuers(ctx context.Context) (map[string]clusterKey, error) {
	accts, err := s.cfg.Store.ListAccounts(ctx)
	if err != nil {
		return nil, fault.Internal("list accounts", err)
	}
	ids := map[string]clusterKey{}
	for _, a := range accts {
		cs, err := s.cfg.Store.ListClusters(ctx, a.ID)
		if err != nil {
			return nil, fault.Internal("list clusters", err)
		}
		for _, c := range cs {
			ids[c.IssuerID] = clusterKey{c.AccountID, c.Name}
		}
	}
	return ids, nil
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
