package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/podiam/podiam/internal/sigv4"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The credentials, time and scope of the examples in AWS's S3 SigV4
// documentation (sigv4-streaming.html).
const (
	docAccessKey = "AKIAIOSFODNN7EXAMPLE"
	docSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	docAmzDate   = "20130524T000000Z"
	docScope     = "20130524/us-east-1/s3/aws4_request"
	docSeed      = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
)

var docKey = sigv4.SigningKey(docSecret, "20130524", "us-east-1", "s3")

// encoder writes aws-chunked bodies, independently of the reader under
// test, following the documentation.
type encoder struct {
	mode    string
	key     [32]byte
	amzDate string
	scope   string
	prev    string // the previous signature, hex
}

func newEncoder(mode string) *encoder {
	return &encoder{mode: mode, key: docKey, amzDate: docAmzDate, scope: docScope, prev: docSeed}
}

func (e *encoder) signed() bool { return e.mode != sigv4.StreamingUnsignedTrailer }

func (e *encoder) sign(parts ...string) string {
	m := hmac.New(sha256.New, e.key[:])
	m.Write([]byte(strings.Join(parts, "\n")))
	e.prev = hex.EncodeToString(m.Sum(nil))
	return e.prev
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// chunk encodes one chunk (the last one when data is empty).
func (e *encoder) chunk(data []byte) string {
	if !e.signed() && len(data) == 0 {
		return "0\r\n"
	}
	if !e.signed() {
		return fmt.Sprintf("%x\r\n%s\r\n", len(data), data)
	}
	sig := e.sign("AWS4-HMAC-SHA256-PAYLOAD", e.amzDate, e.scope, e.prev, sigv4.EmptySHA256, sha256Hex(data))
	s := fmt.Sprintf("%x;chunk-signature=%s\r\n%s", len(data), sig, data)
	if len(data) > 0 {
		s += "\r\n"
	}
	return s
}

// end encodes what follows the last chunk's header: the trailer fields
// (name, value pairs), their signature, the final CRLF.
func (e *encoder) end(trailer ...string) string {
	var lines, canonical strings.Builder
	for i := 0; i+1 < len(trailer); i += 2 {
		fmt.Fprintf(&lines, "%s:%s\r\n", trailer[i], trailer[i+1])
		fmt.Fprintf(&canonical, "%s:%s\n", trailer[i], trailer[i+1])
	}
	if e.mode == sigv4.StreamingPayloadTrailer {
		sig := e.sign("AWS4-HMAC-SHA256-TRAILER", e.amzDate, e.scope, e.prev, sha256Hex([]byte(canonical.String())))
		fmt.Fprintf(&lines, "x-amz-trailer-signature:%s\r\n", sig)
	}
	if e.mode == sigv4.StreamingPayload {
		return "\r\n"
	}
	return lines.String() + "\r\n"
}

// encode encodes payload in chunks of size n (the last shorter), with a
// CRC32 trailer in the trailer modes.
func (e *encoder) encode(payload []byte, n int) string {
	var b strings.Builder
	for p := payload; len(p) > 0; {
		k := min(n, len(p))
		b.WriteString(e.chunk(p[:k]))
		p = p[k:]
	}
	b.WriteString(e.chunk(nil))
	if e.mode == sigv4.StreamingPayload {
		b.WriteString(e.end())
	} else {
		b.WriteString(e.end("x-amz-checksum-crc32", crc32Of(payload)))
	}
	return b.String()
}

func crc32Of(p []byte) string {
	h, _ := sigv4.NewChecksum("CRC32")
	h.Write(p)
	return sigv4.Base64Digest(h)
}

// options are the reader options for the documentation's request.
func options(mode string, decoded int64) sigv4.ChunkedOptions {
	o := sigv4.ChunkedOptions{Mode: mode, DecodedLength: decoded}
	if mode != sigv4.StreamingUnsignedTrailer {
		o.SigningKey, o.SeedSignature, o.AmzDate, o.Scope = docKey, docSeed, docAmzDate, docScope
	}
	if mode != sigv4.StreamingPayload {
		o.Trailer = []string{"x-amz-checksum-crc32"}
	}
	return o
}

// decode reads a whole body; it returns the bytes Read returned before an
// error too.
func decode(body io.Reader, opt sigv4.ChunkedOptions) ([]byte, map[string]string, error) {
	r, err := sigv4.NewChunkedReader(body, opt)
	if err != nil {
		return nil, nil, err
	}
	var out []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, r.Trailers(), nil
		}
		if err != nil {
			if r.Trailers() != nil {
				return out, nil, errors.New("Trailers before io.EOF")
			}
			return out, nil, err
		}
	}
}

// textPayload is n bytes of numbered lines.
func textPayload(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "podiam aws-chunked golden body, line %05d\n", i)
	}
	return b.Bytes()[:n]
}

// payloadOf is n pseudo-random bytes, the same for the same n.
func payloadOf(n int) []byte {
	p := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)}).Read(p)
	return p
}

// TestChunkedDocumentationExamples decodes AWS's examples of signed
// chunked uploads (sigv4-streaming.html, sigv4-streaming-trailers.html):
// 65 KiB of 'a' in chunks of 64 KiB and 1 KiB, with the signatures the
// documentation publishes, after verifying the request's seed signature.
func TestChunkedDocumentationExamples(t *testing.T) {
	payload := bytes.Repeat([]byte("a"), 65*1024)
	tests := []struct {
		name          string
		mode          string
		signedHeaders string
		headers       map[string]string
		seed          string
		chunks        [3]string // the published chunk signatures
		trailer       string    // what follows the last chunk header
	}{
		{
			name:          "signed chunks",
			mode:          sigv4.StreamingPayload,
			signedHeaders: "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
			headers:       map[string]string{"Content-Length": "66824"},
			seed:          docSeed,
			chunks: [3]string{
				"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
				"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
				"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
			},
			trailer: "\r\n",
		},
		{
			name:          "signed chunks and trailer",
			mode:          sigv4.StreamingPayloadTrailer,
			signedHeaders: "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
			headers:       map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32c"},
			seed:          "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
			chunks: [3]string{
				"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
				"1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
				"2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
			},
			trailer: "x-amz-checksum-crc32c:sOO8/Q==\r\n" +
				"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "10000;chunk-signature=" + tt.chunks[0] + "\r\n" + string(payload[:65536]) + "\r\n" +
				"400;chunk-signature=" + tt.chunks[1] + "\r\n" + string(payload[65536:]) + "\r\n" +
				"0;chunk-signature=" + tt.chunks[2] + "\r\n" + tt.trailer
			if tt.mode == sigv4.StreamingPayload && len(body) != 66824 {
				t.Fatalf("body of %d bytes, the documentation's Content-Length is 66824", len(body))
			}
			// The test's own encoder, used elsewhere, writes the same body.
			e := newEncoder(tt.mode)
			e.prev = tt.seed
			mine := e.chunk(payload[:65536]) + e.chunk(payload[65536:]) + e.chunk(nil)
			if tt.mode == sigv4.StreamingPayload {
				mine += e.end()
			} else {
				mine += e.end("x-amz-checksum-crc32c", "sOO8/Q==")
			}
			if mine != body {
				t.Fatal("the test's encoder does not reproduce the documentation's body")
			}

			r := httptest.NewRequest("PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(body))
			for k, v := range map[string]string{
				"Content-Encoding":             "aws-chunked",
				"X-Amz-Content-Sha256":         tt.mode,
				"X-Amz-Date":                   docAmzDate,
				"X-Amz-Decoded-Content-Length": "66560",
				"X-Amz-Storage-Class":          "REDUCED_REDUNDANCY",
				"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
					"SignedHeaders=" + tt.signedHeaders + ",Signature=" + tt.seed,
			} {
				r.Header.Set(k, v)
			}
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			a, err := sigv4.Parse(r, r.URL.Query())
			if err != nil {
				t.Fatal(err)
			}
			if err := sigv4.Verify(r, a, docSecret, r.Header.Get("X-Amz-Content-Sha256"), a.Date, sigv4.Options{S3: true}); err != nil {
				t.Fatalf("seed signature: %v", err)
			}
			got, trailers, err := decode(r.Body, mustChunkedOptions(t, r, a, docSecret))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatalf("decoded %d bytes, want the 66560 bytes of 'a'", len(got))
			}
			if tt.mode == sigv4.StreamingPayloadTrailer && trailers["x-amz-checksum-crc32c"] != "sOO8/Q==" {
				t.Fatalf("trailers %v", trailers)
			}
		})
	}
}

// chunkedOptions reads a request's options as the S3 server will.
func chunkedOptions(r *http.Request, a *sigv4.Auth, secret string) (sigv4.ChunkedOptions, error) {
	o := sigv4.ChunkedOptions{Mode: r.Header.Get("X-Amz-Content-Sha256"), DecodedLength: -1}
	if o.Mode != sigv4.StreamingUnsignedTrailer {
		o.SigningKey = sigv4.SigningKey(secret, a.ScopeDate, a.Region, a.Service)
		o.SeedSignature, o.AmzDate, o.Scope = a.Signature, a.AmzDate, a.Scope()
	}
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return o, fmt.Errorf("x-amz-decoded-content-length %q", v)
		}
		o.DecodedLength = n
	}
	o.Trailer = r.Header.Values("X-Amz-Trailer")
	return o, nil
}

func mustChunkedOptions(t *testing.T, r *http.Request, a *sigv4.Auth, secret string) sigv4.ChunkedOptions {
	t.Helper()
	o, err := chunkedOptions(r, a, secret)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestChunkedSDKStreamSigner signs a request with aws-sdk-go-v2's signer
// and its chunks with the SDK's stream signer (whose string to sign, with
// empty headers, is the aws-chunked one), then verifies both. The SDK has
// no trailer signer: the trailer signature comes from the test's encoder,
// whose chunk signatures must equal the SDK's.
func TestChunkedSDKStreamSigner(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	creds := aws.Credentials{AccessKeyID: docAccessKey, SecretAccessKey: docSecret, SessionToken: "session-token"}
	for _, mode := range []string{sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer} {
		for _, size := range []int{0, 1, 65536, 200000} {
			t.Run(fmt.Sprintf("%s/%d", mode, size), func(t *testing.T) {
				payload := payloadOf(size)
				r := httptest.NewRequest("PUT", "https://s3.us-west-2.amazonaws.com/bucket/dir/key%20with%20space", nil)
				r.Header.Set("Content-Encoding", "aws-chunked")
				r.Header.Set("X-Amz-Content-Sha256", mode)
				r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(size))
				if mode == sigv4.StreamingPayloadTrailer {
					r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
				}
				out := r.Clone(ctx)
				out.RequestURI = ""
				if err := v4.NewSigner().SignHTTP(ctx, creds, out, mode, "s3", "us-west-2", now, func(o *v4.SignerOptions) {
					o.DisableURIPathEscaping = true
				}); err != nil {
					t.Fatal(err)
				}
				r.Header = out.Header
				a, err := sigv4.Parse(r, r.URL.Query())
				if err != nil {
					t.Fatal(err)
				}
				if err := sigv4.Verify(r, a, docSecret, mode, now, sigv4.Options{S3: true}); err != nil {
					t.Fatalf("seed signature: %v", err)
				}

				seed, _ := hex.DecodeString(a.Signature)
				ss := v4.NewStreamSigner(creds, "s3", "us-west-2", seed)
				enc := &encoder{mode: mode, key: sigv4.SigningKey(docSecret, a.ScopeDate, a.Region, a.Service), amzDate: a.AmzDate, scope: a.Scope(), prev: a.Signature}
				var body strings.Builder
				for i, p := 0, payload; ; i++ {
					k := min(65536, len(p))
					sdk, err := ss.GetSignature(ctx, nil, p[:k], now)
					if err != nil {
						t.Fatal(err)
					}
					mine := enc.chunk(p[:k])
					if !strings.Contains(mine, ";chunk-signature="+hex.EncodeToString(sdk)+"\r\n") {
						t.Fatalf("chunk %d: the test's signature differs from the SDK's %x", i, sdk)
					}
					body.WriteString(mine)
					if k == 0 {
						break
					}
					p = p[k:]
				}
				if mode == sigv4.StreamingPayload {
					body.WriteString(enc.end())
				} else {
					body.WriteString(enc.end("x-amz-checksum-crc32", crc32Of(payload)))
				}
				got, trailer, err := decode(strings.NewReader(body.String()), mustChunkedOptions(t, r, a, docSecret))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, payload) {
					t.Fatalf("decoded %d bytes, want %d", len(got), len(payload))
				}
				if mode == sigv4.StreamingPayloadTrailer && trailer["x-amz-checksum-crc32"] != crc32Of(payload) {
					t.Fatalf("trailer %v", trailer)
				}
			})
		}
	}
}

// TestChunkedModes decodes bodies of every mode, size and chunking, read
// in pieces of one byte and of whatever the reader gives.
func TestChunkedModes(t *testing.T) {
	for _, mode := range []string{sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedTrailer} {
		for _, tt := range []struct{ size, chunk int }{{0, 8192}, {1, 8192}, {8191, 8192}, {8192, 8192}, {8193, 8192}, {100000, 65536}, {100000, 100000}} {
			payload := payloadOf(tt.size)
			body := newEncoder(mode).encode(payload, tt.chunk)
			for _, decoded := range []int64{-1, int64(tt.size)} {
				t.Run(fmt.Sprintf("%s/%d-in-%d/decoded-length-%d", mode, tt.size, tt.chunk, decoded), func(t *testing.T) {
					for _, src := range []io.Reader{strings.NewReader(body), iotest.OneByteReader(strings.NewReader(body)), iotest.HalfReader(strings.NewReader(body))} {
						got, trailer, err := decode(src, options(mode, decoded))
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got, payload) {
							t.Fatalf("decoded %d bytes, want %d", len(got), len(payload))
						}
						if mode != sigv4.StreamingPayload && trailer["x-amz-checksum-crc32"] != crc32Of(payload) || len(trailer) > 1 {
							t.Fatalf("trailer %v", trailer)
						}
					}
					r, err := sigv4.NewChunkedReader(strings.NewReader(body), options(mode, decoded))
					if err != nil {
						t.Fatal(err)
					}
					if err := iotest.TestReader(r, payload); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

// TestChunkedRefusals: every malformed or tampered body is refused with
// the right kind of error, and in the signed modes no byte of a chunk is
// returned before its signature is verified.
func TestChunkedRefusals(t *testing.T) {
	payload := payloadOf(20000)
	chunks := func(mode string) []string { // the encoded chunks of 8192, 8192, 3616 bytes, the last chunk's header, the end
		e := newEncoder(mode)
		c := []string{e.chunk(payload[:8192]), e.chunk(payload[8192:16384]), e.chunk(payload[16384:]), e.chunk(nil)}
		if mode == sigv4.StreamingPayload {
			return append(c, e.end())
		}
		return append(c, e.end("x-amz-checksum-crc32", crc32Of(payload)))
	}
	signed, trailer, unsigned := chunks(sigv4.StreamingPayload), chunks(sigv4.StreamingPayloadTrailer), chunks(sigv4.StreamingUnsignedTrailer)
	join := func(parts ...string) string { return strings.Join(parts, "") }
	sig := func(s string) string { // the signature of a chunk header or a trailer
		i := strings.LastIndex(s, "signature") + len("signature=")
		return s[i : i+64]
	}
	swapSig := func(chunk, from string) string { return strings.Replace(chunk, sig(chunk), sig(from), 1) }
	flip := func(s string, i int) string { b := []byte(s); b[i] ^= 1; return string(b) }
	crc := crc32Of(payload)
	signTrailer := func(fields ...string) string { // a signed-trailer body with other trailer fields, signed
		e := newEncoder(sigv4.StreamingPayloadTrailer)
		e.chunk(payload[:8192])
		e.chunk(payload[8192:16384])
		e.chunk(payload[16384:])
		e.chunk(nil)
		return join(trailer[0], trailer[1], trailer[2], trailer[3], e.end(fields...))
	}
	var longTrailer string // 17 fields of 1 KiB
	var longNames []string
	for i := range 17 {
		longNames = append(longNames, fmt.Sprintf("x-amz-meta-%d", i))
		longTrailer += longNames[i] + ":" + strings.Repeat("b", 1000) + "\r\n"
	}
	incomplete, mismatch, badDigest := "incomplete", "mismatch", "checksum"
	tests := []struct {
		name    string
		mode    string
		body    string
		decoded int64    // 0 for the payload's length
		trailer []string // x-amz-trailer, when not x-amz-checksum-crc32
		seed    string   // the seed signature, when not the encoder's
		want    string
		message string
	}{
		{name: "tampered chunk data", mode: sigv4.StreamingPayload, body: join(signed[0], flip(signed[1], 200), signed[2], signed[3], signed[4]), want: mismatch, message: "AWS4-HMAC-SHA256-PAYLOAD\n" + docAmzDate + "\n" + docScope + "\n"},
		{name: "tampered chunk signature", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1], strings.Replace(signed[2], sig(signed[2]), strings.Repeat("0", 64), 1), signed[3], signed[4]), want: mismatch},
		{name: "signature of another chunk", mode: sigv4.StreamingPayload, body: join(signed[0], swapSig(signed[1], signed[2]), swapSig(signed[2], signed[1]), signed[3], signed[4]), want: mismatch},
		{name: "chunks swapped", mode: sigv4.StreamingPayload, body: join(signed[1], signed[0], signed[2], signed[3], signed[4]), want: mismatch},
		{name: "chunk dropped", mode: sigv4.StreamingPayload, body: join(signed[0], signed[2], signed[3], signed[4]), decoded: -1, want: mismatch},
		{name: "final chunk signature tampered", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1], signed[2], flip(signed[3], 30), signed[4]), want: mismatch},
		{name: "seed of another request", mode: sigv4.StreamingPayload, body: join(signed...), seed: strings.Repeat("1", 64), want: mismatch},
		{name: "upper-case signature", mode: sigv4.StreamingPayload, body: join(strings.Replace(signed[0], sig(signed[0]), strings.ToUpper(sig(signed[0])), 1), signed[1], signed[2], signed[3], signed[4]), want: incomplete, message: "lower-case"},
		{name: "missing final chunk", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1], signed[2]), want: incomplete, message: "terminated unexpectedly"},
		{name: "missing final CRLF", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1], signed[2], signed[3]), want: incomplete, message: "terminated unexpectedly"},
		{name: "truncated in data", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1][:5000]), want: incomplete, message: "terminated unexpectedly"},
		{name: "truncated in header", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1][:40]), want: incomplete, message: "terminated unexpectedly"},
		{name: "empty body", mode: sigv4.StreamingPayload, body: "", want: incomplete, message: "terminated unexpectedly"},
		{name: "data after the end", mode: sigv4.StreamingPayload, body: join(signed...) + "x", want: incomplete, message: "goes on after its end"},
		{name: "chunk longer than its size", mode: sigv4.StreamingPayload, body: join(signed[0][:len(signed[0])-2], "xx\r\n", signed[1]), want: incomplete, message: "CRLF"},
		{name: "oversized chunk header", mode: sigv4.StreamingPayload, body: "2000;chunk-signature=" + strings.Repeat("a", 5000) + "\r\n", want: incomplete, message: "longer than 4096 bytes"},
		{name: "bad hex size", mode: sigv4.StreamingPayload, body: strings.Replace(join(signed...), "2000;", "2g00;", 1), want: incomplete, message: "hexadecimal size"},
		{name: "negative size", mode: sigv4.StreamingPayload, body: strings.Replace(join(signed...), "2000;", "-2000;", 1), want: incomplete, message: "hexadecimal size"},
		{name: "leading zero", mode: sigv4.StreamingPayload, body: strings.Replace(join(signed...), "2000;", "02000;", 1), want: incomplete, message: "hexadecimal size"},
		{name: "size overflows", mode: sigv4.StreamingPayload, body: strings.Replace(join(signed...), "2000;", "8000000000000000;", 1), decoded: -1, want: incomplete, message: "hexadecimal size"},
		{name: "chunk larger than allowed", mode: sigv4.StreamingPayload, body: strings.Replace(join(signed...), "2000;", "7fffffffffffffff;", 1), decoded: -1, want: incomplete, message: "larger than the 16777216 bytes allowed"},
		{name: "no signature", mode: sigv4.StreamingPayload, body: join(unsigned...), want: incomplete, message: "chunk-signature="},
		{name: "bare LF", mode: sigv4.StreamingPayload, body: strings.Replace(join(signed...), "\r\n", "\n", 1), want: incomplete, message: "CRLF"},
		{name: "decoded length larger", mode: sigv4.StreamingPayload, body: join(signed...), decoded: 20001, want: incomplete, message: "holds 20000 bytes, not the 20001 bytes"},
		{name: "decoded length smaller", mode: sigv4.StreamingPayload, body: join(signed...), decoded: 19999, want: incomplete, message: "more than the 19999 bytes"},
		{name: "trailer in a mode without", mode: sigv4.StreamingPayload, body: join(signed[0], signed[1], signed[2], signed[3], "x-amz-checksum-crc32:"+crc+"\r\n\r\n"), want: incomplete, message: "CRLF"},

		{name: "trailer missing a declared field", mode: sigv4.StreamingPayloadTrailer, body: signTrailer(), want: incomplete, message: "lacks x-amz-checksum-crc32"},
		{name: "trailer with an undeclared field", mode: sigv4.StreamingPayloadTrailer, body: signTrailer("x-amz-checksum-crc32", crc, "x-amz-meta-a", "b"), want: incomplete, message: "does not declare"},
		{name: "trailer field twice", mode: sigv4.StreamingPayloadTrailer, body: signTrailer("x-amz-checksum-crc32", crc, "x-amz-checksum-crc32", crc), want: incomplete, message: "twice"},
		{name: "tampered trailer value", mode: sigv4.StreamingPayloadTrailer, body: join(trailer[:4]...) + strings.Replace(trailer[4], crc, "AAAAAA==", 1), want: mismatch, message: "AWS4-HMAC-SHA256-TRAILER\n" + docAmzDate + "\n"},
		{name: "bad trailer signature", mode: sigv4.StreamingPayloadTrailer, body: join(trailer[:4]...) + strings.Replace(trailer[4], sig(trailer[4]), sig(trailer[3]), 1), want: mismatch},
		{name: "trailer signature missing", mode: sigv4.StreamingPayloadTrailer, body: join(trailer[:4]...) + "x-amz-checksum-crc32:" + crc + "\r\n\r\n", want: incomplete, message: "lacks x-amz-trailer-signature"},
		{name: "field after the trailer signature", mode: sigv4.StreamingPayloadTrailer, body: join(trailer...)[:len(join(trailer...))-2] + "x-amz-meta-a:b\r\n\r\n", want: incomplete, message: "after x-amz-trailer-signature"},
		{name: "signed checksum wrong", mode: sigv4.StreamingPayloadTrailer, body: signTrailer("x-amz-checksum-crc32", "AAAAAA=="), want: badDigest},
		{name: "trailer without CRLF at the end", mode: sigv4.StreamingPayloadTrailer, body: join(trailer...)[:len(join(trailer...))-2], want: incomplete, message: "terminated unexpectedly"},
		{name: "trailer too long", mode: sigv4.StreamingPayloadTrailer, body: join(trailer[:4]...) + longTrailer, trailer: longNames, want: incomplete, message: "longer than 16384 bytes"},

		{name: "unsigned checksum wrong", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[:4]...) + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n", want: badDigest},
		{name: "unsigned checksum malformed", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[:4]...) + "x-amz-checksum-crc32:AAAA\r\n\r\n", want: incomplete, message: "invalid"},
		{name: "unsigned tampered data", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[0], flip(unsigned[1], 100), unsigned[2], unsigned[3], unsigned[4]), want: badDigest},
		{name: "unsigned trailer signed", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[:4]...) + trailer[4], want: incomplete, message: "is signed"},
		{name: "unsigned chunk extension", mode: sigv4.StreamingUnsignedTrailer, body: join(signed[0], unsigned[1]), want: incomplete, message: "extension"},
		{name: "unsigned missing field", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[:4]...) + "\r\n", want: incomplete, message: "lacks x-amz-checksum-crc32"},
		{name: "unsigned truncated", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[0], unsigned[1][:3000]), want: incomplete, message: "terminated unexpectedly"},
		{name: "unsigned decoded length", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned...), decoded: 10000, want: incomplete, message: "more than the 10000 bytes"},
		{name: "unsigned trailer line without colon", mode: sigv4.StreamingUnsignedTrailer, body: join(unsigned[:4]...) + "x-amz-checksum-crc32\r\n\r\n", want: incomplete, message: "name:value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := options(tt.mode, int64(len(payload)))
			if tt.trailer != nil {
				opt.Trailer = tt.trailer
			}
			if tt.decoded != 0 {
				opt.DecodedLength = tt.decoded
			}
			if tt.seed != "" {
				opt.SeedSignature = tt.seed
			}
			got, _, err := decode(strings.NewReader(tt.body), opt)
			var e *sigv4.Error
			var ce *sigv4.ChecksumError
			switch {
			case tt.want == badDigest && errors.As(err, &ce):
				if ce.Algorithm != "CRC32" || ce.Computed == ce.Sent {
					t.Fatalf("checksum error %+v", ce)
				}
			case tt.want == incomplete && errors.As(err, &e) && e.Kind == sigv4.Incomplete:
			case tt.want == mismatch && errors.As(err, &e) && e.Kind == sigv4.Mismatch:
				if !strings.HasPrefix(e.Message, "The request signature we calculated does not match the signature you provided.") || strings.Contains(e.Message, "\n") {
					t.Fatalf("message %q", e.Message)
				}
				if !strings.HasPrefix(e.StringToSign, tt.message) {
					t.Fatalf("string to sign %q, want it to start with %q", e.StringToSign, tt.message)
				}
				tt.message = ""
			default:
				t.Fatalf("error %v, want %s", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %q lacks %q", err, tt.message)
			}
			if strings.Contains(err.Error(), docSecret) {
				t.Fatalf("error leaks the secret: %q", err)
			}
			if tt.mode != sigv4.StreamingUnsignedTrailer && !bytes.HasPrefix(payload, got) {
				t.Fatalf("returned %d bytes that are not the start of the payload", len(got))
			}
		})
	}
}

// TestChunkedOptionsRefused: headers that do not fit together are refused
// before the body is read.
func TestChunkedOptionsRefused(t *testing.T) {
	tests := []struct {
		name    string
		opt     func(*sigv4.ChunkedOptions)
		message string
	}{
		{"unknown mode", func(o *sigv4.ChunkedOptions) { o.Mode = sigv4.UnsignedPayload }, "not an aws-chunked payload"},
		{"sigv4a", func(o *sigv4.ChunkedOptions) { o.Mode = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD" }, "not an aws-chunked payload"},
		{"trailer without a trailer mode", func(o *sigv4.ChunkedOptions) { o.Trailer = []string{"x-amz-checksum-crc32"} }, "has no trailer"},
		{"trailer mode without x-amz-trailer", func(o *sigv4.ChunkedOptions) { o.Mode = sigv4.StreamingUnsignedTrailer }, "requires an x-amz-trailer"},
		{"unknown checksum", func(o *sigv4.ChunkedOptions) {
			o.Mode, o.Trailer = sigv4.StreamingUnsignedTrailer, []string{"x-amz-checksum-md4"}
		}, "unknown checksum algorithm"},
		{"trailer signature declared", func(o *sigv4.ChunkedOptions) {
			o.Mode, o.Trailer = sigv4.StreamingPayloadTrailer, []string{"x-amz-checksum-crc32, x-amz-trailer-signature"}
		}, "must not name"},
		{"trailer twice", func(o *sigv4.ChunkedOptions) {
			o.Mode, o.Trailer = sigv4.StreamingUnsignedTrailer, []string{"x-amz-checksum-crc32", "X-Amz-Checksum-CRC32"}
		}, "twice"},
		{"empty trailer name", func(o *sigv4.ChunkedOptions) {
			o.Mode, o.Trailer = sigv4.StreamingUnsignedTrailer, []string{"x-amz-checksum-crc32,"}
		}, "not a list"},
		{"bad seed", func(o *sigv4.ChunkedOptions) { o.SeedSignature = "abc" }, "64 lower-case"},
		{"negative decoded length", func(o *sigv4.ChunkedOptions) { o.DecodedLength = -5 }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := options(sigv4.StreamingPayload, -1)
			tt.opt(&opt)
			_, err := sigv4.NewChunkedReader(strings.NewReader(""), opt)
			if kind(err) != sigv4.Incomplete || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v, want Incomplete with %q", err, tt.message)
			}
		})
	}
	// Several names in one x-amz-trailer value are all expected.
	opt := options(sigv4.StreamingUnsignedTrailer, -1)
	opt.Trailer = []string{"x-amz-checksum-crc32 , x-amz-checksum-sha256"}
	body := newEncoder(sigv4.StreamingUnsignedTrailer).chunk([]byte("abc")) + "0\r\nx-amz-checksum-crc32:" + crc32Of([]byte("abc")) + "\r\nx-amz-checksum-sha256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\r\n\r\n"
	if got, tr, err := decode(strings.NewReader(body), opt); err != nil || string(got) != "abc" || len(tr) != 2 {
		t.Fatalf("two checksums: %q %v %v", got, tr, err)
	}
}

// TestChunkedOptionsRedacted: printing the options never shows the
// signing key or the seed signature.
func TestChunkedOptionsRedacted(t *testing.T) {
	opt := options(sigv4.StreamingPayload, 10)
	key := hex.EncodeToString(docKey[:])
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(format, opt)
		if strings.Contains(got, fmt.Sprint(docKey[0])+" "+fmt.Sprint(docKey[1])) || strings.Contains(got, key) || strings.Contains(got, docSeed) || !strings.Contains(got, docScope) {
			t.Errorf("%s shows %s", format, got)
		}
	}
}

// TestChunkedReadError: an error of the underlying reader is returned,
// wrapped, and stays.
func TestChunkedReadError(t *testing.T) {
	boom := errors.New("connection reset")
	body := newEncoder(sigv4.StreamingUnsignedTrailer).encode(payloadOf(1000), 512)
	r, err := sigv4.NewChunkedReader(io.MultiReader(strings.NewReader(body[:700]), iotest.ErrReader(boom)), options(sigv4.StreamingUnsignedTrailer, -1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the reader's", err)
	}
	if _, again := r.Read(make([]byte, 10)); again != err {
		t.Fatalf("second error %v, want %v", again, err)
	}
}

// putRecord is what the test server saw of one PutObject.
type putRecord struct {
	header   http.Header
	host     string
	uri      string
	raw      []byte
	verify   error
	payload  []byte
	trailers map[string]string
	err      error
}

// TestChunkedSDKPutObject points aws-sdk-go-v2's S3 client at a TLS test
// server and decodes what it sends for PutObject: with the length known
// (one chunk holding the whole body) and unknown (chunks of 64 KiB), with
// each checksum algorithm, the body is STREAMING-UNSIGNED-PAYLOAD-TRAILER
// ending in the checksum trailer. With -update, it rewrites the golden
// file that TestChunkedGolden decodes.
func TestChunkedSDKPutObject(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: docAccessKey, SecretAccessKey: docSecret}
	seen := make(chan putRecord, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := putRecord{header: r.Header.Clone(), host: r.Host, uri: r.RequestURI}
		rec.raw, rec.err = io.ReadAll(r.Body)
		if rec.err == nil {
			a, err := sigv4.Parse(r, r.URL.Query())
			if err == nil { // at the request's own time: the SDK signs with the clock
				err = sigv4.Verify(r, a, docSecret, r.Header.Get("X-Amz-Content-Sha256"), a.Date, sigv4.Options{S3: true})
			}
			rec.verify = err
			var opt sigv4.ChunkedOptions
			if err == nil {
				opt, rec.err = chunkedOptions(r, a, docSecret)
			}
			if err == nil && rec.err == nil {
				rec.payload, rec.trailers, rec.err = decode(bytes.NewReader(rec.raw), opt)
			}
		}
		seen <- rec
		if rec.verify != nil || rec.err != nil {
			http.Error(w, "refused", http.StatusBadRequest)
			return
		}
		w.Header().Set("ETag", `"etag"`)
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		UsePathStyle:     true,
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig sets, unless told otherwise.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
	})
	tests := []struct {
		alg    types.ChecksumAlgorithm // "" for the SDK's default
		size   int
		known  bool   // the length is known
		golden string // the golden file, whose payload is text
	}{
		{alg: "", size: 1000, known: true},
		{alg: "", size: 200000, known: false},
		{alg: types.ChecksumAlgorithmCrc32, size: 65536 + 100, known: false, golden: "put-object-unsigned-trailer.http"},
		{alg: types.ChecksumAlgorithmCrc32c, size: 70000, known: true},
		{alg: types.ChecksumAlgorithmCrc64nvme, size: 150000, known: false},
		{alg: types.ChecksumAlgorithmCrc64nvme, size: 20 << 20, known: true}, // one chunk larger than DefaultMaxChunkSize
		{alg: types.ChecksumAlgorithmSha1, size: 1, known: false},
		{alg: types.ChecksumAlgorithmSha256, size: 65536, known: false},
		{alg: types.ChecksumAlgorithmSha512, size: 300, known: true},
	}
	for _, tt := range tests {
		name := string(tt.alg)
		if name == "" {
			name = "default"
		}
		t.Run(fmt.Sprintf("%s/%d/known-%v", name, tt.size, tt.known), func(t *testing.T) {
			payload := payloadOf(tt.size)
			if tt.golden != "" {
				payload = textPayload(tt.size)
			}
			var body io.Reader = bytes.NewReader(payload)
			if !tt.known {
				body = io.MultiReader(body) // hides Len and Seek
			}
			_, err := client.PutObject(t.Context(), &s3.PutObjectInput{
				Bucket: aws.String("bucket"), Key: aws.String("dir/key.bin"), Body: body, ChecksumAlgorithm: tt.alg,
			})
			rec := <-seen
			if err != nil {
				t.Fatalf("PutObject: %v (server: verify %v, decode %v)", err, rec.verify, rec.err)
			}
			alg := string(tt.alg)
			if alg == "" {
				alg = "CRC32"
			}
			header := sigv4.ChecksumHeader(alg)
			if got := rec.header.Get("X-Amz-Content-Sha256"); got != sigv4.StreamingUnsignedTrailer {
				t.Fatalf("x-amz-content-sha256 %q", got)
			}
			if got := rec.header.Get("X-Amz-Trailer"); got != header {
				t.Fatalf("x-amz-trailer %q, want %q", got, header)
			}
			if got := rec.header.Get("Content-Encoding"); got != "aws-chunked" {
				t.Fatalf("content-encoding %q", got)
			}
			if got := rec.header.Get("X-Amz-Decoded-Content-Length"); tt.known != (got == strconv.Itoa(tt.size)) {
				t.Fatalf("x-amz-decoded-content-length %q", got)
			}
			if !bytes.Equal(rec.payload, payload) {
				t.Fatalf("decoded %d bytes, want %d", len(rec.payload), len(payload))
			}
			h, _ := sigv4.NewChecksum(alg)
			h.Write(payload)
			if want := sigv4.Base64Digest(h); rec.trailers[header] != want || len(rec.trailers) != 1 {
				t.Fatalf("trailers %v, want %s:%s", rec.trailers, header, want)
			}
			// The framing, byte for byte: chunks of 64 KiB unless the length
			// is known, "0\r\n", the trailer line, "\r\n".
			want := encodeSDK(payload, tt.known, header, rec.trailers[header])
			if !bytes.Equal(rec.raw, want) {
				t.Fatalf("body framing differs from the expected SDK framing:\n%q\nwant\n%q", tail(rec.raw), tail(want))
			}
			if tt.golden != "" && *update {
				writeGolden(t, tt.golden, rec)
			}
		})
	}
}

// encodeSDK is aws-sdk-go-v2's unsigned aws-chunked framing
// (service/internal/checksum/aws_chunked_encoding.go).
func encodeSDK(payload []byte, known bool, name, value string) []byte {
	size := 65536
	if known {
		size = len(payload)
	}
	var b bytes.Buffer
	for p := payload; len(p) > 0; {
		k := min(size, len(p))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, p[:k])
		p = p[k:]
	}
	fmt.Fprintf(&b, "0\r\n%s:%s\r\n\r\n", name, value)
	return b.Bytes()
}

func tail(b []byte) []byte { return b[max(0, len(b)-80):] }

// writeGolden saves a request as HTTP/1.1 with a Content-Length: the
// server received the SDK's unknown-length body with chunked transfer
// encoding, which neither signature nor aws-chunked framing covers.
func writeGolden(t *testing.T, name string, rec putRecord) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "PUT %s HTTP/1.1\r\nHost: %s\r\n", rec.uri, rec.host)
	for _, k := range slices.Sorted(maps.Keys(rec.header)) {
		for _, v := range rec.header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(rec.raw))
	b.Write(rec.raw)
	if err := os.WriteFile(filepath.Join("testdata", name), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestChunkedGolden decodes a PutObject that aws-sdk-go-v2 sent
// (TestChunkedSDKPutObject -update captures it): its header signature
// verifies, at its own time, and its body decodes to the test payload with
// the CRC32 trailer.
func TestChunkedGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "put-object-unsigned-trailer.http"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := http.ReadRequest(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	a, err := sigv4.Parse(r, r.URL.Query())
	if err != nil {
		t.Fatal(err)
	}
	if err := sigv4.Verify(r, a, docSecret, r.Header.Get("X-Amz-Content-Sha256"), a.Date, sigv4.Options{S3: true}); err != nil {
		t.Fatalf("header signature: %v", err)
	}
	opt := mustChunkedOptions(t, r, a, docSecret)
	if opt.Mode != sigv4.StreamingUnsignedTrailer || opt.DecodedLength != -1 || !slices.Equal(opt.Trailer, []string{"x-amz-checksum-crc32"}) {
		t.Fatalf("options %+v", opt)
	}
	got, trailers, err := decode(r.Body, opt)
	if err != nil {
		t.Fatal(err)
	}
	payload := textPayload(65536 + 100)
	if !bytes.Equal(got, payload) || trailers["x-amz-checksum-crc32"] != crc32Of(payload) {
		t.Fatalf("decoded %d bytes, trailers %v", len(got), trailers)
	}
}

// BenchmarkChunkedReader decodes 16 MiB bodies: signed in chunks of 64
// KiB, and unsigned with a CRC32 trailer (chunks of 64 KiB, as the SDK
// sends a body of unknown length, or one chunk).
func BenchmarkChunkedReader(b *testing.B) {
	payload := payloadOf(16 << 20)
	for _, tt := range []struct {
		name  string
		mode  string
		chunk int
	}{
		{"signed-64KiB", sigv4.StreamingPayload, 64 << 10},
		{"signed-trailer-64KiB", sigv4.StreamingPayloadTrailer, 64 << 10},
		{"unsigned-trailer-64KiB", sigv4.StreamingUnsignedTrailer, 64 << 10},
		{"unsigned-trailer-one-chunk", sigv4.StreamingUnsignedTrailer, 16 << 20},
	} {
		body := []byte(newEncoder(tt.mode).encode(payload, tt.chunk))
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			buf := make([]byte, 32<<10)
			for b.Loop() {
				r, err := sigv4.NewChunkedReader(bytes.NewReader(body), options(tt.mode, int64(len(payload))))
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// FuzzChunkedReader decodes arbitrary bodies in each mode. It must never
// panic, return an untyped error or allocate more than its bound, whatever
// sizes the chunk headers claim; it must decode the same whether the body
// arrives whole or byte by byte; and in the signed modes, with the test's
// key and seed, whatever it accepts must be the payload (and trailer) of a
// body the test itself encoded and signed: a mutation of a signed body is
// never accepted. (Upper-case hexadecimal sizes, trailer names in another
// case and blanks around trailer values are accepted as the same body.)
func FuzzChunkedReader(f *testing.F) {
	modes := []string{sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedTrailer}
	const maxChunk = 4096
	signedPayloads := map[string]bool{}
	for m, mode := range modes {
		for _, size := range []int{0, 1, 70, 300} {
			for _, chunk := range []int{16, 64, maxChunk} {
				payload := payloadOf(size)
				signedPayloads[string(payload)] = true
				f.Add(uint8(m), []byte(newEncoder(mode).encode(payload, chunk)))
			}
		}
	}
	f.Fuzz(func(t *testing.T, m uint8, body []byte) {
		mode := modes[int(m)%len(modes)]
		opt := options(mode, -1)
		opt.MaxChunkSize = maxChunk
		out := make([]byte, 0, len(body))
		buf := make([]byte, 512)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, trailer, err := decodeInto(out, buf, bytes.NewReader(body), opt)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 2*maxChunk+64<<10 {
			t.Fatalf("decoding a body of %d bytes allocated %d bytes", len(body), n)
		}
		var e *sigv4.Error
		var ce *sigv4.ChecksumError
		if err != nil && !(errors.As(err, &e) && (e.Kind == sigv4.Incomplete || e.Kind == sigv4.Mismatch)) && !errors.As(err, &ce) {
			t.Fatalf("untyped error %v", err)
		}
		got1, _, err1 := decodeInto(nil, make([]byte, 512), iotest.OneByteReader(bytes.NewReader(body)), opt)
		if (err == nil) != (err1 == nil) || err != nil && err.Error() != err1.Error() || !bytes.Equal(got, got1) {
			t.Fatalf("byte by byte: %q, %v; whole: %q, %v", got1, err1, got, err)
		}
		if err != nil {
			return
		}
		if mode != sigv4.StreamingPayload && trailer["x-amz-checksum-crc32"] != crc32Of(got) {
			t.Fatalf("accepted trailer %v for a payload whose CRC32 is %s", trailer, crc32Of(got))
		}
		if mode != sigv4.StreamingUnsignedTrailer && !signedPayloads[string(got)] {
			t.Fatalf("accepted a signed body the test did not sign: %q", body)
		}
	})
}

// decodeInto is decode reading through buf into out, so that it allocates
// nothing of its own while out has room.
func decodeInto(out, buf []byte, body io.Reader, opt sigv4.ChunkedOptions) ([]byte, map[string]string, error) {
	r, err := sigv4.NewChunkedReader(body, opt)
	if err != nil {
		return nil, nil, err
	}
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, r.Trailers(), nil
		}
		if err != nil {
			return out, nil, err
		}
	}
}
