package s3

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// Versioning. A bucket's state is the setting "versioning": absent for a
// bucket never versioned, else "Enabled" or "Suspended" (never absent
// again). Its objects are store.Object versions: with versioning enabled
// each write is a new version with a fresh id, suspended it is the null
// version, replacing the one there was; a bucket never versioned keeps
// one object per key, with no id, as before.

// settingVersioning is the bucket setting of the versioning state; the
// store checks each object's write against it (store.CheckVersioning).
const settingVersioning = store.SettingVersioning

// The versioning states.
const (
	VersioningEnabled   = store.VersioningEnabled
	VersioningSuspended = store.VersioningSuspended
)

// versioning is a bucket's versioning state: "" when never versioned.
func versioning(b store.Bucket) string { return b.Settings[settingVersioning] }

// versionAlphabet has the 64 URL-safe characters in byte order, so that
// version ids sort as the numbers they encode.
const versionAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// VersionIDLen is the length of a version id, as AWS's.
const VersionIDLen = 32

// newVersionID returns a version id greater than every one this service
// made before: 64 bits of the time in nanoseconds (at least one more than
// the last id's), then 128 random bits, as 32 characters of
// versionAlphabet.
func (s *Service) newVersionID() (string, error) {
	s.versionMu.Lock()
	ns := uint64(s.now().UnixNano())
	if ns <= s.lastVersion {
		ns = s.lastVersion + 1
	}
	s.lastVersion = ns
	s.versionMu.Unlock()
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], ns)
	if _, err := io.ReadFull(s.rand, b[8:]); err != nil {
		return "", fault.Internal("make a version id", err)
	}
	return encodeVersionID(b), nil
}

func encodeVersionID(b [24]byte) string {
	out := make([]byte, 0, VersionIDLen)
	for i := 0; i < len(b); i += 3 {
		n := uint32(b[i])<<16 | uint32(b[i+1])<<8 | uint32(b[i+2])
		out = append(out, versionAlphabet[n>>18], versionAlphabet[n>>12&63], versionAlphabet[n>>6&63], versionAlphabet[n&63])
	}
	return string(out)
}

// ParseVersionID reads a versionId parameter: "null" (store.NullVersion)
// or an id of this server's form; anything else is InvalidArgument, as S3
// answers.
func ParseVersionID(s string) (string, error) {
	if s == store.NullVersion {
		return s, nil
	}
	if len(s) != VersionIDLen {
		return "", invalidVersionID()
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(versionAlphabet, s[i]) < 0 {
			return "", invalidVersionID()
		}
	}
	return s, nil
}

func invalidVersionID() *fault.Error {
	return invalid(fault.None, "Invalid version id specified")
}

// VersionHeader is the x-amz-version-id S3 answers for o: "" (none) for
// an object of a bucket never versioned, "null" for the null version.
func VersionHeader(o store.Object) string {
	switch {
	case o.VersionID == "" && !o.Null:
		return ""
	case o.IsNull():
		return store.NullVersion
	}
	return o.VersionID
}

// ListedVersionID is a version's VersionId in ListObjectVersions.
func ListedVersionID(o store.Object) string {
	if o.IsNull() {
		return store.NullVersion
	}
	return o.VersionID
}

// MarkerError is a refusal about a delete marker (GET of a key whose
// current version is one, or of a marker by its id): S3 answers it with
// the marker's x-amz-delete-marker, x-amz-version-id and Last-Modified.
type MarkerError struct {
	Err    *fault.Error
	Marker store.Object
}

func (e *MarkerError) Error() string { return e.Err.Error() }
func (e *MarkerError) Unwrap() error { return e.Err }

// versionActions are the actions S3 authorizes instead when a request
// names a version.
var versionActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
}

// versionAction is the action and context keys of action on a version:
// the action itself and no key without one.
func versionAction(action, versionID string, extra map[string]string) string {
	if versionID == "" {
		return action
	}
	extra["s3:versionid"] = versionID
	if va, ok := versionActions[action]; ok {
		return va
	}
	return action
}

// GetBucketVersioning returns a bucket's versioning state, "" when it was
// never versioned.
func (s *Service) GetBucketVersioning(ctx context.Context, r *Request, bucket string) (string, error) {
	v, _, err := s.bucketSetting(ctx, r, bucket, settingVersioning, "s3:GetBucketVersioning")
	return v, err
}

// PutBucketVersioning enables or suspends versioning. MFA delete cannot
// be enabled: podiam has no MFA devices to check x-amz-mfa against.
func (s *Service) PutBucketVersioning(ctx context.Context, r *Request, bucket, status, mfaDelete string) error {
	if status != VersioningEnabled && status != VersioningSuspended {
		return malformedXML()
	}
	switch mfaDelete {
	case "", "Disabled":
	case "Enabled":
		return invalid(fault.Request, "Mfa Authentication must be used for this request")
	default:
		return malformedXML()
	}
	return s.putBucketSetting(ctx, r, bucket, settingVersioning, "s3:PutBucketVersioning", status, nil)
}

// stampVersion gives o the version id its bucket's state calls for.
func (s *Service) stampVersion(b store.Bucket, o *store.Object) error {
	state := versioning(b)
	if state == "" {
		return nil
	}
	id, err := s.newVersionID()
	if err != nil {
		return err
	}
	o.VersionID, o.Null = id, state == VersioningSuspended
	return nil
}

// stampTries bounds the writes of one object whose bucket's versioning
// state changes under it (each retry follows a PutBucketVersioning).
const stampTries = 3

// commit writes o through write, stamped (stampVersion) for the
// versioning state of its bucket b. b was read when the request arrived,
// perhaps long before (a large body, a multipart assembly): the store
// checks the stamp against the state it holds when it writes and refuses
// a stale one with store.ErrConflict, changing nothing. Then the bucket
// is read again from the store, o stamped anew and written again; its
// bytes are already in their blob, so nothing is received again. After
// stampTries stale writes it gives up with S3's OperationAborted.
func (s *Service) commit(ctx context.Context, b store.Bucket, o *store.Object, write func(store.Object) error) error {
	for try := 1; ; try++ {
		o.VersionID, o.Null = "", false
		if err := s.stampVersion(b, o); err != nil {
			return err
		}
		err := write(*o)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		if try == stampTries {
			return operationAborted(err)
		}
		if b, err = s.store.GetBucket(ctx, b.Name); err != nil {
			return err
		}
	}
}

// ObjectID names an object of DeleteObjects, perhaps one version.
type ObjectID struct {
	Key       string
	VersionID string
}

// DeleteOutcome is what DeleteObject did: the version it removed, or the
// delete marker it put.
type DeleteOutcome struct {
	// VersionID is the x-amz-version-id to answer ("" for none).
	VersionID string
	// DeleteMarker is set when a marker was put, or a marker removed.
	DeleteMarker bool
}

// deleteVersion removes one version for good (s3:DeleteObjectVersion); an
// id no version has is not an error, as S3 answers.
func (s *Service) deleteVersion(ctx context.Context, bucket, key, versionID string) (DeleteOutcome, error) {
	o, err := s.store.DeleteObjectVersion(ctx, bucket, key, versionID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return DeleteOutcome{VersionID: versionID}, nil
	case err != nil:
		return DeleteOutcome{}, err
	}
	if o.BlobID != "" {
		s.blobs.Remove(o.BlobID)
	}
	return DeleteOutcome{VersionID: versionID, DeleteMarker: o.DeleteMarker}, nil
}

// putDeleteMarker makes a delete marker the current version of key.
func (s *Service) putDeleteMarker(ctx context.Context, b store.Bucket, key string) (DeleteOutcome, error) {
	m := store.Object{Bucket: b.Name, Key: key, DeleteMarker: true, LastModified: s.now().UTC()}
	var replaced *store.Object
	err := s.commit(ctx, b, &m, func(m store.Object) (err error) {
		replaced, err = s.store.PutObject(ctx, m)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return DeleteOutcome{}, noSuchBucket(b.Name)
		}
		return DeleteOutcome{}, err
	}
	if replaced != nil && replaced.BlobID != "" {
		s.blobs.Remove(replaced.BlobID)
	}
	return DeleteOutcome{VersionID: VersionHeader(m), DeleteMarker: true}, nil
}

// VersionListInput selects a ListObjectVersions page.
type VersionListInput struct {
	Bucket, Prefix, Delimiter  string
	KeyMarker, VersionIDMarker string
	MaxKeys                    int // -1: not given
}

// VersionListPage is a page of ListObjectVersions.
type VersionListPage struct {
	// Versions are objects and delete markers, by key, newest first; the
	// current version of a key has a zero NoncurrentSince.
	Versions       []store.Object
	CommonPrefixes []string
	Truncated      bool
	// NextKeyMarker and NextVersionIDMarker continue a truncated page.
	NextKeyMarker, NextVersionIDMarker string
	// Owner is the bucket's owner, who owns every version.
	Owner string
}

// ListObjectVersions lists a bucket's versions and delete markers
// (s3:ListBucketVersions).
func (s *Service) ListObjectVersions(ctx context.Context, r *Request, in VersionListInput) (VersionListPage, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return VersionListPage{}, err
	}
	if in.VersionIDMarker != "" {
		if in.KeyMarker == "" {
			return VersionListPage{}, invalid(fault.None, "A version-id marker cannot be specified without a key marker.")
		}
		if _, err := ParseVersionID(in.VersionIDMarker); err != nil {
			return VersionListPage{}, err
		}
	}
	max, extra := listKeys(in.Prefix, in.Delimiter, in.MaxKeys)
	if err := s.authorize(ctx, r, "s3:ListBucketVersions", bucketARN(in.Bucket), b, extra); err != nil {
		return VersionListPage{}, err
	}
	out := VersionListPage{Owner: b.AccountID}
	if max == 0 {
		return out, nil
	}
	afterKey, afterVersion := in.KeyMarker, ""
	if in.Delimiter != "" && in.VersionIDMarker == "" && strings.HasSuffix(in.KeyMarker, in.Delimiter) {
		afterKey += "\xff" // a common prefix: go on after its keys
	}
	if in.VersionIDMarker != "" {
		v, err := s.store.GetObjectVersion(ctx, in.Bucket, in.KeyMarker, in.VersionIDMarker)
		switch {
		case err == nil:
			// The null version from before versioning has id "", the
			// oldest: after it comes the next key.
			afterVersion = v.VersionID
		case errors.Is(err, store.ErrNotFound):
			if in.VersionIDMarker != store.NullVersion {
				afterVersion = in.VersionIDMarker
			}
		default:
			return VersionListPage{}, err
		}
	}
	full := func() bool { return len(out.Versions)+len(out.CommonPrefixes) == max }
	for {
		page, err := s.store.ListObjectVersions(ctx, in.Bucket, in.Prefix, afterKey, afterVersion, MaxListKeys)
		if err != nil {
			return VersionListPage{}, err
		}
		skipped := false
		for _, o := range page.Versions {
			afterKey, afterVersion = o.Key, o.VersionID
			if in.Delimiter != "" {
				if i := strings.Index(o.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
					cp := o.Key[:len(in.Prefix)+i+len(in.Delimiter)]
					if full() {
						out.Truncated = true
						return out, nil
					}
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					out.NextKeyMarker, out.NextVersionIDMarker = cp, ""
					// Every key under cp sorts before cp+"\xff".
					afterKey, afterVersion, skipped = cp+"\xff", "", true
					break
				}
			}
			if full() {
				out.Truncated = true
				return out, nil
			}
			out.Versions = append(out.Versions, o)
			out.NextKeyMarker, out.NextVersionIDMarker = o.Key, ListedVersionID(o)
		}
		if !skipped && !page.More {
			return out, nil
		}
	}
}

// The lifecycle's versioning store (Versions): the service itself,
// authorizing no one, as lifecycle rules act for the bucket's owner.
var _ Versions = (*Service)(nil)

// Versioned reports whether b has versioning on (Enabled or Suspended).
func (s *Service) Versioned(b store.Bucket) bool { return versioning(b) != "" }

// WalkVersions calls fn with each key's versions and delete markers of
// bucket, in key order, newest first, with the version ids S3 shows
// ("null" for the null version).
func (s *Service) WalkVersions(ctx context.Context, bucket string, fn func([]ObjectVersion) error) error {
	var key []ObjectVersion
	afterKey, afterVersion := "", ""
	for {
		page, err := s.store.ListObjectVersions(ctx, bucket, "", afterKey, afterVersion, MaxListKeys)
		if err != nil {
			return err
		}
		for _, o := range page.Versions {
			if len(key) > 0 && key[0].Key != o.Key {
				if err := fn(key); err != nil {
					return err
				}
				key = nil
			}
			key = append(key, ObjectVersion{Key: o.Key, VersionID: ListedVersionID(o), ID: o.VersionID, IsLatest: o.NoncurrentSince.IsZero(),
				IsDeleteMarker: o.DeleteMarker, LastModified: o.LastModified, NoncurrentSince: o.NoncurrentSince, Size: o.Size, Tags: o.Tags})
			afterKey, afterVersion = o.Key, o.VersionID
		}
		if !page.More {
			if len(key) > 0 {
				return fn(key)
			}
			return nil
		}
	}
}

// ExpireCurrent places a delete marker over key if the version id (the
// store's, an ObjectVersion's ID) is still its current version, checked
// in the marker's own transaction: store.ErrConflict when another write
// took its place (a null write of a suspended bucket included, which the
// null marker would otherwise replace), store.ErrNotFound when the key
// has no version. A null version the marker replaces loses its bytes
// once the marker is stored.
func (s *Service) ExpireCurrent(ctx context.Context, bucket, key, id string) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	m := store.Object{Bucket: b.Name, Key: key, DeleteMarker: true, LastModified: s.now().UTC()}
	if err := s.stampVersion(b, &m); err != nil {
		return err
	}
	replaced, err := s.store.PutObjectIf(ctx, m, id)
	if err != nil {
		return fmt.Errorf("expire %s/%s: %w", bucket, key, err)
	}
	if replaced != nil && replaced.BlobID != "" {
		s.blobs.Remove(replaced.BlobID)
	}
	return nil
}

// DeleteVersion deletes for good the version or delete marker whose
// store id is id (an ObjectVersion's ID: one write's own, so that a null
// version written after the lifecycle listed the key is never taken for
// the null version it listed), its bytes after its record;
// store.ErrNotFound when it is gone.
func (s *Service) DeleteVersion(ctx context.Context, bucket, key, id string) error {
	o, err := s.store.DeleteObjectVersion(ctx, bucket, key, id)
	if err != nil {
		return err
	}
	if o.BlobID != "" {
		s.blobs.Remove(o.BlobID)
	}
	return nil
}
