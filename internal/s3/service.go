package s3

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// Store is what S3 keeps in the database.
type Store interface {
	CreateBucket(ctx context.Context, b store.Bucket) error
	GetBucket(ctx context.Context, name string) (store.Bucket, error)
	ListBuckets(ctx context.Context, accountID string) ([]store.Bucket, error)
	UpdateBucket(ctx context.Context, name string, update func(*store.Bucket) error) (store.Bucket, error)
	UpdateBucketWithAccountSettings(ctx context.Context, name string, update func(*store.Bucket, map[string]string) error) (store.Bucket, error)
	DeleteBucket(ctx context.Context, name string) error
	PutObject(ctx context.Context, o store.Object) (*store.Object, error)
	PutObjectIf(ctx context.Context, o store.Object, current string) (*store.Object, error)
	GetObject(ctx context.Context, bucket, key string) (store.Object, error)
	UpdateObject(ctx context.Context, bucket, key string, update func(*store.Object) error) (store.Object, error)
	ListObjects(ctx context.Context, bucket, prefix, after string, limit int) (store.ObjectPage, error)
	DeleteObject(ctx context.Context, bucket, key string) (store.Object, error)
	DeleteObjectIf(ctx context.Context, bucket, key, blobID string) (store.Object, error)
	CreateUpload(ctx context.Context, u store.Upload) error
	GetUpload(ctx context.Context, id string) (store.Upload, error)
	ListUploads(ctx context.Context, bucket string) ([]store.Upload, error)
	PutPart(ctx context.Context, p store.Part) (*store.Part, error)
	ListParts(ctx context.Context, uploadID string) ([]store.Part, error)
	DeleteUpload(ctx context.Context, id string) ([]store.Part, error)
	CompleteUpload(ctx context.Context, id string, o store.Object) (*store.Object, []store.Part, error)
	GetObjectVersion(ctx context.Context, bucket, key, versionID string) (store.Object, error)
	UpdateObjectVersion(ctx context.Context, bucket, key, versionID string, update func(*store.Object) error) (store.Object, error)
	DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (store.Object, error)
	ListObjectVersions(ctx context.Context, bucket, prefix, afterKey, afterVersion string, limit int) (store.VersionPage, error)
	AccountSettings(ctx context.Context, accountID string) (map[string]string, error)
	PutAccountSetting(ctx context.Context, accountID, name, value string) error
	// Generation is the buckets' generation (store.Store.Generation).
	Generation(ctx context.Context, r store.Records) (uint64, error)
}

// BlobWriter receives an object's bytes (blob.Writer).
type BlobWriter interface {
	io.Writer
	Size() int64
	MD5() [16]byte
	Commit() (id string, err error)
	Abort() error
}

// BlobReader reads an object's bytes (blob.Reader): in order, or at any
// offset for ranged reads.
type BlobReader interface {
	io.ReadSeekCloser
	io.ReaderAt
}

// Blobs keeps object bytes (blob.Store).
type Blobs interface {
	Create() (BlobWriter, error)
	Open(id string) (BlobReader, error)
	Remove(id string) error
}

// Identities loads callers' principals and policies, and binds, compiles
// and shows the IAM principals of bucket policies (iam.Service).
type Identities interface {
	CallerIdentity(ctx context.Context, caller iam.Caller) (iam.Identity, error)
	BindPrincipals(ctx context.Context, d *policy.Document) (map[string]string, error)
	Compile(name, doc string, k policy.Kind, ids map[string]string) (*policy.Policy, error)
	ShowPrincipals(ctx context.Context, doc string, k policy.Kind, ids map[string]string) (string, error)
}

// Config configures a Service.
type Config struct {
	Store      Store
	Blobs      Blobs
	Identities Identities
	// Region is where buckets are made without a LocationConstraint.
	Region string
	Now    func() time.Time
	Rand   io.Reader // upload ids; default crypto/rand
}

// Service runs the S3 operations.
type Service struct {
	store  Store
	blobs  Blobs
	ids    Identities
	region string
	now    func() time.Time
	rand   io.Reader
	// buckets keeps buckets (and names of none) by the buckets'
	// generation.
	buckets store.Cache[string, *cachedBucket]
	// publicPolicies says which bucket policies are public, by the
	// buckets' generation.
	publicPolicies store.Cache[string, bool]
	// versionMu guards lastVersion, the time in the last version id made.
	versionMu   sync.Mutex
	lastVersion uint64
	// accountBlocks are the accounts' block public access, by the
	// buckets' generation.
	accountBlocks store.Cache[string, PublicAccessBlock]
}

// cachedBucket is a bucket as read, or none.
type cachedBucket struct {
	b     store.Bucket
	found bool
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Identities == nil {
		return nil, errors.New("s3 service: a store, blobs and identities are needed")
	}
	s := &Service{store: cfg.Store, blobs: cfg.Blobs, ids: cfg.Identities, region: cfg.Region, now: cfg.Now, rand: cfg.Rand}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Request is who asks, and how: what the edge knows of a request that the
// policy engine needs.
type Request struct {
	// Caller is nil for an anonymous request.
	Caller   *iam.Caller
	SourceIP string
	Secure   bool
	// AuthType is REST-HEADER, REST-QUERY-STRING or POST ("" anonymous).
	AuthType string
	// SignatureAge is the age of the signature in milliseconds.
	SignatureAge  int64
	ContentSHA256 string
	// TLSVersion is the version of TLS the client used ("1.3"), "" over
	// plain HTTP: s3:TlsVersion.
	TLSVersion string
	// Headers holds the request's headers among KeyHeaders, by the
	// lower-case name; nil when it has none.
	Headers map[string]string
}

// headerKeys are the condition keys that request headers give: key ->
// header.
var headerKeys = map[string]string{
	"s3:x-amz-acl":                                       "x-amz-acl",
	"s3:x-amz-grant-full-control":                        "x-amz-grant-full-control",
	"s3:x-amz-grant-read":                                "x-amz-grant-read",
	"s3:x-amz-grant-read-acp":                            "x-amz-grant-read-acp",
	"s3:x-amz-grant-write":                               "x-amz-grant-write",
	"s3:x-amz-grant-write-acp":                           "x-amz-grant-write-acp",
	"s3:x-amz-object-ownership":                          "x-amz-object-ownership",
	"s3:x-amz-copy-source":                               "x-amz-copy-source",
	"s3:x-amz-metadata-directive":                        "x-amz-metadata-directive",
	"s3:x-amz-server-side-encryption":                    "x-amz-server-side-encryption",
	"s3:x-amz-server-side-encryption-aws-kms-key-id":     "x-amz-server-side-encryption-aws-kms-key-id",
	"s3:x-amz-server-side-encryption-customer-algorithm": "x-amz-server-side-encryption-customer-algorithm",
	"s3:x-amz-storage-class":                             "x-amz-storage-class",
	"s3:x-amz-website-redirect-location":                 "x-amz-website-redirect-location",
	"s3:object-lock-mode":                                "x-amz-object-lock-mode",
	"s3:object-lock-retain-until-date":                   "x-amz-object-lock-retain-until-date",
	"s3:object-lock-legal-hold":                          "x-amz-object-lock-legal-hold",
	"s3:if-match":                                        "if-match",
	"s3:if-none-match":                                   "if-none-match",
}

// actionHeaderKeys are the header keys each action carries, as the
// Service Authorization Reference lists them: a header another action's
// request has is not its key.
var actionHeaderKeys = map[string][]string{
	"s3:PutObject": {"s3:x-amz-acl", "s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp",
		"s3:x-amz-grant-write", "s3:x-amz-grant-write-acp", "s3:x-amz-copy-source", "s3:x-amz-metadata-directive",
		"s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id",
		"s3:x-amz-server-side-encryption-customer-algorithm", "s3:x-amz-storage-class", "s3:x-amz-website-redirect-location",
		"s3:object-lock-mode", "s3:object-lock-retain-until-date", "s3:object-lock-legal-hold", "s3:if-match", "s3:if-none-match"},
	"s3:CreateBucket": {"s3:x-amz-acl", "s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp",
		"s3:x-amz-grant-write", "s3:x-amz-grant-write-acp", "s3:x-amz-object-ownership"},
	"s3:PutObjectAcl": {"s3:x-amz-acl", "s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp",
		"s3:x-amz-grant-write", "s3:x-amz-grant-write-acp", "s3:x-amz-storage-class"},
	"s3:PutObjectVersionAcl": {"s3:x-amz-acl", "s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp",
		"s3:x-amz-grant-write", "s3:x-amz-grant-write-acp", "s3:x-amz-storage-class"},
	"s3:DeleteObject": {"s3:if-match"},
}

// KeyHeaders are the request headers that give condition keys, in lower
// case: the edge copies them into Request.Headers.
var KeyHeaders = func() []string {
	out := make([]string, 0, len(headerKeys))
	for _, h := range headerKeys {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}()

func bucketARN(name string) string        { return "arn:aws:s3:::" + name }
func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// authorize decides action on resource for r, over the caller's policies
// and the bucket's policy (b may be the zero Bucket when there is none
// yet), with S3's context keys plus extra: those of the request (its
// headers, TLS version), of the bucket (its owner, s3:ResourceAccount) and
// those the operation gives (s3:RequestObjectTagKeys is derived from its
// s3:RequestObjectTag keys).
func (s *Service) authorize(ctx context.Context, r *Request, action, resource string, b store.Bucket, extra map[string]string) error {
	var id iam.Identity
	callerARN := "anonymous"
	if r.Caller != nil {
		var err error
		if id, err = s.ids.CallerIdentity(ctx, *r.Caller); err != nil {
			return err
		}
		callerARN = r.Caller.ARN
	} else {
		id.Principal = policy.Principal{Type: policy.Anonymous}
	}
	set := id.Set
	if b.Policy != "" {
		p, err := s.ids.Compile(bucketARN(b.Name), b.Policy, policy.Resource, b.PolicyPrincipalIDs)
		if err != nil {
			return fault.Internal("compile the policy of bucket "+b.Name, err)
		}
		set.Resource = p
		account := ""
		if r.Caller != nil {
			account = r.Caller.Account
		}
		if restrict, err := s.restricted(ctx, b, account); err != nil {
			return err
		} else if restrict {
			set.Resource = nil
		}
	}
	req := &authz.Request{Principal: id.Principal, Action: action, Resource: resource, ResourceAccount: b.AccountID}
	for k, v := range id.Context {
		req.Context.Set(k, v)
	}
	now := s.now().UTC()
	req.Context.Set("aws:CurrentTime", now.Format(time.RFC3339))
	req.Context.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	req.Context.Set("aws:SecureTransport", strconv.FormatBool(r.Secure))
	if r.SourceIP != "" {
		req.Context.Set("aws:SourceIp", r.SourceIP)
	}
	if r.AuthType != "" {
		req.Context.Set("s3:authType", r.AuthType)
		req.Context.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		req.Context.Set("s3:signatureAge", strconv.FormatInt(r.SignatureAge, 10))
	}
	if r.ContentSHA256 != "" {
		req.Context.Set("s3:x-amz-content-sha256", r.ContentSHA256)
	}
	if r.TLSVersion != "" {
		req.Context.Set("s3:TlsVersion", r.TLSVersion)
	}
	if b.AccountID != "" {
		req.Context.Set("s3:ResourceAccount", b.AccountID)
	}
	if b.Settings[settingABAC] != "" {
		tags, err := bucketTags(b)
		if err != nil {
			return err
		}
		for _, t := range tags {
			req.Context.Set("aws:ResourceTag/"+t.Key, t.Value)
		}
	}
	if r.Headers != nil {
		for _, k := range actionHeaderKeys[action] {
			if v, ok := r.Headers[headerKeys[k]]; ok {
				req.Context.Set(k, v)
			}
		}
	}
	var tagKeys []string
	for k, v := range extra {
		req.Context.Set(k, v)
		if t, ok := strings.CutPrefix(k, "s3:RequestObjectTag/"); ok {
			tagKeys = append(tagKeys, t)
		}
	}
	if tagKeys != nil {
		sort.Strings(tagKeys)
		req.Context.SetMulti("s3:RequestObjectTagKeys", tagKeys...)
	}
	var res authz.Result
	authz.Evaluate(req, &set, &res)
	d := iam.Decision{Action: action, Resource: resource, Decision: res.Decision.String(), Reason: res.Reason.String(), Keys: req.Context}
	for _, st := range res.Statements {
		d.Statements = append(d.Statements, st.Ref())
	}
	iam.Report(ctx, d)
	if res.Decision == authz.Allowed {
		return nil
	}
	return denied(callerARN, action, resource, res.Reason)
}

// denied is S3's AccessDenied in the style of AWS's newer messages.
func denied(caller, action, resource string, reason authz.Reason) *fault.Error {
	msg := "User: " + caller + " is not authorized to perform: " + action + " on resource: \"" + resource + "\""
	switch reason {
	case authz.DeniedByIdentity, authz.DeniedByBoundary, authz.DeniedBySession, authz.DeniedByResource, authz.DeniedBySCP:
		msg += " with " + reason.Explain()
	case authz.ReasonNone:
	default:
		msg += " because " + strings.TrimSuffix(reason.Explain(), "the action") + "the " + action + " action"
	}
	return &fault.Error{Kind: fault.AccessDenied, Message: msg}
}

// bucket reads a bucket, once per buckets' generation (a bucket made,
// deleted or given a policy is seen by the next request); missing is
// NoSuchBucket. The bucket's maps are shared: callers do not change them.
func (s *Service) bucket(ctx context.Context, name string) (store.Bucket, error) {
	if err := ValidateBucketName(name); err != nil {
		return store.Bucket{}, noSuchBucket(name)
	}
	gen, err := s.store.Generation(ctx, store.Buckets)
	if err != nil {
		return store.Bucket{}, err
	}
	c, ok := s.buckets.Get(gen, name)
	if !ok {
		b, err := s.store.GetBucket(ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c = &cachedBucket{}
		case err != nil:
			return store.Bucket{}, err
		default:
			c = &cachedBucket{b: b, found: true}
		}
		s.buckets.Put(gen, name, c)
	}
	if !c.found {
		return store.Bucket{}, noSuchBucket(name)
	}
	return c.b, nil
}
