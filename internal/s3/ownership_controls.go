package s3

import (
	"context"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// settingOwnershipControls is the bucket setting of its object ownership:
// the ObjectOwnership value, only ever BucketOwnerEnforced.
const settingOwnershipControls = "ownershipControls"

// OwnerEnforced is the object ownership of every podiam bucket: ACLs are
// disabled and the bucket owner owns every object, as S3 makes new
// buckets since April 2023.
const OwnerEnforced = "BucketOwnerEnforced"

// CheckObjectOwnership checks an ObjectOwnership value asked for (by
// PutBucketOwnershipControls or CreateBucket's x-amz-object-ownership):
// BucketOwnerEnforced is served; BucketOwnerPreferred and ObjectWriter,
// which give ACLs a meaning, are refused, since podiam keeps no ACLs;
// anything else is not a value S3 knows.
func CheckObjectOwnership(v string) error {
	switch v {
	case OwnerEnforced:
		return nil
	case "BucketOwnerPreferred", "ObjectWriter":
		return invalidRequest("Object ownership " + v + " is not available on this server: ACLs are disabled on every bucket (BucketOwnerEnforced).")
	}
	return about(fault.InvalidInput, fault.None, "", "Invalid x-amz-object-ownership header: "+v)
}

// GetBucketOwnershipControls returns a bucket's object ownership; a
// bucket without the setting (one made before it existed, or after
// DeleteBucketOwnershipControls) is OwnershipControlsNotFoundError.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, r *Request, bucket string) (string, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingOwnershipControls, "s3:GetBucketOwnershipControls")
	if err != nil {
		return "", err
	}
	if !found {
		return "", about(fault.NotFound, fault.OwnershipControls, bucket, "The bucket ownership controls were not found")
	}
	return v, nil
}

// PutBucketOwnershipControls sets a bucket's object ownership (see
// CheckObjectOwnership).
func (s *Service) PutBucketOwnershipControls(ctx context.Context, r *Request, bucket, ownership string) error {
	return s.putBucketSetting(ctx, r, bucket, settingOwnershipControls, "s3:PutBucketOwnershipControls", ownership,
		func(store.Bucket) error { return CheckObjectOwnership(ownership) })
}

// DeleteBucketOwnershipControls removes the setting; S3 guards it with
// s3:PutBucketOwnershipControls. ACLs stay disabled: podiam has none.
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, r *Request, bucket string) error {
	return s.putBucketSetting(ctx, r, bucket, settingOwnershipControls, "s3:PutBucketOwnershipControls", "", nil)
}
