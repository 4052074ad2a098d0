package oidc_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/oidc"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jws builds a compact JWS from a JSON header and payload and a signature.
func jws(header, payload, sig string) string {
	return seg(header) + "." + seg(payload) + "." + seg(sig)
}

const okHeader = `{"alg":"RS256","kid":"k1","typ":"JWT"}`

// TestParse checks the structure Parse accepts and what it reads.
func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		token string
		check func(t *testing.T, tok *oidc.Token)
	}{
		{
			name:  "all claims",
			token: jws(okHeader, `{"iss":"https://i","sub":"s","azp":"a","aud":["x","y"],"amr":"pwd","exp":1700000000,"iat":1699990000,"nbf":1699990000.25,"custom":{"k":1}}`, "sig"),
			check: func(t *testing.T, tok *oidc.Token) {
				c := tok.Claims
				if tok.Header.Alg != "RS256" || tok.Header.Kid != "k1" || tok.Header.Typ != "JWT" {
					t.Errorf("header %+v", tok.Header)
				}
				if c.Issuer != "https://i" || c.Subject != "s" || c.AuthorizedParty != "a" || !slices.Equal(c.Audience, []string{"x", "y"}) || !slices.Equal(c.AMR, []string{"pwd"}) {
					t.Errorf("claims %+v", c)
				}
				if !c.Expiry.Equal(time.Unix(1700000000, 0)) || !c.IssuedAt.Equal(time.Unix(1699990000, 0)) || !c.NotBefore.Equal(time.Unix(1699990000, 250e6)) {
					t.Errorf("dates %v %v %v", c.Expiry, c.IssuedAt, c.NotBefore)
				}
				if string(c.Raw["custom"]) != `{"k":1}` || len(c.Raw) != 9 {
					t.Errorf("raw %q", c.Raw)
				}
			},
		},
		{
			name:  "aud string, no dates",
			token: jws(`{"alg":"ES256"}`, `{"aud":"sts.amazonaws.com"}`, ""),
			check: func(t *testing.T, tok *oidc.Token) {
				c := tok.Claims
				if !slices.Equal(c.Audience, []string{"sts.amazonaws.com"}) || !c.Expiry.IsZero() || !c.IssuedAt.IsZero() || !c.NotBefore.IsZero() || tok.Header.Kid != "" {
					t.Errorf("claims %+v", c)
				}
			},
		},
		{
			name:  "null claims are absent",
			token: jws(okHeader, `{"sub":null,"exp":null,"aud":null}`, "s"),
			check: func(t *testing.T, tok *oidc.Token) {
				if tok.Claims.Subject != "" || !tok.Claims.Expiry.IsZero() || tok.Claims.Audience != nil {
					t.Errorf("claims %+v", tok.Claims)
				}
			},
		},
		{
			name:  "epoch zero is not absent",
			token: jws(okHeader, `{"exp":0}`, "s"),
			check: func(t *testing.T, tok *oidc.Token) {
				if tok.Claims.Expiry.IsZero() || tok.Claims.Expiry.Unix() != 0 {
					t.Errorf("exp %v", tok.Claims.Expiry)
				}
			},
		},
		{
			name:  "longest token",
			token: padTo(oidc.MaxTokenBytes),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := oidc.Parse(tt.token)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.check != nil {
				tt.check(t, tok)
			}
		})
	}
}

// padTo returns a valid token of exactly n bytes.
func padTo(n int) string {
	for pad := max(0, (n-len(jws(okHeader, `{"x":""}`, "sig")))*3/4-8); pad < n; pad++ {
		for _, sig := range []string{"s", "si", "sig"} {
			tok := jws(okHeader, `{"x":"`+strings.Repeat("a", pad)+`"}`, sig)
			if len(tok) == n {
				return tok
			}
		}
	}
	panic("no token of that length")
}

// TestParseRefuses checks that malformed tokens are InvalidToken "not a
// valid JWT".
func TestParseRefuses(t *testing.T) {
	const msg = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	good := jws(okHeader, `{"sub":"s"}`, "sig")
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"opaque access token", "ya29.a0AfH6SMBx"},
		{"two segments", seg(okHeader) + "." + seg(`{}`)},
		{"four segments", good + ".x"},
		{"JWE (five segments)", good + ".x.y"},
		{"too long", padTo(oidc.MaxTokenBytes) + "A"},
		{"padding", seg(okHeader) + "=." + seg(`{}`) + ".c2ln"},
		{"standard alphabet", strings.Replace(jws(okHeader, `{"s":"~~~"}`, "s"), "fn5-", "fn5+", 1)},
		{"line break", good[:10] + "\n" + good[10:]},
		{"non-zero trailing bits", seg(okHeader) + "." + seg(`{}`) + ".c2l"}, // "c2k" is "si"
		{"header not JSON", jws(`{alg:RS256}`, `{}`, "s")},
		{"header an array", jws(`["RS256"]`, `{}`, "s")},
		{"no alg", jws(`{"kid":"k1"}`, `{}`, "s")},
		{"alg not a string", jws(`{"alg":256}`, `{}`, "s")},
		{"kid not a string", jws(`{"alg":"RS256","kid":1}`, `{}`, "s")},
		{"crit", jws(`{"alg":"RS256","crit":["exp"],"exp":1}`, `{}`, "s")},
		{"duplicate header", jws(`{"alg":"RS256","alg":"none"}`, `{}`, "s")},
		{"unencoded payload", jws(`{"alg":"RS256","b64":false}`, `{}`, "s")},
		{"embedded private jwk", jws(`{"alg":"RS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}`, `{}`, "s")},
		{"claims not JSON", jws(okHeader, `sub=s`, "s")},
		{"claims a string", jws(okHeader, `"s"`, "s")},
		{"data after claims", jws(okHeader, `{"sub":"s"}{"sub":"t"}`, "s")},
		{"duplicate claim", jws(okHeader, `{"sub":"s","sub":"t"}`, "s")},
		{"iss a number", jws(okHeader, `{"iss":1}`, "s")},
		{"aud numbers", jws(okHeader, `{"aud":[1,2]}`, "s")},
		{"aud object", jws(okHeader, `{"aud":{"a":1}}`, "s")},
		{"exp a string", jws(okHeader, `{"exp":"1700000000"}`, "s")},
		{"exp negative", jws(okHeader, `{"exp":-1}`, "s")},
		{"exp after 9999", jws(okHeader, `{"exp":1e300}`, "s")},
		{"iat a bool", jws(okHeader, `{"iat":true}`, "s")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := oidc.Parse(tt.token)
			if err == nil {
				t.Fatalf("Parse accepted %+v", tok)
			}
			if kind(t, err) != oidc.InvalidToken || message(err) != msg {
				t.Fatalf("got %v, want InvalidToken %q", err, msg)
			}
			if strings.Contains(err.Error(), tt.token) && tt.token != "" {
				t.Fatalf("error %q holds the token", err)
			}
		})
	}
}

// TestEffectiveAudience checks that azp wins over aud and that several
// aud values have no effective audience.
func TestEffectiveAudience(t *testing.T) {
	tests := []struct {
		name string
		c    oidc.Claims
		want string
	}{
		{"aud", oidc.Claims{Audience: []string{"a"}}, "a"},
		{"azp wins", oidc.Claims{Audience: []string{"a", "b"}, AuthorizedParty: "c"}, "c"},
		{"several aud", oidc.Claims{Audience: []string{"a", "b"}}, ""},
		{"none", oidc.Claims{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.EffectiveAudience(); got != tt.want {
				t.Errorf("EffectiveAudience() = %q, want %q", got, tt.want)
			}
		})
	}
}
