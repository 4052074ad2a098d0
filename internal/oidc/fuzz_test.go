package oidc

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc/oidctest"
)

// fuzzSeeds are tokens of every shape: valid ones signed by iss, and
// broken or forged variants of them.
func fuzzSeeds(iss *oidctest.Issuer, valid []string) []string {
	seeds := append([]string{
		"", ".", "..", "a.b.c", "e30.e30.", "e30.e30.e30",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJzIn0.",
		"eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiYiJdfQ.e30.c2ln",
	}, valid...)
	for _, tok := range valid {
		parts := strings.Split(tok, ".")
		seeds = append(seeds,
			tok[:len(tok)-1],
			tok[:len(tok)/2],
			parts[0]+"."+parts[1]+".",
			parts[0]+"."+parts[1],
			tok+".",
			strings.ToUpper(tok[:8])+tok[8:],
			parts[0]+"."+parts[1]+"."+parts[2][1:]+"A",
			b64url(`{"alg":"none","kid":"k1"}`)+"."+parts[1]+".",
			b64url(`{"alg":"HS256","kid":"k1"}`)+"."+parts[1]+"."+parts[2],
		)
	}
	return seeds
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzVerify checks that Verify never panics, fails only with a typed
// error, and never accepts a token whose header and payload the issuer did
// not sign: any token it accepts has a signing input among those the
// issuer's real keys signed, and its signature checks out with those keys
// by a separate computation. (ECDSA signatures are malleable, so only the
// signed content, not the whole string, is required to be one of the
// issuer's.)
func FuzzVerify(f *testing.F) {
	iss := oidctest.NewIssuer(f)
	esKid := iss.Rotate("ES256")
	now := time.Unix(1_800_000_000, 0)
	v := New(Config{RootCAs: iss.CertPool(), Now: func() time.Time { return now }})
	p := Provider{URL: iss.URL, ClientIDs: []string{"sts.amazonaws.com"}}
	claims := map[string]any{
		"iss": iss.URL, "sub": "system:serviceaccount:ns:sa", "aud": "sts.amazonaws.com",
		"iat": now.Unix() - 60, "exp": now.Unix() + 3600,
	}
	multi := map[string]any{
		"iss": iss.URL, "sub": "s", "aud": []string{"a", "b"}, "azp": "sts.amazonaws.com",
		"iat": now.Unix(), "exp": now.Unix() + 60, "nbf": now.Unix() - 1,
	}
	valid := []string{
		iss.SignWith(map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"}, claims, iss.Key("k1")),
		iss.SignWith(map[string]any{"alg": "ES256", "kid": esKid}, claims, iss.Key(esKid)),
		iss.SignWith(map[string]any{"alg": "RS256"}, multi, iss.Key("k1")), // no kid: the only RSA key
	}
	signed := map[string]bool{}
	for _, tok := range valid {
		signed[tok[:strings.LastIndex(tok, ".")]] = true
		parsed, err := Parse(tok)
		if err != nil {
			f.Fatal(err)
		}
		if err := v.Verify(f.Context(), parsed, p); err != nil { // and warm the cache
			f.Fatalf("valid seed: %v", err)
		}
	}
	for _, s := range fuzzSeeds(iss, valid) {
		f.Add(s)
	}
	pubs := map[string]any{"k1": iss.Key("k1").Public(), esKid: iss.Key(esKid).Public()}

	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != InvalidToken {
				t.Fatalf("Parse: untyped or wrong kind: %v", err)
			}
			return
		}
		err = v.Verify(t.Context(), tok, p)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind < InvalidToken || e.Kind > Communication || e.Message == "" {
				t.Fatalf("Verify: untyped error %v", err)
			}
			if len(s) > 16 && strings.Contains(err.Error(), s) {
				t.Fatalf("error holds the token: %v", err)
			}
			return
		}
		input := s[:strings.LastIndex(s, ".")]
		if !signed[input] {
			t.Fatalf("accepted a token the issuer did not sign: %q", s)
		}
		kid := tok.Header.Kid
		if kid == "" {
			kid = "k1"
		}
		if !independentlyValid(pubs[kid], tok.Header.Alg, input, tok.signature) {
			t.Fatalf("accepted a signature that does not verify: %q", s)
		}
	})
}

// independentlyValid checks an RS256 or ES256 signature without the
// package's code.
func independentlyValid(pub any, alg, input string, sig []byte) bool {
	digest := sha256.Sum256([]byte(input))
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return alg == "RS256" && rsa.VerifyPKCS1v15(k, 5 /* crypto.SHA256 */, digest[:], sig) == nil
	case *ecdsa.PublicKey:
		return alg == "ES256" && len(sig) == 64 &&
			ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	}
	return false
}

// FuzzParse checks that Parse never panics, refuses with a typed error,
// keeps the segments as sent (each has one base64url encoding), and that
// parsing is stable: the claims and header re-encoded parse to the same
// token.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a.b.c", "e30.e30.", "e30.e30.e30",
		b64url(`{"alg":"RS256","kid":"k1","typ":"JWT"}`) + "." + b64url(`{"iss":"https://i","sub":"s","aud":["a","b"],"azp":"a","amr":"pwd","exp":1.5,"iat":0,"nbf":1e9,"x":{"y":[1,2]}}`) + ".c2ln",
		b64url(`{"alg":"ES256","kid":null}`) + "." + b64url(`{"aud":"a","exp":null}`) + ".",
		b64url(`{"alg":"RS256"}`) + "." + b64url(`{"sub":"\u00e9\ud83d\ude00<>&"}`) + ".AA",
		b64url(`{"alg":"RS256"}`) + "." + b64url(`{"sub":"s","sub":"t"}`) + ".AA",
		b64url(`{"alg":"RS256"}`) + "." + b64url(`{"exp":"1"}`) + ".AA",
		b64url(`{"alg":"RS256"} `) + "." + b64url(` {"exp":1} `) + ".AAA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != InvalidToken || e.Message != msgNotJWT {
				t.Fatalf("untyped or wrong error %v", err)
			}
			return
		}
		parts := strings.Split(s, ".")
		if len(parts) != 3 || len(s) > MaxTokenBytes {
			t.Fatalf("accepted %d segments, %d bytes", len(parts), len(s))
		}
		if string(tok.signingInput) != parts[0]+"."+parts[1] {
			t.Fatalf("signing input %q, want %q", tok.signingInput, parts[0]+"."+parts[1])
		}
		if got := base64.RawURLEncoding.EncodeToString(tok.signature); got != parts[2] {
			t.Fatalf("signature re-encodes to %q, want %q", got, parts[2])
		}
		for _, seg := range parts[:2] {
			b, err := base64.RawURLEncoding.DecodeString(seg)
			if err != nil || base64.RawURLEncoding.EncodeToString(b) != seg {
				t.Fatalf("segment %q does not re-encode", seg)
			}
		}

		// Parse, print, parse.
		header := map[string]string{"alg": tok.Header.Alg}
		if tok.Header.Kid != "" {
			header["kid"] = tok.Header.Kid
		}
		if tok.Header.Typ != "" {
			header["typ"] = tok.Header.Typ
		}
		h, err := json.Marshal(header)
		if err != nil {
			t.Fatal(err)
		}
		c, err := json.Marshal(tok.Claims.Raw)
		if err != nil {
			t.Fatalf("claims do not re-encode: %v", err)
		}
		again := b64url(string(h)) + "." + b64url(string(c)) + "." + parts[2]
		if len(again) > MaxTokenBytes {
			return
		}
		tok2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-encoded token does not parse: %v", err)
		}
		if tok2.Header != tok.Header || !sameClaims(&tok.Claims, &tok2.Claims) {
			t.Fatalf("unstable parse:\n%+v\n%+v", tok, tok2)
		}
	})
}

func sameClaims(a, b *Claims) bool {
	if a.Issuer != b.Issuer || a.Subject != b.Subject || a.AuthorizedParty != b.AuthorizedParty ||
		!slices.Equal(a.Audience, b.Audience) || !slices.Equal(a.AMR, b.AMR) ||
		!a.Expiry.Equal(b.Expiry) || !a.IssuedAt.Equal(b.IssuedAt) || !a.NotBefore.Equal(b.NotBefore) ||
		len(a.Raw) != len(b.Raw) {
		return false
	}
	for k := range a.Raw {
		if _, ok := b.Raw[k]; !ok {
			return false
		}
	}
	return (a.Audience == nil) == (b.Audience == nil)
}
