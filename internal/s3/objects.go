package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// PutInput is a PutObject request. Body yields the object's bytes; it is
// the edge's verifying reader, which returns a *fault.Error (a Mismatch
// of a Digest or of the ContentSHA256, Incomplete...) instead of io.EOF
// when the bytes do not match what the request declared.
type PutInput struct {
	Bucket, Key string
	Body        io.Reader
	// Size is the declared length (-1 when unknown).
	Size int64
	// ContentMD5 is the Content-MD5 header (base64), "" when absent.
	ContentMD5 string
	// Headers are the representation headers and user metadata to keep,
	// by lower-case name.
	Headers map[string]string
	// Checksums, called once Body is consumed, returns the verified
	// checksums to keep (algorithm -> base64).
	Checksums func() map[string]string
	// ACL is the canned ACL (x-amz-acl), "" when absent.
	ACL string
	// Tags are the object's tags (x-amz-tagging).
	Tags []store.Tag
}

// MaxObjectSize is the largest single PUT.
const MaxObjectSize = 5 << 30

// PutObject stores an object: the bytes go to a new blob, made durable
// before the object's record points at it; the blob of an object it
// replaces is removed after. A crash leaves at most an unreferenced blob,
// which Sweep removes at the next start.
func (s *Service) PutObject(ctx context.Context, r *Request, in PutInput) (store.Object, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	if err := ValidateKey(in.Key); err != nil {
		return store.Object{}, err
	}
	if err := ValidateTags(in.Tags); err != nil {
		return store.Object{}, err
	}
	extra := map[string]string{}
	requestTagKeys(extra, in.Tags)
	if len(in.Tags) > 0 {
		if err := s.authorize(ctx, r, "s3:PutObjectTagging", objectARN(in.Bucket, in.Key), b, extra); err != nil {
			return store.Object{}, err
		}
	}
	if err := s.authorize(ctx, r, "s3:PutObject", objectARN(in.Bucket, in.Key), b, extra); err != nil {
		return store.Object{}, err
	}
	if err := checkRequestSSE(r); err != nil {
		return store.Object{}, err
	}
	if err := CheckCannedACL(in.ACL); err != nil {
		return store.Object{}, err
	}
	if in.Size > MaxObjectSize {
		return store.Object{}, fault.Errorf(fault.TooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	w, sum, size, err := s.receive(in.Body, in.Size, in.ContentMD5)
	if err != nil {
		return store.Object{}, err
	}
	id, err := w.Commit()
	if err != nil {
		return store.Object{}, err
	}
	o := store.Object{Bucket: in.Bucket, Key: in.Key, BlobID: id, Size: size, ETag: hex.EncodeToString(sum[:]),
		Headers: in.Headers, Tags: in.Tags, LastModified: s.now().UTC()}
	if in.Checksums != nil {
		o.Checksums = in.Checksums()
	}
	var replaced *store.Object
	err = s.commit(ctx, b, &o, func(o store.Object) (err error) {
		replaced, err = s.store.PutObject(ctx, o)
		return err
	})
	if err != nil {
		s.blobs.Remove(id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Object{}, noSuchBucket(in.Bucket)
		}
		return store.Object{}, err
	}
	if replaced != nil && replaced.BlobID != "" && replaced.BlobID != id {
		s.blobs.Remove(replaced.BlobID)
	}
	return o, nil
}

// receive writes a request body to a new blob, checking its size and
// Content-MD5; the caller commits the blob it returns. On error nothing is
// left behind.
func (s *Service) receive(body io.Reader, size int64, contentMD5 string) (BlobWriter, [md5.Size]byte, int64, error) {
	var zero [md5.Size]byte
	if size > MaxObjectSize {
		return nil, zero, 0, fault.Errorf(fault.TooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	var wantMD5 []byte
	if contentMD5 != "" {
		var err error
		if wantMD5, err = base64.StdEncoding.DecodeString(contentMD5); err != nil || len(wantMD5) != md5.Size {
			return nil, zero, 0, invalid(fault.Digest, "The Content-MD5 you specified is not valid.")
		}
	}
	w, err := s.blobs.Create()
	if err != nil {
		return nil, zero, 0, err
	}
	fail := func(err error) (BlobWriter, [md5.Size]byte, int64, error) {
		w.Abort()
		return nil, zero, 0, err
	}
	if _, err := io.Copy(w, io.LimitReader(body, MaxObjectSize+1)); err != nil {
		return fail(err)
	}
	switch {
	case w.Size() > MaxObjectSize:
		return fail(fault.Errorf(fault.TooLarge, "Your proposed upload exceeds the maximum allowed size"))
	case size >= 0 && w.Size() != size:
		return fail(fault.Errorf(fault.Incomplete, "You did not provide the number of bytes specified by the Content-Length HTTP header."))
	}
	sum := w.MD5()
	if wantMD5 != nil && string(wantMD5) != string(sum[:]) {
		return fail(about(fault.Mismatch, fault.Digest, "", "The Content-MD5 you specified did not match what we received."))
	}
	return w, sum, w.Size(), nil
}

// GetObject returns an object's record and its open bytes (the caller
// closes the file): the current version, or versionID's (already parsed
// by ParseVersionID) when given. A missing key is NoSuchKey to a caller
// who may list the bucket and AccessDenied to anyone else, as S3
// answers; a delete marker is a *MarkerError.
func (s *Service) GetObject(ctx context.Context, r *Request, bucket, key, versionID string) (store.Object, BlobReader, error) {
	o, err := s.HeadObject(ctx, r, bucket, key, versionID)
	if err != nil {
		return store.Object{}, nil, err
	}
	f, err := s.blobs.Open(o.BlobID)
	if err != nil {
		return store.Object{}, nil, err
	}
	return o, f, nil
}

// HeadObject is GetObject without the bytes.
func (s *Service) HeadObject(ctx context.Context, r *Request, bucket, key, versionID string) (store.Object, error) {
	_, o, err := s.objectFor(ctx, r, "s3:GetObject", bucket, key, versionID, nil)
	return o, err
}

// DeleteObject deletes an object; a key that does not exist is not an
// error, as in S3. In a versioned bucket it puts a delete marker; with a
// versionID (s3:DeleteObjectVersion) it removes that version for good.
func (s *Service) DeleteObject(ctx context.Context, r *Request, bucket, key, versionID string) (DeleteOutcome, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return DeleteOutcome{}, err
	}
	if err := ValidateKey(key); err != nil {
		return DeleteOutcome{}, err
	}
	extra := map[string]string{}
	action := versionAction("s3:DeleteObject", versionID, extra)
	if err := s.authorize(ctx, r, action, objectARN(bucket, key), b, extra); err != nil {
		return DeleteOutcome{}, err
	}
	switch {
	case versionID != "":
		return s.deleteVersion(ctx, bucket, key, versionID)
	case versioning(b) != "":
		return s.putDeleteMarker(ctx, b, key)
	}
	o, err := s.store.DeleteObject(ctx, bucket, key)
	if errors.Is(err, store.ErrConflict) {
		// The bucket was versioned since it was read: the delete puts a
		// marker, as it does now.
		fresh, gerr := s.store.GetBucket(ctx, bucket)
		switch {
		case errors.Is(gerr, store.ErrNotFound):
			return DeleteOutcome{}, noSuchBucket(bucket)
		case gerr != nil:
			return DeleteOutcome{}, gerr
		case versioning(fresh) != "":
			return s.putDeleteMarker(ctx, fresh, key)
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return DeleteOutcome{}, nil
	case errors.Is(err, store.ErrConflict):
		return DeleteOutcome{}, operationAborted(err)
	case err != nil:
		return DeleteOutcome{}, err
	}
	s.blobs.Remove(o.BlobID)
	return DeleteOutcome{}, nil
}

// ListInput selects a listing: keys under Prefix that sort after After,
// rolled up at Delimiter, at most MaxKeys (default and cap 1000).
type ListInput struct {
	Bucket, Prefix, Delimiter, After string
	MaxKeys                          int // -1: not given
}

// ListPage is one page of a listing.
type ListPage struct {
	Objects        []store.Object
	CommonPrefixes []string
	Truncated      bool
	// Next is what to pass as After to continue: the last key, or for a
	// common prefix the prefix followed by "\xff" (past all its keys).
	Next string
	// LastName is the last key or common prefix returned (NextMarker).
	LastName string
}

// MaxListKeys is S3's cap on a page of a listing.
const MaxListKeys = 1000

// listKeys is the page size of a listing asking for maxKeys (-1 for the
// default), and the condition keys of its prefix, delimiter and size.
func listKeys(prefix, delimiter string, maxKeys int) (int, map[string]string) {
	max := maxKeys
	if max < 0 || max > MaxListKeys {
		max = MaxListKeys
	}
	extra := map[string]string{"s3:prefix": prefix, "s3:max-keys": strconv.Itoa(max)}
	if delimiter != "" {
		extra["s3:delimiter"] = delimiter
	}
	return max, extra
}

// ListObjects lists a bucket (ListObjects and ListObjectsV2 share it).
func (s *Service) ListObjects(ctx context.Context, r *Request, in ListInput) (ListPage, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return ListPage{}, err
	}
	max, extra := listKeys(in.Prefix, in.Delimiter, in.MaxKeys)
	if in.MaxKeys >= 0 {
		extra["s3:max-keys"] = strconv.Itoa(in.MaxKeys)
	}
	if err := s.authorize(ctx, r, "s3:ListBucket", bucketARN(in.Bucket), b, extra); err != nil {
		return ListPage{}, err
	}
	var out ListPage
	if max == 0 {
		return out, nil
	}
	cursor := in.After
	for {
		page, err := s.store.ListObjects(ctx, in.Bucket, in.Prefix, cursor, MaxListKeys)
		if err != nil {
			return ListPage{}, err
		}
		skipped := false
		for _, o := range page.Objects {
			cursor = o.Key
			if in.Delimiter != "" {
				if i := strings.Index(o.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp := o.Key[:len(in.Prefix)+i+len(in.Delimiter)]
					if len(out.Objects)+len(out.CommonPrefixes) == max {
						out.Truncated = true
						return out, nil
					}
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					// Every key under cp sorts before cp+"\xff" (no
					// UTF-8 byte is 0xff): go on after them.
					out.Next, out.LastName = cp+"\xff", cp
					cursor, skipped = out.Next, true
					break
				}
			}
			if len(out.Objects)+len(out.CommonPrefixes) == max {
				out.Truncated = true
				return out, nil
			}
			out.Objects = append(out.Objects, o)
			out.Next, out.LastName = o.Key, o.Key
		}
		if !skipped && !page.More {
			return out, nil
		}
	}
}

// DeleteResult is the outcome of one key of DeleteObjects.
type DeleteResult struct {
	ObjectID
	DeleteOutcome
	Err *fault.Error // nil when deleted (or absent)
}

// DeleteObjects deletes each key (or version) as DeleteObject would, each
// authorized on its own; failures are reported per key.
func (s *Service) DeleteObjects(ctx context.Context, r *Request, bucket string, ids []ObjectID) ([]DeleteResult, error) {
	if _, err := s.bucket(ctx, bucket); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > 1000 {
		return nil, malformedXML()
	}
	out := make([]DeleteResult, len(ids))
	for i, id := range ids {
		out[i].ObjectID = id
		var err error
		if id.VersionID != "" {
			_, err = ParseVersionID(id.VersionID)
		}
		if err == nil {
			out[i].DeleteOutcome, err = s.DeleteObject(ctx, r, bucket, id.Key, id.VersionID)
		}
		if err != nil {
			se, ok := fault.As(err)
			if !ok || se.Kind == fault.Failure {
				return nil, err
			}
			out[i].Err = se
		}
	}
	return out, nil
}

// CopyInput is a CopyObject request.
type CopyInput struct {
	SourceBucket, SourceKey string
	// SourceVersionID, when given, is the version copied (parsed by
	// ParseVersionID).
	SourceVersionID string
	Bucket, Key     string
	// ReplaceHeaders, when set (MetadataDirective REPLACE), are the new
	// object's headers; otherwise the source's are copied.
	ReplaceHeaders map[string]string
	Replace        bool
	ACL            string
	// SSE is x-amz-server-side-encryption (AES256) when given: a copy onto
	// itself that names it is allowed, as S3 allows a change of
	// encryption; it rewrites the bytes under a new data key.
	SSE bool
}

// CopyObject copies an object (or one version of it): s3:GetObject (or
// s3:GetObjectVersion) on the source and s3:PutObject on the destination
// must both be allowed. Copying an object onto itself needs REPLACE, as in
// S3; copying an older version over the current one restores it. It
// returns the new object and the source.
func (s *Service) CopyObject(ctx context.Context, r *Request, in CopyInput) (dst, src store.Object, err error) {
	src, f, err := s.GetObject(ctx, r, in.SourceBucket, in.SourceKey, in.SourceVersionID)
	if err != nil {
		return store.Object{}, store.Object{}, err
	}
	defer f.Close()
	if in.SourceBucket == in.Bucket && in.SourceKey == in.Key && !in.Replace && !in.SSE && in.SourceVersionID == "" {
		return store.Object{}, store.Object{}, invalid(fault.Request, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	headers := src.Headers
	if in.Replace {
		headers = in.ReplaceHeaders
	}
	dst, err = s.PutObject(ctx, r, PutInput{Bucket: in.Bucket, Key: in.Key, Body: f, Size: src.Size, Headers: headers, ACL: in.ACL,
		Tags: src.Tags, Checksums: func() map[string]string { return src.Checksums }})
	return dst, src, err
}

// objectFor reads an object (its current version, or versionID's) for an
// operation on it and authorizes action (its version form, with
// s3:versionid, for a version) with the object's tags as
// s3:ExistingObjectTag keys. A missing key is NoSuchKey (a missing
// version NoSuchVersion) to a caller who may list the bucket,
// AccessDenied to others; a delete marker is a *MarkerError: NoSuchKey
// when current, MethodNotAllowed when named by its id.
func (s *Service) objectFor(ctx context.Context, r *Request, action, bucket, key, versionID string, extra map[string]string) (store.Bucket, store.Object, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Bucket{}, store.Object{}, err
	}
	if err := ValidateKey(key); err != nil {
		return store.Bucket{}, store.Object{}, err
	}
	var o store.Object
	if versionID == "" {
		o, err = s.store.GetObject(ctx, bucket, key)
	} else {
		o, err = s.store.GetObjectVersion(ctx, bucket, key, versionID)
	}
	missing := errors.Is(err, store.ErrNotFound)
	if err != nil && !missing {
		return store.Bucket{}, store.Object{}, err
	}
	if extra == nil {
		extra = map[string]string{}
	}
	existingTagKeys(extra, o.Tags)
	action = versionAction(action, versionID, extra)
	if err := s.authorize(ctx, r, action, objectARN(bucket, key), b, extra); err != nil {
		return store.Bucket{}, store.Object{}, err
	}
	if missing {
		if aerr := s.authorize(ctx, r, "s3:ListBucket", bucketARN(bucket), b, map[string]string{"s3:prefix": key}); aerr != nil {
			return store.Bucket{}, store.Object{}, aerr
		}
		if versionID != "" {
			return store.Bucket{}, store.Object{}, about(fault.NotFound, fault.Version, key, "The specified version does not exist.")
		}
		return store.Bucket{}, store.Object{}, noSuchKey(key)
	}
	if o.VersionID == "" && versioning(b) != "" {
		o.Null = true // the object from before versioning, shown as null
	}
	if o.DeleteMarker {
		if versionID == "" {
			return store.Bucket{}, store.Object{}, &MarkerError{Err: noSuchKey(key), Marker: o}
		}
		return store.Bucket{}, store.Object{}, &MarkerError{Err: about(fault.Unsupported, fault.Method, "", "The specified method is not allowed against this resource."), Marker: o}
	}
	return b, o, nil
}
