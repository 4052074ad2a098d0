package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/httpapi"
)

// TestRESTJSON: a REST-shaped request signed for a REST-JSON service
// reaches its handler with the authenticated caller; one signed for a
// service podiam does not serve gets REST-JSON's error, not S3's XML or
// IAM's; a bad signature is refused in REST-JSON's form.
func TestRESTJSON(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /clusters", func(w http.ResponseWriter, r *http.Request) {
		c, ok := httpapi.CallerFrom(r.Context())
		if !ok {
			http.Error(w, "no caller", http.StatusInternalServerError)
			return
		}
		awsproto.WriteRESTJSON(w, http.StatusOK, "req", map[string]any{"clusters": []string{}, "caller": c.ARN})
	})
	edge := httpapi.New(httpapi.Config{
		RESTJSON:     []*httpapi.RESTJSONService{{Name: "eks", Handler: mux}},
		Auth:         authn.New(keys{}, time.Now),
		NewRequestID: func() string { return "req-1" },
	})
	srv := httptest.NewServer(edge)
	t.Cleanup(srv.Close)

	do := func(service, secretKey string) (*http.Response, map[string]any) {
		t.Helper()
		r, _ := http.NewRequest("GET", srv.URL+"/clusters", nil)
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secretKey}, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("%s: body %q is not JSON", service, b)
		}
		return resp, body
	}
	resp, body := do("eks", secret)
	if resp.StatusCode != 200 || body["caller"] != "arn:aws:iam::111122223333:user/alice" {
		t.Fatalf("served service: %d %v", resp.StatusCode, body)
	}
	resp, body = do("eks-auth", secret)
	if resp.StatusCode != 404 || resp.Header.Get("x-amzn-ErrorType") != "UnknownOperationException" || !strings.Contains(body["message"].(string), "eks-auth") {
		t.Fatalf("unserved service: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	resp, body = do("eks", secret+"x")
	if resp.StatusCode != 403 || resp.Header.Get("x-amzn-ErrorType") != "SignatureDoesNotMatch" {
		t.Fatalf("bad signature: %d %v %v", resp.StatusCode, resp.Header, body)
	}
}
