// Package eksauthtest makes what tests of EKS Pod Identity need: a
// cluster's service-account signing key, its JWKS (as a cluster pushes
// it), and tokens in the shape kube-apiserver gives a pod's projected
// eks-pod-identity-token.
package eksauthtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Audience is the audience of Pod Identity tokens.
const Audience = "pods.eks.amazonaws.com"

// Key is a cluster's service-account signing key: ES256 (NewKey) or
// RS256 (NewRSAKey, kube-apiserver's usual kind).
type Key struct {
	Issuer string
	Kid    string
	alg    jose.SignatureAlgorithm
	priv   crypto.Signer
}

// NewKey makes an ES256 signing key for the cluster whose issuer is
// issuer.
func NewKey(issuer string) *Key {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return newKey(issuer, jose.ES256, priv)
}

// NewRSAKey makes an RS256 signing key (2048 bits, as kubeadm makes a
// cluster's sa.key) for the cluster whose issuer is issuer.
func NewRSAKey(issuer string) *Key {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return newKey(issuer, jose.RS256, priv)
}

// newKey names a key by the SHA-256 of its public key's DER encoding.
func newKey(issuer string, alg jose.SignatureAlgorithm, priv crypto.Signer) *Key {
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(der)
	return &Key{Issuer: issuer, Kid: hex.EncodeToString(sum[:20]), alg: alg, priv: priv}
}

// JWKS is the key set document of the public key, as a cluster pushes it.
func (k *Key) JWKS() []byte {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.priv.Public(), KeyID: k.Kid, Algorithm: string(k.alg), Use: "sig"}}}
	b, err := json.Marshal(set)
	if err != nil {
		panic(err)
	}
	return b
}

// Pod names a pod and its ServiceAccount.
type Pod struct {
	Namespace, ServiceAccount, Name string
	// UID and ServiceAccountUID default to fixed values.
	UID, ServiceAccountUID string
}

// Claims are a projected token's claims for pod, issued now for ttl, as
// kube-apiserver writes them (iss, aud, sub, exp, iat, nbf, kubernetes.io
// with the namespace, the pod and the ServiceAccount).
func (k *Key) Claims(p Pod, now time.Time, ttl time.Duration) map[string]any {
	if p.UID == "" {
		p.UID = "0b1d4a8e-0c4e-4d0e-8a4e-2f1c3b5d6e7f"
	}
	if p.ServiceAccountUID == "" {
		p.ServiceAccountUID = "6c0e2c4b-3b8f-4a47-9a57-0e5d7c1f2a3b"
	}
	return map[string]any{
		"iss": k.Issuer, "aud": []string{Audience},
		"sub": "system:serviceaccount:" + p.Namespace + ":" + p.ServiceAccount,
		"exp": now.Add(ttl).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"kubernetes.io": map[string]any{
			"namespace":      p.Namespace,
			"pod":            map[string]string{"name": p.Name, "uid": p.UID},
			"serviceaccount": map[string]string{"name": p.ServiceAccount, "uid": p.ServiceAccountUID},
		},
	}
}

// Sign signs claims into a compact JWS with the key (its algorithm, its
// kid).
func (k *Key) Sign(claims map[string]any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.Kid))
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

// Token is a pod's token, issued now for a day.
func (k *Key) Token(p Pod, now time.Time) string {
	return k.Sign(k.Claims(p, now, 24*time.Hour))
}
