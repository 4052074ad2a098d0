package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/sigv4"
	"github.com/podiam/podiam/internal/store"
)

// s3Status is the HTTP status of each S3 error code.
var s3Status = map[string]int{
	s3.CodeAccessDenied:            http.StatusForbidden,
	s3.CodeNoSuchBucket:            http.StatusNotFound,
	s3.CodeNoSuchKey:               http.StatusNotFound,
	s3.CodeNoSuchBucketPolicy:      http.StatusNotFound,
	s3.CodeBucketAlreadyExists:     http.StatusConflict,
	s3.CodeBucketAlreadyOwnedByYou: http.StatusConflict,
	s3.CodeBucketNotEmpty:          http.StatusConflict,
	"SignatureDoesNotMatch":        http.StatusForbidden,
	"InvalidAccessKeyId":           http.StatusForbidden,
	"RequestTimeTooSkewed":         http.StatusForbidden,
	"InvalidRange":                 http.StatusRequestedRangeNotSatisfiable,
	"PreconditionFailed":           http.StatusPreconditionFailed,
	"NotImplemented":               http.StatusNotImplemented,
	"MethodNotAllowed":             http.StatusMethodNotAllowed,
	"InternalError":                http.StatusInternalServerError,
}

// s3Err is an S3 error with the extras SignatureDoesNotMatch carries.
type s3Err struct {
	awsproto.S3Error
	status int
}

func (e *s3Err) Error() string { return e.Code + ": " + e.Message }

func newS3Err(code, msg string) *s3Err {
	status, ok := s3Status[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &s3Err{S3Error: awsproto.S3Error{Code: code, Message: msg}, status: status}
}

// asS3Err converts any error to the one S3 renders; anything unexpected
// is an InternalError whose cause goes to the log only.
func asS3Err(err error) (*s3Err, bool) {
	var e *s3Err
	if errors.As(err, &e) {
		return e, true
	}
	var se *s3.Error
	if errors.As(err, &se) {
		out := newS3Err(se.Code, se.Message)
		out.Resource = se.Resource
		return out, true
	}
	return newS3Err("InternalError", "We encountered an internal error. Please try again."), false
}

// bucketHost returns the bucket of a virtual-hosted-style request: the
// host is <bucket>.<domain> for a configured domain, the longest that
// fits (so that vbucket.s3.localhost is bucket vbucket under s3.localhost,
// not vbucket.s3 under localhost). It is "" for any other host, and for a
// host that is itself a configured domain (s3.localhost is an endpoint).
func (e *Edge) bucketHost(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	bucket, longest := "", 0
	for _, d := range e.cfg.S3Domains {
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
func (e *Edge) s3Target(r *http.Request) (bucket, key string) {
	if b := e.bucketHost(r); b != "" {
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
func (e *Edge) authenticateS3(r *http.Request, in *inbound, rec *audit.Record) (*s3Auth, error) {
	if limit := e.cfg.MaxHeaderBytes; limit > 0 && headerSection(r) > limit {
		se := newS3Err("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
		se.MaxSizeAllowed = strconv.Itoa(limit)
		return nil, se
	}
	now := e.cfg.Now()
	out := &s3Auth{req: s3.Request{SourceIP: sourceIP(r), Secure: r.TLS != nil, TLSVersion: tlsVersion(r)}, body: r.Body}
	if in.queryErr != nil {
		return nil, newS3Err("InvalidURI", "Couldn't parse the specified URI.")
	}
	if in.unsigned() {
		out.req.Headers = keyHeaders(r)
		return out, e.wrapS3Body(r, out, nil, "", nil)
	}
	if in.authErr != nil {
		return nil, s3SigError(in.authErr, "")
	}
	a := in.auth
	if a.Service != "s3" {
		// The signature is for another service: S3's endpoint refuses it
		// before looking up the key.
		if a.Presigned {
			return nil, newS3Err("AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; incorrect service \""+a.Service+"\". This endpoint belongs to \"s3\".")
		}
		return nil, newS3Err("AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service \""+a.Service+"\". This endpoint belongs to \"s3\".")
	}
	c, secret, err := e.cfg.Keys.LookupKey(r.Context(), a.AccessKeyID, a.SecurityToken)
	switch {
	case errors.Is(err, ErrUnknownKey) && a.SecurityToken != "":
		return nil, newS3Err("InvalidToken", "The provided token is malformed or otherwise invalid.")
	case errors.Is(err, ErrUnknownKey):
		return nil, newS3Err("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	case errors.Is(err, ErrExpiredToken):
		return nil, newS3Err("ExpiredToken", "The provided token has expired.")
	case err != nil:
		return nil, err
	}
	payload := sigv4.UnsignedPayload
	out.req.AuthType = "REST-QUERY-STRING"
	if !a.Presigned {
		out.req.AuthType = "REST-HEADER"
		payload = r.Header.Get("X-Amz-Content-Sha256")
		if payload == "" {
			return nil, newS3Err("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
		}
		if !validPayloadHash(payload) {
			return nil, newS3Err("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
		}
	}
	if err := sigv4.Verify(r, a, secret.Reveal(), payload, now, sigv4.Options{S3: true, Keys: &e.keys}); err != nil {
		return nil, s3SigError(err, a.AccessKeyID)
	}
	if hs := a.UnsignedHeaders(r.Header, s3Unsigned); len(hs) > 0 {
		out := newS3Err(s3.CodeAccessDenied, "There were headers present in the request which were not signed")
		out.HeadersNotSigned = strings.Join(hs, ", ")
		return nil, out
	}
	if a.Presigned {
		if err := hoistHeaders(r, a.Query); err != nil {
			return nil, err
		}
	}
	out.req.Headers = keyHeaders(r) // after hoisting: a presigned request's hoisted headers give keys too
	c.AccessKeyID, c.SourceIP = a.AccessKeyID, out.req.SourceIP
	rec.Principal, rec.Account, rec.AccessKey = c.ARN, c.Account, c.AccessKeyID
	ic := iamCaller(c)
	out.req.Caller = &ic
	out.req.SignatureAge = now.Sub(a.Date).Milliseconds()
	out.req.ContentSHA256 = payload
	key := sigv4.SigningKey(secret.Reveal(), a.ScopeDate, a.Region, a.Service)
	return out, e.wrapS3Body(r, out, a, payload, &key)
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

// s3SigError maps a signature failure to S3's error.
func s3SigError(err error, accessKeyID string) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case sigv4.Mismatch:
		out := newS3Err("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		out.AWSAccessKeyID, out.StringToSign, out.CanonicalRequest = accessKeyID, e.StringToSign, e.CanonicalRequest
		return out
	case sigv4.Expired:
		if strings.HasPrefix(e.Message, "Request has expired") {
			return newS3Err(s3.CodeAccessDenied, "Request has expired")
		}
		return newS3Err("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	if e.Kind == sigv4.MalformedQuery {
		return newS3Err("AuthorizationQueryParametersError", e.Message)
	}
	return newS3Err("AuthorizationHeaderMalformed", e.Message)
}

// verifyingBody checks a body against what the request declared: its
// SHA-256, its checksums (headers or trailer) and, for aws-chunked bodies,
// every chunk signature. At the end it returns an *s3Err instead of
// io.EOF when something does not match.
type verifyingBody struct {
	r       io.Reader
	sha     hash.Hash // nil unless a SHA-256 was declared
	wantSHA string
	sums    []*checksumCheck
	chunked *sigv4.ChunkedReader
	err     error
}

type checksumCheck struct {
	alg    string // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	header string // x-amz-checksum-crc32 ...
	h      hash.Hash
	want   string // from the header; "" when it comes in the trailer
	got    string
}

func (v *verifyingBody) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	if n > 0 {
		if v.sha != nil {
			v.sha.Write(p[:n])
		}
		for _, c := range v.sums {
			c.h.Write(p[:n])
		}
	}
	if err == io.EOF {
		err = v.finish()
		if err == nil {
			err = io.EOF
		}
	} else if err != nil {
		err = chunkError(err)
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

func (v *verifyingBody) finish() error {
	if v.sha != nil && hex.EncodeToString(v.sha.Sum(nil)) != v.wantSHA {
		return newS3Err(s3.CodeContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	var trailers map[string]string
	if v.chunked != nil {
		trailers = v.chunked.Trailers()
	}
	for _, c := range v.sums {
		c.got = sigv4.Base64Digest(c.h)
		want := c.want
		if want == "" {
			want = trailers[c.header]
		}
		if want != c.got {
			return newS3Err(s3.CodeBadDigest, "The "+c.alg+" you specified did not match the calculated checksum.")
		}
	}
	return nil
}

func chunkError(err error) error {
	var ce *sigv4.ChecksumError
	if errors.As(err, &ce) {
		return newS3Err(s3.CodeBadDigest, "The "+ce.Algorithm+" you specified did not match the calculated checksum.")
	}
	var e *sigv4.Error
	if errors.As(err, &e) {
		if e.Kind == sigv4.Mismatch {
			return newS3Err("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		}
		return newS3Err(s3.CodeIncompleteBody, e.Message)
	}
	return err
}

// checksumAlgorithms are S3's checksum algorithms.
var checksumAlgorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// wrapS3Body sets out.body to a verifying reader of r's body for the
// payload mode (a is nil for an anonymous request).
func (e *Edge) wrapS3Body(r *http.Request, out *s3Auth, a *sigv4.Auth, payload string, key *[32]byte) error {
	v := &verifyingBody{r: r.Body}
	trailer := map[string]bool{}
	for _, t := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			trailer[t] = true
		}
	}
	switch payload {
	case sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedTrailer:
		decoded := int64(-1)
		if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return newS3Err("InvalidArgument", "x-amz-decoded-content-length is not a length")
			}
			decoded = n
		}
		opt := sigv4.ChunkedOptions{Mode: payload, DecodedLength: decoded}
		for t := range trailer {
			opt.Trailer = append(opt.Trailer, t)
		}
		if payload != sigv4.StreamingUnsignedTrailer {
			opt.SigningKey, opt.SeedSignature, opt.AmzDate, opt.Scope = *key, a.Signature, a.AmzDate, a.Scope()
		}
		cr, err := sigv4.NewChunkedReader(r.Body, opt)
		if err != nil {
			return chunkError(err)
		}
		v.r, v.chunked = cr, cr
	case sigv4.UnsignedPayload, "":
	default:
		v.sha, v.wantSHA = sha256.New(), payload
	}
	for _, alg := range checksumAlgorithms {
		header := "x-amz-checksum-" + strings.ToLower(alg)
		want := r.Header.Get(header)
		if want == "" && !trailer[header] {
			continue
		}
		h, _ := sigv4.NewChecksum(alg)
		v.sums = append(v.sums, &checksumCheck{alg: alg, header: header, h: h, want: want})
	}
	out.body = v
	out.checksums = func() map[string]string {
		if len(v.sums) == 0 {
			return nil
		}
		m := map[string]string{}
		for _, c := range v.sums {
			m[c.alg] = c.got
		}
		return m
	}
	return nil
}

// serveS3 serves one S3 request.
func (e *Edge) serveS3(w http.ResponseWriter, r *http.Request, in *inbound) {
	id := e.cfg.NewRequestID()
	rec := &audit.Record{Time: e.cfg.Now().UTC(), RequestID: id, SourceIP: sourceIP(r), UserAgent: r.UserAgent()}
	ctx := withDecisions(r.Context(), rec)
	w.Header().Set("x-amz-request-id", id)
	bucket, key := e.s3Target(r)
	auth, err := e.authenticateS3(r, in, rec)
	if err == nil {
		err = e.s3Route(ctx, w, r, auth, bucket, key, s3Params(in), rec, id)
	}
	if err != nil {
		se, known := asS3Err(err)
		if bodyTimedOut(r) {
			w.Header().Set("Connection", "close")
			se, known = newS3Err("RequestTimeout", awsproto.RequestTimeoutMessage), true
			err = fmt.Errorf("%s: %w", se.Code, err)
		}
		if !known {
			e.cfg.Logger.Error("s3 request failed", logRequestID, id, logAction, rec.Action, logCaller, rec.Principal, logError, err)
		} else {
			e.logRefused(id, rec, err)
		}
		if se.Resource == "" {
			se.Resource = r.URL.Path
		}
		rec.ErrorCode, rec.Status = se.Code, se.status
		awsproto.WriteS3Error(w, r, id, se.status, se.S3Error)
	} else if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	if e.cfg.Audit != nil {
		if aerr := e.cfg.Audit.Write(rec); aerr != nil {
			e.cfg.Logger.Error("audit log", logRequestID, id, logError, aerr)
		}
	}
}

// s3Params returns the parameters of an S3 request: its decoded query
// without the signature's own parameters and, for a presigned request,
// without the headers hoisted into it (hoistHeaders made them headers).
func s3Params(in *inbound) url.Values {
	if len(in.query) == 0 {
		return nil
	}
	presigned := in.auth != nil && in.auth.Presigned
	q := make(url.Values, len(in.query))
	for k, vs := range in.query {
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
			return newS3Err("InvalidArgument", "The parameter "+k+" is given more than once, in the query string or also as a header.")
		}
		r.Header[h] = vs
	}
	return nil
}

// s3Route runs the operation r names and writes its response.
func (e *Edge) s3Route(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q url.Values, rec *audit.Record, id string) error {
	svc := e.cfg.S3
	op := func(name string) { rec.Action = "s3:" + name }
	ok := func(status int) error {
		rec.Status = status
		w.Header().Set("x-amz-request-id", id)
		w.WriteHeader(status)
		return nil
	}
	xmlOK := func(v any) error {
		rec.Status = http.StatusOK
		return awsproto.WriteS3XML(w, http.StatusOK, id, v)
	}
	switch {
	case bucket == "":
		if r.Method != http.MethodGet {
			return newS3Err("MethodNotAllowed", "The specified method is not allowed against this resource.")
		}
		op("ListBuckets")
		bs, err := svc.ListBuckets(ctx, &a.req)
		if err != nil {
			return err
		}
		out := &awsproto.ListAllMyBucketsResult{Xmlns: awsproto.S3Namespace, Owner: awsproto.S3Owner{ID: a.req.Caller.Account}, Buckets: []awsproto.S3Bucket{}}
		for _, b := range bs {
			out.Buckets = append(out.Buckets, awsproto.S3Bucket{Name: b.Name, CreationDate: awsproto.Timestamp(b.CreatedAt), BucketRegion: regionOf(b.Region)})
		}
		return xmlOK(out)
	case key == "":
		return e.s3Bucket(ctx, w, r, a, bucket, q, op, ok, xmlOK)
	}
	return e.s3Object(ctx, w, r, a, bucket, key, q, op, ok)
}

func regionOf(r string) string {
	if r == "" {
		return "us-east-1"
	}
	return r
}

// s3Bucket serves the bucket operations.
func (e *Edge) s3Bucket(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	svc := e.cfg.S3
	has := func(k string) bool { _, found := q[k]; return found }
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch r.Method {
	case http.MethodPut:
		if has("policy") {
			op("PutBucketPolicy")
			doc, err := io.ReadAll(io.LimitReader(a.body, 32<<10))
			if err != nil {
				return err
			}
			if err := svc.PutBucketPolicy(ctx, &a.req, bucket, string(doc)); err != nil {
				return err
			}
			return ok(http.StatusNoContent)
		}
		if len(q) > 0 {
			return notImplemented(q)
		}
		op("CreateBucket")
		body, err := io.ReadAll(io.LimitReader(a.body, 64<<10))
		if err != nil {
			return err
		}
		var cfg awsproto.CreateBucketConfiguration
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := xml.Unmarshal(body, &cfg); err != nil {
				return newS3Err("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
			}
		}
		if err := svc.CreateBucket(ctx, &a.req, bucket, cfg.LocationConstraint); err != nil {
			return err
		}
		w.Header().Set("Location", "/"+bucket)
		return ok(http.StatusOK)
	case http.MethodPost:
		if !has("delete") {
			return notImplemented(q)
		}
		op("DeleteObjects")
		body, err := io.ReadAll(io.LimitReader(a.body, 2<<20))
		if err != nil {
			return err
		}
		var in awsproto.DeleteRequest
		if err := xml.Unmarshal(body, &in); err != nil {
			return newS3Err("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
		}
		keys := make([]string, len(in.Objects))
		for i, o := range in.Objects {
			keys[i] = o.Key
		}
		res, err := svc.DeleteObjects(ctx, &a.req, bucket, keys)
		if err != nil {
			return err
		}
		out := &awsproto.DeleteResult{Xmlns: awsproto.S3Namespace}
		for _, d := range res {
			if d.Err != nil {
				out.Errors = append(out.Errors, awsproto.DeleteError{Key: d.Key, Code: d.Err.Code, Message: d.Err.Message})
			} else if !in.Quiet {
				out.Deleted = append(out.Deleted, awsproto.DeletedObject{Key: d.Key})
			}
		}
		return xmlOK(out)
	case http.MethodHead:
		op("HeadBucket")
		b, err := svc.HeadBucket(ctx, &a.req, bucket)
		if err != nil {
			return err
		}
		w.Header().Set("x-amz-bucket-region", regionOf(b.Region))
		return ok(http.StatusOK)
	case http.MethodDelete:
		if has("policy") {
			op("DeleteBucketPolicy")
			if err := svc.DeleteBucketPolicy(ctx, &a.req, bucket); err != nil {
				return err
			}
			return ok(http.StatusNoContent)
		}
		if len(q) > 0 {
			return notImplemented(q)
		}
		op("DeleteBucket")
		if err := svc.DeleteBucket(ctx, &a.req, bucket); err != nil {
			return err
		}
		return ok(http.StatusNoContent)
	case http.MethodGet:
		switch {
		case has("location"):
			op("GetBucketLocation")
			loc, err := svc.GetBucketLocation(ctx, &a.req, bucket)
			if err != nil {
				return err
			}
			return xmlOK(&awsproto.LocationConstraint{Xmlns: awsproto.S3Namespace, Value: loc})
		case has("acl"):
			op("GetBucketAcl")
			owner, err := svc.GetBucketACL(ctx, &a.req, bucket)
			if err != nil {
				return err
			}
			return xmlOK(awsproto.OwnerACL(owner))
		case has("policy"):
			op("GetBucketPolicy")
			doc, err := svc.GetBucketPolicy(ctx, &a.req, bucket)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/json")
			ok(http.StatusOK)
			_, err = io.WriteString(w, doc)
			return err
		}
		if has("uploads") {
			op("ListMultipartUploads")
			us, err := svc.ListMultipartUploads(ctx, &a.req, bucket, get("prefix"))
			if err != nil {
				return err
			}
			out := &awsproto.ListMultipartUploadsResult{Xmlns: awsproto.S3Namespace, Bucket: bucket, Prefix: get("prefix"), MaxUploads: 1000}
			for _, u := range us {
				out.Uploads = append(out.Uploads, awsproto.S3Upload{Key: u.Key, UploadId: u.ID, Initiator: awsproto.S3Initiator{ID: u.Initiator},
					Owner: awsproto.S3Owner{ID: u.AccountID}, StorageClass: "STANDARD", Initiated: awsproto.Timestamp(u.CreatedAt)})
			}
			return xmlOK(out)
		}
		for k := range q {
			switch k {
			case "list-type", "prefix", "delimiter", "marker", "max-keys", "continuation-token", "start-after", "encoding-type", "fetch-owner", "acl", "x-id":
			default:
				return notImplemented(q)
			}
		}
		return e.s3List(ctx, a, bucket, get, op, xmlOK)
	}
	return newS3Err("MethodNotAllowed", "The specified method is not allowed against this resource.")
}

func notImplemented(q map[string][]string) error {
	var names []string
	for k := range q {
		names = append(names, k)
	}
	return newS3Err("NotImplemented", "A header or query you provided implies functionality that is not implemented: "+strings.Join(names, ", "))
}

// s3List serves ListObjects (V1) and ListObjectsV2.
func (e *Edge) s3List(ctx context.Context, a *s3Auth, bucket string, get func(string) string, op func(string), xmlOK func(any) error) error {
	v2 := get("list-type") == "2"
	maxKeys := -1
	if s := get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return newS3Err("InvalidArgument", "Provided max-keys not an integer or within integer range")
		}
		maxKeys = n
	}
	enc := get("encoding-type")
	if enc != "" && enc != "url" {
		return newS3Err("InvalidArgument", "Invalid Encoding Method specified in Request")
	}
	in := s3.ListInput{Bucket: bucket, Prefix: get("prefix"), Delimiter: get("delimiter"), MaxKeys: maxKeys}
	out := &awsproto.ListBucketResult{Xmlns: awsproto.S3Namespace, Name: bucket, Prefix: encodeKey(in.Prefix, enc), Delimiter: encodeKey(in.Delimiter, enc), EncodingType: enc}
	if v2 {
		op("ListObjectsV2")
		in.After = get("start-after")
		out.StartAfter = encodeKey(in.After, enc)
		if tok := get("continuation-token"); tok != "" {
			after, err := hex.DecodeString(tok)
			if err != nil {
				return newS3Err("InvalidArgument", "The continuation token provided is incorrect")
			}
			in.After = string(after)
			out.ContinuationToken = tok
		}
	} else {
		op("ListObjects")
		m := get("marker")
		out.Marker = &m
		in.After = m
		if in.Delimiter != "" && strings.HasSuffix(m, in.Delimiter) {
			in.After = m + "\xff" // a common prefix: go on after its keys
		}
	}
	page, err := e.cfg.S3.ListObjects(ctx, &a.req, in)
	if err != nil {
		return err
	}
	out.MaxKeys = s3.MaxListKeys
	if maxKeys >= 0 && maxKeys < s3.MaxListKeys {
		out.MaxKeys = maxKeys
	}
	out.IsTruncated = page.Truncated
	for _, o := range page.Objects {
		out.Contents = append(out.Contents, awsproto.S3Object{Key: encodeKey(o.Key, enc), LastModified: awsproto.Timestamp(o.LastModified),
			ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD"})
	}
	for _, p := range page.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, awsproto.S3CommonPrefix{Prefix: encodeKey(p, enc)})
	}
	if v2 {
		n := len(page.Objects) + len(page.CommonPrefixes)
		out.KeyCount = &n
		if page.Truncated {
			out.NextContinuationToken = hex.EncodeToString([]byte(page.Next))
		}
	} else if page.Truncated && in.Delimiter != "" {
		out.NextMarker = encodeKey(page.LastName, enc)
	}
	return xmlOK(out)
}

// encodeKey URL-encodes a key for encoding-type=url.
func encodeKey(s, enc string) string {
	if enc != "url" || s == "" {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// storedHeaders are the request headers PutObject keeps and GetObject
// returns.
var storedHeaders = []string{"content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires"}

// s3Object serves the object operations.
func (e *Edge) s3Object(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q map[string][]string,
	op func(string), ok func(int) error) error {
	svc := e.cfg.S3
	for k := range q {
		switch {
		case strings.HasPrefix(k, "response-") && a.req.Caller == nil:
			// The overrides change what the owner's object says it is; S3
			// grants them to signed requests only.
			return newS3Err("InvalidRequest", "Request specific response headers cannot be used for anonymous GET requests.")
		case strings.HasPrefix(k, "response-"), strings.HasPrefix(strings.ToLower(k), "x-amz-"), k == "x-id", k == "uploads", k == "uploadId", k == "partNumber", k == "max-parts", k == "part-number-marker",
			k == "tagging", k == "acl":
		default:
			return notImplemented(q)
		}
	}
	if done, err := e.s3Multipart(ctx, w, r, a, bucket, key, q, op, ok); done {
		return err
	}
	if done, err := e.s3Subresource(ctx, w, r, a, bucket, key, q, op, ok); done {
		return err
	}
	switch r.Method {
	case http.MethodPut:
		if src := r.Header.Get("X-Amz-Copy-Source"); src != "" {
			return e.s3Copy(ctx, w, r, a, bucket, key, src, op)
		}
		op("PutObject")
		headers, err := objectHeaders(r)
		if err != nil {
			return err
		}
		tags, err := headerTags(r.Header.Get("X-Amz-Tagging"))
		if err != nil {
			return err
		}
		o, err := svc.PutObject(ctx, &a.req, s3.PutInput{Bucket: bucket, Key: key, Body: a.body, Size: bodySize(r, a),
			ContentMD5: r.Header.Get("Content-Md5"), Headers: headers, Checksums: a.checksums, ACL: r.Header.Get("X-Amz-Acl"), Tags: tags})
		if err != nil {
			return err
		}
		w.Header().Set("ETag", `"`+o.ETag+`"`)
		for alg, v := range o.Checksums {
			w.Header().Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
		return ok(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		if r.Method == http.MethodHead {
			op("HeadObject")
			o, err := svc.HeadObject(ctx, &a.req, bucket, key)
			if err != nil {
				return err
			}
			return serveObject(w, r, o, nil, q)
		}
		op("GetObject")
		o, f, err := svc.GetObject(ctx, &a.req, bucket, key)
		if err != nil {
			return err
		}
		defer f.Close()
		return serveObject(w, r, o, f, q)
	case http.MethodDelete:
		op("DeleteObject")
		if err := svc.DeleteObject(ctx, &a.req, bucket, key); err != nil {
			return err
		}
		return ok(http.StatusNoContent)
	}
	return newS3Err("MethodNotAllowed", "The specified method is not allowed against this resource.")
}

// overrides are the response-* query parameters GetObject honours.
var overrides = map[string]string{
	"response-content-type": "Content-Type", "response-content-language": "Content-Language",
	"response-expires": "Expires", "response-cache-control": "Cache-Control",
	"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
}

// objectHeaders collects the representation headers and user metadata an
// object keeps.
func objectHeaders(r *http.Request) (map[string]string, error) {
	headers := map[string]string{}
	for _, h := range storedHeaders {
		if v := r.Header.Get(h); v != "" {
			headers[h] = v
		}
	}
	if enc := headers["content-encoding"]; enc != "" {
		// aws-chunked is transport framing, not a representation.
		var kept []string
		for _, p := range strings.Split(enc, ",") {
			if p = strings.TrimSpace(p); p != "" && p != "aws-chunked" {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			delete(headers, "content-encoding")
		} else {
			headers["content-encoding"] = strings.Join(kept, ",")
		}
	}
	var metaSize int
	for name, vs := range r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-amz-meta-") && len(vs) > 0 {
			headers[lower] = vs[0]
			metaSize += len(lower) + len(vs[0])
		}
	}
	if metaSize > 2048 {
		return nil, newS3Err("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
	}
	return headers, nil
}

// bodySize is the payload length a request declares (-1 when unknown).
func bodySize(r *http.Request, a *s3Auth) int64 {
	if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		return -1
	}
	if strings.HasPrefix(a.req.ContentSHA256, "STREAMING-") {
		return -1
	}
	return r.ContentLength
}

// s3Multipart serves the multipart operations of an object; done is
// false when r is none of them.
func (e *Edge) s3Multipart(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q map[string][]string,
	op func(string), ok func(int) error) (done bool, err error) {
	svc := e.cfg.S3
	_, uploads := q["uploads"]
	uploadID := ""
	if v := q["uploadId"]; len(v) > 0 {
		uploadID = v[0]
	}
	switch {
	case r.Method == http.MethodPost && uploads:
		op("CreateMultipartUpload")
		headers, err := objectHeaders(r)
		if err != nil {
			return true, err
		}
		u, err := svc.CreateMultipartUpload(ctx, &a.req, bucket, key, headers, r.Header.Get("X-Amz-Checksum-Algorithm"), r.Header.Get("X-Amz-Acl"))
		if err != nil {
			return true, err
		}
		if alg := u.ChecksumAlgorithm; alg != "" {
			w.Header().Set("x-amz-checksum-algorithm", alg)
		}
		return true, e.s3XML(w, &awsproto.InitiateMultipartUploadResult{Xmlns: awsproto.S3Namespace, Bucket: bucket, Key: key, UploadId: u.ID})
	case uploadID == "":
		return false, nil
	case r.Method == http.MethodPut:
		op("UploadPart")
		n, err := strconv.Atoi(firstOf(q, "partNumber"))
		if err != nil {
			return true, newS3Err("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
		}
		if src := r.Header.Get("X-Amz-Copy-Source"); src != "" {
			op("UploadPartCopy")
			srcBucket, srcKey, err := copySource(src)
			if err != nil {
				return true, err
			}
			first, last := int64(-1), int64(-1)
			if rng := r.Header.Get("X-Amz-Copy-Source-Range"); rng != "" {
				a, b, ok := strings.Cut(strings.TrimPrefix(rng, "bytes="), "-")
				f, ferr := strconv.ParseInt(a, 10, 64)
				l, lerr := strconv.ParseInt(b, 10, 64)
				if !ok || !strings.HasPrefix(rng, "bytes=") || ferr != nil || lerr != nil || f < 0 {
					return true, newS3Err("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
				}
				first, last = f, l
			}
			p, err := svc.UploadPartCopy(ctx, &a.req, s3.PartInput{Bucket: bucket, Key: key, UploadID: uploadID, Number: n}, srcBucket, srcKey, first, last)
			if err != nil {
				return true, err
			}
			return true, e.s3XML(w, &awsproto.CopyPartResult{Xmlns: awsproto.S3Namespace, ETag: `"` + p.ETag + `"`, LastModified: awsproto.Timestamp(p.LastModified)})
		}
		p, err := svc.UploadPart(ctx, &a.req, s3.PartInput{Bucket: bucket, Key: key, UploadID: uploadID, Number: n, Body: a.body,
			Size: bodySize(r, a), ContentMD5: r.Header.Get("Content-Md5"), Checksums: a.checksums})
		if err != nil {
			return true, err
		}
		w.Header().Set("ETag", `"`+p.ETag+`"`)
		for alg, v := range p.Checksums {
			w.Header().Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
		return true, ok(http.StatusOK)
	case r.Method == http.MethodPost:
		op("CompleteMultipartUpload")
		body, err := io.ReadAll(io.LimitReader(a.body, 4<<20))
		if err != nil {
			return true, err
		}
		var in awsproto.CompleteMultipartUpload
		if err := xml.Unmarshal(body, &in); err != nil {
			return true, newS3Err("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
		}
		var parts []s3.CompletedPart
		for _, p := range in.Parts {
			parts = append(parts, s3.CompletedPart{Number: p.PartNumber, ETag: p.ETag})
		}
		o, err := svc.CompleteMultipartUpload(ctx, &a.req, bucket, key, uploadID, parts)
		if err != nil {
			return true, err
		}
		return true, e.s3XML(w, &awsproto.CompleteMultipartUploadResult{Xmlns: awsproto.S3Namespace, Location: "/" + bucket + "/" + key,
			Bucket: bucket, Key: key, ETag: `"` + o.ETag + `"`})
	case r.Method == http.MethodDelete:
		op("AbortMultipartUpload")
		if err := svc.AbortMultipartUpload(ctx, &a.req, bucket, key, uploadID); err != nil {
			return true, err
		}
		return true, ok(http.StatusNoContent)
	case r.Method == http.MethodGet:
		op("ListParts")
		u, parts, err := svc.ListParts(ctx, &a.req, bucket, key, uploadID)
		if err != nil {
			return true, err
		}
		out := &awsproto.ListPartsResult{Xmlns: awsproto.S3Namespace, Bucket: bucket, Key: key, UploadId: uploadID,
			Initiator: awsproto.S3Initiator{ID: u.Initiator}, Owner: awsproto.S3Owner{ID: u.AccountID}, StorageClass: "STANDARD", MaxParts: s3.MaxParts}
		for _, p := range parts {
			out.Parts = append(out.Parts, awsproto.S3Part{PartNumber: p.Number, LastModified: awsproto.Timestamp(p.LastModified), ETag: `"` + p.ETag + `"`, Size: p.Size})
			out.NextPartNumberMarker = p.Number
		}
		return true, e.s3XML(w, out)
	}
	return false, nil
}

func firstOf(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// s3XML writes a 200 XML result.
func (e *Edge) s3XML(w http.ResponseWriter, v any) error {
	return awsproto.WriteS3XML(w, http.StatusOK, w.Header().Get("x-amz-request-id"), v)
}

// s3Copy serves CopyObject.
func (e *Edge) s3Copy(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key, src string, op func(string)) error {
	op("CopyObject")
	srcBucket, srcKey, err := copySource(src)
	if err != nil {
		return err
	}
	in := s3.CopyInput{SourceBucket: srcBucket, SourceKey: srcKey, Bucket: bucket, Key: key, ACL: r.Header.Get("X-Amz-Acl")}
	switch d := r.Header.Get("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		headers, err := objectHeaders(r)
		if err != nil {
			return err
		}
		in.Replace, in.ReplaceHeaders = true, headers
	default:
		return newS3Err("InvalidArgument", "Unknown metadata directive.")
	}
	o, err := e.cfg.S3.CopyObject(ctx, &a.req, in)
	if err != nil {
		return err
	}
	return e.s3XML(w, &awsproto.CopyObjectResult{Xmlns: awsproto.S3Namespace, ETag: `"` + o.ETag + `"`, LastModified: awsproto.Timestamp(o.LastModified)})
}

// headerTags reads an x-amz-tagging header (a URL query of tags).
func headerTags(h string) ([]store.Tag, error) {
	if h == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(h)
	if err != nil {
		return nil, newS3Err(s3.CodeInvalidTag, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	var tags []store.Tag
	for k, vs := range q {
		if len(vs) != 1 {
			return nil, newS3Err(s3.CodeInvalidTag, "Cannot provide multiple Tags with the same key")
		}
		tags = append(tags, store.Tag{Key: k, Value: vs[0]})
	}
	slices.SortFunc(tags, func(a, b store.Tag) int { return strings.Compare(a.Key, b.Key) })
	return tags, nil
}

// s3Subresource serves ?tagging and ?acl of an object; done is false when
// r is neither.
func (e *Edge) s3Subresource(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q map[string][]string,
	op func(string), ok func(int) error) (bool, error) {
	svc := e.cfg.S3
	_, tagging := q["tagging"]
	_, acl := q["acl"]
	switch {
	case tagging && r.Method == http.MethodGet:
		op("GetObjectTagging")
		tags, err := svc.GetObjectTagging(ctx, &a.req, bucket, key)
		if err != nil {
			return true, err
		}
		out := &awsproto.Tagging{Xmlns: awsproto.S3Namespace, TagSet: []awsproto.S3Tag{}}
		for _, t := range tags {
			out.TagSet = append(out.TagSet, awsproto.S3Tag{Key: t.Key, Value: t.Value})
		}
		return true, e.s3XML(w, out)
	case tagging && r.Method == http.MethodPut:
		op("PutObjectTagging")
		body, err := io.ReadAll(io.LimitReader(a.body, 64<<10))
		if err != nil {
			return true, err
		}
		var in awsproto.Tagging
		if err := xml.Unmarshal(body, &in); err != nil {
			return true, newS3Err("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
		}
		tags := make([]store.Tag, len(in.TagSet))
		for i, t := range in.TagSet {
			tags[i] = store.Tag{Key: t.Key, Value: t.Value}
		}
		if err := svc.PutObjectTagging(ctx, &a.req, bucket, key, tags); err != nil {
			return true, err
		}
		return true, ok(http.StatusOK)
	case tagging && r.Method == http.MethodDelete:
		op("DeleteObjectTagging")
		if err := svc.DeleteObjectTagging(ctx, &a.req, bucket, key); err != nil {
			return true, err
		}
		return true, ok(http.StatusNoContent)
	case acl && r.Method == http.MethodGet:
		op("GetObjectAcl")
		owner, err := svc.GetObjectACL(ctx, &a.req, bucket, key)
		if err != nil {
			return true, err
		}
		return true, e.s3XML(w, awsproto.OwnerACL(owner))
	case acl && r.Method == http.MethodPut:
		op("PutObjectAcl")
		if err := svc.PutObjectACL(ctx, &a.req, bucket, key, r.Header.Get("X-Amz-Acl")); err != nil {
			return true, err
		}
		return true, ok(http.StatusOK)
	}
	return false, nil
}

// copySource reads an x-amz-copy-source header: [/]bucket/key, URL-encoded,
// perhaps with ?versionId (one version per key here).
func copySource(src string) (bucket, key string, err error) {
	src, _, _ = strings.Cut(src, "?")
	if u, uerr := url.PathUnescape(src); uerr == nil {
		src = u
	}
	bucket, key, found := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if !found || bucket == "" || key == "" {
		return "", "", newS3Err("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return bucket, key, nil
}
