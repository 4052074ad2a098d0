package oidc_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// TestVerifyAlgorithms checks that tokens signed with each supported
// algorithm verify, each with its own kid, by one verifier.
func TestVerifyAlgorithms(t *testing.T) {
	iss := oidctest.NewIssuer(t, oidctest.WithPath("/id/ABC"))
	algs := []string{"RS256", "ES256", "RS384", "ES384", "RS512", "ES512"}
	kids := map[string]string{}
	for _, alg := range algs {
		kids[alg] = iss.Rotate(alg)
	}
	v := oidc.New(trusting(iss))
	p := provider(iss)
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			kid := kids[alg]
			token := iss.SignWith(map[string]any{"alg": alg, "kid": kid, "typ": "JWT"}, iss.Claims("system:serviceaccount:ns:sa", clientID, time.Hour), iss.Key(kid))
			tok, err := oidc.Parse(token)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Header.Alg != alg || tok.Header.Kid != kid || tok.Claims.Subject != "system:serviceaccount:ns:sa" {
				t.Fatalf("parsed %+v", tok)
			}
			if err := v.Verify(t.Context(), tok, p); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
	if iss.Fetches() != 1 {
		t.Errorf("%d JWKS fetches, want 1", iss.Fetches())
	}
}

// TestVerifyRefuses checks each way a token can be wrong, or forged, and
// the kind of error it gets, against one issuer and one verifier (real
// time; the tokens are made relative to it).
func TestVerifyRefuses(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	v := oidc.New(trusting(iss))
	p := provider(iss)
	rsaKey := iss.Key("k1").(*rsa.PrivateKey)
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	attackerEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkix, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	pubPKCS1 := x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)

	now := time.Now()
	claims := func(mod func(c map[string]any)) map[string]any {
		c := iss.Claims("system:serviceaccount:ns:sa", clientID, time.Hour)
		if mod != nil {
			mod(c)
		}
		return c
	}
	k1 := map[string]any{"alg": "RS256", "kid": "k1"}
	hdr := func(alg string) map[string]any { return map[string]any{"alg": alg, "kid": "k1"} }

	tests := []struct {
		name  string
		token func() string
		p     *oidc.Provider // default p
		want  oidc.Kind      // 0: accepted
		msg   string         // prefix of the message, if set
	}{
		{name: "valid", token: func() string { return iss.Sign(claims(nil)) }},
		{name: "valid without typ", token: func() string { return iss.SignWith(k1, claims(nil), rsaKey) }},
		{name: "valid without kid, one key", token: func() string { return iss.SignWith(map[string]any{"alg": "RS256"}, claims(nil), rsaKey) }},
		{name: "fractional dates", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["exp"] = float64(now.Add(time.Hour).UnixNano()) / 1e9 }))
		}},

		// Algorithm confusion.
		{name: "alg none", token: func() string { return iss.SignWith(hdr("none"), claims(nil), nil) }, want: oidc.InvalidToken},
		{name: "alg None", token: func() string { return iss.SignWith(hdr("None"), claims(nil), nil) }, want: oidc.InvalidToken},
		{name: "alg none with an RS256 signature", token: func() string { return iss.SignWith(hdr("none"), claims(nil), rsaKey) }, want: oidc.InvalidToken, msg: "The token's signing algorithm is not supported"},
		{name: "HS256 keyed with the PEM public key", token: func() string { return iss.SignWith(hdr("HS256"), claims(nil), pubPEM) }, want: oidc.InvalidToken, msg: "The token's signing algorithm is not supported"},
		{name: "HS256 keyed with the PKIX DER public key", token: func() string { return iss.SignWith(hdr("HS256"), claims(nil), pkix) }, want: oidc.InvalidToken},
		{name: "HS256 keyed with the PKCS#1 public key", token: func() string { return iss.SignWith(hdr("HS256"), claims(nil), pubPKCS1) }, want: oidc.InvalidToken},
		{name: "HS256 keyed with n", token: func() string { return iss.SignWith(hdr("HS256"), claims(nil), rsaKey.N.Bytes()) }, want: oidc.InvalidToken},
		{name: "HS512 keyed with n", token: func() string { return iss.SignWith(hdr("HS512"), claims(nil), rsaKey.N.Bytes()) }, want: oidc.InvalidToken},
		{name: "PS256 with the issuer's key", token: func() string { return iss.SignWith(hdr("PS256"), claims(nil), rsaKey) }, want: oidc.InvalidToken, msg: "The token's signing algorithm is not supported"},
		{name: "ES256 header on the RSA kid", token: func() string { return iss.SignWith(hdr("ES256"), claims(nil), attackerEC) }, want: oidc.InvalidToken, msg: "The identity provider's key for the token's kid does not fit"},
		{name: "RS384 header, RS256 key", token: func() string { return iss.SignWith(hdr("RS384"), claims(nil), rsaKey) }, want: oidc.InvalidToken, msg: "The identity provider's key for the token's kid does not fit"},
		{name: "rs256 lower case", token: func() string { return iss.SignWith(hdr("rs256"), claims(nil), rsaKey) }, want: oidc.InvalidToken},

		// Forged or damaged signatures.
		{name: "another key, same kid", token: func() string { return iss.SignWith(k1, claims(nil), attacker) }, want: oidc.InvalidToken, msg: "The token's signature does not verify"},
		{name: "another key in the jwk header", token: func() string {
			h := map[string]any{"alg": "RS256", "kid": "k1", "jwk": oidctest.PublicJWK("k1", "RS256", &attacker.PublicKey)}
			return iss.SignWith(h, claims(nil), attacker)
		}, want: oidc.InvalidToken},
		{name: "jku header to the attacker", token: func() string {
			return iss.SignWith(map[string]any{"alg": "RS256", "kid": "k1", "jku": "https://attacker.example/keys"}, claims(nil), attacker)
		}, want: oidc.InvalidToken},
		{name: "tampered payload", token: func() string {
			good := strings.Split(iss.Sign(claims(nil)), ".")
			evil := strings.Split(iss.Sign(claims(func(c map[string]any) { c["sub"] = "system:serviceaccount:kube-system:admin" })), ".")
			return good[0] + "." + evil[1] + "." + good[2]
		}, want: oidc.InvalidToken, msg: "The token's signature does not verify"},
		{name: "tampered header", token: func() string {
			good := strings.Split(iss.Sign(claims(nil)), ".")
			return seg(`{"alg":"RS256","kid":"k1","x":1}`) + "." + good[1] + "." + good[2]
		}, want: oidc.InvalidToken},
		{name: "signature cut short", token: func() string { tok := iss.Sign(claims(nil)); return tok[:len(tok)-4] }, want: oidc.InvalidToken},
		{name: "no signature", token: func() string { tok := iss.Sign(claims(nil)); return tok[:strings.LastIndex(tok, ".")+1] }, want: oidc.InvalidToken},
		{name: "truncated in the payload", token: func() string { tok := iss.Sign(claims(nil)); return tok[:strings.Index(tok, ".")+10] }, want: oidc.InvalidToken},
		{name: "unknown kid", token: func() string { return iss.SignWith(map[string]any{"alg": "RS256", "kid": "k9"}, claims(nil), attacker) }, want: oidc.InvalidToken, msg: msgNoKey},
		{name: "no kid, no key fits", token: func() string { return iss.SignWith(map[string]any{"alg": "ES256"}, claims(nil), attackerEC) }, want: oidc.InvalidToken, msg: msgNoKey},

		// Issuer and audience.
		{name: "other issuer", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["iss"] = iss.URL + "/" })) }, want: oidc.InvalidToken},
		{name: "wrong aud", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["aud"] = "other" })) }, want: oidc.InvalidToken, msg: "Incorrect token audience"},
		{name: "aud differs in case", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["aud"] = "STS.amazonaws.com" })) }, want: oidc.InvalidToken, msg: "Incorrect token audience"},
		{name: "no aud", token: func() string { return iss.Sign(claims(func(c map[string]any) { delete(c, "aud") })) }, want: oidc.InvalidToken, msg: "Incorrect token audience"},
		{name: "aud list of one", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["aud"] = []string{clientID} })) }},
		{name: "several aud without azp", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["aud"] = []string{clientID, "other"} }))
		}, want: oidc.InvalidToken, msg: "Token audience contains more than one audience while authorized party is not present"},
		{name: "several aud, azp a client id", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["aud"] = []string{"other", "more"}; c["azp"] = clientID }))
		}},
		{name: "aud a client id, azp not", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["azp"] = "other" })) }, want: oidc.InvalidToken, msg: "Incorrect token audience"},
		{name: "second client id", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["aud"] = "app" })) }, p: &oidc.Provider{URL: iss.URL, ClientIDs: []string{clientID, "app"}}},

		// Required claims and time.
		{name: "missing sub", token: func() string { return iss.Sign(claims(func(c map[string]any) { delete(c, "sub") })) }, want: oidc.InvalidToken, msg: "Missing a required claim: sub"},
		{name: "empty sub", token: func() string { return iss.Sign(claims(func(c map[string]any) { c["sub"] = "" })) }, want: oidc.InvalidToken, msg: "Missing a required claim: sub"},
		{name: "missing iat", token: func() string { return iss.Sign(claims(func(c map[string]any) { delete(c, "iat") })) }, want: oidc.InvalidToken, msg: "Missing a required claim: iat"},
		{name: "missing exp", token: func() string { return iss.Sign(claims(func(c map[string]any) { delete(c, "exp") })) }, want: oidc.InvalidToken, msg: "Missing a required claim: exp"},
		{name: "expired", token: func() string {
			return iss.Sign(claims(func(c map[string]any) {
				c["iat"] = now.Add(-2 * time.Hour).Unix()
				c["exp"] = now.Add(-time.Hour).Unix()
			}))
		}, want: oidc.ExpiredToken, msg: "Token expired: current date/time "},
		{name: "expired within the leeway", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }))
		}},
		{name: "expired beyond the leeway", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["exp"] = now.Add(-6 * time.Minute).Unix() }))
		}, want: oidc.ExpiredToken},
		{name: "expired, badly signed: time first", token: func() string {
			return iss.SignWith(k1, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), attacker)
		}, want: oidc.ExpiredToken},
		{name: "nbf in the future", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() }))
		}, want: oidc.Rejected},
		{name: "nbf within the leeway", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }))
		}},
		{name: "iat in the future", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }))
		}, want: oidc.Rejected},
		{name: "iat within the leeway", token: func() string {
			return iss.Sign(claims(func(c map[string]any) { c["iat"] = now.Add(time.Minute).Unix() }))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pp := p
			if tt.p != nil {
				pp = *tt.p
			}
			token := tt.token()
			err := verify(t, v, token, pp)
			if got := kind(t, err); got != tt.want {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			if tt.msg != "" && !strings.HasPrefix(message(err), tt.msg) {
				t.Fatalf("message %q, want prefix %q", message(err), tt.msg)
			}
			if err != nil && strings.Contains(err.Error(), strings.Split(token, ".")[0]) {
				t.Fatalf("error %q holds part of the token", err)
			}
		})
	}
}

// TestExpiredMessage checks AWS's wording, with the injected time.
func TestExpiredMessage(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	cfg := trusting(iss)
	cfg.Now = func() time.Time { return time.Unix(1_800_000_000, 0) }
	v := oidc.New(cfg)
	token := iss.Sign(map[string]any{"iss": iss.URL, "sub": "s", "aud": clientID, "iat": 1_799_990_000, "exp": 1_799_999_000})
	err := verify(t, v, token, provider(iss))
	want := "Token expired: current date/time 1800000000 must be before the expiration date/time 1799999000"
	if kind(t, err) != oidc.ExpiredToken || message(err) != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// TestKindNames checks that the kinds have oidc's own names, not AWS's
// codes (internal/sts maps kinds to codes), and that Error() leads with
// the kind.
func TestKindNames(t *testing.T) {
	for k, want := range map[oidc.Kind]string{
		oidc.InvalidToken: "invalid token", oidc.ExpiredToken: "expired", oidc.Rejected: "rejected claim",
		oidc.Communication: "issuer unreachable", 0: "Kind(0)", 9: "Kind(9)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
	err := &oidc.Error{Kind: oidc.ExpiredToken, Message: "m", Err: errors.New("c")}
	if got := err.Error(); got != "expired: m: c" {
		t.Errorf("Error() = %q", got)
	}
}

// TestKeySelection checks which JWKS key a token uses: by kid, or the
// only key that fits its alg; keys too short or of the wrong type are
// refused.
func TestKeySelection(t *testing.T) {
	rs1, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs2, _ := rsa.GenerateKey(rand.Reader, 2048)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	type key = map[string]any
	tests := []struct {
		name   string
		jwks   []key
		header map[string]any
		signer any
		want   oidc.Kind
		msg    string
	}{
		{name: "no kid, one RSA and one EC key, RS256", jwks: []key{oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), oidctest.PublicJWK("b", "ES256", &ec.PublicKey)}, header: key{"alg": "RS256"}, signer: rs1},
		{name: "no kid, one RSA and one EC key, ES256", jwks: []key{oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), oidctest.PublicJWK("b", "ES256", &ec.PublicKey)}, header: key{"alg": "ES256"}, signer: ec},
		{name: "no kid, two RSA keys", jwks: []key{oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), oidctest.PublicJWK("b", "RS256", &rs2.PublicKey)}, header: key{"alg": "RS256"}, signer: rs1, want: oidc.InvalidToken, msg: "The token has no kid"},
		{name: "no kid, two RSA keys but one for RS512", jwks: []key{oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), oidctest.PublicJWK("b", "RS512", &rs2.PublicKey)}, header: key{"alg": "RS256"}, signer: rs1},
		{name: "JWK without alg fits any RSA alg", jwks: []key{oidctest.PublicJWK("a", "", &rs1.PublicKey)}, header: key{"alg": "RS512", "kid": "a"}, signer: rs1},
		{name: "JWK alg differs", jwks: []key{oidctest.PublicJWK("a", "RS512", &rs1.PublicKey)}, header: key{"alg": "RS256", "kid": "a"}, signer: rs1, want: oidc.InvalidToken, msg: "The identity provider's key for the token's kid does not fit"},
		{name: "ES384 token, P-256 key", jwks: []key{oidctest.PublicJWK("a", "", &ec.PublicKey)}, header: key{"alg": "ES384", "kid": "a"}, signer: ec384, want: oidc.InvalidToken, msg: "The identity provider's key for the token's kid does not fit"},
		{name: "two keys with one kid, the second signed", jwks: []key{oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), oidctest.PublicJWK("a", "RS256", &rs2.PublicKey)}, header: key{"alg": "RS256", "kid": "a"}, signer: rs2},
		{name: "RSA 1024", jwks: []key{oidctest.PublicJWK("w", "RS256", &weak.PublicKey)}, header: key{"alg": "RS256", "kid": "w"}, signer: weak, want: oidc.InvalidToken, msg: "The identity provider's RSA key is shorter than 2048 bits"},
		{name: "encryption key skipped", jwks: []key{withUse(oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), "enc")}, header: key{"alg": "RS256", "kid": "a"}, signer: rs1, want: oidc.InvalidToken, msg: msgNoKey},
		{name: "oct key ignored", jwks: []key{{"kty": "oct", "kid": "a", "k": seg("secret")}}, header: key{"alg": "RS256", "kid": "a"}, signer: rs1, want: oidc.InvalidToken, msg: msgNoKey},
		{name: "key_ops without verify skipped", jwks: []key{withOps(oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), "encrypt")}, header: key{"alg": "RS256", "kid": "a"}, signer: rs1, want: oidc.InvalidToken, msg: msgNoKey},
		{name: "key_ops with verify", jwks: []key{withOps(oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), "verify")}, header: key{"alg": "RS256", "kid": "a"}, signer: rs1},
		{name: "broken key skipped, good key used", jwks: []key{{"kty": "RSA", "kid": "a", "n": "!!", "e": "AQAB"}, oidctest.PublicJWK("b", "RS256", &rs1.PublicKey)}, header: key{"alg": "RS256", "kid": "b"}, signer: rs1},
		{name: "EC point off the curve", jwks: []key{offCurve(oidctest.PublicJWK("a", "ES256", &ec.PublicKey))}, header: key{"alg": "ES256", "kid": "a"}, signer: ec, want: oidc.InvalidToken, msg: msgNoKey},
		{name: "bad keys of the same kid skipped, the good one used", jwks: badKeysAnd("a", oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), &ec.PublicKey), header: key{"alg": "RS256", "kid": "a"}, signer: rs1},
		{name: "bad keys do not make a token without kid ambiguous", jwks: badKeysAnd("a", oidctest.PublicJWK("a", "RS256", &rs1.PublicKey), &ec.PublicKey), header: key{"alg": "RS256"}, signer: rs1},
		{name: "bad keys around a good EC key", jwks: badKeysAnd("b", oidctest.PublicJWK("b", "ES256", &ec.PublicKey), &ec.PublicKey), header: key{"alg": "ES256", "kid": "b"}, signer: ec},
		{name: "only bad keys", jwks: badKeysAnd("a", nil, &ec.PublicKey), header: key{"alg": "RS256", "kid": "a"}, signer: rs1, want: oidc.InvalidToken, msg: msgNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwks := mustJSON(t, map[string]any{"keys": tt.jwks})
			iss := oidctest.NewIssuer(t, oidctest.WithJWKSOverride(func() []byte { return jwks }))
			v := oidc.New(trusting(iss))
			token := iss.SignWith(tt.header, iss.Claims("s", clientID, time.Hour), tt.signer)
			err := verify(t, v, token, provider(iss))
			if got := kind(t, err); got != tt.want {
				t.Fatalf("got %v, want kind %v", err, tt.want)
			}
			if tt.msg != "" && !strings.HasPrefix(message(err), tt.msg) {
				t.Fatalf("message %q, want prefix %q", message(err), tt.msg)
			}
		})
	}
}

func withUse(k map[string]any, use string) map[string]any { k["use"] = use; return k }

// badKeysAnd returns keys that must all be skipped, every one with kid,
// then good (if not nil): a broken modulus, an encryption key, keys whose
// key_ops lack verify, an HMAC key, an EC point off the curve, a key with
// a duplicate member and entries that are not keys.
func badKeysAnd(kid string, good map[string]any, ec *ecdsa.PublicKey) []map[string]any {
	bad := []map[string]any{
		{"kty": "RSA", "kid": kid, "n": "!!", "e": "AQAB"},
		{"kty": "RSA", "kid": kid, "n": "", "e": "AQAB"},
		withUse(oidctest.PublicJWK(kid, "RS256", &mustRSA().PublicKey), "enc"),
		withOps(oidctest.PublicJWK(kid, "RS256", &mustRSA().PublicKey), "sign"),
		withOps(oidctest.PublicJWK(kid, "ES256", ec), "encrypt"),
		{"kty": "oct", "kid": kid, "k": seg("a shared secret of 32 bytes....!")},
		offCurve(oidctest.PublicJWK(kid, "ES256", ec)),
		{"kty": "EC", "kid": kid, "crv": "P-256"},
		{"kid": kid},
	}
	if good != nil {
		bad = append(bad, good)
	}
	return bad
}

var (
	spareOnce sync.Once
	spare     *rsa.PrivateKey
)

// mustRSA returns an RSA key that signs nothing here.
func mustRSA() *rsa.PrivateKey {
	spareOnce.Do(func() {
		var err error
		if spare, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return spare
}

func withOps(k map[string]any, ops ...string) map[string]any {
	delete(k, "use")
	k["key_ops"] = ops
	return k
}

func offCurve(k map[string]any) map[string]any {
	y := []byte(k["y"].(string))
	if y[5] == 'A' {
		y[5] = 'B'
	} else {
		y[5] = 'A'
	}
	k["y"] = string(y)
	return k
}
