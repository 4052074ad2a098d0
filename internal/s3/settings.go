package s3

import (
	"context"
	"errors"
	"maps"

	"github.com/podiam/podiam/internal/store"
)

// A bucket setting (tagging, versioning, encryption, lifecycle, CORS...)
// is kept in store.Bucket.Settings under its subresource name, in the
// encoding the operations that own it choose. The helpers here read and
// write one after authorizing the action that guards it; parsing and
// meaning belong to each setting's own file.

// bucketSetting is the stored encoding of setting name of bucket after
// the caller is authorized for action; found is false when it was never
// made.
func (s *Service) bucketSetting(ctx context.Context, r *Request, bucket, name, action string) (value string, found bool, err error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return "", false, err
	}
	if err := s.authorize(ctx, r, action, bucketARN(bucket), b, nil); err != nil {
		return "", false, err
	}
	value, found = b.Settings[name]
	return value, found, nil
}

// putBucketSetting authorizes action and keeps value as setting name of
// bucket; "" removes it. check, when given, runs inside the update with
// the bucket as stored and may refuse it.
func (s *Service) putBucketSetting(ctx context.Context, r *Request, bucket, name, action, value string, check func(store.Bucket) error) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, r, action, bucketARN(bucket), b, nil); err != nil {
		return err
	}
	return s.storeBucketSetting(ctx, bucket, name, value, check)
}

// storeBucketSetting keeps value as setting name of bucket, as
// putBucketSetting does, for a caller already authorized.
func (s *Service) storeBucketSetting(ctx context.Context, bucket, name, value string, check func(store.Bucket) error) error {
	_, err := s.store.UpdateBucket(ctx, bucket, func(b *store.Bucket) error {
		if check != nil {
			if err := check(*b); err != nil {
				return err
			}
		}
		b.Settings = maps.Clone(b.Settings)
		if value == "" {
			delete(b.Settings, name)
			return nil
		}
		if b.Settings == nil {
			b.Settings = map[string]string{}
		}
		b.Settings[name] = value
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return noSuchBucket(bucket)
	}
	return err
}
