package s3

import (
	"context"
	"encoding/json"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// PublicAccessBlock is S3's block public access configuration of a
// bucket.
type PublicAccessBlock struct {
	BlockPublicACLs       bool `json:"blockPublicAcls,omitempty"`
	IgnorePublicACLs      bool `json:"ignorePublicAcls,omitempty"`
	BlockPublicPolicy     bool `json:"blockPublicPolicy,omitempty"`
	RestrictPublicBuckets bool `json:"restrictPublicBuckets,omitempty"`
}

// settingPublicAccessBlock is the bucket setting of its public access
// block, PublicAccessBlock as JSON.
const settingPublicAccessBlock = "publicAccessBlock"

// blockAll is the public access block S3 gives every new bucket since
// April 2023.
var blockAll = PublicAccessBlock{BlockPublicACLs: true, IgnorePublicACLs: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}

func encodePublicAccessBlock(p PublicAccessBlock) string {
	b, _ := json.Marshal(p) // four booleans: cannot fail
	return string(b)
}

// publicAccessBlock is the block in effect on b: its own (a bucket made
// before the setting existed has none, as on AWS).
func publicAccessBlock(b store.Bucket) (PublicAccessBlock, error) {
	var p PublicAccessBlock
	v, ok := b.Settings[settingPublicAccessBlock]
	if !ok {
		return p, nil
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, fault.Internal("read the public access block of bucket "+b.Name, err)
	}
	return p, nil
}

// GetPublicAccessBlock returns a bucket's public access block; a bucket
// without one is NoSuchPublicAccessBlockConfiguration.
func (s *Service) GetPublicAccessBlock(ctx context.Context, r *Request, bucket string) (PublicAccessBlock, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingPublicAccessBlock, "s3:GetBucketPublicAccessBlock")
	if err != nil {
		return PublicAccessBlock{}, err
	}
	if !found {
		return PublicAccessBlock{}, about(fault.NotFound, fault.PublicAccessBlock, bucket, "The public access block configuration was not found")
	}
	var p PublicAccessBlock
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, fault.Internal("read the public access block of bucket "+bucket, err)
	}
	return p, nil
}

// PutPublicAccessBlock sets a bucket's public access block (all four
// false is kept as given, as S3 keeps it). It does not change a policy
// already set.
func (s *Service) PutPublicAccessBlock(ctx context.Context, r *Request, bucket string, p PublicAccessBlock) error {
	return s.putBucketSetting(ctx, r, bucket, settingPublicAccessBlock, "s3:PutBucketPublicAccessBlock", encodePublicAccessBlock(p), nil)
}

// DeletePublicAccessBlock removes a bucket's public access block; S3
// guards it with s3:PutBucketPublicAccessBlock.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, r *Request, bucket string) error {
	return s.putBucketSetting(ctx, r, bucket, settingPublicAccessBlock, "s3:PutBucketPublicAccessBlock", "", nil)
}

// publicPolicyBlocked is S3's refusal of a public bucket policy under
// BlockPublicPolicy.
func publicPolicyBlocked(caller, bucket string) *fault.Error {
	return &fault.Error{Kind: fault.AccessDenied, Message: "User: " + caller + " is not authorized to perform: s3:PutBucketPolicy on resource: \"" +
		bucketARN(bucket) + "\" because public policies are blocked by the BlockPublicPolicy block public access setting."}
}

// restricted says whether b's policy is to be set aside for a caller of
// account (""=anonymous): under RestrictPublicBuckets (the bucket's or
// its owner account's) a public bucket policy grants only to principals
// of the bucket owner's account, so it decides nothing for anyone else
// (AWS's service principals, the other exception, never call podiam).
func (s *Service) restricted(ctx context.Context, b store.Bucket, account string) (bool, error) {
	if b.Policy == "" || account == b.AccountID {
		return false, nil
	}
	p, err := s.effectiveBlock(ctx, b)
	if err != nil || !p.RestrictPublicBuckets {
		return false, err
	}
	return s.policyIsPublic(ctx, b.Policy)
}

// policyIsPublic is PolicyIsPublic of a stored bucket policy, kept by the
// buckets' generation.
func (s *Service) policyIsPublic(ctx context.Context, doc string) (bool, error) {
	gen, err := s.store.Generation(ctx, store.Buckets)
	if err != nil {
		return false, err
	}
	if v, ok := s.publicPolicies.Get(gen, doc); ok {
		return v, nil
	}
	d, err := policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{MaxSize: -1})
	if err != nil {
		return false, fault.Internal("parse a stored bucket policy", err)
	}
	v := PolicyIsPublic(d)
	s.publicPolicies.Put(gen, doc, v)
	return v, nil
}

// newBucketSettings are the settings S3 gives a new bucket: all public
// access blocked and ACLs disabled (ownership BucketOwnerEnforced).
func newBucketSettings() map[string]string {
	return map[string]string{
		settingPublicAccessBlock: encodePublicAccessBlock(blockAll),
		settingOwnershipControls: OwnerEnforced,
	}
}
