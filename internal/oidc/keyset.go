package oidc

import (
	"context"
	"fmt"
)

// KeySet is a JWKS given rather than discovered: the service-account keys
// a cluster pushes to podiam (EKS Pod Identity), checked by the same rules
// as an issuer's fetched keys (the algorithms, the key limits, the choice
// of key by kid).
type KeySet struct{ set *keySet }

// ParseKeySet parses a JWKS document. Keys podiam cannot verify with are
// skipped, as in a fetched JWKS; a document that is not a JWKS is an
// error.
func ParseKeySet(data []byte) (*KeySet, error) {
	set, err := parseJWKS(data)
	if err != nil {
		return nil, err
	}
	return &KeySet{set: set}, nil
}

// Len is the number of usable keys in the set.
func (ks *KeySet) Len() int { return len(ks.set.keys) }

// VerifySignature checks the signature of t with the keys of ks: the keys
// published under the header's kid (without a kid, the set's only key
// that fits the alg). It checks no claim. Errors are *Error of kind
// InvalidToken.
func (ks *KeySet) VerifySignature(t *Token) error {
	a := algs[t.Header.Alg]
	if a == nil || t.jws == nil {
		return newError(InvalidToken, msgAlg, nil)
	}
	keys, err := ks.set.candidates(t.Header.Kid, a)
	if err == errNoKey {
		return newError(InvalidToken, msgNoKey, fmt.Errorf("no key for kid %q and alg %s in the key set", truncateKid(t.Header.Kid), a.name))
	}
	if err != nil {
		return err
	}
	return verifyWith(keys, t)
}

// VerifySignature checks the signature of t with the keys the issuer
// publishes (its discovery document's jwks_uri), fetched and cached as
// Verify does, with the TLS trust of the configured roots. It checks no
// claim. Errors are *Error.
func (v *Verifier) VerifySignature(ctx context.Context, t *Token, issuer string) error {
	return v.checkSignature(ctx, t, Provider{URL: issuer}, v.cfg.Now())
}

// verifyWith checks t against each candidate key until one verifies.
func verifyWith(keys []*jwk, t *Token) error {
	var err error = newError(InvalidToken, msgSignature, nil)
	for _, k := range keys {
		e := k.verify(t)
		if e == nil {
			return nil
		}
		err = e
	}
	return err
}
