package s3

import (
	"context"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// The settings of features podiam does not run (server access logging,
// transfer acceleration, requester pays, static websites, replication,
// Object Lock) answer as S3 answers a bucket where they were never
// configured; writing one is served where the value means what it says
// (logging off, acceleration suspended, the owner pays) and otherwise
// refused with the error S3 gives when the feature cannot be used.

// settingAccelerate is the bucket setting of transfer acceleration: its
// status, only ever "Suspended".
const settingAccelerate = "accelerate"

// bucketAction authorizes action on bucket and returns the bucket.
func (s *Service) bucketAction(ctx context.Context, r *Request, bucket, action string) (store.Bucket, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Bucket{}, err
	}
	if err := s.authorize(ctx, r, action, bucketARN(bucket), b, nil); err != nil {
		return store.Bucket{}, err
	}
	return b, nil
}

// invalidRequest is S3's InvalidRequest with message.
func invalidRequest(message string) *fault.Error {
	return about(fault.InvalidInput, fault.Request, "", message)
}

// GetBucketLogging checks the caller may read a bucket's logging status;
// podiam delivers no server access logs, so it is always disabled.
func (s *Service) GetBucketLogging(ctx context.Context, r *Request, bucket string) error {
	_, err := s.bucketAction(ctx, r, bucket, "s3:GetBucketLogging")
	return err
}

// PutBucketLogging accepts logging disabled (the only status podiam has)
// and refuses to enable it: podiam writes no access logs into buckets;
// its audit log records every request instead.
func (s *Service) PutBucketLogging(ctx context.Context, r *Request, bucket string, enable bool) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:PutBucketLogging"); err != nil {
		return err
	}
	if enable {
		return invalidRequest("Server access logging is not available on this server; its audit log records every request.")
	}
	return nil
}

// GetBucketAccelerateConfiguration returns a bucket's acceleration
// status: "" when never set, else "Suspended".
func (s *Service) GetBucketAccelerateConfiguration(ctx context.Context, r *Request, bucket string) (string, error) {
	v, _, err := s.bucketSetting(ctx, r, bucket, settingAccelerate, "s3:GetAccelerateConfiguration")
	return v, err
}

// PutBucketAccelerateConfiguration keeps status Suspended; Enabled is
// refused, as S3 refuses it where acceleration cannot be had.
func (s *Service) PutBucketAccelerateConfiguration(ctx context.Context, r *Request, bucket, status string) error {
	return s.putBucketSetting(ctx, r, bucket, settingAccelerate, "s3:PutAccelerateConfiguration", status, func(store.Bucket) error {
		switch status {
		case "Suspended":
			return nil
		case "Enabled":
			return invalidRequest("S3 Transfer Acceleration is not available on this server.")
		}
		return malformedXML()
	})
}

// GetBucketRequestPayment checks the caller may read who pays for a
// bucket's requests: always its owner.
func (s *Service) GetBucketRequestPayment(ctx context.Context, r *Request, bucket string) error {
	_, err := s.bucketAction(ctx, r, bucket, "s3:GetBucketRequestPayment")
	return err
}

// PutBucketRequestPayment accepts BucketOwner and refuses Requester:
// podiam bills no one.
func (s *Service) PutBucketRequestPayment(ctx context.Context, r *Request, bucket, payer string) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:PutBucketRequestPayment"); err != nil {
		return err
	}
	switch payer {
	case "BucketOwner":
		return nil
	case "Requester":
		return invalidRequest("Requester Pays is not available on this server: the bucket owner pays.")
	}
	return malformedXML()
}

// GetBucketWebsite is NoSuchWebsiteConfiguration: podiam serves no
// websites.
func (s *Service) GetBucketWebsite(ctx context.Context, r *Request, bucket string) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:GetBucketWebsite"); err != nil {
		return err
	}
	return about(fault.NotFound, fault.Website, bucket, "The specified bucket does not have a website configuration")
}

// PutBucketWebsite is refused: podiam has no website endpoint.
func (s *Service) PutBucketWebsite(ctx context.Context, r *Request, bucket string) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:PutBucketWebsite"); err != nil {
		return err
	}
	return invalidRequest("Static website hosting is not available on this server.")
}

// DeleteBucketWebsite removes a website configuration: there is none, and
// S3 answers success.
func (s *Service) DeleteBucketWebsite(ctx context.Context, r *Request, bucket string) error {
	_, err := s.bucketAction(ctx, r, bucket, "s3:DeleteBucketWebsite")
	return err
}

// GetBucketReplication is ReplicationConfigurationNotFoundError: podiam
// replicates nothing.
func (s *Service) GetBucketReplication(ctx context.Context, r *Request, bucket string) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:GetReplicationConfiguration"); err != nil {
		return err
	}
	return about(fault.NotFound, fault.Replication, bucket, "The replication configuration was not found")
}

// PutBucketReplication is refused: on a bucket whose versioning is not
// enabled with S3's own error, otherwise because podiam has no second
// region to replicate to.
func (s *Service) PutBucketReplication(ctx context.Context, r *Request, bucket string) error {
	b, err := s.bucketAction(ctx, r, bucket, "s3:PutReplicationConfiguration")
	if err != nil {
		return err
	}
	if versioning(b) != VersioningEnabled {
		return invalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	}
	return invalidRequest("Replication is not available on this server.")
}

// DeleteBucketReplication removes a replication configuration: there is
// none, and S3 answers success. S3 guards it with
// s3:PutReplicationConfiguration.
func (s *Service) DeleteBucketReplication(ctx context.Context, r *Request, bucket string) error {
	_, err := s.bucketAction(ctx, r, bucket, "s3:PutReplicationConfiguration")
	return err
}

// GetObjectLockConfiguration is ObjectLockConfigurationNotFoundError: no
// podiam bucket has Object Lock.
func (s *Service) GetObjectLockConfiguration(ctx context.Context, r *Request, bucket string) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:GetBucketObjectLockConfiguration"); err != nil {
		return err
	}
	return about(fault.NotFound, fault.ObjectLock, bucket, "Object Lock configuration does not exist for this bucket")
}

// PutObjectLockConfiguration is refused as S3 refuses it on a bucket not
// made with Object Lock (InvalidBucketState): podiam makes none.
func (s *Service) PutObjectLockConfiguration(ctx context.Context, r *Request, bucket string) error {
	if _, err := s.bucketAction(ctx, r, bucket, "s3:PutBucketObjectLockConfiguration"); err != nil {
		return err
	}
	return about(fault.InvalidInput, fault.ObjectLock, bucket, "Object Lock configuration cannot be enabled on existing buckets")
}
