package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// Multipart limits, as S3's.
const (
	MaxParts    = 10000
	MinPartSize = 5 << 20 // every part but the last
)

func noSuchUpload(id string) *fault.Error {
	return about(fault.NotFound, fault.Upload, id, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
}

// CreateMultipartUpload starts an upload of key; headers and the checksum
// algorithm apply to the object it makes.
func (s *Service) CreateMultipartUpload(ctx context.Context, r *Request, bucket, key string, headers map[string]string, checksumAlgorithm, acl string) (store.Upload, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Upload{}, err
	}
	if err := ValidateKey(key); err != nil {
		return store.Upload{}, err
	}
	if err := s.authorize(ctx, r, "s3:PutObject", objectARN(bucket, key), b, nil); err != nil {
		return store.Upload{}, err
	}
	if err := checkRequestSSE(r); err != nil {
		return store.Upload{}, err
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return store.Upload{}, fmt.Errorf("make an upload id: %w", err)
	}
	u := store.Upload{ID: base64.RawURLEncoding.EncodeToString(raw), Bucket: bucket, Key: key, Headers: headers,
		ChecksumAlgorithm: strings.ToUpper(checksumAlgorithm), CreatedAt: s.now().UTC()}
	if r.Caller != nil {
		u.Initiator, u.AccountID = r.Caller.ARN, r.Caller.Account
	}
	if err := s.store.CreateUpload(ctx, u); err != nil {
		return store.Upload{}, err
	}
	return u, nil
}

// upload reads an upload of bucket and key.
func (s *Service) upload(ctx context.Context, bucket, key, id string) (store.Upload, error) {
	u, err := s.store.GetUpload(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && (u.Bucket != bucket || u.Key != key)):
		return store.Upload{}, noSuchUpload(id)
	case err != nil:
		return store.Upload{}, err
	}
	return u, nil
}

// PartInput is an UploadPart request; Body, Size, ContentMD5 and
// Checksums are as in PutInput.
type PartInput struct {
	Bucket, Key, UploadID string
	Number                int
	Body                  io.Reader
	Size                  int64
	ContentMD5            string
	Checksums             func() map[string]string
}

// UploadPart stores one part (replacing a part of the same number).
func (s *Service) UploadPart(ctx context.Context, r *Request, in PartInput) (store.Part, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Part{}, err
	}
	if err := s.authorize(ctx, r, "s3:PutObject", objectARN(in.Bucket, in.Key), b, nil); err != nil {
		return store.Part{}, err
	}
	if err := checkRequestSSE(r); err != nil {
		return store.Part{}, err
	}
	if in.Number < 1 || in.Number > MaxParts {
		return store.Part{}, fault.Errorf(fault.InvalidInput, "Part number must be an integer between 1 and 10000, inclusive")
	}
	if _, err := s.upload(ctx, in.Bucket, in.Key, in.UploadID); err != nil {
		return store.Part{}, err
	}
	w, sum, size, err := s.receive(in.Body, in.Size, in.ContentMD5)
	if err != nil {
		return store.Part{}, err
	}
	id, err := w.Commit()
	if err != nil {
		return store.Part{}, err
	}
	p := store.Part{UploadID: in.UploadID, Number: in.Number, BlobID: id, Size: size, ETag: hex.EncodeToString(sum[:]), LastModified: s.now().UTC()}
	if in.Checksums != nil {
		p.Checksums = in.Checksums()
	}
	replaced, err := s.store.PutPart(ctx, p)
	if err != nil {
		s.blobs.Remove(id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Part{}, noSuchUpload(in.UploadID)
		}
		return store.Part{}, err
	}
	if replaced != nil && replaced.BlobID != "" {
		s.blobs.Remove(replaced.BlobID)
	}
	return p, nil
}

// CompletedPart is a part named in CompleteMultipartUpload.
type CompletedPart struct {
	Number int
	ETag   string
}

// CompleteMultipartUpload makes the object of the parts listed, in
// order: their bytes are copied into one new blob, the object's ETag is
// the MD5 of the parts' MD5s with "-<count>", and the upload with every
// part blob goes.
func (s *Service) CompleteMultipartUpload(ctx context.Context, r *Request, bucket, key, uploadID string, list []CompletedPart) (store.Object, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Object{}, err
	}
	if err := s.authorize(ctx, r, "s3:PutObject", objectARN(bucket, key), b, nil); err != nil {
		return store.Object{}, err
	}
	u, err := s.upload(ctx, bucket, key, uploadID)
	if err != nil {
		return store.Object{}, err
	}
	if len(list) == 0 {
		return store.Object{}, malformedXML()
	}
	stored, err := s.store.ListParts(ctx, uploadID)
	if err != nil {
		return store.Object{}, err
	}
	byNumber := map[int]store.Part{}
	for _, p := range stored {
		byNumber[p.Number] = p
	}
	var chosen []store.Part
	for i, c := range list {
		if i > 0 && c.Number <= list[i-1].Number {
			return store.Object{}, invalid(fault.PartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		p, ok := byNumber[c.Number]
		if !ok || strings.Trim(c.ETag, `"`) != p.ETag {
			return store.Object{}, invalid(fault.Part, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
		}
		if i < len(list)-1 && p.Size < MinPartSize {
			return store.Object{}, fault.Errorf(fault.TooSmall, "Your proposed upload is smaller than the minimum allowed object size.")
		}
		chosen = append(chosen, p)
	}
	w, err := s.blobs.Create()
	if err != nil {
		return store.Object{}, err
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()
	md5s := md5.New()
	for _, p := range chosen {
		f, err := s.blobs.Open(p.BlobID)
		if err != nil {
			return store.Object{}, err
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return store.Object{}, err
		}
		sum, _ := hex.DecodeString(p.ETag)
		md5s.Write(sum)
	}
	id, err := w.Commit()
	committed = true
	if err != nil {
		return store.Object{}, err
	}
	o := store.Object{Bucket: bucket, Key: key, BlobID: id, Size: w.Size(), ETag: fmt.Sprintf("%x-%d", md5s.Sum(nil), len(chosen)),
		Headers: u.Headers, LastModified: s.now().UTC()}
	var replaced *store.Object
	var parts []store.Part
	err = s.commit(ctx, b, &o, func(o store.Object) (err error) {
		replaced, parts, err = s.store.CompleteUpload(ctx, uploadID, o)
		return err
	})
	if err != nil {
		s.blobs.Remove(id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Object{}, noSuchUpload(uploadID)
		}
		return store.Object{}, err
	}
	for _, p := range parts {
		s.blobs.Remove(p.BlobID)
	}
	if replaced != nil {
		s.blobs.Remove(replaced.BlobID)
	}
	return o, nil
}

// AbortMultipartUpload drops an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, r *Request, bucket, key, uploadID string) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, r, "s3:AbortMultipartUpload", objectARN(bucket, key), b, nil); err != nil {
		return err
	}
	if _, err := s.upload(ctx, bucket, key, uploadID); err != nil {
		return err
	}
	parts, err := s.store.DeleteUpload(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return noSuchUpload(uploadID)
	}
	if err != nil {
		return err
	}
	for _, p := range parts {
		s.blobs.Remove(p.BlobID)
	}
	return nil
}

// ListParts lists an upload's parts.
func (s *Service) ListParts(ctx context.Context, r *Request, bucket, key, uploadID string) (store.Upload, []store.Part, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Upload{}, nil, err
	}
	if err := s.authorize(ctx, r, "s3:ListMultipartUploadParts", objectARN(bucket, key), b, nil); err != nil {
		return store.Upload{}, nil, err
	}
	u, err := s.upload(ctx, bucket, key, uploadID)
	if err != nil {
		return store.Upload{}, nil, err
	}
	parts, err := s.store.ListParts(ctx, uploadID)
	return u, parts, err
}

// ListMultipartUploads lists a bucket's uploads in progress under prefix.
func (s *Service) ListMultipartUploads(ctx context.Context, r *Request, bucket, prefix string) ([]store.Upload, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, "s3:ListBucketMultipartUploads", bucketARN(bucket), b, nil); err != nil {
		return nil, err
	}
	all, err := s.store.ListUploads(ctx, bucket)
	if err != nil {
		return nil, err
	}
	var out []store.Upload
	for _, u := range all {
		if strings.HasPrefix(u.Key, prefix) {
			out = append(out, u)
		}
	}
	return out, nil
}

// UploadPartCopy stores a part copied from an existing object (a byte
// range of it, or all of it): s3:GetObject on the source and s3:PutObject
// on the destination must both be allowed.
func (s *Service) UploadPartCopy(ctx context.Context, r *Request, in PartInput, srcBucket, srcKey, srcVersionID string, first, last int64) (store.Part, error) {
	src, f, err := s.GetObject(ctx, r, srcBucket, srcKey, srcVersionID)
	if err != nil {
		return store.Part{}, err
	}
	defer f.Close()
	if first < 0 {
		first, last = 0, src.Size-1
	}
	if first > last || last >= src.Size {
		return store.Part{}, fault.Errorf(fault.InvalidInput, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
	}
	in.Body, in.Size, in.ContentMD5, in.Checksums = io.NewSectionReader(f, first, last-first+1), last-first+1, "", nil
	return s.UploadPart(ctx, r, in)
}
