package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// KeySource reads the cluster's current key set (the API server's
// /openid/v1/jwks).
type KeySource func(ctx context.Context) (json.RawMessage, error)

// Mirror serves issuer's discovery document and the cluster's keys.
type Mirror struct {
	issuer string // https://host/path, what the API server's --service-account-issuer says
	path   string // issuer's path, without a trailing slash
	keys   KeySource
	log    *slog.Logger

	mu      sync.RWMutex
	jwks    json.RawMessage
	fetched time.Time
}

// New returns a mirror for issuer; Sync fills it.
func New(issuer string, keys KeySource, log *slog.Logger) (*Mirror, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("issuer %q: want an https URL without query or fragment", issuer)
	}
	if u.Port() != "" {
		return nil, fmt.Errorf("issuer %q: IAM does not accept a port in a provider URL", issuer)
	}
	return &Mirror{issuer: strings.TrimSuffix(issuer, "/"), path: strings.TrimSuffix(u.Path, "/"), keys: keys, log: log}, nil
}

// Sync reads the key set once; a key set that is not a JSON object with
// a "keys" array is refused and the previous one kept.
func (m *Mirror) Sync(ctx context.Context) error {
	raw, err := m.keys(ctx)
	if err != nil {
		return err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil || set.Keys == nil {
		return errors.New("the cluster's key set is not a JWKS")
	}
	m.mu.Lock()
	changed := string(m.jwks) != string(raw)
	m.jwks, m.fetched = raw, time.Now()
	m.mu.Unlock()
	if changed {
		m.log.Info("cluster keys mirrored", "keys", len(set.Keys))
	}
	return nil
}

// Run syncs every interval until ctx ends, logging failures.
func (m *Mirror) Run(ctx context.Context, interval time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
		if err := m.Sync(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("mirror the cluster's keys", "err", err)
		}
	}
}

// ServeHTTP answers <path>/.well-known/openid-configuration and
// <path>/keys.
func (m *Mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case m.path + "/.well-known/openid-configuration":
		doc := map[string]any{
			"issuer":                                m.issuer,
			"jwks_uri":                              m.issuer + "/keys",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	case m.path + "/keys":
		m.mu.RLock()
		jwks := m.jwks
		m.mu.RUnlock()
		if jwks == nil {
			http.Error(w, "keys not mirrored yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "max-age=300")
		w.Write(jwks)
	default:
		http.NotFound(w, r)
	}
}
