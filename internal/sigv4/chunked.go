package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

// The x-amz-content-sha256 values of S3's aws-chunked bodies
// (Content-Encoding: aws-chunked).
const (
	// StreamingPayload: every chunk is signed, chained from the seed
	// signature of the Authorization header.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer: signed chunks, then trailer fields signed
	// by x-amz-trailer-signature.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedTrailer: chunks without signatures, then trailer
	// fields (a checksum of the body). Current AWS SDKs and the AWS CLI send
	// this over HTTPS by default.
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// DefaultMaxChunkSize bounds a signed chunk when ChunkedOptions leaves
// MaxChunkSize zero. Clients that sign chunks send 64 KiB to 128 KiB.
const DefaultMaxChunkSize = 16 << 20

const (
	// maxChunkLine bounds a chunk header line and a trailer line, CRLF
	// included; it is also the size of the reader's read buffer.
	maxChunkLine = 4 << 10
	// maxTrailer bounds the whole trailer section.
	maxTrailer = 16 << 10
	// trailerSignature names the trailer line signing the others.
	trailerSignature     = "x-amz-trailer-signature"
	chunkSignaturePrefix = "chunk-signature="
	chunkAlgorithm       = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm     = "AWS4-HMAC-SHA256-TRAILER"
	signatureMismatch    = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// ChunkedOptions says how to read one aws-chunked body.
type ChunkedOptions struct {
	// Mode is the request's x-amz-content-sha256: StreamingPayload,
	// StreamingPayloadTrailer or StreamingUnsignedTrailer.
	Mode string
	// For the signed modes: the request's signing key (SigningKey of the
	// secret and the credential scope), the signature of its Authorization
	// header, which seeds the chain of chunk signatures, and its x-amz-date
	// and credential scope as signed (Auth.AmzDate, Auth.Scope()).
	SigningKey    [sha256.Size]byte
	SeedSignature string
	AmzDate       string
	Scope         string
	// DecodedLength is x-amz-decoded-content-length, the length of the
	// payload; -1 when the header is absent.
	DecodedLength int64
	// Trailer lists the fields named by the x-amz-trailer header (entries
	// may hold several names separated by commas); the trailer must hold
	// exactly these. A trailer mode needs at least one; StreamingPayload
	// takes none. Checksum fields (x-amz-checksum-crc32, ...) are verified
	// against the payload.
	Trailer []string
	// MaxChunkSize bounds the size of a signed chunk, which is held in
	// memory until its signature is verified; 0 means DefaultMaxChunkSize.
	// Unsigned chunks are streamed and not bounded: aws-sdk-go-v2 sends a
	// body of known length as a single chunk.
	MaxChunkSize int64
}

// String shows the options without the signing key and the seed
// signature, which must not reach a log.
func (o ChunkedOptions) String() string {
	return fmt.Sprintf("{Mode:%s SigningKey:<redacted> SeedSignature:<redacted> AmzDate:%s Scope:%s DecodedLength:%d Trailer:%q MaxChunkSize:%d}",
		o.Mode, o.AmzDate, o.Scope, o.DecodedLength, o.Trailer, o.MaxChunkSize)
}

// GoString is String, for %#v.
func (o ChunkedOptions) GoString() string { return o.String() }

// ChecksumError reports a checksum trailer that does not match the
// payload (S3's BadDigest).
type ChecksumError struct {
	Algorithm string // CRC32, CRC32C, CRC64NVME, SHA1, SHA256 or SHA512
	Sent      string // the trailer's value
	Computed  string // the payload's checksum, base64
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("The %s you specified did not match the calculated checksum (%s sent, %s computed).", e.Algorithm, e.Sent, e.Computed)
}

// ChunkedReader decodes an aws-chunked body; see NewChunkedReader. It is
// not safe for concurrent use.
type ChunkedReader struct {
	br     *bufio.Reader
	opt    ChunkedOptions
	signed bool
	// trailer lists the declared trailer fields, lower case, in order.
	trailer []string
	// sums hash the payload for the checksum fields of the trailer.
	sums []trailerSum

	mac  hash.Hash         // HMAC-SHA256 under the signing key
	prev [sha256.Size]byte // the previous signature (the seed at first)
	sts  []byte            // reused string to sign
	mine [sha256.Size]byte // reused computed signature
	buf  []byte            // signed: the verified chunk, from off on not yet returned
	off  int
	left int64             // unsigned: bytes of the current chunk not yet read
	crlf bool              // unsigned: the current chunk's data ended; its CRLF comes next
	got  int64             // payload bytes decoded so far
	err  error             // sticky: io.EOF once all is verified
	vals map[string]string // the trailer fields, after io.EOF
}

type trailerSum struct {
	name string // the trailer field, x-amz-checksum-...
	alg  string
	h    hash.Hash
}

// NewChunkedReader returns a reader of the payload of an aws-chunked
// body, decoding and checking it as it reads:
//
//	hex(size);chunk-signature=<64 hex>\r\n<size bytes>\r\n   (signed modes)
//	hex(size)\r\n<size bytes>\r\n                            (unsigned)
//	... a last chunk of size 0 (its data empty), then for the trailer modes
//	name:value\r\n for each trailer field,
//	x-amz-trailer-signature:<64 hex>\r\n                     (signed trailer)
//	\r\n
//
// In the signed modes each chunk is buffered (at most MaxChunkSize bytes,
// the buffer growing as they arrive) and its bytes are returned only once
// its signature has been verified. In the unsigned mode bytes are returned
// as they arrive; what vouches for them is the trailer's checksum, checked
// at the end. Either way the caller must not commit what it read until
// Read returns io.EOF: only then have every signature, the last chunk, the
// decoded length, the trailer fields, their signature and checksums, and
// the end of the body been verified. Besides the chunk buffer a reader
// holds a 4 KiB read buffer (which bounds chunk header and trailer lines)
// and the trailer (16 KiB at most), whatever the size of the body.
//
// Errors are sticky. Malformed framing, a body that ends early or goes on
// after its end, and a payload whose length differs from DecodedLength are
// *Error of Kind Incomplete; a chunk or trailer signature that does not
// match is *Error of Kind Mismatch; a checksum that does not match is
// *ChecksumError. An error of the underlying reader is returned wrapped.
func NewChunkedReader(body io.Reader, opt ChunkedOptions) (*ChunkedReader, error) {
	r := &ChunkedReader{opt: opt}
	switch opt.Mode {
	case StreamingPayload, StreamingPayloadTrailer:
		r.signed = true
		if opt.AmzDate == "" || opt.Scope == "" {
			return nil, errors.New("sigv4: a signed aws-chunked body needs AmzDate and Scope")
		}
		if len(opt.SeedSignature) != 2*sha256.Size || !lowerHex(opt.SeedSignature) {
			return nil, errorf(Incomplete, "Signature must be 64 lower-case hexadecimal characters")
		}
		hex.Decode(r.prev[:], []byte(opt.SeedSignature))
		r.mac = hmac.New(sha256.New, opt.SigningKey[:])
	case StreamingUnsignedTrailer:
	default:
		return nil, errorf(Incomplete, "x-amz-content-sha256 %q is not an aws-chunked payload (%s, %s or %s)", opt.Mode, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer)
	}
	if opt.DecodedLength < -1 {
		return nil, errorf(Incomplete, "x-amz-decoded-content-length must not be negative")
	}
	if r.opt.MaxChunkSize <= 0 {
		r.opt.MaxChunkSize = DefaultMaxChunkSize
	}
	for _, entry := range opt.Trailer {
		for name := range strings.SplitSeq(entry, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			switch {
			case name == "" || strings.ContainsAny(name, " \t:"):
				return nil, errorf(Incomplete, "x-amz-trailer %q is not a list of field names", strings.Join(opt.Trailer, ","))
			case name == trailerSignature:
				return nil, errorf(Incomplete, "x-amz-trailer must not name %s", trailerSignature)
			case slices.Contains(r.trailer, name):
				return nil, errorf(Incomplete, "x-amz-trailer names %s twice", name)
			}
			if strings.HasPrefix(name, checksumHeaderPrefix) {
				h, ok := NewChecksum(name)
				if !ok {
					return nil, errorf(Incomplete, "x-amz-trailer names %s, an unknown checksum algorithm", name)
				}
				r.sums = append(r.sums, trailerSum{name: name, alg: checksumAlgorithm(name), h: h})
			}
			r.trailer = append(r.trailer, name)
		}
	}
	if opt.Mode == StreamingPayload && len(r.trailer) > 0 {
		return nil, errorf(Incomplete, "x-amz-trailer is set but x-amz-content-sha256 %s has no trailer", StreamingPayload)
	}
	if opt.Mode != StreamingPayload && len(r.trailer) == 0 {
		return nil, errorf(Incomplete, "x-amz-content-sha256 %s requires an x-amz-trailer header", opt.Mode)
	}
	r.br = bufio.NewReaderSize(body, maxChunkLine)
	return r, nil
}

// Read reads payload bytes. It returns io.EOF only once the whole body has
// been verified (see NewChunkedReader).
func (r *ChunkedReader) Read(p []byte) (int, error) {
	for {
		switch {
		case r.err != nil:
			return 0, r.err
		case len(p) == 0:
			return 0, nil
		case r.off < len(r.buf):
			n := copy(p, r.buf[r.off:])
			r.off += n
			return n, nil
		case r.left > 0:
			return r.readUnsigned(p)
		}
		if err := r.next(); err != nil {
			r.err = err
		}
	}
}

// Trailers returns the trailer fields (lower-case names, without
// x-amz-trailer-signature) once Read has returned io.EOF, nil before. It
// is empty for StreamingPayload.
func (r *ChunkedReader) Trailers() map[string]string {
	if r.err != io.EOF {
		return nil
	}
	return maps.Clone(r.vals)
}

// readUnsigned reads from the current unsigned chunk.
func (r *ChunkedReader) readUnsigned(p []byte) (int, error) {
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.br.Read(p)
	r.left -= int64(n)
	r.sum(p[:n])
	if r.left == 0 {
		r.crlf = true
	}
	if err != nil && r.left > 0 {
		r.err = r.readErr(err, "chunk data")
	}
	if n == 0 && r.err != nil {
		return 0, r.err
	}
	return n, nil
}

// next reads the next chunk header: for a signed chunk, its data too,
// verified; for the last chunk, the rest of the body.
func (r *ChunkedReader) next() error {
	if r.crlf {
		if err := r.readCRLF(); err != nil {
			return err
		}
		r.crlf = false
	}
	line, err := r.line("chunk header")
	if err != nil {
		return err
	}
	size, sig, err := r.parseHeader(line)
	if err != nil {
		return err
	}
	if size == 0 {
		return r.finish(sig)
	}
	if size > math.MaxInt64-r.got {
		return errorf(Incomplete, "the aws-chunked body is larger than %d bytes", int64(math.MaxInt64))
	}
	if r.opt.DecodedLength >= 0 && r.got+size > r.opt.DecodedLength {
		return errorf(Incomplete, "the aws-chunked body holds more than the %d bytes of x-amz-decoded-content-length", r.opt.DecodedLength)
	}
	r.got += size
	if !r.signed {
		r.left = size
		return nil
	}
	if size > r.opt.MaxChunkSize {
		return errorf(Incomplete, "aws-chunked chunk of %d bytes is larger than the %d bytes allowed", size, r.opt.MaxChunkSize)
	}
	if err := r.readChunk(int(size)); err != nil {
		return err
	}
	if err := r.readCRLF(); err != nil {
		return err
	}
	if err := r.verifyChunk(r.buf, sig); err != nil {
		return err
	}
	r.sum(r.buf)
	r.off = 0
	return nil
}

// readChunk reads size bytes into r.buf, growing it as data arrives so
// that a header alone cannot make it allocate the whole chunk.
func (r *ChunkedReader) readChunk(size int) error {
	const step = 64 << 10
	buf := r.buf[:0]
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, max(2*cap(buf), step)))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.br.Read(buf[len(buf):min(size, cap(buf))])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < size {
			r.buf = buf[:0]
			return r.readErr(err, "chunk data")
		}
	}
	r.buf = buf
	return nil
}

// parseHeader parses a chunk header line: its size and, when signed, its
// signature.
func (r *ChunkedReader) parseHeader(line []byte) (int64, [sha256.Size]byte, error) {
	var sig [sha256.Size]byte
	hexSize, ext, hasExt := bytes.Cut(line, []byte(";"))
	size, ok := parseChunkSize(hexSize)
	if !ok {
		return 0, sig, errorf(Incomplete, "aws-chunked chunk header %q does not start with a hexadecimal size", clip(line))
	}
	if !r.signed {
		if hasExt {
			return 0, sig, errorf(Incomplete, "aws-chunked chunk header %q has an extension, but %s chunks are not signed", clip(line), StreamingUnsignedTrailer)
		}
		return size, sig, nil
	}
	s, found := bytes.CutPrefix(ext, []byte(chunkSignaturePrefix))
	if !hasExt || !found || len(s) != 2*sha256.Size || !lowerHexBytes(s) {
		return 0, sig, errorf(Incomplete, "aws-chunked chunk header %q is not of the form <hex size>;chunk-signature=<64 lower-case hex>", clip(line))
	}
	hex.Decode(sig[:], s)
	return size, sig, nil
}

// lowerHexBytes is lowerHex of a []byte, without converting it.
func lowerHexBytes(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// parseChunkSize parses a chunk size: 1 to 16 hexadecimal digits of either
// case (the .NET SDK writes upper case), without leading zeros.
func parseChunkSize(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 16 || len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if !ishex(c) {
			return 0, false
		}
		n = n<<4 | uint64(unhex(c))
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// finish reads what follows the last chunk header and checks the whole.
func (r *ChunkedReader) finish(sig [sha256.Size]byte) error {
	if r.signed {
		if err := r.verifyChunk(nil, sig); err != nil {
			return err
		}
	}
	if r.opt.DecodedLength >= 0 && r.got != r.opt.DecodedLength {
		return errorf(Incomplete, "the aws-chunked body holds %d bytes, not the %d bytes of x-amz-decoded-content-length", r.got, r.opt.DecodedLength)
	}
	if r.opt.Mode == StreamingPayload {
		if err := r.readCRLF(); err != nil {
			return err
		}
		r.vals = map[string]string{}
	} else if err := r.readTrailer(); err != nil {
		return err
	}
	if _, err := r.br.ReadByte(); err != io.EOF {
		if err != nil {
			return r.readErr(err, "")
		}
		return errorf(Incomplete, "the aws-chunked body goes on after its end")
	}
	return io.EOF
}

// readTrailer reads the trailer fields, their signature in the signed
// mode, and the empty line that ends them, then checks the checksums.
func (r *ChunkedReader) readTrailer() error {
	r.vals = make(map[string]string, len(r.trailer))
	var canonical []byte // name:value\n for each field, as signed
	var sig []byte
	total := 0
	for {
		line, err := r.line("trailer")
		if err != nil {
			return err
		}
		if total += len(line) + 2; total > maxTrailer {
			return errorf(Incomplete, "the aws-chunked trailer is longer than %d bytes", maxTrailer)
		}
		if len(line) == 0 {
			break
		}
		if sig != nil {
			return errorf(Incomplete, "the aws-chunked trailer goes on after %s", trailerSignature)
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return errorf(Incomplete, "aws-chunked trailer line %q is not of the form name:value", clip(line))
		}
		n := strings.ToLower(string(name))
		v := strings.Trim(string(value), " \t")
		if n == trailerSignature {
			if !r.signed {
				return errorf(Incomplete, "the aws-chunked trailer is signed, but x-amz-content-sha256 is %s", StreamingUnsignedTrailer)
			}
			if len(v) != 2*sha256.Size || !lowerHex(v) {
				return errorf(Incomplete, "%s must be 64 lower-case hexadecimal characters", trailerSignature)
			}
			sig = []byte(v)
			continue
		}
		if !slices.Contains(r.trailer, n) {
			return errorf(Incomplete, "the aws-chunked trailer holds %s, which x-amz-trailer does not declare", n)
		}
		if _, dup := r.vals[n]; dup {
			return errorf(Incomplete, "the aws-chunked trailer holds %s twice", n)
		}
		r.vals[n] = v
		canonical = append(append(append(append(canonical, n...), ':'), v...), '\n')
	}
	for _, n := range r.trailer {
		if _, ok := r.vals[n]; !ok {
			return errorf(Incomplete, "the aws-chunked trailer lacks %s, which x-amz-trailer declares", n)
		}
	}
	if r.signed {
		if sig == nil {
			return errorf(Incomplete, "the aws-chunked trailer lacks %s", trailerSignature)
		}
		var got [sha256.Size]byte
		hex.Decode(got[:], sig)
		if err := r.verifyTrailer(canonical, got); err != nil {
			return err
		}
	}
	for _, s := range r.sums {
		sent := r.vals[s.name]
		if d, err := base64.StdEncoding.DecodeString(sent); err != nil || len(d) != s.h.Size() {
			return errorf(Incomplete, "Value for %s trailing header is invalid.", s.name)
		}
		if computed := Base64Digest(s.h); computed != sent {
			return &ChecksumError{Algorithm: s.alg, Sent: sent, Computed: computed}
		}
	}
	return nil
}

// verifyChunk checks a chunk's signature, which chains from the previous
// one.
func (r *ChunkedReader) verifyChunk(data []byte, sig [sha256.Size]byte) error {
	sum := sha256.Sum256(data)
	r.sts = r.stringToSign(chunkAlgorithm)
	r.sts = append(r.sts, EmptySHA256...)
	r.sts = append(r.sts, '\n')
	r.sts = hex.AppendEncode(r.sts, sum[:])
	return r.verify(sig)
}

// verifyTrailer checks the trailer's signature over its canonical fields.
func (r *ChunkedReader) verifyTrailer(canonical []byte, sig [sha256.Size]byte) error {
	sum := sha256.Sum256(canonical)
	r.sts = r.stringToSign(trailerAlgorithm)
	r.sts = hex.AppendEncode(r.sts, sum[:])
	return r.verify(sig)
}

// stringToSign starts a chunk or trailer string to sign: the algorithm,
// date, scope and previous signature, each ending in a newline.
func (r *ChunkedReader) stringToSign(alg string) []byte {
	b := append(r.sts[:0], alg...)
	b = append(append(b, '\n'), r.opt.AmzDate...)
	b = append(append(b, '\n'), r.opt.Scope...)
	b = append(b, '\n')
	b = hex.AppendEncode(b, r.prev[:])
	return append(b, '\n')
}

// verify compares sig, in constant time, with the HMAC of r.sts and makes
// it the previous signature.
func (r *ChunkedReader) verify(sig [sha256.Size]byte) error {
	r.mac.Reset()
	r.mac.Write(r.sts)
	if !hmac.Equal(r.mac.Sum(r.mine[:0]), sig[:]) {
		// The string to sign holds the previous signature: it is kept out
		// of the message, which may be logged.
		return &Error{Kind: Mismatch, Message: signatureMismatch, StringToSign: string(r.sts)}
	}
	r.prev = sig
	return nil
}

// sum adds payload bytes to the trailer's checksums.
func (r *ChunkedReader) sum(p []byte) {
	for _, s := range r.sums {
		s.h.Write(p)
	}
}

// line reads a line ending in CRLF, at most maxChunkLine bytes with it,
// and returns it without.
func (r *ChunkedReader) line(what string) ([]byte, error) {
	b, err := r.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, errorf(Incomplete, "aws-chunked %s is longer than %d bytes", what, maxChunkLine)
	case err != nil:
		return nil, r.readErr(err, what)
	case len(b) < 2 || b[len(b)-2] != '\r':
		return nil, errorf(Incomplete, "aws-chunked %s %q does not end in CRLF", what, clip(b))
	}
	return b[:len(b)-2], nil
}

// readCRLF reads the CRLF that ends a chunk's data or the body.
func (r *ChunkedReader) readCRLF() error {
	for _, want := range []byte("\r\n") {
		c, err := r.br.ReadByte()
		if err != nil {
			return r.readErr(err, "CRLF")
		}
		if c != want {
			return errorf(Incomplete, "aws-chunked chunk data is longer than its size, or lacks its CRLF")
		}
	}
	return nil
}

// readErr turns the end of the body into an Incomplete error and wraps any
// other read error.
func (r *ChunkedReader) readErr(err error, what string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if what == "" {
			return errorf(Incomplete, "The request body terminated unexpectedly")
		}
		return errorf(Incomplete, "The request body terminated unexpectedly, in aws-chunked %s", what)
	}
	return fmt.Errorf("read aws-chunked body: %w", err)
}

// clip shortens a line quoted in an error.
func clip(b []byte) []byte {
	const n = 80
	if len(b) > n {
		return b[:n]
	}
	return b
}

func ishex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
