package s3

import (
	"context"
	"errors"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// ListBuckets lists the buckets of the caller's account.
func (s *Service) ListBuckets(ctx context.Context, r *Request) ([]store.Bucket, error) {
	if r.Caller == nil {
		return nil, fault.Errorf(fault.AccessDenied, "Access Denied")
	}
	if err := s.authorize(ctx, r, "s3:ListAllMyBuckets", "*", store.Bucket{AccountID: r.Caller.Account}, nil); err != nil {
		return nil, err
	}
	return s.store.ListBuckets(ctx, r.Caller.Account)
}

// CreateBucket makes a bucket owned by the caller's account in region
// ("" for the server's region). A name the caller's account already owns
// is BucketAlreadyOwnedByYou; one another account owns is
// BucketAlreadyExists.
func (s *Service) CreateBucket(ctx context.Context, r *Request, name, region string) error {
	if r.Caller == nil {
		return fault.Errorf(fault.AccessDenied, "Access Denied")
	}
	if err := ValidateBucketName(name); err != nil {
		return err
	}
	var extra map[string]string
	if region != "" {
		extra = map[string]string{"s3:locationconstraint": region}
	}
	if err := s.authorize(ctx, r, "s3:CreateBucket", bucketARN(name), store.Bucket{Name: name, AccountID: r.Caller.Account}, extra); err != nil {
		return err
	}
	if region == "us-east-1" {
		return invalid(fault.Location, "The specified location-constraint is not valid: us-east-1 is the default and may not be given.")
	}
	if region == "" {
		region = s.region
	}
	if region == "us-east-1" {
		region = ""
	}
	err := s.store.CreateBucket(ctx, store.Bucket{Name: name, AccountID: r.Caller.Account, Region: region, CreatedAt: s.now().UTC(),
		Settings: newBucketSettings()})
	if errors.Is(err, store.ErrAlreadyExists) {
		if b, gerr := s.store.GetBucket(ctx, name); gerr == nil && b.AccountID == r.Caller.Account {
			return about(fault.AlreadyExists, fault.OwnBucket, name, "Your previous request to create the named bucket succeeded and you already own it.")
		}
		return about(fault.AlreadyExists, fault.Bucket, name, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	}
	return err
}

// HeadBucket checks that a bucket exists and the caller may list it.
func (s *Service) HeadBucket(ctx context.Context, r *Request, name string) (store.Bucket, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return store.Bucket{}, err
	}
	if err := s.authorize(ctx, r, "s3:ListBucket", bucketARN(name), b, nil); err != nil {
		return store.Bucket{}, err
	}
	return b, nil
}

// DeleteBucket deletes an empty bucket.
func (s *Service) DeleteBucket(ctx context.Context, r *Request, name string) error {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, r, "s3:DeleteBucket", bucketARN(name), b, nil); err != nil {
		return err
	}
	switch err := s.store.DeleteBucket(ctx, name); {
	case errors.Is(err, store.ErrDeleteConflict):
		return about(fault.DeleteConflict, fault.Bucket, name, "The bucket you tried to delete is not empty")
	case errors.Is(err, store.ErrNotFound):
		return noSuchBucket(name)
	default:
		return err
	}
}

// GetBucketLocation returns the bucket's LocationConstraint ("" for
// us-east-1).
func (s *Service) GetBucketLocation(ctx context.Context, r *Request, name string) (string, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, r, "s3:GetBucketLocation", bucketARN(name), b, nil); err != nil {
		return "", err
	}
	return b.Region, nil
}

// PutBucketPolicy validates a bucket policy as a resource policy, binds
// the users and roles it names to their unique ids (one that does not
// exist is MalformedPolicy "Invalid principal in policy") and sets it.
func (s *Service) PutBucketPolicy(ctx context.Context, r *Request, name, doc string) error {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, r, "s3:PutBucketPolicy", bucketARN(name), b, nil); err != nil {
		return err
	}
	d, err := policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{MaxSize: 20 * 1024})
	if err != nil {
		return malformedPolicy(err)
	}
	ids, err := s.ids.BindPrincipals(ctx, d)
	if fe, ok := fault.As(err); ok && fe.Kind == fault.Malformed {
		return malformedPolicy(err)
	} else if err != nil {
		return err
	}
	public := PolicyIsPublic(d)
	// The block in effect, the bucket's or its account's, is decided in
	// the transaction that sets the policy: a block set meanwhile is
	// either seen or set after the policy.
	_, err = s.store.UpdateBucketWithAccountSettings(ctx, name, func(b *store.Bucket, account map[string]string) error {
		if public {
			p, err := publicAccessBlock(*b)
			if err != nil {
				return err
			}
			a, _, err := decodeAccountBlock(b.AccountID, account)
			if err != nil {
				return err
			}
			if p.BlockPublicPolicy || a.BlockPublicPolicy {
				return publicPolicyBlocked(callerName(r), name)
			}
		}
		b.Policy, b.PolicyPrincipalIDs = doc, ids
		return nil
	})
	return err
}

// callerName is the caller's ARN, "anonymous" for none.
func callerName(r *Request) string {
	if r.Caller == nil {
		return "anonymous"
	}
	return r.Caller.ARN
}

// malformedPolicy is S3's error for a bucket policy the engine refused.
func malformedPolicy(err error) *fault.Error {
	msg := "Policies must be valid JSON and the first byte must be '{'"
	if fe, ok := fault.As(err); ok {
		msg = fe.Message
	}
	return about(fault.Malformed, fault.Policy, "", msg)
}

// GetBucketPolicy returns the bucket policy.
func (s *Service) GetBucketPolicy(ctx context.Context, r *Request, name string) (string, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, r, "s3:GetBucketPolicy", bucketARN(name), b, nil); err != nil {
		return "", err
	}
	if b.Policy == "" {
		return "", about(fault.NotFound, fault.BucketPolicy, name, "The bucket policy does not exist")
	}
	return s.ids.ShowPrincipals(ctx, b.Policy, policy.Resource, b.PolicyPrincipalIDs)
}

// DeleteBucketPolicy removes the bucket policy (none is not an error).
func (s *Service) DeleteBucketPolicy(ctx context.Context, r *Request, name string) error {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, r, "s3:DeleteBucketPolicy", bucketARN(name), b, nil); err != nil {
		return err
	}
	_, err = s.store.UpdateBucket(ctx, name, func(b *store.Bucket) error {
		b.Policy, b.PolicyPrincipalIDs = "", nil
		return nil
	})
	return err
}
