package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Algorithm is the only signing algorithm verified here.
const Algorithm = "AWS4-HMAC-SHA256"

// Payload hashes with a special meaning.
const (
	// EmptySHA256 is the hex SHA-256 of an empty body.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// UnsignedPayload is what S3 clients send when the body is not signed
	// (and what presigned URLs always use).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// MaxSkew is how far a request's time may be from the server's.
const MaxSkew = 15 * time.Minute

// MaxPresignExpiry is the longest X-Amz-Expires accepted (seven days).
const MaxPresignExpiry = 7 * 24 * time.Hour

const (
	amzDateLayout = "20060102T150405Z"
	scopeDateLen  = 8
	terminator    = "aws4_request"
)

// Auth is the parsed authorization of a request.
type Auth struct {
	AccessKeyID   string
	Date          time.Time // the request time (X-Amz-Date or Date)
	AmzDate       string    // the request time as signed, yyyymmddThhmmssZ
	ScopeDate     string    // yyyymmdd from the credential scope
	Region        string
	Service       string
	SignedHeaders []string // lower case, as listed
	Signature     string   // lower-case hex
	SecurityToken string   // X-Amz-Security-Token, "" when absent
	// Presigned is true for query-string authentication; Expires is then
	// its X-Amz-Expires, and HasExpires tells whether it was given.
	Presigned  bool
	Expires    time.Duration
	HasExpires bool
	// Query is the request's decoded query string, the one decoding that
	// both the signature check and the request's handler read.
	Query url.Values
}

// Scope is the credential scope: date/region/service/aws4_request.
func (a *Auth) Scope() string {
	return a.ScopeDate + "/" + a.Region + "/" + a.Service + "/" + terminator
}

// Parse reads the authorization of r from its Authorization header or,
// without one, from presigned query parameters. query is r's query string
// as decoded once for the whole request: the canonical request is built
// from these values, so that what is signed is what the handler reads.
func Parse(r *http.Request, query url.Values) (*Auth, error) {
	var a *Auth
	var err error
	switch hs := r.Header.Values("Authorization"); {
	case len(hs) > 1:
		return nil, errorf(Incomplete, "Only one Authorization header is allowed")
	case len(hs) == 1 && hs[0] != "":
		a, err = parseHeader(r, hs[0])
	case query.Has("X-Amz-Algorithm") || query.Has("X-Amz-Signature") || query.Has("X-Amz-Credential"):
		a, err = parseQuery(query)
	default:
		return nil, errorf(MissingAuthentication, "Request is missing Authentication Token")
	}
	if err != nil {
		return nil, err
	}
	a.Query = query
	return a, nil
}

// ParseAuthorization parses an Authorization header value into the
// credential, signed headers and signature; the request time is not read.
func ParseAuthorization(h string) (*Auth, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	switch {
	case alg == Algorithm:
	case alg == "AWS4-ECDSA-P256-SHA256":
		return nil, errorf(Unsupported, "Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported; sign with AWS4-HMAC-SHA256")
	case alg == "AWS":
		return nil, errorf(Unsupported, "Signature Version 2 is not supported; sign with AWS4-HMAC-SHA256")
	default:
		return nil, errorf(Incomplete, "Authorization header is not of the form %s Credential=..., SignedHeaders=..., Signature=...", Algorithm)
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			if strings.TrimSpace(part) == "" {
				continue
			}
			return nil, errorf(Incomplete, "Authorization header component %q is not of the form key=value", strings.TrimSpace(part))
		}
		var seen *bool
		switch k {
		case "Credential":
			cred, seen = v, &haveCred
		case "SignedHeaders":
			signed, seen = v, &haveSigned
		case "Signature":
			sig, seen = v, &haveSig
		default:
			return nil, errorf(Incomplete, "Authorization header has an unknown component %q", k)
		}
		if *seen {
			return nil, errorf(Incomplete, "Authorization header has the component %q more than once", k)
		}
		*seen = true
	}
	var missing []string
	for _, m := range []struct {
		name string
		ok   bool
	}{{"Credential", haveCred}, {"Signature", haveSig}, {"SignedHeaders", haveSigned}} {
		if !m.ok {
			missing = append(missing, "Authorization header requires '"+m.name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return nil, errorf(Incomplete, "%s", strings.Join(missing, " "))
	}
	a := &Auth{}
	if err := a.setCredential(cred); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	if err := a.setSignature(sig); err != nil {
		return nil, err
	}
	return a, nil
}

func parseHeader(r *http.Request, h string) (*Auth, error) {
	a, err := ParseAuthorization(h)
	if err != nil {
		return nil, err
	}
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := time.Parse(amzDateLayout, d)
		if err != nil {
			return nil, errorf(Incomplete, "X-Amz-Date %q is not of the form yyyymmddThhmmssZ", d)
		}
		a.Date, a.AmzDate = t, d
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, errorf(Incomplete, "Date header %q is not an HTTP date", d)
		}
		a.Date, a.AmzDate = t.UTC(), t.UTC().Format(amzDateLayout)
	} else {
		return nil, errorf(Incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	a.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	return a, nil
}

// presignParams are the query parameters of query-string authentication.
var presignParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}

// IsPresignParam reports whether a query parameter is one of query-string
// authentication's own (X-Amz-Credential, ...), which carry the signature
// rather than the request.
func IsPresignParam(name string) bool { return slices.Contains(presignParams, name) }

func parseQuery(q url.Values) (*Auth, error) {
	for _, p := range presignParams {
		if len(q[p]) > 1 {
			return nil, errorf(MalformedQuery, "Query-string authentication requires %s at most once", p)
		}
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != Algorithm {
		if alg == "" {
			return nil, errorf(MalformedQuery, "Query-string authentication requires the X-Amz-Algorithm parameter.")
		}
		return nil, errorf(Unsupported, "X-Amz-Algorithm only supports \"%s\"", Algorithm)
	}
	var missing []string
	for _, p := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if !q.Has(p) {
			missing = append(missing, "Query-string authentication requires the "+p+" parameter.")
		}
	}
	if len(missing) > 0 {
		return nil, errorf(MalformedQuery, "%s", strings.Join(missing, " "))
	}
	a := &Auth{Presigned: true}
	if err := a.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, asQueryError(err)
	}
	if err := a.setSignedHeaders(q.Get("X-Amz-SignedHeaders")); err != nil {
		return nil, asQueryError(err)
	}
	if err := a.setSignature(q.Get("X-Amz-Signature")); err != nil {
		return nil, asQueryError(err)
	}
	d := q.Get("X-Amz-Date")
	t, err := time.Parse(amzDateLayout, d)
	if err != nil {
		return nil, errorf(MalformedQuery, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", not %q", d)
	}
	a.Date, a.AmzDate = t, d
	if q.Has("X-Amz-Expires") {
		e := q.Get("X-Amz-Expires")
		num, negative := strings.CutPrefix(e, "-")
		if num == "" || !digits(num) {
			return nil, errorf(MalformedQuery, "X-Amz-Expires should be a number")
		}
		if negative {
			return nil, errorf(MalformedQuery, "X-Amz-Expires must be non-negative")
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > int64(MaxPresignExpiry/time.Second) {
			return nil, errorf(MalformedQuery, "X-Amz-Expires must be less than a week (in seconds) that is %d", int(MaxPresignExpiry.Seconds()))
		}
		a.Expires, a.HasExpires = time.Duration(n)*time.Second, true
	}
	a.SecurityToken = q.Get("X-Amz-Security-Token")
	return a, nil
}

// asQueryError turns an Incomplete error about a part of the credential
// into one about the presigned query parameters.
func asQueryError(err error) error {
	if e, ok := err.(*Error); ok && e.Kind == Incomplete {
		e.Kind = MalformedQuery
	}
	return err
}

// setCredential reads AKID/yyyymmdd/region/service/aws4_request.
func (a *Auth) setCredential(c string) error {
	parts := strings.Split(c, "/")
	if len(parts) != 5 || parts[0] == "" {
		return errorf(Incomplete, "Credential %q is not of the form <access key id>/<yyyymmdd>/<region>/<service>/aws4_request", c)
	}
	if len(parts[1]) != scopeDateLen || !digits(parts[1]) {
		return errorf(Incomplete, "Credential scope date %q is not of the form yyyymmdd", parts[1])
	}
	if parts[2] == "" || parts[3] == "" {
		return errorf(Incomplete, "Credential %q lacks a region or a service", c)
	}
	if parts[4] != terminator {
		return errorf(Incomplete, "Credential should be scoped with a valid terminator: 'aws4_request', not %q", parts[4])
	}
	a.AccessKeyID, a.ScopeDate, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (a *Auth) setSignedHeaders(s string) error {
	if s == "" {
		return errorf(Incomplete, "SignedHeaders is empty")
	}
	a.SignedHeaders = strings.Split(s, ";")
	for _, h := range a.SignedHeaders {
		if !headerName(h) {
			return errorf(Incomplete, "SignedHeaders %q must be lower-case header names separated by ';'", s)
		}
	}
	if !slices.Contains(a.SignedHeaders, "host") {
		return errorf(Incomplete, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

func (a *Auth) setSignature(s string) error {
	if len(s) != 64 || !lowerHex(s) {
		return errorf(Incomplete, "Signature must be 64 lower-case hexadecimal characters")
	}
	a.Signature = s
	return nil
}

// headerName reports whether h is a lower-case HTTP header name (an RFC
// 9110 token): a name no header can have is never signed.
func headerName(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Options changes how the canonical request is built.
type Options struct {
	// S3 uses the path as received, encoded once and not normalized, as
	// S3 clients sign it; other services encode it a second time.
	S3 bool
	// Keys, when set, caches derived signing keys (one per access key,
	// day, region and service), saving four HMACs per request.
	Keys *KeyCache
	// IgnoreExpires holds a presigned request to MaxSkew either side of
	// its X-Amz-Date, whatever its X-Amz-Expires says, as AWS STS holds a
	// presigned GetCallerIdentity (the tokens of aws eks get-token say 60
	// seconds and are used for 15 minutes).
	IgnoreExpires bool
}

// KeyCache holds derived signing keys. It is safe for concurrent use and
// holds at most a fixed number of keys, starting afresh when full.
type KeyCache struct {
	mu sync.Mutex
	m  map[keyID]cachedKey
}

// keyID names a signing key: the access key and the scope, as a struct of
// the strings themselves, so that a lookup builds nothing.
type keyID struct {
	accessKeyID, date, region, service string
}

type cachedKey struct {
	secret string
	key    [sha256.Size]byte
}

const keyCacheSize = 4096

// Key returns the signing key of secret for a's scope, derived once and
// then cached.
func (c *KeyCache) Key(a *Auth, secret string) [sha256.Size]byte {
	id := keyID{accessKeyID: a.AccessKeyID, date: a.ScopeDate, region: a.Region, service: a.Service}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.secret == secret {
		return e.key
	}
	k := SigningKey(secret, a.ScopeDate, a.Region, a.Service)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= keyCacheSize {
		c.m = make(map[keyID]cachedKey)
	}
	c.m[id] = cachedKey{secret: secret, key: k}
	c.mu.Unlock()
	return k
}

// CheckTime checks the request time against now: within MaxSkew for a
// signed header; for a presigned request, not before its date (less the
// skew) and not after its expiry.
func (a *Auth) CheckTime(now time.Time) error { return a.checkTime(now, false) }

// checkTime is CheckTime; ignoreExpires holds a presigned request to
// MaxSkew either side of its date, as a signed header is held.
func (a *Auth) checkTime(now time.Time, ignoreExpires bool) error {
	now = now.UTC()
	stamp := func(t time.Time) string { return t.UTC().Format(amzDateLayout) }
	if a.Date.After(now.Add(MaxSkew)) {
		return errorf(Expired, "Signature not yet current: %s is still later than %s (%s + 15 min.)", a.AmzDate, stamp(now.Add(MaxSkew)), stamp(now))
	}
	if a.Presigned && a.HasExpires && !ignoreExpires {
		if end := a.Date.Add(a.Expires); now.After(end) {
			return errorf(Expired, "Request has expired: signed at %s for %d seconds, now %s", a.AmzDate, int(a.Expires.Seconds()), stamp(now))
		}
		return nil
	}
	if a.Date.Before(now.Add(-MaxSkew)) {
		return errorf(Expired, "Signature expired: %s is now earlier than %s (%s - 15 min.)", a.AmzDate, stamp(now.Add(-MaxSkew)), stamp(now))
	}
	return nil
}

// Verify checks a's signature over r with the secret access key of
// a.AccessKeyID. payloadHash is the hex SHA-256 of the body (or, for S3,
// the x-amz-content-sha256 value). It checks the request time first.
func Verify(r *http.Request, a *Auth, secret string, payloadHash string, now time.Time, opt Options) error {
	_, err := VerifyKey(r, a, secret, payloadHash, now, opt)
	return err
}

// VerifyKey is Verify that also returns the signing key it verified with
// (an aws-chunked body's chunks are signed with it).
func VerifyKey(r *http.Request, a *Auth, secret string, payloadHash string, now time.Time, opt Options) ([sha256.Size]byte, error) {
	var key [sha256.Size]byte
	if err := a.checkTime(now, opt.IgnoreExpires); err != nil {
		return key, err
	}
	if a.ScopeDate != a.AmzDate[:scopeDateLen] {
		return key, errorf(Mismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.ScopeDate, a.AmzDate[:scopeDateLen], a.AmzDate)
	}
	buf := canonicalBuffers.Get().(*[]byte)
	defer canonicalBuffers.Put(buf)
	creq := appendCanonicalRequest((*buf)[:0], r, a, payloadHash, opt)
	if cap(creq) <= 64<<10 {
		*buf = creq[:0] // kept for the next request, grown if it had to
	}
	sts := stringToSign(a, sha256.Sum256(creq))
	if opt.Keys != nil {
		key = opt.Keys.Key(a, secret)
	} else {
		key = SigningKey(secret, a.ScopeDate, a.Region, a.Service)
	}
	want := hmacSHA256(key[:], sts)
	var got [sha256.Size]byte
	if len(a.Signature) != hex.EncodedLen(sha256.Size) || !decodeHex(got[:], a.Signature) || !hmac.Equal(want[:], got[:]) {
		return key, &Error{
			Kind: Mismatch,
			Message: "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
				"The Canonical String for this request should have been\n'" + string(creq) + "'\n\n" +
				"The String-to-Sign should have been\n'" + sts + "'\n",
			CanonicalRequest: string(creq),
			StringToSign:     sts,
		}
	}
	return key, nil
}

// StringToSign builds the string to sign for a canonical request.
func StringToSign(a *Auth, canonicalRequest string) string {
	return stringToSign(a, sha256.Sum256([]byte(canonicalRequest)))
}

// stringToSign is the string to sign of a canonical request whose
// SHA-256 is sum.
func stringToSign(a *Auth, sum [sha256.Size]byte) string {
	b := make([]byte, 0, len(Algorithm)+len(a.AmzDate)+len(a.ScopeDate)+len(a.Region)+len(a.Service)+len(terminator)+2*sha256.Size+6)
	b = append(b, Algorithm...)
	b = append(b, '\n')
	b = append(b, a.AmzDate...)
	b = append(b, '\n')
	b = append(b, a.ScopeDate...)
	b = append(b, '/')
	b = append(b, a.Region...)
	b = append(b, '/')
	b = append(b, a.Service...)
	b = append(b, '/')
	b = append(b, terminator...)
	b = append(b, '\n')
	b = hex.AppendEncode(b, sum[:])
	return string(b)
}

// SigningKey derives the signing key of a secret for a date, region and
// service.
func SigningKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k[:], region)
	k = hmacSHA256(k[:], service)
	return hmacSHA256(k[:], terminator)
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) written out over sha256.Sum256,
// which spares crypto/hmac's allocations on this hot path.
func hmacSHA256(key []byte, data string) [sha256.Size]byte {
	const block = 64
	var k [block]byte
	if len(key) > block {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var small [256]byte
	buf := small[:0]
	if block+len(data) > len(small) {
		buf = make([]byte, 0, block+len(data))
	}
	for _, c := range k {
		buf = append(buf, c^0x36)
	}
	buf = append(buf, data...)
	inner := sha256.Sum256(buf)
	var outer [block + sha256.Size]byte
	for i, c := range k {
		outer[i] = c ^ 0x5c
	}
	copy(outer[block:], inner[:])
	return sha256.Sum256(outer[:])
}

// HashPayload returns the hex SHA-256 of a body.
func HashPayload(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// CanonicalRequest rebuilds the canonical request that the client signed.
func CanonicalRequest(r *http.Request, a *Auth, payloadHash string, opt Options) string {
	return string(appendCanonicalRequest(nil, r, a, payloadHash, opt))
}

// canonicalBuffers hold the canonical requests being verified: one is
// about 1.5 KB with a session token, and is needed only for its hash
// (and, on a mismatch, for the error, which copies it).
var canonicalBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// appendCanonicalRequest appends the canonical request to b, grown once
// to its size (a session token makes it long).
func appendCanonicalRequest(b []byte, r *http.Request, a *Auth, payloadHash string, opt Options) []byte {
	uri, query := canonicalURI(r, opt), canonicalQuery(a.Query, a.Presigned)
	var small [16]string
	values := small[:0]
	n := len(r.Method) + len(uri) + len(query) + len(payloadHash) + 5
	for _, h := range a.SignedHeaders {
		v := headerValue(r, h)
		values = append(values, v)
		n += 2*len(h) + len(v) + 3
	}
	b = slices.Grow(b, n)
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = append(b, uri...)
	b = append(b, '\n')
	b = append(b, query...)
	b = append(b, '\n')
	for i, h := range a.SignedHeaders {
		b = append(b, h...)
		b = append(b, ':')
		b = append(b, values[i]...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, h := range a.SignedHeaders {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, h...)
	}
	b = append(b, '\n')
	return append(b, payloadHash...)
}

func canonicalURI(r *http.Request, opt Options) string {
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	if opt.S3 {
		return p
	}
	return escape(p, false)
}

// canonicalQuery sorts the decoded query parameters by name, then value,
// each encoded as SigV4 requires; X-Amz-Signature is left out of a
// presigned request.
func canonicalQuery(q url.Values, presigned bool) string {
	if len(q) == 0 {
		return ""
	}
	type pair struct{ k, v string }
	ps := make([]pair, 0, len(q)+2)
	for k, vs := range q {
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ek := escape(k, true)
		for _, v := range vs {
			ps = append(ps, pair{ek, escape(v, true)})
		}
	}
	slices.SortFunc(ps, func(x, y pair) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// UnsignedHeaders lists, in lower case and sorted, the x-amz-* headers of
// h that a's signature does not cover, leaving out those exempt says may
// go unsigned. A header that is not signed is attacker-controlled: the
// caller refuses the request rather than let one change what it does.
func (a *Auth) UnsignedHeaders(h http.Header, exempt func(name string) bool) []string {
	var out []string
	for k := range h {
		if len(k) < len("x-amz-") || !strings.EqualFold(k[:len("x-amz-")], "x-amz-") || a.signs(k) {
			continue
		}
		if name := strings.ToLower(k); exempt == nil || !exempt(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// signs reports whether header k (in any case) is among a's SignedHeaders.
func (a *Auth) signs(k string) bool {
	for _, s := range a.SignedHeaders {
		if len(s) == len(k) && strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// headerValue is a signed header's canonical value: its values joined by
// ',', each trimmed with inner runs of spaces collapsed.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		vals = []string{h}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		key, ok := canonicalHeaders[name]
		if !ok {
			key = textproto.CanonicalMIMEHeaderKey(name)
		}
		vals = r.Header[key]
	}
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return trimValue(vals[0])
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = trimValue(v)
	}
	return strings.Join(out, ",")
}

// canonicalHeaders are the header names the SDKs sign, as net/http keys
// them, so that finding their values allocates nothing.
var canonicalHeaders = func() map[string]string {
	m := map[string]string{}
	for _, h := range []string{"x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "x-amz-target", "x-amz-user-agent",
		"x-amz-decoded-content-length", "x-amz-trailer", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme",
		"x-amz-checksum-sha1", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm", "x-amz-api-version",
		"amz-sdk-invocation-id", "amz-sdk-request", "content-type", "content-md5", "content-encoding", "range", "user-agent", "date"} {
		m[h] = textproto.CanonicalMIMEHeaderKey(h)
	}
	return m
}()

// decodeHex decodes hex s into dst, which is len(s)/2 long, as
// hex.Decode would; it reports whether s was hex.
func decodeHex(dst []byte, s string) bool {
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// trimValue trims a header value and collapses inner runs of spaces.
func trimValue(v string) string {
	clean := len(v) == 0 || v[0] != ' ' && v[len(v)-1] != ' '
	for i := 0; clean && i < len(v); i++ {
		if c := v[i]; c == '\t' || c == '\n' || c == '\r' || c == ' ' && i+1 < len(v) && v[i+1] == ' ' {
			clean = false
		}
	}
	if clean {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}

// escape percent-encodes every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~) and, unless encodeSlash, '/'.
func escape(s string, encodeSlash bool) string {
	const hexUpper = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}
