package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMirror(t *testing.T) {
	for _, bad := range []string{"http://x", "https://x:8443/id", "https://x/id?q=1", "not a url", "https://"} {
		if _, err := New(bad, nil, nil); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	keys := `{"keys":[{"kty":"RSA","kid":"a"}]}`
	var fail error
	m, err := New("https://oidc.example/id/c1/", func(context.Context) (json.RawMessage, error) { return json.RawMessage(keys), fail },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get("/id/c1/keys"); code != 503 {
		t.Fatalf("keys before a sync: %d", code)
	}
	if err := m.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, body := get("/id/c1/.well-known/openid-configuration")
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	json.Unmarshal([]byte(body), &doc)
	if code != 200 || doc.Issuer != "https://oidc.example/id/c1" || doc.JWKSURI != "https://oidc.example/id/c1/keys" {
		t.Fatalf("discovery: %d %s", code, body)
	}
	if code, body := get("/id/c1/keys"); code != 200 || body != keys {
		t.Fatalf("keys: %d %s", code, body)
	}
	// A failed read or a key set that is not one keeps the last good keys.
	fail = errors.New("API server down")
	if m.Sync(t.Context()) == nil {
		t.Fatal("a failed read synced")
	}
	fail, keys = nil, `{"not":"keys"}`
	if m.Sync(t.Context()) == nil {
		t.Fatal("a non-JWKS synced")
	}
	if _, body := get("/id/c1/keys"); !strings.Contains(body, `"kid":"a"`) {
		t.Fatalf("keys after failures: %s", body)
	}
	keys = `{"keys":[{"kty":"RSA","kid":"rotated"}]}`
	if err := m.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, body := get("/id/c1/keys"); !strings.Contains(body, "rotated") {
		t.Fatalf("rotation not followed: %s", body)
	}
	if code, _ := get("/other"); code != 404 {
		t.Fatalf("other path: %d", code)
	}
}
