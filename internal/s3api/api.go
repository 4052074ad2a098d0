package s3api

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/metrics"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/sigv4"
)

// API is S3's adapter to its REST-XML protocol: addressing (path style and
// virtual hosts under the configured domains), authentication through
// authn with S3's rules (x-amz-content-sha256, unsigned headers, hoisted
// presigned headers, aws-chunked bodies), the operations' routing, and
// S3's error documents.
type API struct {
	svc            *s3.Service
	auth           *authn.Authenticator
	domains        []string
	maxHeaderBytes int
	now            func() time.Time
	metrics        *metrics.Server
}

// Config configures the API.
type Config struct {
	S3   *s3.Service
	Auth *authn.Authenticator
	// Domains are the host names under which buckets are addressed
	// virtual-hosted style (<bucket>.<domain>).
	Domains []string
	// MaxHeaderBytes bounds a request's header section (see
	// headerSection): over it, 400 RequestHeaderSectionTooLarge, as S3
	// answers. 0: no limit.
	MaxHeaderBytes int
	Now            func() time.Time
	// Metrics counts object bytes in and out (nil: none).
	Metrics *metrics.Server
}

// New builds the API.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &API{svc: cfg.S3, auth: cfg.Auth, domains: cfg.Domains, maxHeaderBytes: cfg.MaxHeaderBytes, now: cfg.Now, metrics: cfg.Metrics}
}

var _ httpapi.REST = (*API)(nil)

// bucketHost returns the bucket of a virtual-hosted-style request: the
// host is <bucket>.<domain> for a configured domain, the longest that
// fits (so that vbucket.s3.localhost is bucket vbucket under s3.localhost,
// not vbucket.s3 under localhost). It is "" for any other host, and for a
// host that is itself a configured domain (s3.localhost is an endpoint).
func (api *API) bucketHost(r *http.Request) string { return BucketOf(api.domains, r.Host) }

// BucketOf is the bucket a virtual-hosted request to host names under
// domains, "" when it names none (see bucketHost). The server's probes
// read hosts with it too, so that they and S3 agree.
func BucketOf(domains []string, host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	bucket, longest := "", 0
	for _, d := range domains {
		if host == d {
			return "" // the endpoint itself (s3.localhost), not a bucket under a shorter domain
		}
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" && len(d) > longest {
			bucket, longest = b, len(d)
		}
	}
	return bucket
}

// s3Target is the bucket and key a request names: virtual-hosted style
// when the host names a bucket (bucketHost), else path style
// /<bucket>/<key>.
func (api *API) s3Target(r *http.Request) (bucket, key string) {
	if b := api.bucketHost(r); b != "" {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// s3Unsigned says which x-amz-* headers an S3 request may carry outside its
// signature: those whose value the signature covers another way, or that
// only frame a body whose bytes are checked anyway.
//   - x-amz-content-sha256: in a header-signed request it is the payload
//     hash line of the canonical request; a presigned request's payload
//     is UNSIGNED-PAYLOAD whatever the header says (S3 too accepts it
//     unsigned).
//   - x-amz-date: in a header-signed request it is the date of the string
//     to sign; a presigned request reads X-Amz-Date from its query.
//   - x-amz-decoded-content-length, x-amz-trailer: the framing of an
//     aws-chunked body, whose decoded length, chunks and trailer are
//     checked against the chunk signatures and checksums.
//
// Every other x-amz-* header changes what the request does
// (x-amz-copy-source, x-amz-tagging, x-amz-meta-*, x-amz-acl, ...) and
// must be signed, as S3 requires of header-signed and presigned requests
// alike; the SDKs' signers sign them all.
func s3Unsigned(name string) bool {
	switch name {
	case "x-amz-content-sha256", "x-amz-date", "x-amz-decoded-content-length", "x-amz-trailer":
		return true
	}
	return false
}

// s3Auth is an authenticated S3 request.
type s3Auth struct {
	req  s3.Request
	body io.Reader
	// checksums returns the verified checksums once body is consumed.
	checksums func() map[string]string
	// contentMD5 is the request's Content-MD5 (readBody checks it).
	contentMD5 string
}

// tlsVersion names the TLS version of r's connection as s3:TlsVersion has
// it ("1.3"), "" for plain HTTP.
func tlsVersion(r *http.Request) string {
	if r.TLS == nil {
		return ""
	}
	switch r.TLS.Version {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return ""
}

// keyHeaders copies the headers of r that give condition keys; nil when
// it has none.
func keyHeaders(r *http.Request) map[string]string {
	var out map[string]string
	for i, h := range keyHeaderNames {
		if vs := r.Header[h]; len(vs) > 0 && vs[0] != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[s3.KeyHeaders[i]] = vs[0]
		}
	}
	return out
}

// keyHeaderNames are s3.KeyHeaders as net/http keys them, so that looking
// them up allocates nothing.
var keyHeaderNames = func() []string {
	out := make([]string, len(s3.KeyHeaders))
	for i, h := range s3.KeyHeaders {
		out[i] = textproto.CanonicalMIMEHeaderKey(h)
	}
	return out
}()

// authenticateS3 verifies r's signature (if any) and wraps its body in a
// reader that checks what the request declared about it.
func (api *API) authenticateS3(r *http.Request, in *authn.Request, rec *audit.Record) (*s3Auth, error) {
	if limit := api.maxHeaderBytes; limit > 0 && headerSection(r) > limit {
		se := &detailed{err: refuse(fault.TooLarge, fault.Headers, "Your request header section exceeds the maximum allowed size.")}
		se.doc.MaxSizeAllowed = strconv.Itoa(limit)
		return nil, se
	}
	out := &s3Auth{req: s3.Request{SourceIP: authn.SourceIP(r), Secure: r.TLS != nil, TLSVersion: tlsVersion(r)}, body: r.Body}
	if in.QueryErr != nil {
		return nil, refuse(fault.InvalidInput, fault.URI, "Couldn't parse the specified URI.")
	}
	if in.Unsigned() {
		out.req.Headers = keyHeaders(r)
		return out, api.wrapS3Body(r, out, nil, "", nil)
	}
	if in.AuthErr != nil {
		return nil, s3SigError(in.AuthErr, "")
	}
	a := in.Auth
	if a.Service != "s3" {
		// The signature is for another service: S3's endpoint refuses it
		// before looking up the key.
		if a.Presigned {
			return nil, refuse(fault.Malformed, fault.PresignedURL, "Error parsing the X-Amz-Credential parameter; incorrect service \""+a.Service+"\". This endpoint belongs to \"s3\".")
		}
		return nil, refuse(fault.Malformed, fault.Authorization, "The authorization header is malformed; incorrect service \""+a.Service+"\". This endpoint belongs to \"s3\".")
	}
	payload := sigv4.UnsignedPayload
	out.req.AuthType = "REST-QUERY-STRING"
	if !a.Presigned {
		out.req.AuthType = "REST-HEADER"
		payload = r.Header.Get("X-Amz-Content-Sha256")
		if payload == "" {
			return nil, refuse(fault.InvalidInput, fault.Request, "Missing required header for this request: x-amz-content-sha256")
		}
		if !validPayloadHash(payload) {
			return nil, invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
		}
	}
	v, err := api.auth.Verify(r, a, payload, authn.Options{S3: true})
	if err != nil {
		return nil, authnError(err, a)
	}
	if hs := a.UnsignedHeaders(r.Header, s3Unsigned); len(hs) > 0 {
		out := &detailed{err: refuse(fault.AccessDenied, fault.Headers, "There were headers present in the request which were not signed")}
		out.doc.HeadersNotSigned = strings.Join(hs, ", ")
		return nil, out
	}
	if a.Presigned {
		if err := hoistHeaders(r, a.Query); err != nil {
			return nil, err
		}
	}
	out.req.Headers = keyHeaders(r) // after hoisting: a presigned request's hoisted headers give keys too
	httpapi.SetCaller(rec, v.Caller)
	out.req.Caller = v.Caller
	out.req.SignatureAge = api.now().Sub(a.Date).Milliseconds()
	out.req.ContentSHA256 = payload
	return out, api.wrapS3Body(r, out, a, payload, &v.SigningKey)
}

// securityToken is the header and query parameter of a session token.
const securityToken = "X-Amz-Security-Token"

// headerSection is the size of r's head as sent: the request line, each
// header line ("Name: value\r\n") and the blank line after them, without
// the session token's value, in a header or the query: podiam's tokens
// carry the session's policies uncompressed and run longer than AWS's,
// so counting them would refuse requests AWS accepts.
func headerSection(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	for _, v := range r.Header.Values(securityToken) {
		n -= len(v)
	}
	for p := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if v, ok := strings.CutPrefix(p, securityToken+"="); ok {
			n -= len(v)
		}
	}
	return n + 2
}

func validPayloadHash(p string) bool {
	switch p {
	case sigv4.UnsignedPayload, sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedTrailer:
		return true
	}
	if len(p) != 64 {
		return false
	}
	_, err := hex.DecodeString(p)
	return err == nil && strings.ToLower(p) == p
}

// Serve serves one S3 request.
func (api *API) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record) error {
	w.Header().Set("x-amz-request-id", rec.RequestID)
	bucket, key := api.s3Target(r)
	q := s3Params(in)
	err := api.serve(ctx, w, r, in, rec, bucket, key, q)
	if rec.Action == "" {
		// A request refused before an operation named itself (by its
		// signature, or not served, or a method its subresource lacks)
		// is audited under the operation it asked for.
		rec.Action = auditAction(r.Method, bucket, key, q)
	}
	return err
}

func (api *API) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record, bucket, key string, q url.Values) error {
	if r.Method == http.MethodOptions && bucket != "" {
		return api.preflight(ctx, w, r, bucket, key, rec)
	}
	api.crossOrigin(ctx, w, r, bucket)
	auth, err := api.authenticateS3(r, in, rec)
	if err != nil {
		return err
	}
	return api.s3Route(ctx, w, r, auth, bucket, key, q, rec, rec.RequestID)
}

// WriteError renders err as S3's error document: the code and status of
// awsproto's REST-XML table, with the fields a detailed error adds and
// the resource its failure names (else the request's path); a slow body
// is RequestTimeout, an error of no kind an InternalError whose cause goes
// to the log only.
func (api *API) WriteError(w http.ResponseWriter, r *http.Request, id string, err error) (string, int) {
	var doc awsproto.S3Error
	var te *httpapi.TimeoutError
	if errors.As(err, &te) {
		err = &fault.Error{Kind: fault.Timeout, Message: awsproto.RequestTimeoutMessage, Cause: err}
	} else if d, ok := errors.AsType[*detailed](err); ok {
		doc = d.doc
	}
	e := awsproto.RESTXMLError(err)
	doc.Code, doc.Message = e.Code, e.Message
	if f, ok := fault.As(err); ok {
		doc.Resource = f.Resource
	}
	if doc.Resource == "" {
		doc.Resource = r.URL.Path
	}
	awsproto.WriteS3Error(w, r, id, e.Status, doc)
	return e.Code, e.Status
}

// OwnsHost reports whether r's host names a bucket (virtual-hosted
// style).
func (api *API) OwnsHost(r *http.Request) bool { return api.bucketHost(r) != "" }

// s3Params returns the parameters of an S3 request: its decoded query
// without the signature's own parameters and, for a presigned request,
// without the headers hoisted into it (hoistHeaders made them headers).
func s3Params(in *authn.Request) url.Values {
	if len(in.Query) == 0 {
		return nil
	}
	presigned := in.Presigned()
	q := make(url.Values, len(in.Query))
	for k, vs := range in.Query {
		if !sigv4.IsPresignParam(k) && !(presigned && isAmzName(k)) {
			q[k] = vs
		}
	}
	return q
}

func isAmzName(k string) bool { return len(k) >= 6 && strings.EqualFold(k[:6], "x-amz-") }

// hoistHeaders makes the x-amz-* parameters of a presigned request's query
// its headers. The SDKs' presigners move there the x-amz-* headers they do
// not sign as headers; being in the query, they are signed, and S3 reads
// them as headers. A name given twice, or also as a header, is refused.
func hoistHeaders(r *http.Request, query url.Values) error {
	for k, vs := range query {
		if !isAmzName(k) || sigv4.IsPresignParam(k) {
			continue
		}
		h := textproto.CanonicalMIMEHeaderKey(k)
		if _, dup := r.Header[h]; dup || len(vs) != 1 {
			return invalidArgument("The parameter " + k + " is given more than once, in the query string or also as a header.")
		}
		r.Header[h] = vs
	}
	return nil
}
