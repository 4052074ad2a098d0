package eks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/oidc"
)

// MaxKeysSize bounds a pushed JWKS document, and MaxKeys its keys.
const (
	MaxKeysSize = 64 << 10
	MaxKeys     = 20
)

// ParseKeys reads a JWKS document of service-account signing keys: a JSON
// object {"keys": [...]} whose every key is a public RSA (2048 bits or
// more) or EC key that go-jose accepts. A private or symmetric key, an
// unknown key type or member syntax, or a document over MaxKeysSize or
// MaxKeys is refused.
func ParseKeys(doc []byte) (jose.JSONWebKeySet, error) {
	if len(doc) > MaxKeysSize {
		return jose.JSONWebKeySet{}, fmt.Errorf("the key set is over %d bytes", MaxKeysSize)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&raw); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("the key set is not a JSON object with keys: %w", err)
	}
	if dec.More() {
		return jose.JSONWebKeySet{}, errors.New("the key set has data after its object")
	}
	if raw.Keys == nil {
		return jose.JSONWebKeySet{}, errors.New(`the key set has no "keys" array`)
	}
	if len(raw.Keys) > MaxKeys {
		return jose.JSONWebKeySet{}, fmt.Errorf("the key set has %d keys, over %d", len(raw.Keys), MaxKeys)
	}
	var set jose.JSONWebKeySet
	for i, r := range raw.Keys {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(r, &members); err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("key %d is not a JSON object", i+1)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := members[private]; ok {
				return jose.JSONWebKeySet{}, fmt.Errorf("key %d has the private or secret member %q: push public keys only", i+1, private)
			}
		}
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("key %d: %w", i+1, err)
		}
		if !k.Valid() || !k.IsPublic() {
			return jose.JSONWebKeySet{}, fmt.Errorf("key %d is not a valid public key", i+1)
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
			if pub.N.BitLen() < 2048 {
				return jose.JSONWebKeySet{}, fmt.Errorf("key %d is an RSA key of %d bits, under 2048", i+1, pub.N.BitLen())
			}
		case *ecdsa.PublicKey:
		default:
			return jose.JSONWebKeySet{}, fmt.Errorf("key %d is of type %T: only RSA and EC keys sign service-account tokens", i+1, k.Key)
		}
		set.Keys = append(set.Keys, k)
	}
	// Every key must be one eks-auth's verifier (oidc) uses: a key it
	// skips (a use other than sig, key_ops without verify, an alg that
	// does not fit the key) would be stored and shown, yet verify nothing.
	if ks, err := oidc.ParseKeySet(doc); err != nil || ks.Len() != len(set.Keys) {
		return jose.JSONWebKeySet{}, errors.New("the key set has keys that cannot verify tokens: each must be a signing key (use sig, key_ops with verify) whose alg, if any, fits it")
	}
	return set, nil
}
