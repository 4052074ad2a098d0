package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Key limits: AWS refuses a JWKS with more than 100 RSA or 100 EC keys and
// RSA keys shorter than 2048 bits. Longer than 8192 bits is refused here to
// bound the cost of a verification.
const (
	maxKeysPerType = 100
	minRSABits     = 2048
	maxRSABits     = 8192
)

// alg describes a supported signing algorithm.
type alg struct {
	name  string
	curve elliptic.Curve // nil for RSA
}

// algs are the algorithms AWS accepts: RSA PKCS#1 v1.5 and ECDSA with
// the curve the name fixes. Not none, HMAC or PSS.
var algs = map[string]*alg{
	"RS256": {name: "RS256"},
	"RS384": {name: "RS384"},
	"RS512": {name: "RS512"},
	"ES256": {name: "ES256", curve: elliptic.P256()},
	"ES384": {name: "ES384", curve: elliptic.P384()},
	"ES512": {name: "ES512", curve: elliptic.P521()},
}

// joseAlgs are algs for go-jose: the only algorithms it may parse.
var joseAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

// jwk is one usable public key of a JWKS.
type jwk struct {
	kid string
	alg string // as published; "" when absent
	rsa *rsa.PublicKey
	ec  *ecdsa.PublicKey
}

// fits reports whether the key's type and curve (and alg, when the JWKS
// names one) fit a.
func (k *jwk) fits(a *alg) bool {
	if k.alg != "" && k.alg != a.name {
		return false
	}
	if a.curve == nil {
		return k.rsa != nil
	}
	return k.ec != nil && k.ec.Curve == a.curve
}

// verify checks the token's signature with the key, through go-jose.
// The caller has checked that the key fits the token's alg.
func (k *jwk) verify(t *Token) *Error {
	var pub any = k.ec
	if k.rsa != nil {
		if k.rsa.N.BitLen() < minRSABits {
			return newError(InvalidToken, msgKeyTooShort, nil)
		}
		pub = k.rsa
	}
	if _, err := t.jws.Verify(pub); err != nil {
		return newError(InvalidToken, msgSignature, nil)
	}
	return nil
}

// keySet is a parsed JWKS.
type keySet struct {
	keys  []*jwk
	byKid map[string][]*jwk
}

// errNoKey: no key in the set for the token's kid (or, without a kid, none
// that fits its alg); a refetch may find one.
var errNoKey = errors.New("no key in the JWKS for the token")

// candidates returns the keys that may have signed a token with kid and
// alg a. A token with a kid uses the keys published with that kid; one
// without uses the JWKS's only key that fits a.
func (s *keySet) candidates(kid string, a *alg) ([]*jwk, error) {
	if kid == "" {
		var fit []*jwk
		for _, k := range s.keys {
			if k.fits(a) {
				fit = append(fit, k)
			}
		}
		switch len(fit) {
		case 0:
			return nil, errNoKey
		case 1:
			return fit, nil
		}
		return nil, newError(InvalidToken, msgAmbiguousKey, nil)
	}
	all := s.byKid[kid]
	if len(all) == 0 {
		return nil, errNoKey
	}
	var fit []*jwk
	for _, k := range all {
		if k.fits(a) {
			fit = append(fit, k)
		}
	}
	if len(fit) == 0 {
		return nil, newError(InvalidToken, msgKeyMismatch, nil)
	}
	return fit, nil
}

// parseJWKS parses a JSON Web Key Set, each key on its own so that a bad
// key is skipped without losing the others. A key is skipped when its
// "use" is present and not "sig", when its "key_ops" is present and lacks
// "verify" (go-jose reads neither), when it is not an RSA or EC key, when
// go-jose does not decode it, when it carries private parameters, or when
// it is out of podiam's limits (jwkKey). More than 100 signing keys of
// one type is an error, counted before decoding, as AWS counts.
func parseJWKS(data []byte) (*keySet, error) {
	m, err := members(data)
	if err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	var entries []json.RawMessage
	if raw, ok := m["keys"]; !ok || json.Unmarshal(raw, &entries) != nil {
		return nil, errors.New("JWKS: no keys array")
	}
	set := &keySet{byKid: map[string][]*jwk{}}
	var nRSA, nEC int
	for _, raw := range entries {
		km, err := members(raw)
		if err != nil {
			continue
		}
		var kty, use string
		stringMember(km, "kty", &kty)
		if _, err := stringMember(km, "use", &use); err != nil || use != "" && use != "sig" {
			continue
		}
		switch kty {
		case "RSA":
			nRSA++
		case "EC":
			nEC++
		default:
			continue
		}
		if nRSA > maxKeysPerType || nEC > maxKeysPerType {
			return nil, fmt.Errorf("JWKS has too many keys (more than %d %s keys)", maxKeysPerType, kty)
		}
		k, err := parseJWK(km, raw)
		if err != nil {
			continue
		}
		set.keys = append(set.keys, k)
		if k.kid != "" {
			set.byKid[k.kid] = append(set.byKid[k.kid], k)
		}
	}
	return set, nil
}

// parseJWK decodes one JWK, raw, whose members are m, with go-jose.
func parseJWK(m map[string]json.RawMessage, raw json.RawMessage) (*jwk, error) {
	if ops, ok := m["key_ops"]; ok {
		var list []string
		if json.Unmarshal(ops, &list) != nil || !slices.Contains(list, "verify") {
			return nil, errors.New("key_ops lacks verify")
		}
	}
	raw, err := unpadded(m, raw)
	if err != nil {
		return nil, err
	}
	var jk jose.JSONWebKey
	if err := jk.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	k := &jwk{kid: jk.KeyID, alg: jk.Algorithm}
	switch pub := jk.Key.(type) {
	case *rsa.PublicKey:
		if err := checkRSA(pub); err != nil {
			return nil, err
		}
		k.rsa = pub
	case *ecdsa.PublicKey: // P-256, P-384 or P-521, on the curve
		k.ec = pub
	default: // private keys, and key types podiam does not verify with
		return nil, fmt.Errorf("%T is not a public RSA or EC key", jk.Key)
	}
	return k, nil
}

// checkRSA applies podiam's limits to an RSA public key: a modulus of 512
// to 8192 bits and odd (keys shorter than 2048 bits are kept, and refused
// when used, with their own message), and an odd exponent of at least 3
// that fits in 31 bits.
func checkRSA(k *rsa.PublicKey) error {
	if n := k.N.BitLen(); n > maxRSABits || n < 512 || k.N.Bit(0) == 0 {
		return errors.New("bad RSA modulus")
	}
	if k.E < 3 || k.E >= 1<<31 || k.E%2 == 0 {
		return errors.New("bad RSA exponent")
	}
	return nil
}

// unpadded returns raw with trailing "=" removed from the key parameters
// n, e, x and y: RFC 7518 forbids the padding, but some issuers send it
// and it was always tolerated, while go-jose refuses it.
func unpadded(m map[string]json.RawMessage, raw json.RawMessage) (json.RawMessage, error) {
	var trimmed map[string]json.RawMessage
	for _, name := range []string{"n", "e", "x", "y"} {
		var v string
		if ok, err := stringMember(m, name, &v); err != nil || !ok || !strings.HasSuffix(v, "=") {
			continue
		}
		if trimmed == nil {
			trimmed = maps.Clone(m)
		}
		trimmed[name], _ = json.Marshal(strings.TrimRight(v, "="))
	}
	if trimmed == nil {
		return raw, nil
	}
	return json.Marshal(trimmed)
}

// go-jose refuses RSA moduli longer than MaxRSAModulusBits (4096 by
// default); podiam's limit is maxRSABits. Nothing else in the binary
// decodes JOSE keys.
func init() { jose.MaxRSAModulusBits = maxRSABits }
