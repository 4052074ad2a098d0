package s3api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/store"
)

// storedHeaders are the request headers PutObject keeps and GetObject
// returns.
var storedHeaders = []string{"content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires"}

// s3Object serves the object operations.
func (api *API) s3Object(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q map[string][]string,
	op func(string), ok func(int) error) error {
	svc := api.svc
	for k := range q {
		switch {
		case strings.HasPrefix(k, "response-") && a.req.Caller == nil:
			// The overrides change what the owner's object says it is; S3
			// grants them to signed requests only.
			return refuse(fault.InvalidInput, fault.Request, "Request specific response headers cannot be used for anonymous GET requests.")
		case strings.HasPrefix(k, "response-"), strings.HasPrefix(strings.ToLower(k), "x-amz-"), k == "x-id", k == "uploads", k == "uploadId", k == "partNumber", k == "max-parts", k == "part-number-marker",
			k == "tagging", k == "acl", k == "versionId":
		default:
			return notImplemented(q)
		}
	}
	if done, err := api.s3Multipart(ctx, w, r, a, bucket, key, q, op, ok); done {
		return err
	}
	if err := versionRefused(r.Method, q); err != nil {
		return err
	}
	versionID, err := versionParam(q)
	if err != nil {
		return err
	}
	if done, err := api.s3Subresource(ctx, w, r, a, bucket, key, versionID, q, op, ok); done {
		return markerHeaders(w, err)
	}
	switch r.Method {
	case http.MethodPut:
		if src := r.Header.Get("X-Amz-Copy-Source"); src != "" {
			return api.s3Copy(ctx, w, r, a, bucket, key, src, op)
		}
		op("PutObject")
		if err := checkWriteEncryption(r); err != nil {
			return err
		}
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
		setVersion(w, s3.VersionHeader(o))
		setSSE(w)
		for alg, v := range o.Checksums {
			w.Header().Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
		return ok(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		if r.Method == http.MethodHead {
			op("HeadObject")
		} else {
			op("GetObject")
		}
		if err := checkReadEncryption(r); err != nil {
			return err
		}
		// HEAD opens the bytes too: their header says how they are
		// encrypted at rest.
		o, f, err := svc.GetObject(ctx, &a.req, bucket, key, versionID)
		if err != nil {
			return markerHeaders(w, err)
		}
		defer f.Close()
		return api.serveObject(w, r, o, f, q)
	case http.MethodDelete:
		op("DeleteObject")
		d, err := svc.DeleteObject(ctx, &a.req, bucket, key, versionID)
		if err != nil {
			return err
		}
		setVersion(w, d.VersionID)
		if d.DeleteMarker {
			w.Header().Set("x-amz-delete-marker", "true")
		}
		return ok(http.StatusNoContent)
	}
	return methodNotAllowed()
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
		return nil, refuse(fault.TooLarge, fault.Metadata, "Your metadata headers exceed the maximum allowed metadata size.")
	}
	return headers, nil
}

// s3Copy serves CopyObject.
func (api *API) s3Copy(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key, src string, op func(string)) error {
	op("CopyObject")
	if err := checkWriteEncryption(r); err != nil {
		return err
	}
	srcBucket, srcKey, srcVersion, err := copySource(src)
	if err != nil {
		return err
	}
	in := s3.CopyInput{SourceBucket: srcBucket, SourceKey: srcKey, SourceVersionID: srcVersion, Bucket: bucket, Key: key, ACL: r.Header.Get("X-Amz-Acl"),
		SSE: r.Header.Get(sseHeader) != ""}
	switch d := r.Header.Get("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		headers, err := objectHeaders(r)
		if err != nil {
			return err
		}
		in.Replace, in.ReplaceHeaders = true, headers
	default:
		return invalidArgument("Unknown metadata directive.")
	}
	o, from, err := api.svc.CopyObject(ctx, &a.req, in)
	if err != nil {
		return markerHeaders(w, err)
	}
	if v := s3.VersionHeader(from); v != "" {
		w.Header().Set("x-amz-copy-source-version-id", v)
	}
	setVersion(w, s3.VersionHeader(o))
	setSSE(w)
	return api.s3XML(w, &awsproto.CopyObjectResult{Xmlns: awsproto.S3Namespace, ETag: `"` + o.ETag + `"`, LastModified: awsproto.Timestamp(o.LastModified)})
}

// headerTags reads an x-amz-tagging header (a URL query of tags).
func headerTags(h string) ([]store.Tag, error) {
	if h == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(h)
	if err != nil {
		return nil, refuse(fault.InvalidInput, fault.Tag, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	var tags []store.Tag
	for k, vs := range q {
		if len(vs) != 1 {
			return nil, refuse(fault.InvalidInput, fault.Tag, "Cannot provide multiple Tags with the same key")
		}
		tags = append(tags, store.Tag{Key: k, Value: vs[0]})
	}
	slices.SortFunc(tags, func(a, b store.Tag) int { return strings.Compare(a.Key, b.Key) })
	return tags, nil
}

// copySource reads an x-amz-copy-source header: [/]bucket/key, URL-encoded,
// perhaps with ?versionId=.
func copySource(src string) (bucket, key, versionID string, err error) {
	src, query, hasQuery := strings.Cut(src, "?")
	if u, uerr := url.PathUnescape(src); uerr == nil {
		src = u
	}
	bucket, key, found := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if !found || bucket == "" || key == "" {
		return "", "", "", invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	if hasQuery {
		v, ok := strings.CutPrefix(query, "versionId=")
		if !ok {
			return "", "", "", invalidArgument("Invalid version id specified")
		}
		if versionID, err = s3.ParseVersionID(v); err != nil {
			return "", "", "", err
		}
	}
	return bucket, key, versionID, nil
}

// versionParam reads the versionId query parameter: "" when absent; given
// empty or malformed it is InvalidArgument, as S3 answers.
func versionParam(q map[string][]string) (string, error) {
	vs, ok := q["versionId"]
	if !ok {
		return "", nil
	}
	if len(vs) != 1 || vs[0] == "" {
		return "", invalidArgument("Version id cannot be the empty string")
	}
	return s3.ParseVersionID(vs[0])
}

// versionRefused refuses a versionId on a PUT of an object's bytes
// (PutObject, CopyObject), which makes a version and names none, whatever
// its value, as S3 does; a subresource's PUT (?tagging, ?acl) names the
// version it changes.
func versionRefused(method string, q map[string][]string) error {
	_, named := q["versionId"]
	_, tagging := q["tagging"]
	_, acl := q["acl"]
	if method != http.MethodPut || !named || tagging || acl {
		return nil
	}
	return versionNotAccepted()
}

// versionNotAccepted is S3's refusal of a versionId, whatever its value,
// on an operation that names no version: PutObject, CopyObject,
// UploadPart (and UploadPartCopy, the same request) and
// CompleteMultipartUpload.
func versionNotAccepted() error {
	return invalidArgument("This operation does not accept a version-id.")
}

// setVersion sets x-amz-version-id unless v is "".
func setVersion(w http.ResponseWriter, v string) {
	if v != "" {
		w.Header().Set("x-amz-version-id", v)
	}
}

// markerHeaders adds a delete marker's headers to the response of err
// when err is about one, as S3 answers (x-amz-delete-marker,
// x-amz-version-id, Last-Modified); it returns err.
func markerHeaders(w http.ResponseWriter, err error) error {
	if me, ok := errors.AsType[*s3.MarkerError](err); ok {
		h := w.Header()
		h.Set("x-amz-delete-marker", "true")
		setVersion(w, s3.VersionHeader(me.Marker))
		h.Set("Last-Modified", me.Marker.LastModified.UTC().Format(http.TimeFormat))
	}
	return err
}
