package clustercmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/podiam/podiam/internal/awsproto"
)

// binder pushes bindings to podiam's EKS API.
type binder struct {
	cfg      aws.Config
	endpoint string // podiam's URL, without a trailing slash
	signer   *v4.Signer
}

// newBinder loads the AWS configuration as the AWS CLI does (credentials
// and region from the default chain) and resolves podiam's URL.
func newBinder(ctx context.Context, endpoint string, getenv func(string) string) (*binder, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if endpoint == "" && getenv != nil {
		endpoint = getenv("AWS_ENDPOINT_URL_EKS")
	}
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	if endpoint == "" {
		return nil, errors.New("no podiam URL: give --endpoint-url or set AWS_ENDPOINT_URL")
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("podiam's URL %q is not an absolute http or https URL", endpoint)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (any region podiam serves)")
	}
	// The SDK's HTTP client, which LoadDefaultConfig gave AWS_CA_BUNDLE's
	// roots when it is set, as the SDK's service clients use it.
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = awshttp.NewBuildableClient()
	}
	return &binder{cfg: cfg, endpoint: strings.TrimSuffix(endpoint, "/"), signer: v4.NewSigner()}, nil
}

// cluster is what podiam answers of a cluster (DescribeCluster's shape).
type cluster struct {
	Name     string `json:"name"`
	ARN      string `json:"arn"`
	Status   string `json:"status"`
	Endpoint string `json:"endpoint"`
	Identity struct {
		OIDC struct {
			Issuer string `json:"issuer"`
		} `json:"oidc"`
	} `json:"identity"`
}

// APIError is podiam's refusal of a push, in EKS's REST-JSON terms.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// put sends the binding of cluster name: s's endpoint, CA and keys, and
// its issuer when external (else "", podiam's hosted issuer).
func (b *binder) put(ctx context.Context, name string, s state, external bool) (cluster, error) {
	var in struct {
		Endpoint             string `json:"endpoint"`
		CertificateAuthority struct {
			Data string `json:"data"`
		} `json:"certificateAuthority"`
		Issuer string          `json:"issuer"`
		Keys   json.RawMessage `json:"keys"`
	}
	in.Endpoint, in.CertificateAuthority.Data, in.Keys = s.Endpoint, s.CAData, s.Keys
	if external {
		in.Issuer = s.Issuer
	}
	body, err := json.Marshal(in)
	if err != nil {
		return cluster{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, b.endpoint+"/clusters/"+url.PathEscape(name)+"/podiam/binding", bytes.NewReader(body))
	if err != nil {
		return cluster{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := b.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return cluster{}, fmt.Errorf("AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := b.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "eks", b.cfg.Region, time.Now()); err != nil {
		return cluster{}, fmt.Errorf("sign the binding: %w", err)
	}
	resp, err := b.cfg.HTTPClient.Do(req)
	if err != nil {
		return cluster{}, fmt.Errorf("push the binding to %s: %w", b.endpoint, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return cluster{}, fmt.Errorf("push the binding to %s: %w", b.endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return cluster{}, ParseError(resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), out)
	}
	var c struct {
		Cluster cluster `json:"cluster"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.Cluster.Name == "" {
		return cluster{}, fmt.Errorf("podiam's answer to the binding is not a cluster: %.200q", out)
	}
	return c.Cluster, nil
}

// ParseError reads podiam's REST-JSON error answer (awsproto's reading
// of the x-amzn-ErrorType header and the body).
func ParseError(status int, errorType string, body []byte) *APIError {
	e := awsproto.ParseRESTJSONError(status, errorType, body)
	return &APIError{Status: e.Status, Code: e.Code, Message: e.Message}
}
