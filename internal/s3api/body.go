package s3api

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/metrics"
	"github.com/podiam/podiam/internal/sigv4"
)

// verifyingBody checks a body against what the request declared: its
// SHA-256, its checksums (headers or trailer) and, for aws-chunked bodies,
// every chunk signature. At the end it returns a *fault.Error instead of
// io.EOF when something does not match.
type verifyingBody struct {
	r       io.Reader
	sha     hash.Hash // nil unless a SHA-256 was declared
	wantSHA string
	sums    []*checksumCheck
	chunked *sigv4.ChunkedReader
	err     error
	metrics *metrics.Server // counts the bytes read
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
	v.metrics.S3Bytes("in", int64(n))
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
		return refuse(fault.Mismatch, fault.ContentSHA256, "The provided 'x-amz-content-sha256' header does not match what was computed.")
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
			return refuse(fault.Mismatch, fault.Digest, "The "+c.alg+" you specified did not match the calculated checksum.")
		}
	}
	return nil
}

// checksumAlgorithms are S3's checksum algorithms.
var checksumAlgorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// checksumHeaders are their headers (x-amz-checksum-crc32, ...), and
// checksumKeys the same as net/http keys them.
var checksumHeaders, checksumKeys = func() (names, keys []string) {
	for _, alg := range checksumAlgorithms {
		h := "x-amz-checksum-" + strings.ToLower(alg)
		names, keys = append(names, h), append(keys, http.CanonicalHeaderKey(h))
	}
	return names, keys
}()

// wrapS3Body sets out.body to a verifying reader of r's body for the
// payload mode (a is nil for an anonymous request).
func (api *API) wrapS3Body(r *http.Request, out *s3Auth, a *sigv4.Auth, payload string, key *[32]byte) error {
	v := &verifyingBody{r: r.Body, metrics: api.metrics}
	var trailer map[string]bool
	if th := r.Header.Get("X-Amz-Trailer"); th != "" {
		trailer = map[string]bool{}
		for t := range strings.SplitSeq(th, ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				trailer[t] = true
			}
		}
	}
	switch payload {
	case sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedTrailer:
		decoded := int64(-1)
		if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return invalidArgument("x-amz-decoded-content-length is not a length")
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
	for i, alg := range checksumAlgorithms {
		header, want := checksumHeaders[i], ""
		if vs := r.Header[checksumKeys[i]]; len(vs) > 0 {
			want = vs[0]
		}
		if want == "" && !trailer[header] {
			continue
		}
		h, _ := sigv4.NewChecksum(alg)
		v.sums = append(v.sums, &checksumCheck{alg: alg, header: header, h: h, want: want})
	}
	out.body = v
	out.contentMD5 = r.Header.Get("Content-Md5")
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

// maxDrain bounds what readBody reads past a body's limit, to tell a
// body altered after signing from one that is only too large.
const maxDrain = 8 << 20

// readBody reads the whole of a's body, which may hold at most limit
// bytes; tooLarge is the operation's error for a larger one. Every body
// an operation parses is read through it: it reads to the end, where
// verifyingBody checks the signed x-amz-content-sha256 and the
// checksums, so that no handler parses bytes nobody checked (a reader
// that stops at a limit never reaches that end, and xml.Unmarshal
// ignores what follows the first element). A body past the limit is read
// on (up to maxDrain more) so that one altered after signing is refused
// as such. A Content-MD5, when given, must match too.
func readBody(a *s3Auth, limit int64, tooLarge func() error) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(a.body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		sum := md5.New()
		sum.Write(body)
		n, err := io.Copy(sum, io.LimitReader(a.body, maxDrain))
		if err != nil {
			return nil, err
		}
		if n < maxDrain {
			if err := checkMD5(a.contentMD5, sum.Sum(nil)); err != nil {
				return nil, err
			}
		}
		return nil, tooLarge()
	}
	if err := checkMD5(a.contentMD5, md5Sum(body)); err != nil {
		return nil, err
	}
	return body, nil
}

func md5Sum(b []byte) []byte { s := md5.Sum(b); return s[:] }

// readXMLBody is readBody for an XML document: S3 refuses one over its
// limit with MaxMessageLengthExceeded.
func readXMLBody(a *s3Auth, limit int64) ([]byte, error) {
	return readBody(a, limit, func() error {
		return refuse(fault.TooLarge, fault.XML, "Your request was too big.")
	})
}

// checkMD5 checks the MD5 sum of a body against a request's Content-MD5
// v, if it has one.
func checkMD5(v string, sum []byte) error {
	if v == "" {
		return nil
	}
	want, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(want) != md5.Size {
		return refuse(fault.InvalidInput, fault.Digest, "The Content-MD5 you specified is not valid.")
	}
	if string(sum) != string(want) {
		return refuse(fault.Mismatch, fault.Digest, "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}
