package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials are a pod's session credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	AccountID       string // from the assumed-role user's ARN
	Expiration      time.Time
}

// Source exchanges a pod's service-account token for credentials.
type Source interface {
	AssumeRoleForPodIdentity(ctx context.Context, token string) (Credentials, error)
}

// UpstreamError is eks-auth's answer to a refused call: the agent passes
// its status through with this text.
type UpstreamError struct {
	Status    int
	RequestID string
	Code      string
	Message   string
	Fault     string // client, server or unknown (smithy's words)
}

func (e *UpstreamError) Error() string {
	return fmt.Sprintf("[%s]: (%s): %s, fault: %s", e.RequestID, e.Code, e.Message, e.Fault)
}

// Irrecoverable reports whether renewing with the same token cannot help:
// the agent evicts the pod's entry (AWS's agent's list).
func (e *UpstreamError) Irrecoverable() bool {
	switch e.Code {
	case "ResourceNotFoundException", "ExpiredTokenException", "InvalidTokenException", "AccessDeniedException":
		return true
	}
	return false
}

// serverFaults are eks-auth's modelled errors of fault "server"; its
// other modelled errors are the client's. An unmodelled code is
// "unknown", as aws-sdk-go-v2 reports it.
var modelledFaults = map[string]string{
	"AccessDeniedException":       "client",
	"ExpiredTokenException":       "client",
	"InvalidParameterException":   "client",
	"InvalidRequestException":     "client",
	"InvalidTokenException":       "client",
	"ResourceNotFoundException":   "client",
	"ThrottlingException":         "client",
	"InternalServerException":     "server",
	"ServiceUnavailableException": "server",
}

// EKSAuth calls eks-auth's AssumeRoleForPodIdentity: a REST-JSON POST
// signed with SigV4 for service "eks-auth".
type EKSAuth struct {
	Endpoint    string // e.g. https://eks-auth.us-west-2.api.aws, or podiam's URL
	Cluster     string
	Region      string
	Credentials aws.CredentialsProvider // the node's
	HTTP        *http.Client            // nil: NewHTTPClient()
	Now         func() time.Time        // nil: time.Now

	once   sync.Once // sets signer and, when nil, HTTP: calls for many pods run at once
	signer *v4.Signer
	client *http.Client
}

// CallTimeout bounds one eks-auth call, as AWS's agent bounds it; dialing
// gets half a second of it.
const (
	CallTimeout = time.Second
	DialTimeout = 500 * time.Millisecond
)

// NewHTTPClient is the client toward eks-auth: proxies from the
// environment (HTTPS_PROXY, NO_PROXY), dial 500 ms, 1 s in all.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t, Timeout: CallTimeout}
}

// NewHTTPClientFrom is NewHTTPClient trusting what the SDK's client sdk
// trusts: the TLS configuration of its transport (LoadDefaultConfig's
// client, which holds AWS_CA_BUNDLE's roots when that is set). The dial
// and call budgets stay NewHTTPClient's. A client that shows no
// transport (nil, or not the SDK's buildable client) leaves the system
// roots.
func NewHTTPClientFrom(sdk aws.HTTPClient) *http.Client {
	c := NewHTTPClient()
	if b, ok := sdk.(interface{ GetTransport() *http.Transport }); ok {
		if tr := b.GetTransport(); tr != nil && tr.TLSClientConfig != nil {
			c.Transport.(*http.Transport).TLSClientConfig = tr.TLSClientConfig.Clone()
		}
	}
	return c
}

// maxResponse bounds what is read of an eks-auth answer.
const maxResponse = 1 << 20

type assumeResponse struct {
	AssumedRoleUser *struct {
		Arn string `json:"arn"`
	} `json:"assumedRoleUser"`
	Credentials *struct {
		AccessKeyID     string      `json:"accessKeyId"`
		SecretAccessKey string      `json:"secretAccessKey"`
		SessionToken    string      `json:"sessionToken"`
		Expiration      json.Number `json:"expiration"`
	} `json:"credentials"`
}

// AssumeRoleForPodIdentity exchanges token for the credentials of the
// role associated with the token's ServiceAccount.
func (c *EKSAuth) AssumeRoleForPodIdentity(ctx context.Context, token string) (Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	body, err := json.Marshal(struct {
		Token string `json:"token"`
	}{token})
	if err != nil {
		return Credentials{}, err
	}
	u := strings.TrimSuffix(c.Endpoint, "/") + "/clusters/" + url.PathEscape(c.Cluster) + "/assume-role-for-pod-identity"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Credentials{}, fmt.Errorf("assume role for pod identity: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Credentials == nil {
		return Credentials{}, errors.New("assume role for pod identity: no node credentials")
	}
	node, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return Credentials{}, fmt.Errorf("assume role for pod identity: node credentials: %w", err)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	sum := sha256.Sum256(body)
	c.once.Do(func() {
		c.signer = v4.NewSigner()
		c.client = c.HTTP
		if c.client == nil {
			c.client = NewHTTPClient()
		}
	})
	if err := c.signer.SignHTTP(ctx, node, req, hex.EncodeToString(sum[:]), "eks-auth", c.Region, now().UTC()); err != nil {
		return Credentials{}, fmt.Errorf("assume role for pod identity: sign: %w", err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return Credentials{}, fmt.Errorf("assume role for pod identity: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return Credentials{}, fmt.Errorf("assume role for pod identity: read the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return Credentials{}, upstreamError(resp, data)
	}
	return parseAssumeResponse(data)
}

// upstreamError reads a REST-JSON error as aws-sdk-go-v2 does: the code
// from x-amzn-ErrorType (anything after ':' dropped), else the body's
// "code" or "__type" (anything before '#' dropped); the message from the
// body's "message" or "Message".
func upstreamError(resp *http.Response, data []byte) *UpstreamError {
	e := &UpstreamError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid")}
	var doc struct {
		Code     string `json:"code"`
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	json.Unmarshal(data, &doc)
	e.Code = resp.Header.Get("X-Amzn-Errortype")
	if e.Code == "" {
		e.Code = doc.Code
	}
	if e.Code == "" {
		e.Code = doc.Type
	}
	e.Code, _, _ = strings.Cut(e.Code, ":")
	if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
		e.Code = e.Code[i+1:]
	}
	if e.Code == "" {
		e.Code = "UnknownError"
	}
	e.Message = doc.Message
	if e.Message == "" {
		e.Message = doc.Message2
	}
	if f, ok := modelledFaults[e.Code]; ok {
		e.Fault = f
	} else {
		e.Fault = "unknown"
	}
	return e
}

func parseAssumeResponse(data []byte) (Credentials, error) {
	var r assumeResponse
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return Credentials{}, fmt.Errorf("assume role for pod identity: read the answer: %w", err)
	}
	if r.Credentials == nil {
		return Credentials{}, errors.New("assume role for pod identity: the answer has no credentials")
	}
	if r.AssumedRoleUser == nil {
		return Credentials{}, errors.New("assume role for pod identity: the answer has no assumedRoleUser")
	}
	f, err := r.Credentials.Expiration.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 1<<40 {
		return Credentials{}, fmt.Errorf("assume role for pod identity: expiration %q is not a time", r.Credentials.Expiration)
	}
	sec, frac := math.Modf(f)
	return Credentials{
		AccessKeyID:     r.Credentials.AccessKeyID,
		SecretAccessKey: r.Credentials.SecretAccessKey,
		SessionToken:    r.Credentials.SessionToken,
		AccountID:       accountOf(r.AssumedRoleUser.Arn),
		Expiration:      time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC(),
	}, nil
}

// accountOf is the account field of an ARN, "" when s is not one.
func accountOf(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
