package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Mapping is one entry of the reference webhook's ConfigMap: the
// identity of a ServiceAccount that carries no role-arn annotation.
type Mapping struct {
	RoleARN         string `json:"RoleARN"`
	Audience        string `json:"Audience"`
	UseRegionalSTS  bool   `json:"UseRegionalSTS"`
	TokenExpiration int64  `json:"TokenExpiration"`
}

// Mappings are ConfigMap entries by "namespace/name"; the namespace may
// be "*" for a ServiceAccount name in every namespace.
type Mappings map[string]Mapping

// ParseMappings reads the ConfigMap's "config" value, a JSON object of
// "namespace/name" to Mapping.
func ParseMappings(data string) (Mappings, error) {
	var m Mappings
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		return nil, fmt.Errorf("mappings: %w", err)
	}
	for k, v := range m {
		ns, name, ok := strings.Cut(k, "/")
		if !ok || ns == "" || name == "" {
			return nil, fmt.Errorf("mappings: key %q is not namespace/name", k)
		}
		if v.RoleARN == "" {
			return nil, fmt.Errorf("mappings: %s has no RoleARN", k)
		}
	}
	return m, nil
}

// Lookup finds the identity for namespace/name: the exact entry, else
// the "*/name" one. As in the reference, an empty audience means the
// flag's and a zero expiration the flag's, with no lower bound applied.
func (m Mappings) Lookup(namespace, name string, c Config) (Identity, bool) {
	e, ok := m[namespace+"/"+name]
	if !ok {
		e, ok = m["*/"+name]
	}
	if !ok {
		return Identity{}, false
	}
	id := Identity{RoleARN: e.RoleARN, Audience: e.Audience, RegionalSTS: e.UseRegionalSTS, Expiration: e.TokenExpiration}
	if id.Audience == "" {
		id.Audience = c.Audience
	}
	if id.Expiration == 0 {
		id.Expiration = c.Expiration
	}
	return id, true
}
