package s3

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/podiam/podiam/internal/fault"
)

// Every object is encrypted at rest (package blob), as S3 has encrypted
// every new object with SSE-S3 since 2023: a fresh data key per object,
// sealed under a key of the server's. That is S3's SSE-S3, named AES256
// on the wire. SSE-KMS needs a KMS, which podiam has not: a request for it
// is refused as S3 refuses a KMS key that does not exist. SSE-C is
// blocked, as S3 blocks it on new buckets since 2026.

// SSES3 is the server-side encryption of every object: SSE-S3.
const SSES3 = "AES256"

// EncryptionSSEC is the encryption type of BlockedEncryptionTypes that
// names SSE-C; NONE unblocks it.
const (
	EncryptionSSEC = "SSE-C"
	EncryptionNone = "NONE"
)

// settingEncryption is the bucket setting of the bucket's default
// encryption, a JSON encryptionSetting; none is the default (SSE-S3).
const settingEncryption = "encryption"

type encryptionSetting struct {
	BucketKeyEnabled bool `json:"bucketKeyEnabled"`
}

// BucketEncryption is a bucket's default encryption configuration (one
// rule).
type BucketEncryption struct {
	// Algorithm is SSEAlgorithm: AES256 is the only one served.
	Algorithm string
	// KMSKeyID is KMSMasterKeyID; only for aws:kms, and refused.
	KMSKeyID string
	// BucketKeyEnabled is kept and shown; with SSE-S3 it changes nothing.
	BucketKeyEnabled bool
	// Blocked is BlockedEncryptionTypes: SSE-C, or NONE to allow it
	// (refused: SSE-C is not served). nil when not given.
	Blocked []string
}

// CheckSSE checks the server-side encryption a request asks for
// (x-amz-server-side-encryption and its KMS key id): none or AES256 is
// what every object gets; aws:kms and aws:kms:dsse need a KMS key, and
// are answered as S3 answers a key that does not exist.
func CheckSSE(algorithm, kmsKeyID string) error {
	switch algorithm {
	case "", SSES3:
		if kmsKeyID != "" {
			return invalid(fault.None, "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
		return nil
	case "aws:kms", "aws:kms:dsse":
		if kmsKeyID == "" {
			kmsKeyID = "alias/aws/s3"
		}
		return about(fault.NotFound, fault.KMSKey, "", fmt.Sprintf("Invalid keyId %s: podiam has no KMS, so SSE-KMS cannot be used; every object is encrypted with SSE-S3 (AES256)", kmsKeyID))
	default:
		return invalid(fault.None, "The encryption method specified is not supported")
	}
}

// checkRequestSSE refuses, once a write is authorized (so that a policy
// on the encryption keys decides first, as on AWS), the server-side
// encryption it asks for that podiam cannot give: SSE-KMS, SSE-C.
func checkRequestSSE(r *Request) error {
	if r.Headers["x-amz-server-side-encryption-customer-algorithm"] != "" {
		return SSECBlocked()
	}
	return CheckSSE(r.Headers["x-amz-server-side-encryption"], r.Headers["x-amz-server-side-encryption-aws-kms-key-id"])
}

// SSECBlocked is the refusal of a write that asks for SSE-C, as S3
// refuses it on a bucket that blocks SSE-C.
func SSECBlocked() error {
	return about(fault.AccessDenied, fault.None, "", "SSE-C is blocked for this bucket: podiam does not serve server-side encryption with customer-provided keys")
}

// ValidateBucketEncryption checks a default encryption rule: SSE-S3,
// SSE-C left blocked.
func ValidateBucketEncryption(e BucketEncryption) error {
	if e.Algorithm == "" {
		return malformedXML()
	}
	if e.KMSKeyID != "" && e.Algorithm == SSES3 {
		return invalid(fault.None, "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
	}
	if err := CheckSSE(e.Algorithm, e.KMSKeyID); err != nil {
		return err
	}
	for _, t := range e.Blocked {
		switch t {
		case EncryptionSSEC:
		case EncryptionNone:
			return invalid(fault.None, "SSE-C cannot be unblocked: podiam does not serve server-side encryption with customer-provided keys")
		default:
			return malformedXML()
		}
	}
	return nil
}

// GetBucketEncryption returns a bucket's default encryption: SSE-S3, and
// SSE-C blocked, when none was put, as S3 answers for every bucket.
func (s *Service) GetBucketEncryption(ctx context.Context, r *Request, bucket string) (BucketEncryption, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingEncryption, "s3:GetEncryptionConfiguration")
	if err != nil {
		return BucketEncryption{}, err
	}
	var set encryptionSetting
	if found {
		if err := json.Unmarshal([]byte(v), &set); err != nil {
			return BucketEncryption{}, fault.Internal("read the encryption of bucket "+bucket, err)
		}
	}
	return BucketEncryption{Algorithm: SSES3, BucketKeyEnabled: set.BucketKeyEnabled, Blocked: []string{EncryptionSSEC}}, nil
}

// PutBucketEncryption sets a bucket's default encryption; only SSE-S3 is
// accepted.
func (s *Service) PutBucketEncryption(ctx context.Context, r *Request, bucket string, e BucketEncryption) error {
	if err := ValidateBucketEncryption(e); err != nil {
		return err
	}
	v, err := json.Marshal(encryptionSetting{BucketKeyEnabled: e.BucketKeyEnabled})
	if err != nil {
		return err
	}
	return s.putBucketSetting(ctx, r, bucket, settingEncryption, "s3:PutEncryptionConfiguration", string(v), nil)
}

// DeleteBucketEncryption returns a bucket to the default encryption
// (SSE-S3); S3 guards it with s3:PutEncryptionConfiguration.
func (s *Service) DeleteBucketEncryption(ctx context.Context, r *Request, bucket string) error {
	return s.putBucketSetting(ctx, r, bucket, settingEncryption, "s3:PutEncryptionConfiguration", "", nil)
}
