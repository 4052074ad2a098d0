package accessclient

import (
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

	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/awsproto"
)

// Timeout bounds one call.
const Timeout = 10 * time.Second

// Entry is the caller's access entry: its username as stored (templates
// such as {{SessionName}} left for the authenticator to fill), groups and
// type.
type Entry struct {
	PrincipalARN     string   `json:"principalArn"`
	Username         string   `json:"username"`
	KubernetesGroups []string `json:"kubernetesGroups"`
	Type             string   `json:"type"`
}

// Access is the answer of ResolveAccess.
type Access struct {
	// AuthenticationMode is the cluster's: API, API_AND_CONFIG_MAP or
	// CONFIG_MAP.
	AuthenticationMode string
	// Entry is nil when no access entry matches the caller (or the mode
	// is CONFIG_MAP).
	Entry *Entry
	// Policies are the entry's access policies with their scopes, for
	// accesspolicy.Allows.
	Policies []accesspolicy.Associated
}

// APIError is podiam's refusal, in EKS's REST-JSON terms: Status 429 is
// throttling, 404 a cluster podiam does not know, 403 a caller that may
// not call eks:ResolveAccess.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("podiam ResolveAccess: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Client calls ResolveAccess.
type Client struct {
	cfg      aws.Config
	endpoint string
	signer   *v4.Signer
	now      func() time.Time
}

// New returns a client of podiam at endpoint (its URL, such as
// https://podiam.example:4580), signing with cfg's credentials and
// region (config.LoadDefaultConfig gives both, and an HTTP client with
// AWS_CA_BUNDLE's roots).
func New(cfg aws.Config, endpoint string) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("podiam's URL %q is not an absolute http or https URL", endpoint)
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials to sign with")
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (any region podiam serves)")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = awshttp.NewBuildableClient()
	}
	return &Client{cfg: cfg, endpoint: strings.TrimSuffix(endpoint, "/"), signer: v4.NewSigner(), now: time.Now}, nil
}

type wire struct {
	AuthenticationMode string `json:"authenticationMode"`
	AccessEntry        *Entry `json:"accessEntry"`
	AccessPolicies     []struct {
		PolicyARN   string `json:"policyArn"`
		AccessScope struct {
			Type       string   `json:"type"`
			Namespaces []string `json:"namespaces"`
		} `json:"accessScope"`
	} `json:"accessPolicies"`
}

// Lookup asks podiam for the access of a caller of cluster: principalID
// is the STS UserId GetCallerIdentity gave ("AROA...:session" for a role
// session, a user's id), principalARN the caller's canonical ARN (an IAM
// user or role, without a path).
func (c *Client) Lookup(ctx context.Context, cluster, principalID, principalARN string) (Access, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	q := url.Values{"principalId": {principalID}, "principalArn": {principalARN}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.endpoint+"/clusters/"+url.PathEscape(cluster)+"/podiam/access?"+q.Encode(), nil)
	if err != nil {
		return Access{}, err
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return Access{}, fmt.Errorf("AWS credentials: %w", err)
	}
	empty := sha256.Sum256(nil)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "eks", c.cfg.Region, c.now()); err != nil {
		return Access{}, fmt.Errorf("sign ResolveAccess: %w", err)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return Access{}, fmt.Errorf("podiam ResolveAccess: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Access{}, fmt.Errorf("podiam ResolveAccess: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Access{}, parseError(resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body)
	}
	return parseAccess(body)
}

// parseAccess reads ResolveAccess's answer.
func parseAccess(body []byte) (Access, error) {
	var w wire
	if err := json.Unmarshal(body, &w); err != nil || w.AuthenticationMode == "" {
		return Access{}, fmt.Errorf("podiam's ResolveAccess answer is not an access: %.200q", body)
	}
	a := Access{AuthenticationMode: w.AuthenticationMode, Entry: w.AccessEntry}
	if a.Entry == nil {
		return a, nil // policies belong to an entry
	}
	for _, p := range w.AccessPolicies {
		a.Policies = append(a.Policies, accesspolicy.Associated{PolicyARN: p.PolicyARN,
			Scope: accesspolicy.Scope{Type: p.AccessScope.Type, Namespaces: p.AccessScope.Namespaces}})
	}
	return a, nil
}

func parseError(status int, errorType string, body []byte) *APIError {
	e := awsproto.ParseRESTJSONError(status, errorType, body)
	return &APIError{Status: e.Status, Code: e.Code, Message: e.Message}
}
