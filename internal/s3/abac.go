package s3

import (
	"context"
)

// settingABAC is the bucket setting of attribute-based access control:
// "Enabled", or absent (Disabled, S3's default for general purpose
// buckets). While it is enabled, a bucket's tags are aws:ResourceTag/<key>
// in every decision about the bucket or its objects.
const settingABAC = "abac"

// GetBucketAbac returns a bucket's ABAC status, Enabled or Disabled.
func (s *Service) GetBucketAbac(ctx context.Context, r *Request, bucket string) (string, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingABAC, "s3:GetBucketAbac")
	if err != nil || !found {
		return "Disabled", err
	}
	return v, nil
}

// PutBucketAbac sets a bucket's ABAC status; anything but Enabled or
// Disabled is MalformedXML.
func (s *Service) PutBucketAbac(ctx context.Context, r *Request, bucket, status string) error {
	var v string
	switch status {
	case "Enabled":
		v = status
	case "Disabled":
	default:
		return malformedXML()
	}
	return s.putBucketSetting(ctx, r, bucket, settingABAC, "s3:PutBucketAbac", v, nil)
}
