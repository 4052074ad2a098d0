package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
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
	size  int            // bytes of an EC coordinate
}

// algs are the algorithms AWS accepts: RSA PKCS#1 v1.5 and ECDSA with
// the curve the name fixes. Not none, HMAC or PSS.
var algs = map[string]*alg{
	"RS256": {name: "RS256"},
	"RS384": {name: "RS384"},
	"RS512": {name: "RS512"},
	"ES256": {name: "ES256", curve: elliptic.P256(), size: 32},
	"ES384": {name: "ES384", curve: elliptic.P384(), size: 48},
	"ES512": {name: "ES512", curve: elliptic.P521(), size: 66},
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

// parseJWKS parses a JSON Web Key Set. Keys for another use than "sig",
// keys of other types than RSA and EC and keys that do not parse are
// skipped; more than 100 signing keys of one type is an error.
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
		stringMember(km, "use", &use)
		if use != "" && use != "sig" {
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
		k, err := parseJWK(km, kty)
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

func parseJWK(m map[string]json.RawMessage, kty string) (*jwk, error) {
	k := &jwk{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"kid", &k.kid}, {"alg", &k.alg}} {
		if _, err := stringMember(m, f.name, f.dst); err != nil {
			return nil, err
		}
	}
	if raw, ok := m["key_ops"]; ok {
		var ops []string
		if json.Unmarshal(raw, &ops) != nil {
			return nil, errors.New("key_ops is not an array of strings")
		}
		verify := false
		for _, op := range ops {
			verify = verify || op == "verify"
		}
		if !verify {
			return nil, errors.New("key_ops lacks verify")
		}
	}
	if kty == "RSA" {
		n, err := keyBytes(m, "n")
		if err != nil {
			return nil, err
		}
		e, err := keyBytes(m, "e")
		if err != nil {
			return nil, err
		}
		N := new(big.Int).SetBytes(n)
		E := new(big.Int).SetBytes(e)
		if N.BitLen() > maxRSABits || N.Bit(0) == 0 || N.BitLen() < 512 {
			return nil, errors.New("bad RSA modulus")
		}
		if E.BitLen() > 31 || E.Bit(0) == 0 || E.Int64() < 3 {
			return nil, errors.New("bad RSA exponent")
		}
		k.rsa = &rsa.PublicKey{N: N, E: int(E.Int64())}
		return k, nil
	}
	var crv string
	stringMember(m, "crv", &crv)
	var a *alg
	switch crv {
	case "P-256":
		a = algs["ES256"]
	case "P-384":
		a = algs["ES384"]
	case "P-521":
		a = algs["ES512"]
	default:
		return nil, errors.New("unsupported curve")
	}
	x, err := keyBytes(m, "x")
	if err != nil {
		return nil, err
	}
	y, err := keyBytes(m, "y")
	if err != nil {
		return nil, err
	}
	if len(x) != a.size || len(y) != a.size {
		return nil, errors.New("bad EC coordinate length")
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(a.curve, point)
	if err != nil {
		return nil, errors.New("EC point is not on the curve")
	}
	k.ec = pub
	return k, nil
}

// keyBytes decodes the base64url member name of a key. Trailing padding,
// which RFC 7518 forbids but some issuers send, is tolerated.
func keyBytes(m map[string]json.RawMessage, name string) ([]byte, error) {
	var s string
	if ok, err := stringMember(m, name, &s); err != nil || !ok || s == "" {
		return nil, fmt.Errorf("no %s", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("%s is not base64url", name)
	}
	return b, nil
}
