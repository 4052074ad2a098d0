package oidc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// TestParseJWKSKeys checks, key by key, which keys of a JWKS are kept: a
// key that does not decode, is not for signatures or verification, is of
// another type or curve, carries private parameters or is out of podiam's
// limits is skipped, and the others are kept.
func TestParseJWKSKeys(t *testing.T) {
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec := map[string]*ecdsa.PrivateKey{}
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		if ec[c.Params().Name], err = ecdsa.GenerateKey(c, rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	// rsaKey is rs as a JWK with kid, changed by set.
	rsaKey := func(kid string, set map[string]any) map[string]any {
		k := oidctest.PublicJWK(kid, "RS256", &rs.PublicKey)
		delete(k, "use")
		for name, v := range set {
			if v == nil {
				delete(k, name)
			} else {
				k[name] = v
			}
		}
		return k
	}
	ecKey := func(kid, crv string) map[string]any {
		return oidctest.PublicJWK(kid, "", &ec[crv].PublicKey)
	}
	private := func(kid string, key any) map[string]any {
		b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	cert := func(priv *rsa.PrivateKey) string {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "k"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(der)
	}
	// modulus is an odd number of bits bits (not a product of two primes:
	// nothing here checks).
	modulus := func(bits int) string {
		n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
		return b64(n.SetBit(n, 0, 1).Bytes())
	}
	offCurve := ecKey("ec-off-curve", "P-256")
	offCurve["y"] = b64(make([]byte, 32))
	shortX := ecKey("ec-short-x", "P-256")
	shortX["x"] = b64(make([]byte, 31))

	tests := []struct {
		kid  string
		key  any // a map, or raw JSON
		kept bool
	}{
		{"rsa", rsaKey("rsa", nil), true},
		{"rsa-use-sig", rsaKey("rsa-use-sig", map[string]any{"use": "sig"}), true},
		{"rsa-use-enc", rsaKey("rsa-use-enc", map[string]any{"use": "enc"}), false},
		{"rsa-use-number", rsaKey("rsa-use-number", map[string]any{"use": 1}), false},
		{"rsa-ops-verify", rsaKey("rsa-ops-verify", map[string]any{"key_ops": []string{"verify"}}), true},
		{"rsa-ops-sign-verify", rsaKey("rsa-ops-sign-verify", map[string]any{"key_ops": []string{"sign", "verify"}}), true},
		{"rsa-ops-sign", rsaKey("rsa-ops-sign", map[string]any{"key_ops": []string{"sign"}}), false},
		{"rsa-ops-empty", rsaKey("rsa-ops-empty", map[string]any{"key_ops": []string{}}), false},
		{"rsa-ops-null", json.RawMessage(`{"kty":"RSA","kid":"rsa-ops-null","key_ops":null,"n":"` + b64(rs.N.Bytes()) + `","e":"AQAB"}`), false},
		{"rsa-ops-string", rsaKey("rsa-ops-string", map[string]any{"key_ops": "verify"}), false},
		{"rsa-use-sig-ops-verify", rsaKey("rsa-use-sig-ops-verify", map[string]any{"use": "sig", "key_ops": []string{"verify"}}), true},
		{"rsa-padded", rsaKey("rsa-padded", map[string]any{"n": b64(rs.N.Bytes()) + "==", "e": "AQAB="}), true},
		{"rsa-bad-n", rsaKey("rsa-bad-n", map[string]any{"n": "!!"}), false},
		{"rsa-no-e", rsaKey("rsa-no-e", map[string]any{"e": nil}), false},
		{"rsa-e-even", rsaKey("rsa-e-even", map[string]any{"e": "Ag"}), false},
		{"rsa-e-1", rsaKey("rsa-e-1", map[string]any{"e": "AQ"}), false},
		{"rsa-e-32-bits", rsaKey("rsa-e-32-bits", map[string]any{"e": "gAAAAQ"}), false},
		{"rsa-n-even", rsaKey("rsa-n-even", map[string]any{"n": b64(new(big.Int).Lsh(rs.N, 1).Bytes())}), false},
		{"rsa-n-256-bits", rsaKey("rsa-n-256-bits", map[string]any{"n": modulus(256)}), false},
		{"rsa-1024", oidctest.PublicJWK("rsa-1024", "RS256", &weak.PublicKey), true}, // refused when used
		{"rsa-6000", rsaKey("rsa-6000", map[string]any{"n": modulus(6000)}), true},
		{"rsa-8192", rsaKey("rsa-8192", map[string]any{"n": modulus(8192)}), true},
		{"rsa-8193", rsaKey("rsa-8193", map[string]any{"n": modulus(8193)}), false},
		{"rsa-private", private("rsa-private", rs), false},
		{"rsa-x5c", rsaKey("rsa-x5c", map[string]any{"x5c": []string{cert(rs)}}), true},
		{"rsa-x5c-of-another-key", rsaKey("rsa-x5c-of-another-key", map[string]any{"x5c": []string{cert(other)}}), false},
		{"rsa-duplicate-member", json.RawMessage(`{"kty":"RSA","kid":"rsa-duplicate-member","n":"` + b64(rs.N.Bytes()) + `","e":"AQAB","e":"AQAB"}`), false},
		{"rsa-kty-lower-case", rsaKey("rsa-kty-lower-case", map[string]any{"kty": "rsa"}), false},
		{"rsa-no-kty", rsaKey("rsa-no-kty", map[string]any{"kty": nil}), false},
		{"ec-p256", ecKey("ec-p256", "P-256"), true},
		{"ec-p384", ecKey("ec-p384", "P-384"), true},
		{"ec-p521", ecKey("ec-p521", "P-521"), true},
		{"ec-off-curve", offCurve, false},
		{"ec-short-x", shortX, false},
		{"ec-secp256k1", func() map[string]any { k := ecKey("ec-secp256k1", "P-256"); k["crv"] = "secp256k1"; return k }(), false},
		{"ec-private", private("ec-private", ec["P-256"]), false},
		{"oct", private("oct", []byte("a shared secret of 32 bytes....!")), false},
		{"ed25519", private("ed25519", edPub), false},
		{"", json.RawMessage(`"a string"`), false},
		{"", json.RawMessage(`null`), false},
		{"", json.RawMessage(`[1]`), false},
	}
	var keys []any
	var want []string
	for _, tt := range tests {
		keys = append(keys, tt.key)
		if tt.kept {
			want = append(want, tt.kid)
		}
	}
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	set, err := parseJWKS(data)
	if err != nil {
		t.Fatalf("parseJWKS: %v", err)
	}
	var got []string
	for _, k := range set.keys {
		got = append(got, k.kid)
		if len(set.byKid[k.kid]) != 1 {
			t.Errorf("byKid[%q] has %d keys", k.kid, len(set.byKid[k.kid]))
		}
	}
	if !slices.Equal(got, want) {
		for _, tt := range tests {
			if tt.kid != "" && slices.Contains(got, tt.kid) != tt.kept {
				t.Errorf("key %s: kept %v, want %v", tt.kid, !tt.kept, tt.kept)
			}
		}
		t.Fatalf("kept %v\nwant %v", got, want)
	}
	if len(set.byKid) != len(want) {
		t.Errorf("byKid has %d kids, want %d", len(set.byKid), len(want))
	}
}

// TestJOSEAlgs checks that go-jose is allowed exactly the algorithms of
// algs.
func TestJOSEAlgs(t *testing.T) {
	if len(joseAlgs) != len(algs) {
		t.Fatalf("%d go-jose algorithms, %d in algs", len(joseAlgs), len(algs))
	}
	for _, a := range joseAlgs {
		if algs[string(a)] == nil {
			t.Errorf("go-jose may parse %s, which algs lacks", a)
		}
	}
}
