package s3

import (
	"context"
	"encoding/json"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// MaxBucketTags is how many tags a bucket may have, as S3's.
const MaxBucketTags = 50

// settingTagging is the bucket setting of the bucket's tags, a JSON array
// of store.Tag.
const settingTagging = "tagging"

// ValidateBucketTags checks a bucket's tag set: at most 50, each key
// given once, within S3's lengths and not in the aws: namespace.
func ValidateBucketTags(tags []store.Tag) error {
	if len(tags) > MaxBucketTags {
		return invalid(fault.Tag, "Bucket tag count cannot be greater than 50")
	}
	return validateTagSet(tags, "System tags cannot be added/updated by requester")
}

// bucketTags reads a bucket's tags; none is nil.
func bucketTags(b store.Bucket) ([]store.Tag, error) {
	v, ok := b.Settings[settingTagging]
	if !ok {
		return nil, nil
	}
	var tags []store.Tag
	if err := json.Unmarshal([]byte(v), &tags); err != nil {
		return nil, fault.Internal("read the tags of bucket "+b.Name, err)
	}
	return tags, nil
}

// GetBucketTagging returns a bucket's tags; a bucket without tags is
// NoSuchTagSet.
func (s *Service) GetBucketTagging(ctx context.Context, r *Request, bucket string) ([]store.Tag, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingTagging, "s3:GetBucketTagging")
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, about(fault.NotFound, fault.TagSet, bucket, "The TagSet does not exist")
	}
	var tags []store.Tag
	if err := json.Unmarshal([]byte(v), &tags); err != nil {
		return nil, fault.Internal("read the tags of bucket "+bucket, err)
	}
	return tags, nil
}

// PutBucketTagging replaces a bucket's tags; an empty set removes them,
// as S3 does.
func (s *Service) PutBucketTagging(ctx context.Context, r *Request, bucket string, tags []store.Tag) error {
	if err := ValidateBucketTags(tags); err != nil {
		return err
	}
	var v string
	if len(tags) > 0 {
		b, err := json.Marshal(tags)
		if err != nil {
			return err
		}
		v = string(b)
	}
	return s.putBucketSetting(ctx, r, bucket, settingTagging, "s3:PutBucketTagging", v, abacOff("PutBucketTagging"))
}

// DeleteBucketTagging removes a bucket's tags; S3 guards it with
// s3:PutBucketTagging.
func (s *Service) DeleteBucketTagging(ctx context.Context, r *Request, bucket string) error {
	return s.putBucketSetting(ctx, r, bucket, settingTagging, "s3:PutBucketTagging", "", abacOff("DeleteBucketTagging"))
}

// abacOff refuses operation on a bucket whose ABAC is enabled. Its tags
// are then aws:ResourceTag in every decision, and S3 changes them only
// through S3 Control's TagResource and UntagResource, whose
// authorization sees the tags asked for (aws:RequestTag, aws:TagKeys);
// s3:PutBucketTagging's sees none of them, so serving it would let
// anyone allowed it move a bucket into another team's tag scope, past any
// tag guardrail. The check runs inside the bucket's update: ABAC enabled
// meanwhile cannot let a retag through.
func abacOff(operation string) func(store.Bucket) error {
	return func(b store.Bucket) error {
		if b.Settings[settingABAC] != "" {
			return about(fault.InvalidInput, fault.Request, b.Name, operation+" is not allowed on a bucket with ABAC enabled: its tags change through TagResource and UntagResource")
		}
		return nil
	}
}
