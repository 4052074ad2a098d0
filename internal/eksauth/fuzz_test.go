package eksauth_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/eksauth/eksauthtest"
	"github.com/podiam/podiam/internal/oidc"
)

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+$`)

// FuzzPodToken holds ValidateToken to the model's pattern, and reads a
// token's pod claims without panicking: what ParsePodClaims accepts
// names a pod and a ServiceAccount that its sub agrees with; a key set
// parsed from the input never verifies a token it did not sign.
func FuzzPodToken(f *testing.F) {
	k := eksauthtest.NewKey("https://issuer.example.com")
	now := time.Unix(1_700_000_000, 0)
	f.Add(k.Token(eksauthtest.Pod{Namespace: "default", ServiceAccount: "app", Name: "app-1"}, now), string(k.JWKS()))
	f.Add("a.b.c", `{"keys":[]}`)
	f.Add("a..c", `{}`)
	f.Add("Bearer a.b.c", `{"keys":[{"kty":"EC"}]}`)
	other := eksauthtest.NewKey("https://issuer.example.com")
	f.Fuzz(func(t *testing.T, token, jwks string) {
		err := eksauth.ValidateToken(token)
		if (err == nil) != tokenRE.MatchString(token) {
			t.Fatalf("ValidateToken(%q) = %v, pattern says %v", token, err, tokenRE.MatchString(token))
		}
		if ks, err := oidc.ParseKeySet([]byte(jwks)); err == nil {
			if tok, err := oidc.Parse(other.Token(eksauthtest.Pod{Namespace: "n", ServiceAccount: "s", Name: "p"}, now)); err == nil && ks.VerifySignature(tok) == nil {
				t.Fatalf("a key set from the input verifies another key's token: %s", jwks)
			}
		}
		tok, err := oidc.Parse(token)
		if err != nil {
			return
		}
		pod, err := eksauth.ParsePodClaims(&tok.Claims)
		if err != nil {
			return
		}
		if pod.Namespace == "" || pod.ServiceAccount == "" || pod.Name == "" || pod.UID == "" || pod.ServiceAccountUID == "" ||
			tok.Claims.Subject != "system:serviceaccount:"+pod.Namespace+":"+pod.ServiceAccount {
			b, _ := json.Marshal(pod)
			t.Fatalf("accepted %s from %q", b, strings.TrimSpace(token))
		}
	})
}
