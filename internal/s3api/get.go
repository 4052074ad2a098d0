package s3api

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/store"
)

// serveObject writes an object's headers and, for GET, its bytes (f),
// honouring the conditional headers, a single byte Range, the response-*
// overrides and x-amz-checksum-mode.
func (api *API) serveObject(w http.ResponseWriter, r *http.Request, o store.Object, f s3.BlobReader, q map[string][]string) error {
	etag := `"` + o.ETag + `"`
	modified := o.LastModified.Truncate(time.Second)
	h := w.Header()
	// Conditions, in the order S3 applies them.
	if im := r.Header.Get("If-Match"); im != "" && !etagMatches(im, etag) {
		return refuse(fault.PreconditionFailed, fault.None, "At least one of the pre-conditions you specified did not hold")
	}
	if ius := r.Header.Get("If-Unmodified-Since"); ius != "" && r.Header.Get("If-Match") == "" {
		if t, err := http.ParseTime(ius); err == nil && modified.After(t) {
			return refuse(fault.PreconditionFailed, fault.None, "At least one of the pre-conditions you specified did not hold")
		}
	}
	notModified := false
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		notModified = etagMatches(inm, etag)
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !modified.After(t) {
			notModified = true
		}
	}
	h.Set("ETag", etag)
	h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	if v := s3.VersionHeader(o); v != "" {
		h.Set("x-amz-version-id", v)
	}
	h.Set("Accept-Ranges", "bytes")
	if e, ok := f.(interface{ Encrypted() bool }); ok && e.Encrypted() {
		h.Set(sseHeader, s3.SSES3)
	}
	if notModified {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "binary/octet-stream")
	for name, v := range o.Headers {
		h.Set(name, v)
	}
	for param, header := range overrides {
		if v := q[param]; len(v) > 0 {
			h.Set(header, v[0])
		}
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		for alg, v := range o.Checksums {
			h.Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
	}
	start, length, partial, err := byteRange(r.Header.Get("Range"), o.Size)
	if err != nil {
		return err
	}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(start+length-1, 10)+"/"+strconv.FormatInt(o.Size, 10))
	}
	w.WriteHeader(status)
	if f == nil || r.Method == http.MethodHead {
		return nil
	}
	// The status is written: a failure now can only cut the body short.
	api.metrics.S3Bytes("out", copyBody(w, f, start, length))
	return nil
}

// smallBody is the size up to which an object's bytes are read into a
// pooled buffer and written at once; larger ones go by io.Copy from the
// file itself, which net/http hands to sendfile.
const smallBody = 64 << 10

var bodyBuffers = sync.Pool{New: func() any { return new([smallBody]byte) }}

// copyBody writes length bytes of f from start to w, without a buffer
// of its own per request, and returns how many it wrote.
func copyBody(w io.Writer, f s3.BlobReader, start, length int64) int64 {
	if length <= smallBody {
		buf := bodyBuffers.Get().(*[smallBody]byte)
		defer bodyBuffers.Put(buf)
		n, _ := f.ReadAt(buf[:length], start) // a short file is a short body, as io.Copy would send
		written, _ := w.Write(buf[:n])
		return int64(written)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return 0
	}
	n, _ := io.Copy(w, io.LimitReader(f, length))
	return n
}

// etagMatches reports whether an If-Match/If-None-Match list holds etag
// (or "*").
func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag || `"`+t+`"` == etag {
			return true
		}
	}
	return false
}

// byteRange reads a Range header of one range over size bytes. A missing
// or unreadable header means the whole object, as S3 does; a range that
// starts past the end is InvalidRange.
func byteRange(h string, size int64) (start, length int64, partial bool, err error) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, size, false, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, size, false, nil
	}
	invalid := refuse(fault.InvalidInput, fault.Range, "The requested range is not satisfiable")
	switch {
	case first == "":
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n < 0 {
			return 0, size, false, nil
		}
		if n == 0 {
			return 0, 0, false, invalid
		}
		if n > size {
			n = size
		}
		return size - n, n, true, nil
	default:
		s, perr := strconv.ParseInt(first, 10, 64)
		if perr != nil || s < 0 {
			return 0, size, false, nil
		}
		if s >= size {
			return 0, 0, false, invalid
		}
		end := size - 1
		if last != "" {
			e, perr := strconv.ParseInt(last, 10, 64)
			if perr != nil || e < s {
				return 0, size, false, nil
			}
			if e < end {
				end = e
			}
		}
		return s, end - s + 1, true, nil
	}
}
