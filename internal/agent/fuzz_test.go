package agent

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseToken: ParseToken never panics; it refuses with one of the
// agent's texts or accepts a token of three segments whose pod UID is
// there; decoding is deterministic.
func FuzzParseToken(f *testing.F) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Add(token(now, "uid"))
	f.Add("Bearer " + token(now, "uid"))
	f.Add("")
	f.Add("a.b.c")
	f.Add(makeToken(map[string]any{"alg": "RS256"}, map[string]any{"exp": "x", "kubernetes.io": map[string]any{"pod": nil}}))
	f.Add(b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"exp":1e300,"nbf":-1e300,"kubernetes.io":{"pod":{"uid":"u"}}}`)) + ".")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ParseToken(raw, now)
		if err != nil {
			var te *TokenError
			if !errors.As(err, &te) || !strings.HasPrefix(te.Msg, "Service account token ") {
				t.Fatalf("refusal %v is not the agent's", err)
			}
			if _, err2 := ParseToken(raw, now); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("not deterministic: %v then %v", err, err2)
			}
			return
		}
		if c.PodUID == "" || strings.Count(raw, ".") != 2 {
			t.Fatalf("accepted %q with pod UID %q", raw, c.PodUID)
		}
		header, _, _ := strings.Cut(raw, ".")
		if _, err := base64.RawURLEncoding.DecodeString(header); err != nil {
			t.Fatalf("accepted a header that is not base64url: %v", err)
		}
		if !c.Expires.IsZero() && !now.Before(c.Expires) || now.Before(c.NotBefore) {
			t.Fatalf("accepted a token out of its times: %+v", c)
		}
	})
}
