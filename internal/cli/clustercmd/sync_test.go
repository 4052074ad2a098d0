package clustercmd

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestSyncExternalIssuer: a sync with --external-issuer whose first read
// of the discovery document fails pushes nothing until it reads the
// issuer, then pushes the cluster's own issuer, never "" (which podiam
// takes as its hosted issuer). The control without --external-issuer
// pushes "" at once, discovery or not.
func TestSyncExternalIssuer(t *testing.T) {
	for _, tt := range []struct {
		name     string
		external bool
		want     string
	}{
		{name: "external", external: true, want: "https://issuer.example/cluster"},
		{name: "hosted (control)", external: false, want: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var discoveries atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/openid/v1/jwks":
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, `{"keys":[{"kty":"RSA","kid":"a","n":"x","e":"AQAB"}]}`)
				case "/.well-known/openid-configuration":
					if discoveries.Add(1) == 1 {
						http.Error(w, `{"kind":"Status","code":503}`, http.StatusServiceUnavailable)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, `{"issuer":"https://issuer.example/cluster/"}`)
				default:
					http.NotFound(w, r)
				}
			}))
			defer api.Close()
			pushes := make(chan string, 10)
			podiam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var in struct {
					Issuer *string `json:"issuer"`
				}
				if r.Method != http.MethodPut || r.URL.Path != "/clusters/c/podiam/binding" || json.NewDecoder(r.Body).Decode(&in) != nil || in.Issuer == nil {
					http.Error(w, "bad push", http.StatusBadRequest)
					return
				}
				select {
				case pushes <- *in.Issuer:
				default:
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"cluster": map[string]any{"name": "c", "identity": map[string]any{"oidc": map[string]any{"issuer": *in.Issuer}}}})
			}))
			defer podiam.Close()

			dir := t.TempDir()
			kubeconfig := filepath.Join(dir, "kubeconfig")
			if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "+api.URL+"\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
			t.Setenv("AWS_CA_BUNDLE", "")

			syncCtx, stop := context.WithCancel(t.Context())
			defer stop()
			done := make(chan error, 1)
			go func() {
				done <- Sync(syncCtx, Config{Name: "c", Kubeconfig: kubeconfig, EndpointURL: podiam.URL, ExternalIssuer: tt.external}, 10*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
			}()
			select {
			case got := <-pushes:
				if got != tt.want {
					t.Errorf("first push's issuer %q, want %q", got, tt.want)
				}
			case err := <-done:
				t.Fatalf("sync ended: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("no push")
			}
			stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if tt.external && discoveries.Load() < 2 {
				t.Errorf("%d reads of the discovery document, want the failed one and a retry", discoveries.Load())
			}
		})
	}
}
