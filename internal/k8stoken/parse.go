package k8stoken

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The token's format.
const (
	// Prefix starts every token.
	Prefix = "k8s-aws-v1."
	// MaxLen is the longest token accepted, in bytes (aws-iam-authenticator's).
	MaxLen = 4096
	// ClusterIDHeader is the signed header that carries the cluster's id.
	ClusterIDHeader = "x-k8s-aws-id"
	// Window is how long a token is good after its X-Amz-Date: STS holds a
	// presigned GetCallerIdentity that long whatever X-Amz-Expires says.
	Window = 15 * time.Minute
	// MaxAhead is how far in the future a token's X-Amz-Date may be (a
	// client's clock running ahead). STS itself allows its 15 minutes of
	// skew, which with Window would make a token dated ahead good for half
	// an hour; the authenticator allows less.
	MaxAhead = 5 * time.Minute
	// Lifetime is the expiry a client gives a token it makes (a minute
	// short of Window, as aws eks get-token does); kubectl reuses it until then.
	Lifetime = 14 * time.Minute
	// PresignExpires is the X-Amz-Expires a token carries (STS ignores it;
	// aws-iam-authenticator 0.3 and older wanted 0 to 60).
	PresignExpires = 60
	// maxExpires is the largest X-Amz-Expires accepted, in seconds.
	maxExpires    = 900
	amzDateLayout = "20060102T150405Z"
)

// The reasons a token is refused; Parse wraps one of them with the detail.
var (
	ErrTooLarge        = errors.New("token is too large")
	ErrPrefix          = errors.New("token is missing the " + Prefix + " prefix")
	ErrEncoding        = errors.New("token is not base64url without padding")
	ErrURL             = errors.New("token's URL does not parse")
	ErrUntrustedHost   = errors.New("token's URL names a scheme and host that are not trusted")
	ErrPath            = errors.New("token's URL has an unexpected path")
	ErrQuery           = errors.New("token's URL has an unexpected query parameter")
	ErrAction          = errors.New("token's URL is not an STS GetCallerIdentity")
	ErrClusterUnsigned = errors.New("token does not sign the " + ClusterIDHeader + " header")
	ErrExpires         = errors.New("token's X-Amz-Expires is not between 0 and 900")
	ErrDate            = errors.New("token's X-Amz-Date is missing or malformed")
	ErrExpired         = errors.New("token has expired")
	ErrNotYetValid     = errors.New("token is dated in the future")
	ErrOptions         = errors.New("token options are incomplete")
)

// allowed are the query parameters a token's URL may carry, each once, in
// the case AWS's signers write them (STS reads them in that case).
var allowed = map[string]bool{
	"Action": true, "Version": true,
	"X-Amz-Algorithm": true, "X-Amz-Credential": true, "X-Amz-Date": true, "X-Amz-Expires": true,
	"X-Amz-SignedHeaders": true, "X-Amz-Signature": true, "X-Amz-Security-Token": true,
}

// Options say which tokens Parse accepts.
type Options struct {
	// ClusterID is this cluster's id: the x-k8s-aws-id value the token
	// must have signed (checked by STS against the signature).
	ClusterID string
	// TrustedHosts are the origins a token's URL may name: "host" or
	// "host:port" for https, or "scheme://host[:port]" (http only when
	// written so). A label "*" matches one DNS label of letters, digits
	// and hyphens ("sts.*.amazonaws.com"); ports are compared exactly,
	// but for the scheme's default port, which may be left out.
	TrustedHosts []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Request is a token's presigned GetCallerIdentity, checked in shape.
type Request struct {
	// URL is the presigned URL as the token carries it.
	URL *url.URL
	// Host is the host the request was signed for (URL.Host).
	Host string
	// ClusterID is the x-k8s-aws-id value to send: the expected cluster id.
	ClusterID string
	// Date is its X-Amz-Date; the token is good until Date + Window.
	Date time.Time
	// AccessKeyID is the signer's access key id, from X-Amz-Credential.
	AccessKeyID string
}

// Parse checks token's shape against opt and returns its request. Its
// errors wrap one of the Err values above with the detail, quoted.
func Parse(token string, opt Options) (*Request, error) {
	if opt.ClusterID == "" || len(opt.TrustedHosts) == 0 {
		return nil, fmt.Errorf("%w: a cluster id and trusted hosts are needed", ErrOptions)
	}
	if len(token) > MaxLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(token), MaxLen)
	}
	rest, ok := strings.CutPrefix(token, Prefix)
	if !ok {
		return nil, ErrPrefix
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		// url.Parse's error quotes the URL: the token itself.
		return nil, fmt.Errorf("%w: it does not parse", ErrURL)
	}
	if u.Opaque != "" || u.User != nil || u.Fragment != "" || u.RawFragment != "" || u.ForceQuery || u.Host == "" {
		return nil, fmt.Errorf("%w: not of the form scheme://host/?query", ErrURL)
	}
	if !trusted(u, opt.TrustedHosts) {
		return nil, fmt.Errorf("%w: %q", ErrUntrustedHost, u.Scheme+"://"+u.Host)
	}
	if u.Path != "/" || u.RawPath != "" {
		return nil, fmt.Errorf("%w: %q", ErrPath, u.EscapedPath())
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQuery, err)
	}
	for k, vs := range q {
		if !allowed[k] {
			return nil, fmt.Errorf("%w: %q", ErrQuery, k)
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("%w: %q given %d times", ErrQuery, k, len(vs))
		}
	}
	if a := q.Get("Action"); a != "GetCallerIdentity" {
		return nil, fmt.Errorf("%w: action %q", ErrAction, a)
	}
	if !signsCluster(q.Get("X-Amz-SignedHeaders")) {
		return nil, fmt.Errorf("%w: signed headers %q", ErrClusterUnsigned, q.Get("X-Amz-SignedHeaders"))
	}
	if e, err := strconv.Atoi(q.Get("X-Amz-Expires")); err != nil || e < 0 || e > maxExpires {
		return nil, fmt.Errorf("%w: %q", ErrExpires, q.Get("X-Amz-Expires"))
	}
	date, err := time.Parse(amzDateLayout, q.Get("X-Amz-Date"))
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrDate, q.Get("X-Amz-Date"))
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	t := now()
	if t.After(date.Add(Window)) {
		return nil, fmt.Errorf("%w: signed at %s, good for %v", ErrExpired, date.Format(time.RFC3339), Window)
	}
	if date.After(t.Add(MaxAhead)) {
		return nil, fmt.Errorf("%w: signed at %s", ErrNotYetValid, date.Format(time.RFC3339))
	}
	keyID, _, _ := strings.Cut(q.Get("X-Amz-Credential"), "/")
	return &Request{URL: u, Host: u.Host, ClusterID: opt.ClusterID, Date: date, AccessKeyID: keyID}, nil
}

// HTTPRequest builds the GET that verifies r: the token's query string,
// as signed, sent to endpoint (podiam's STS, "scheme://host[:port]") with
// Host the signed host, x-k8s-aws-id the expected cluster id and Accept
// application/json. The token's own host is not contacted.
func (r *Request) HTTPRequest(ctx context.Context, endpoint string) (*http.Request, error) {
	e, err := url.Parse(endpoint)
	if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.RawQuery != "" {
		return nil, fmt.Errorf("sts endpoint %q: not an http(s) URL without a query", endpoint)
	}
	u := &url.URL{Scheme: e.Scheme, Host: e.Host, Path: "/", RawQuery: r.URL.RawQuery}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("sts request: %w", err)
	}
	req.Host = r.Host
	req.Header.Set(ClusterIDHeader, r.ClusterID)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// signsCluster reports whether the signed header list names the
// cluster header.
func signsCluster(list string) bool {
	for h := range strings.SplitSeq(list, ";") {
		if strings.EqualFold(h, ClusterIDHeader) {
			return true
		}
	}
	return false
}

// trusted reports whether u's scheme and host are among the trusted
// origins.
func trusted(u *url.URL, origins []string) bool {
	scheme := strings.ToLower(u.Scheme)
	host, port := splitHost(strings.ToLower(u.Host))
	for _, o := range origins {
		oScheme, oHost, found := strings.Cut(strings.ToLower(o), "://")
		if !found {
			oScheme, oHost = "https", oScheme
		}
		h, p := splitHost(oHost)
		if oScheme != scheme || !sameHost(h, host) {
			continue
		}
		if p == port || defaultPort(scheme, p) && defaultPort(scheme, port) {
			return true
		}
	}
	return false
}

// splitHost splits host[:port] ([v6]:port too); port is "" when absent.
func splitHost(hp string) (string, string) {
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return hp, ""
		}
		host, rest := hp[:end+1], hp[end+1:]
		port, _ := strings.CutPrefix(rest, ":")
		return host, port
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i+1:]
	}
	return hp, ""
}

// defaultPort reports whether port is absent or the scheme's default.
func defaultPort(scheme, port string) bool {
	return port == "" || scheme == "https" && port == "443" || scheme == "http" && port == "80"
}

// sameHost matches host against a trusted pattern whose "*" labels match
// one label of letters, digits and hyphens.
func sameHost(pattern, host string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == host
	}
	ps, hs := strings.Split(pattern, "."), strings.Split(host, ".")
	if len(ps) != len(hs) {
		return false
	}
	for i, p := range ps {
		if p == "*" {
			if !label(hs[i]) {
				return false
			}
		} else if p != hs[i] {
			return false
		}
	}
	return true
}

func label(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
