package authenticator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/k8stoken"
)

// Verifier says who a token belongs to. Its failures are fault kinds: a
// token that is not valid (InvalidToken, Expired, Malformed, Mismatch,
// AccessDenied), STS throttling (LimitExceeded), STS out of reach or
// failing (Unavailable, Failure).
type Verifier interface {
	Verify(ctx context.Context, token string) (Identity, error)
}

// Prepare checks a token and builds the request that asks STS who
// signed it: a GET of the presigned URL's query, sent to the configured
// STS endpoint with the Host the token signed, x-k8s-aws-id set to the
// cluster's id and Accept: application/json. It also returns the access
// key id the token was signed with. It must never build a request to a
// host outside its trust list: the token's URL is the caller's.
type Prepare func(ctx context.Context, token string) (req *http.Request, accessKeyID string, err error)

// STS is a Verifier that sends the request Prepare builds and reads
// GetCallerIdentity's answer, in JSON or XML.
type STS struct {
	Prepare Prepare
	Client  *http.Client // never follows a redirect; a 10 s timeout when nil
}

// maxSTSBody bounds STS's answer.
const maxSTSBody = 64 << 10

// Verify implements Verifier.
func (s *STS) Verify(ctx context.Context, token string) (Identity, error) {
	req, keyID, err := s.Prepare(ctx, token)
	if err != nil {
		return Identity{}, err
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		// A *url.Error quotes the URL, whose query is the token itself
		// (its signature and session token): keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s STS: %w", ue.Op, ue.Err)
		}
		return Identity{}, &fault.Error{Kind: fault.Unavailable, Message: "call STS", Cause: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSTSBody))
	if err != nil {
		return Identity{}, &fault.Error{Kind: fault.Unavailable, Message: "read STS's answer", Cause: err}
	}
	// A refusal is told by its status and its error code alone: STS's
	// messages repeat what the request said (an attacker's words, or the
	// canonical request with its session token), so they are neither
	// read for a meaning nor logged.
	code := errorCode(body)
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || code == "Throttling" || code == "ThrottlingException":
		return Identity{}, fault.Errorf(fault.LimitExceeded, "STS throttled GetCallerIdentity (HTTP %d)", resp.StatusCode)
	case resp.StatusCode >= 500:
		return Identity{}, fault.Errorf(fault.Unavailable, "STS answered HTTP %d (%s)", resp.StatusCode, code)
	default:
		return Identity{}, fault.Errorf(fault.InvalidToken, "STS refused the token (HTTP %d, %s)", resp.StatusCode, code)
	}
	id, err := ParseCallerIdentity(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return Identity{}, err
	}
	id.AccessKeyID = keyID
	if d, err := time.Parse("20060102T150405Z", req.URL.Query().Get("X-Amz-Date")); err == nil {
		id.Expires = d.Add(k8stoken.Window)
	}
	return id, nil
}

// errorCode is the code of an STS error answer, JSON
// ({"Error":{"Code":...}}) or XML (<Error><Code>...</Code>); "" when
// there is none. It is one of AWS's error names or nothing: anything else
// is reported as "unrecognized", never repeated.
func errorCode(body []byte) string {
	var code string
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		var j struct {
			Error struct{ Code string } `json:"Error"`
		}
		if json.Unmarshal(body, &j) == nil {
			code = j.Error.Code
		}
	} else {
		var x struct {
			Code string `xml:"Error>Code"`
		}
		if xml.Unmarshal(body, &x) == nil {
			code = x.Code
		}
	}
	if code == "" || len(code) > 64 || strings.IndexFunc(code, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.')
	}) >= 0 {
		return "unrecognized"
	}
	return code
}

// ParseCallerIdentity reads STS's GetCallerIdentity answer: JSON
// ({"GetCallerIdentityResponse":{"GetCallerIdentityResult":{...}}}, what
// STS gives for Accept: application/json) when the content type says so
// or the body starts with '{', else XML. Account, Arn and UserId must all
// be there.
func ParseCallerIdentity(contentType string, body []byte) (Identity, error) {
	var r struct {
		Account string `json:"Account" xml:"Account"`
		Arn     string `json:"Arn" xml:"Arn"`
		UserID  string `json:"UserId" xml:"UserId"`
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	trimmed := strings.TrimSpace(string(body))
	if ct == "application/json" || strings.HasPrefix(trimmed, "{") {
		var doc struct {
			Response struct {
				Result *struct {
					Account string `json:"Account"`
					Arn     string `json:"Arn"`
					UserID  string `json:"UserId"`
				} `json:"GetCallerIdentityResult"`
			} `json:"GetCallerIdentityResponse"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || doc.Response.Result == nil {
			return Identity{}, &fault.Error{Kind: fault.Failure, Message: "STS's GetCallerIdentity answer is not GetCallerIdentityResponse JSON", Cause: err}
		}
		r.Account, r.Arn, r.UserID = doc.Response.Result.Account, doc.Response.Result.Arn, doc.Response.Result.UserID
	} else {
		var doc struct {
			XMLName xml.Name `xml:"GetCallerIdentityResponse"`
			Result  *struct {
				Account string `xml:"Account"`
				Arn     string `xml:"Arn"`
				UserID  string `xml:"UserId"`
			} `xml:"GetCallerIdentityResult"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil || doc.Result == nil {
			return Identity{}, &fault.Error{Kind: fault.Failure, Message: "STS's GetCallerIdentity answer is not GetCallerIdentityResponse XML", Cause: err}
		}
		r.Account, r.Arn, r.UserID = doc.Result.Account, doc.Result.Arn, doc.Result.UserID
	}
	if !isAccount(r.Account) || r.Arn == "" || r.UserID == "" {
		return Identity{}, fault.Errorf(fault.Failure, "STS's GetCallerIdentity answer lacks Account, Arn or UserId")
	}
	return Identity{Account: r.Account, ARN: r.Arn, UserID: r.UserID}, nil
}

// DefaultCacheTTL is how long a verified token's identity is kept.
const DefaultCacheTTL = 10 * time.Second

// maxCached bounds the cache; it starts afresh when full.
const maxCached = 10_000

// Cached keeps the identities a Verifier gave, by the SHA-256 of the
// token, for TTL: kube-apiserver asks again for a token at every request
// its own cache (--authentication-token-webhook-cache-ttl) does not
// answer, and a refusal is never kept. The mappings are applied after
// it, at every review, so a mapping change is not delayed by it.
type Cached struct {
	Verifier Verifier
	TTL      time.Duration    // DefaultCacheTTL when zero; negative keeps nothing
	Now      func() time.Time // time.Now when nil

	mu      sync.Mutex
	entries map[[32]byte]cachedIdentity
}

type cachedIdentity struct {
	id      Identity
	expires time.Time
}

// Verify implements Verifier.
func (c *Cached) Verify(ctx context.Context, token string) (Identity, error) {
	ttl := c.TTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	if ttl < 0 {
		return c.Verifier.Verify(ctx, token)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	key := sha256.Sum256([]byte(token))
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now().Before(e.expires) {
		return e.id, nil
	}
	id, err := c.Verifier.Verify(ctx, token)
	if err != nil {
		return Identity{}, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCached {
		c.entries = map[[32]byte]cachedIdentity{}
	}
	expires := now().Add(ttl)
	if !id.Expires.IsZero() && id.Expires.Before(expires) {
		expires = id.Expires
	}
	c.entries[key] = cachedIdentity{id: id, expires: expires}
	c.mu.Unlock()
	return id, nil
}
