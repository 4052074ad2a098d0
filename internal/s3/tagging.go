package s3

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// Object tag limits, as S3's.
const (
	MaxObjectTags  = 10
	MaxTagKeyLen   = 128
	MaxTagValueLen = 256
)

// ValidateTags checks an object's tag set.
func ValidateTags(tags []store.Tag) error {
	if len(tags) > MaxObjectTags {
		return invalid(fault.Tag, "Object tags cannot be greater than 10")
	}
	return validateTagSet(tags, "Your TagKey cannot be prefixed with aws:")
}

// validateTagSet checks each tag of a set, objects' or a bucket's: a key
// given once, within S3's lengths, not in the aws: namespace (refused
// with awsPrefix).
func validateTagSet(tags []store.Tag, awsPrefix string) error {
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > MaxTagKeyLen:
			return invalid(fault.Tag, "The TagKey you have provided is invalid")
		case utf8.RuneCountInString(t.Value) > MaxTagValueLen:
			return invalid(fault.Tag, "The TagValue you have provided is invalid")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return invalid(fault.Tag, "%s", awsPrefix)
		case seen[t.Key]:
			return invalid(fault.Tag, "Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	return nil
}

// requestTagKeys sets s3:RequestObjectTag/<key> for tags a request sets
// (authorize derives s3:RequestObjectTagKeys from them).
func requestTagKeys(extra map[string]string, tags []store.Tag) {
	for _, t := range tags {
		extra["s3:RequestObjectTag/"+t.Key] = t.Value
	}
}

// existingTagKeys sets s3:ExistingObjectTag/<key> for an object's tags.
func existingTagKeys(extra map[string]string, tags []store.Tag) {
	for _, t := range tags {
		extra["s3:ExistingObjectTag/"+t.Key] = t.Value
	}
}

// GetObjectTagging returns an object's tags.
func (s *Service) GetObjectTagging(ctx context.Context, r *Request, bucket, key, versionID string) ([]store.Tag, error) {
	_, o, err := s.objectFor(ctx, r, "s3:GetObjectTagging", bucket, key, versionID, nil)
	return o.Tags, err
}

// PutObjectTagging replaces an object's tags.
func (s *Service) PutObjectTagging(ctx context.Context, r *Request, bucket, key, versionID string, tags []store.Tag) error {
	if err := ValidateTags(tags); err != nil {
		return err
	}
	extra := map[string]string{}
	requestTagKeys(extra, tags)
	if _, _, err := s.objectFor(ctx, r, "s3:PutObjectTagging", bucket, key, versionID, extra); err != nil {
		return err
	}
	return s.retag(ctx, bucket, key, versionID, tags)
}

// DeleteObjectTagging removes an object's tags.
func (s *Service) DeleteObjectTagging(ctx context.Context, r *Request, bucket, key, versionID string) error {
	if _, _, err := s.objectFor(ctx, r, "s3:DeleteObjectTagging", bucket, key, versionID, nil); err != nil {
		return err
	}
	return s.retag(ctx, bucket, key, versionID, nil)
}

func (s *Service) retag(ctx context.Context, bucket, key, versionID string, tags []store.Tag) error {
	update := func(o *store.Object) error {
		o.Tags = tags
		return nil
	}
	var err error
	if versionID == "" {
		_, err = s.store.UpdateObject(ctx, bucket, key, update)
	} else {
		_, err = s.store.UpdateObjectVersion(ctx, bucket, key, versionID, update)
	}
	if errors.Is(err, store.ErrNotFound) {
		return noSuchKey(key)
	}
	return err
}

// Owner-enforced ACLs: every object and bucket belongs to the bucket's
// owner and ACLs cannot grant anything, as S3 does for buckets with
// Object Ownership set to BucketOwnerEnforced (the default since 2023).

// CheckCannedACL accepts no ACL or bucket-owner-full-control, and refuses
// every other ACL with AccessControlListNotSupported.
func CheckCannedACL(acl string) error {
	if acl == "" || acl == "bucket-owner-full-control" {
		return nil
	}
	return about(fault.Unsupported, fault.ACL, "", "The bucket does not allow ACLs")
}

// GetObjectACL authorizes s3:GetObjectAcl and returns the owner, who has
// full control.
func (s *Service) GetObjectACL(ctx context.Context, r *Request, bucket, key, versionID string) (owner string, err error) {
	b, _, err := s.objectFor(ctx, r, "s3:GetObjectAcl", bucket, key, versionID, nil)
	return b.AccountID, err
}

// PutObjectACL authorizes s3:PutObjectAcl and accepts only
// bucket-owner-full-control.
func (s *Service) PutObjectACL(ctx context.Context, r *Request, bucket, key, versionID, acl string) error {
	if _, _, err := s.objectFor(ctx, r, "s3:PutObjectAcl", bucket, key, versionID, nil); err != nil {
		return err
	}
	if acl == "" {
		return about(fault.Unsupported, fault.ACL, "", "The bucket does not allow ACLs")
	}
	return CheckCannedACL(acl)
}

// GetBucketACL authorizes s3:GetBucketAcl and returns the owner.
func (s *Service) GetBucketACL(ctx context.Context, r *Request, bucket string) (string, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, r, "s3:GetBucketAcl", bucketARN(bucket), b, nil); err != nil {
		return "", err
	}
	return b.AccountID, nil
}
