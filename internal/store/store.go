package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Backends wrap them; callers test with errors.Is.
var (
	// ErrNotFound: the record, or a record it needs, does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a record with the same name, id or ARN exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: a concurrent write won (a compare-and-swap update lost,
	// or the database stayed busy); the caller may retry.
	ErrConflict = errors.New("conflict")
	// ErrDeleteConflict: the record is still in use (a user or role with
	// policies or access keys, a policy still attached).
	ErrDeleteConflict = errors.New("delete conflict")
	// ErrLimitExceeded: a create would pass the limit the caller gave.
	ErrLimitExceeded = errors.New("limit exceeded")
)

// Tag is a key and value; records keep their tags in the caller's order.
type Tag struct {
	Key, Value string
}

// Account is one 12-digit AWS account of the server.
type Account struct {
	ID    string // 12 digits
	Name  string
	Email string // unique regardless of case, when not empty
	// ManagementAccountID is, for a member account of the organization,
	// the management account's id; "" for the management account.
	ManagementAccountID string
	CreatedAt           time.Time
}

// ManagementAccount picks the organization's management account out of
// every account: the one that is no member, the earliest created (then
// the smallest id) if there were several.
func ManagementAccount(accts []Account) (Account, bool) {
	var best Account
	found := false
	for _, a := range accts {
		if a.ManagementAccountID != "" {
			continue
		}
		if !found || a.CreatedAt.Before(best.CreatedAt) || a.CreatedAt.Equal(best.CreatedAt) && a.ID < best.ID {
			best, found = a, true
		}
	}
	return best, found
}

// User is an IAM user.
type User struct {
	AccountID              string
	Name                   string
	Path                   string
	ID                     string // AIDA...
	ARN                    string
	PermissionsBoundaryARN string
	Tags                   []Tag
	CreatedAt              time.Time
}

// AccessKeyStatus is Active or Inactive.
type AccessKeyStatus string

// The access key statuses, as IAM spells them.
const (
	AccessKeyActive   AccessKeyStatus = "Active"
	AccessKeyInactive AccessKeyStatus = "Inactive"
)

// AccessKey is a long-term access key of a user or of an account's root.
type AccessKey struct {
	AccountID string
	UserName  string // "" for the account's root
	ID        string // AKIA...
	// SecretCiphertext is the secret access key sealed by the caller; the
	// store never sees the plaintext.
	SecretCiphertext []byte
	Status           AccessKeyStatus
	CreatedAt        time.Time
}

// Role is an IAM role.
type Role struct {
	AccountID                string
	Name                     string
	Path                     string
	ID                       string // AROA...
	ARN                      string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int // seconds
	PermissionsBoundaryARN   string
	Tags                     []Tag
	// TrustPrincipalIDs maps the user and role ARNs that the trust policy
	// names to their unique ids when the policy was written ("" for an
	// ARN that named nobody then): a user or role deleted and made again
	// under the same ARN is not the one the policy trusts.
	TrustPrincipalIDs map[string]string
	CreatedAt         time.Time
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID        string // "v1", "v2", ...
	Document  string
	CreatedAt time.Time
}

// ManagedPolicy is a customer-managed policy, or an AWS-managed one
// (AccountID "", ARN under arn:aws:iam::aws:policy/).
type ManagedPolicy struct {
	AccountID        string // "" for AWS-managed
	Name             string
	Path             string
	ID               string // ANPA...
	ARN              string
	Description      string
	DefaultVersionID string
	Versions         []PolicyVersion
	// AttachmentCount is derived: how many of the reading account's users
	// and roles have the policy attached. The store ignores it on writes.
	AttachmentCount int
	Tags            []Tag
	CreatedAt       time.Time
}

// PrincipalKind is the kind of IAM identity that policies attach to.
type PrincipalKind string

// The principal kinds.
const (
	PrincipalUser PrincipalKind = "user"
	PrincipalRole PrincipalKind = "role"
)

// Principal names a user or role of an account.
type Principal struct {
	AccountID string
	Kind      PrincipalKind
	Name      string
}

// InlinePolicy is a policy embedded in a user or role.
type InlinePolicy struct {
	Principal Principal
	Name      string // unique per principal regardless of case
	Document  string
}

// Attachment says that a managed policy is attached to a principal.
type Attachment struct {
	Principal Principal
	PolicyARN string
}

// OIDCProvider is an IAM OpenID Connect identity provider.
type OIDCProvider struct {
	AccountID   string
	URL         string // without "https://"
	ARN         string
	ClientIDs   []string
	Thumbprints []string
	Tags        []Tag
	CreatedAt   time.Time
}

// InstanceProfile is an IAM instance profile: a container of at most one
// role that EC2 passes to an instance.
type InstanceProfile struct {
	AccountID string
	Name      string
	Path      string
	ID        string // AIPA...
	ARN       string
	// RoleName is the name of the profile's role as the role spells it,
	// "" while the profile holds none.
	RoleName  string
	Tags      []Tag
	CreatedAt time.Time
}

// Cluster is an EKS cluster: what CreateCluster recorded, and podiam's
// binding of it to a real Kubernetes cluster (its API server, CA and
// service-account signing keys), pushed from the cluster.
type Cluster struct {
	AccountID string
	Name      string
	ARN       string
	RoleARN   string
	Version   string
	// Status is as EKS names it (CREATING, ACTIVE, DELETING, ...).
	Status             string
	AuthenticationMode string
	SubnetIDs          []string
	SecurityGroupIDs   []string
	// IssuerID is the 32 lower-case hex digits of the cluster's hosted
	// issuer URL (<public URL>/id/<IssuerID>).
	IssuerID  string
	Tags      []Tag
	CreatedAt time.Time

	// Endpoint is the API server's URL, "" until a binding is pushed.
	Endpoint string
	// CAData is the API server's CA bundle, base64 of its PEM, as EKS
	// shows certificateAuthority.data.
	CAData string
	// IssuerURL is an external issuer the cluster keeps itself, "" when
	// podiam hosts the cluster's issuer.
	IssuerURL string
	// Keys is the JWKS document of the cluster's service-account signing
	// keys (public keys only), "" until pushed.
	Keys         string
	KeysPushedAt time.Time
	// Updates are the cluster's updates (UpdateClusterConfig), oldest
	// first.
	Updates []ClusterUpdate
}

// ClusterUpdate is an update of a cluster, as DescribeUpdate shows it.
type ClusterUpdate struct {
	ID        string
	Type      string
	Status    string
	Params    []UpdateParam
	CreatedAt time.Time
}

// UpdateParam is a parameter of a cluster update.
type UpdateParam struct{ Type, Value string }

// AccessEntry grants an IAM principal access to a cluster's Kubernetes
// API, with the access policies associated with it.
type AccessEntry struct {
	AccountID   string
	ClusterName string
	// PrincipalARN is the user's or role's ARN as given (with its path);
	// an entry is found by it, one per cluster.
	PrincipalARN string
	// PrincipalID is the user's or role's unique id when the entry was
	// created: an entity deleted and made again does not match it.
	PrincipalID      string
	ARN              string
	Type             string
	Username         string
	KubernetesGroups []string
	Policies         []AssociatedAccessPolicy
	Tags             []Tag
	CreatedAt        time.Time
	ModifiedAt       time.Time
}

// AssociatedAccessPolicy is an access policy associated with an access
// entry, with its scope.
type AssociatedAccessPolicy struct {
	PolicyARN    string
	ScopeType    string
	Namespaces   []string
	AssociatedAt time.Time
	ModifiedAt   time.Time
}

// Addon is an EKS add-on of a cluster.
type Addon struct {
	AccountID             string
	ClusterName           string
	Name                  string
	ARN                   string
	Version               string
	Status                string
	ServiceAccountRoleARN string
	Tags                  []Tag
	CreatedAt             time.Time
	ModifiedAt            time.Time
}

// PodIdentityAssociation maps a namespace and service account of a
// cluster to an IAM role.
type PodIdentityAssociation struct {
	AccountID          string
	ClusterName        string
	ID                 string // a- and 17 lower-case letters and digits
	ARN                string
	Namespace          string
	ServiceAccount     string
	RoleARN            string
	TargetRoleARN      string
	DisableSessionTags bool
	// Policy is the session policy document, "" for none.
	Policy     string
	OwnerARN   string
	Tags       []Tag
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// Bucket is an S3 bucket; names are global across accounts.
type Bucket struct {
	Name      string
	AccountID string // the owner
	Region    string // its LocationConstraint; "" for us-east-1
	// Policy is the bucket policy document, "" when it has none.
	Policy string
	// PolicyPrincipalIDs maps the user and role ARNs that the policy
	// names to their unique ids when it was written, as
	// Role.TrustPrincipalIDs does for trust policies.
	PolicyPrincipalIDs map[string]string
	// Settings are the bucket's configurations (tagging, versioning,
	// encryption, lifecycle, CORS...) by the name of their subresource;
	// each value is package s3's canonical encoding of it. A setting
	// never made is absent.
	Settings  map[string]string
	CreatedAt time.Time
}

// Object is an S3 object's metadata; its bytes are a blob (package blob)
// named by BlobID.
type Object struct {
	Bucket string
	Key    string
	BlobID string
	Size   int64
	// ETag is the entity tag without quotes: the MD5 in hex, or
	// "<md5 of part MD5s>-<parts>" for a multipart upload.
	ETag string
	// Headers are the stored representation headers (Content-Type,
	// Content-Encoding, Cache-Control, Content-Disposition,
	// Content-Language, Expires) and user metadata (x-amz-meta-*), by
	// canonical lower-case name.
	Headers map[string]string
	// Checksums are the stored checksums by algorithm (CRC32, SHA256...),
	// base64 as S3 returns them.
	Checksums    map[string]string
	Tags         []Tag
	LastModified time.Time
	// VersionID orders the versions of a key: a later version has a
	// greater id. It is "" for an object written while its bucket had
	// never been versioned (that object is the null version).
	VersionID string
	// Null marks the null version written while versioning was
	// suspended; a key has at most one null version (see IsNull).
	Null bool
	// DeleteMarker marks a delete marker: a version without bytes
	// (BlobID ""), headers or tags.
	DeleteMarker bool
	// NoncurrentSince is when a later version replaced this one; zero
	// for the current version of its key.
	NoncurrentSince time.Time
}

// NullVersion, as a version id, selects the null version of a key.
const NullVersion = "null"

// IsNull reports whether o is its key's null version.
func (o Object) IsNull() bool { return o.Null || o.VersionID == "" }

// SettingVersioning is the bucket setting (Bucket.Settings) of its
// versioning state: absent for a bucket never versioned, else
// VersioningEnabled or VersioningSuspended; it is never removed.
const SettingVersioning = "versioning"

// The versioning states a bucket can have once versioned.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// CheckVersioning reports ErrConflict when o's version stamp does not fit
// the versioning state of its bucket (settings) at the time of the write,
// so that a writer whose view of the bucket is stale cannot replace a
// version made since: a write without a VersionID (the bucket's one
// object of the key, as before versioning) needs a bucket never versioned
// and a current version cur (nil for none) without an id; a null version
// (Null) needs a bucket not Enabled, and another version a bucket not
// Suspended. Backends call it in the transaction of the write; a plain
// DeleteObject checks as a write without a VersionID.
func CheckVersioning(settings map[string]string, cur *Object, o Object) error {
	state := settings[SettingVersioning]
	switch {
	case o.VersionID == "" && (state != "" || cur != nil && cur.VersionID != ""),
		o.VersionID != "" && o.Null && state == VersioningEnabled,
		o.VersionID != "" && !o.Null && state == VersioningSuspended:
		return fmt.Errorf("write object %q: the bucket's versioning is now %q: %w", o.Key, state, ErrConflict)
	}
	return nil
}

// VersionPage is a page of ListObjectVersions.
type VersionPage struct {
	// Versions are by key, then newest first; the current version of a
	// key has a zero NoncurrentSince.
	Versions []Object
	// More is set when versions after the last one exist.
	More bool
}

// Upload is a multipart upload in progress.
type Upload struct {
	ID     string
	Bucket string
	Key    string
	// Initiator is the ARN of who started it, AccountID its account.
	Initiator string
	AccountID string
	// Headers are the object's headers and metadata, given at the start.
	Headers map[string]string
	// ChecksumAlgorithm is the algorithm the parts carry ("" for none).
	ChecksumAlgorithm string
	CreatedAt         time.Time
}

// Part is an uploaded part of a multipart upload.
type Part struct {
	UploadID     string
	Number       int
	BlobID       string
	Size         int64
	ETag         string // the part's MD5 in hex
	Checksums    map[string]string
	LastModified time.Time
}

// ObjectPage is a page of ListObjects.
type ObjectPage struct {
	Objects []Object
	// More is set when objects after the last one exist.
	More bool
}

// PolicyScope selects managed policies by owner, as ListPolicies' Scope.
type PolicyScope string

// The policy scopes.
const (
	ScopeAll   PolicyScope = ""      // AWS-managed and the account's own
	ScopeAWS   PolicyScope = "AWS"   // AWS-managed only
	ScopeLocal PolicyScope = "Local" // the account's own only
)

// PolicyFilter selects managed policies for ListManagedPolicies.
type PolicyFilter struct {
	Scope        PolicyScope
	PathPrefix   string // "" or "/" for every path
	OnlyAttached bool   // only policies attached in the account
}

// Records is a class of records whose committed writes a generation
// counts (Store.Generation).
type Records uint8

// The classes of records with a generation.
const (
	// IAM: accounts, users, access keys, roles, managed policies and
	// their versions, inline policies, attachments, OIDC providers and
	// instance profiles.
	IAM Records = iota + 1
	// Buckets: buckets, with their owners, regions, policies and
	// settings (not their objects or uploads), and the accounts' S3
	// settings, which change the decisions on their buckets.
	Buckets
	// EKS: EKS clusters (with their bindings: endpoint, issuer, signing
	// keys, updates), add-ons, Pod Identity associations and access
	// entries (with their access policies).
	EKS
)

// NumRecords is one more than the last class of records, for backends
// that keep a counter per class in an array.
const NumRecords = EKS + 1

// Store is podiam's storage: the one deliberately wide interface. Every
// method is one transaction. See the package documentation for the rules
// all methods share.
//
// Lookups by name take the account and the name; ids and ARNs are global.
// A managed policy is visible to its own account and, when AWS-managed, to
// every account; it is changed or deleted only with its own account id ("" for
// AWS-managed). A limit of 0 or less means no limit.
type Store interface {
	CreateAccount(ctx context.Context, a Account) error
	GetAccount(ctx context.Context, id string) (Account, error)
	ListAccounts(ctx context.Context) ([]Account, error)

	// CreateUser needs the account to exist.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, accountID, name string) (User, error)
	ListUsers(ctx context.Context, accountID, pathPrefix string) ([]User, error)
	// UpdateUser may rename the user (Name, Path and ARN); its access keys,
	// inline policies and attachments follow.
	UpdateUser(ctx context.Context, accountID, name string, update func(*User) error) (User, error)
	// DeleteUser returns ErrDeleteConflict while the user has access keys,
	// inline policies or attached policies.
	DeleteUser(ctx context.Context, accountID, name string) error

	// CreateAccessKey needs the user (or, for a root key, the account) and
	// returns ErrLimitExceeded if it already has limit keys.
	CreateAccessKey(ctx context.Context, k AccessKey, limit int) error
	// GetAccessKey finds a key by id in any account.
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	// ListAccessKeys lists a user's keys, or the root's for userName "".
	ListAccessKeys(ctx context.Context, accountID, userName string) ([]AccessKey, error)
	UpdateAccessKey(ctx context.Context, id string, update func(*AccessKey) error) (AccessKey, error)
	DeleteAccessKey(ctx context.Context, id string) error

	// CreateRole needs the account to exist.
	CreateRole(ctx context.Context, r Role) error
	GetRole(ctx context.Context, accountID, name string) (Role, error)
	ListRoles(ctx context.Context, accountID, pathPrefix string) ([]Role, error)
	UpdateRole(ctx context.Context, accountID, name string, update func(*Role) error) (Role, error)
	// DeleteRole returns ErrDeleteConflict while the role has inline or
	// attached policies or is in an instance profile.
	DeleteRole(ctx context.Context, accountID, name string) error

	// CreateManagedPolicy needs the account to exist, unless AccountID is
	// "" (AWS-managed).
	CreateManagedPolicy(ctx context.Context, p ManagedPolicy) error
	GetManagedPolicy(ctx context.Context, accountID, arn string) (ManagedPolicy, error)
	// ListManagedPolicies lists the policies visible to the account, sorted
	// by name and then ARN.
	ListManagedPolicies(ctx context.Context, accountID string, f PolicyFilter) ([]ManagedPolicy, error)
	UpdateManagedPolicy(ctx context.Context, accountID, arn string, update func(*ManagedPolicy) error) (ManagedPolicy, error)
	// DeleteManagedPolicy returns ErrDeleteConflict while the policy is
	// attached anywhere.
	DeleteManagedPolicy(ctx context.Context, accountID, arn string) error

	// PutInlinePolicy creates or replaces a policy of an existing principal.
	PutInlinePolicy(ctx context.Context, p InlinePolicy) error
	GetInlinePolicy(ctx context.Context, p Principal, name string) (InlinePolicy, error)
	// ListInlinePolicies returns ErrNotFound if the principal does not exist.
	ListInlinePolicies(ctx context.Context, p Principal) ([]InlinePolicy, error)
	DeleteInlinePolicy(ctx context.Context, p Principal, name string) error

	// AttachPolicy needs the principal and a policy visible to its account;
	// it returns ErrAlreadyExists if the policy is attached already and
	// ErrLimitExceeded if the principal already has limit policies.
	AttachPolicy(ctx context.Context, a Attachment, limit int) error
	// DetachPolicy returns ErrNotFound if the policy is not attached.
	DetachPolicy(ctx context.Context, a Attachment) error
	// ListAttachedPolicies returns ErrNotFound if the principal does not
	// exist; it sorts by policy ARN.
	ListAttachedPolicies(ctx context.Context, p Principal) ([]Attachment, error)
	// ListEntitiesForPolicy lists the account's principals that have the
	// policy attached, sorted by kind and name.
	ListEntitiesForPolicy(ctx context.Context, accountID, policyARN string) ([]Attachment, error)

	// CreateOIDCProvider needs the account to exist.
	CreateOIDCProvider(ctx context.Context, p OIDCProvider) error
	GetOIDCProvider(ctx context.Context, arn string) (OIDCProvider, error)
	ListOIDCProviders(ctx context.Context, accountID string) ([]OIDCProvider, error)
	UpdateOIDCProvider(ctx context.Context, arn string, update func(*OIDCProvider) error) (OIDCProvider, error)
	DeleteOIDCProvider(ctx context.Context, arn string) error

	// CreateInstanceProfile needs the account to exist (and the role, when
	// RoleName is not ""); names are unique in an account regardless of
	// case.
	CreateInstanceProfile(ctx context.Context, p InstanceProfile) error
	GetInstanceProfile(ctx context.Context, accountID, name string) (InstanceProfile, error)
	// ListInstanceProfiles lists an account's profiles under a path
	// prefix, by name.
	ListInstanceProfiles(ctx context.Context, accountID, pathPrefix string) ([]InstanceProfile, error)
	// ListInstanceProfilesForRole lists the profiles that hold the role,
	// by name; it returns ErrNotFound if the role does not exist.
	ListInstanceProfilesForRole(ctx context.Context, accountID, roleName string) ([]InstanceProfile, error)
	// UpdateInstanceProfile changes a profile's tags or role: a RoleName
	// set must name an existing role of the account (else ErrNotFound),
	// and is stored as the role spells it.
	UpdateInstanceProfile(ctx context.Context, accountID, name string, update func(*InstanceProfile) error) (InstanceProfile, error)
	// DeleteInstanceProfile returns ErrDeleteConflict while the profile
	// holds a role.
	DeleteInstanceProfile(ctx context.Context, accountID, name string) error

	// CreateBucket needs the owner's account and returns ErrAlreadyExists
	// for a name taken in any account.
	CreateBucket(ctx context.Context, b Bucket) error
	GetBucket(ctx context.Context, name string) (Bucket, error)
	// ListBuckets lists an account's buckets by name.
	ListBuckets(ctx context.Context, accountID string) ([]Bucket, error)
	UpdateBucket(ctx context.Context, name string, update func(*Bucket) error) (Bucket, error)
	// UpdateBucketWithAccountSettings is UpdateBucket whose update also
	// gets the owner account's settings (as AccountSettings has them),
	// read in the same transaction: a setting put meanwhile is either
	// seen by update or put after the bucket's update commits.
	UpdateBucketWithAccountSettings(ctx context.Context, name string, update func(b *Bucket, account map[string]string) error) (Bucket, error)
	// DeleteBucket returns ErrDeleteConflict while the bucket holds
	// objects, object versions, delete markers or uploads in progress.
	DeleteBucket(ctx context.Context, name string) error
	// AccountSettings are an account's S3 settings (its block public
	// access), by name, each in package s3's encoding; nil when it has
	// none, ErrNotFound for no such account. They count under Buckets.
	AccountSettings(ctx context.Context, accountID string) (map[string]string, error)
	// PutAccountSetting keeps value as setting name of an existing
	// account; "" removes it.
	PutAccountSetting(ctx context.Context, accountID, name, value string) error

	// PutObject creates or replaces an object of an existing bucket and
	// returns the object it replaced (whose blob the caller removes), if
	// any. With a VersionID (a versioned bucket) o, an object or a delete
	// marker, becomes the current version of its key instead: the
	// version current before becomes noncurrent (NoncurrentSince is
	// o.LastModified), and a null o replaces the key's null version,
	// current or not, which is returned as replaced. ErrConflict, with
	// nothing written, when o's stamp does not fit the bucket's
	// versioning state as stored (CheckVersioning).
	PutObject(ctx context.Context, o Object) (replaced *Object, err error)
	// PutObjectIf is PutObject of o, a version of a versioned bucket, in
	// the same transaction as a check that the key's current version is
	// still the version whose VersionID is current (as stored: "" for an
	// object from before versioning; a null version is named by its own
	// id, which a later null write does not share): ErrNotFound when the
	// key has no version, ErrConflict when another version is current.
	PutObjectIf(ctx context.Context, o Object, current string) (replaced *Object, err error)
	// GetObject returns the current version of a key, which may be a
	// delete marker.
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// GetObjectVersion returns one version of a key, current or not;
	// NullVersion selects the null version.
	GetObjectVersion(ctx context.Context, bucket, key, versionID string) (Object, error)
	// UpdateObjectVersion is UpdateObject on one version of a key.
	UpdateObjectVersion(ctx context.Context, bucket, key, versionID string, update func(*Object) error) (Object, error)
	// DeleteObjectVersion removes one version of a key for good and
	// returns it (the caller removes its blob); when it was the current
	// version, the newest noncurrent one becomes current.
	DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (Object, error)
	// ListObjectVersions lists up to limit versions and delete markers of
	// a bucket whose keys start with prefix, by key, then newest first,
	// starting after the version afterVersion of afterKey (after every
	// version of afterKey when afterVersion is "").
	ListObjectVersions(ctx context.Context, bucket, prefix, afterKey, afterVersion string, limit int) (VersionPage, error)
	// UpdateObject changes an object's metadata (tags); its bytes, size
	// and ETag stay.
	UpdateObject(ctx context.Context, bucket, key string, update func(*Object) error) (Object, error)
	// ListObjects lists up to limit objects of a bucket whose keys start
	// with prefix and sort after after, by key in byte order: the current
	// versions that are not delete markers.
	ListObjects(ctx context.Context, bucket, prefix, after string, limit int) (ObjectPage, error)
	// DeleteObject deletes an object (the current version of its key,
	// in a bucket never versioned) and returns it; ErrConflict, with
	// nothing deleted, when the bucket is versioned or the key's current
	// version has an id (CheckVersioning).
	DeleteObject(ctx context.Context, bucket, key string) (Object, error)
	// DeleteObjectIf deletes an object if its bytes are still the blob
	// blobID (the object as read before, not one written since) and
	// returns it: ErrNotFound when the key is absent, ErrConflict when it
	// holds another blob or the bucket has been versioned since
	// (CheckVersioning: then a delete puts a marker instead).
	DeleteObjectIf(ctx context.Context, bucket, key, blobID string) (Object, error)
	// BlobReferenced reports whether an object's or a part's bytes are
	// the blob id.
	BlobReferenced(ctx context.Context, blobID string) (bool, error)

	// CreateUpload starts a multipart upload in an existing bucket.
	CreateUpload(ctx context.Context, u Upload) error
	GetUpload(ctx context.Context, id string) (Upload, error)
	// ListUploads lists a bucket's uploads by key, then start time.
	ListUploads(ctx context.Context, bucket string) ([]Upload, error)
	// PutPart adds or replaces a part of an existing upload and returns
	// the part it replaced, if any.
	PutPart(ctx context.Context, p Part) (replaced *Part, err error)
	// ListParts lists an upload's parts by number.
	ListParts(ctx context.Context, uploadID string) ([]Part, error)
	// DeleteUpload deletes an upload and its parts and returns the parts.
	DeleteUpload(ctx context.Context, id string) ([]Part, error)
	// CompleteUpload puts the object made of an upload and deletes the
	// upload, in one transaction; it returns the object replaced (if any)
	// and the upload's parts; ErrConflict, with nothing changed, as
	// PutObject.
	CompleteUpload(ctx context.Context, id string, o Object) (replaced *Object, parts []Part, err error)

	// CreateCluster needs the account to exist; names are unique in an
	// account (and compared as written, as EKS does).
	CreateCluster(ctx context.Context, c Cluster) error
	GetCluster(ctx context.Context, accountID, name string) (Cluster, error)
	// ListClusters returns an account's clusters by name.
	ListClusters(ctx context.Context, accountID string) ([]Cluster, error)
	UpdateCluster(ctx context.Context, accountID, name string, update func(*Cluster) error) (Cluster, error)
	// DeleteCluster deletes the cluster with its add-ons, Pod Identity
	// associations and access entries, as EKS does.
	DeleteCluster(ctx context.Context, accountID, name string) error

	// CreateAddon needs the cluster to exist; names are unique in a
	// cluster.
	CreateAddon(ctx context.Context, a Addon) error
	GetAddon(ctx context.Context, accountID, cluster, name string) (Addon, error)
	// ListAddons returns a cluster's add-ons by name.
	ListAddons(ctx context.Context, accountID, cluster string) ([]Addon, error)
	DeleteAddon(ctx context.Context, accountID, cluster, name string) error

	// CreatePodIdentityAssociation needs the cluster to exist; it returns
	// ErrAlreadyExists when the cluster has an association for the same
	// namespace and service account, or one with the same id.
	CreatePodIdentityAssociation(ctx context.Context, a PodIdentityAssociation) error
	GetPodIdentityAssociation(ctx context.Context, accountID, cluster, id string) (PodIdentityAssociation, error)
	// FindPodIdentityAssociation returns the cluster's association for a
	// namespace and service account.
	FindPodIdentityAssociation(ctx context.Context, accountID, cluster, namespace, serviceAccount string) (PodIdentityAssociation, error)
	// ListPodIdentityAssociations returns a cluster's associations by id.
	ListPodIdentityAssociations(ctx context.Context, accountID, cluster string) ([]PodIdentityAssociation, error)
	UpdatePodIdentityAssociation(ctx context.Context, accountID, cluster, id string, update func(*PodIdentityAssociation) error) (PodIdentityAssociation, error)
	DeletePodIdentityAssociation(ctx context.Context, accountID, cluster, id string) error

	// CreateAccessEntry needs the cluster to exist; it returns
	// ErrAlreadyExists when the cluster has an entry for the same
	// principal ARN.
	CreateAccessEntry(ctx context.Context, e AccessEntry) error
	GetAccessEntry(ctx context.Context, accountID, cluster, principalARN string) (AccessEntry, error)
	// ListAccessEntries returns a cluster's access entries by principal
	// ARN.
	ListAccessEntries(ctx context.Context, accountID, cluster string) ([]AccessEntry, error)
	UpdateAccessEntry(ctx context.Context, accountID, cluster, principalARN string, update func(*AccessEntry) error) (AccessEntry, error)
	DeleteAccessEntry(ctx context.Context, accountID, cluster, principalARN string) error

	// Generation is the generation of a class of records: a number that
	// every committed write of that class advances before the write's
	// method returns, and that reads leave as it is. A value derived from
	// records read after loading generation g is current for as long as
	// Generation still returns g: that is how callers cache what they
	// derive from IAM records and buckets (a principal's compiled
	// policies, an access key's unsealed secret, a bucket's policy) and
	// still see every write at once. A generation may also advance
	// without a change (a failed write), and differs between stores.
	//
	// A backend that one process owns (memory, SQLite under the data
	// directory's lock) keeps the counters in memory. A backend that
	// several servers share (PostgreSQL) must keep them where every
	// server reads them, such as a row bumped in each writing
	// transaction, and reads it here: the error is for that case.
	Generation(ctx context.Context, r Records) (uint64, error)

	// Close releases the backend; the store is unusable after it.
	Close() error
}

// FoldName is the form in which names are compared: IAM names are unique
// and looked up regardless of case. Backends key names by it.
func FoldName(name string) string { return strings.ToLower(name) }

// CheckUpdate reports an error if an update function changed a field that
// identifies its record. old and updated are pointers to the same record
// type. Backends call it; a user may be renamed, nothing else may be.
func CheckUpdate(old, updated any) error {
	var changed []string
	check := func(field string, a, b any) {
		if a != b {
			changed = append(changed, field)
		}
	}
	switch o := old.(type) {
	case *User:
		u := updated.(*User)
		check("AccountID", o.AccountID, u.AccountID)
		check("ID", o.ID, u.ID)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *AccessKey:
		u := updated.(*AccessKey)
		check("AccountID", o.AccountID, u.AccountID)
		check("UserName", o.UserName, u.UserName)
		check("ID", o.ID, u.ID)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *Role:
		u := updated.(*Role)
		check("AccountID", o.AccountID, u.AccountID)
		check("Name", o.Name, u.Name)
		check("Path", o.Path, u.Path)
		check("ID", o.ID, u.ID)
		check("ARN", o.ARN, u.ARN)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *ManagedPolicy:
		u := updated.(*ManagedPolicy)
		check("AccountID", o.AccountID, u.AccountID)
		check("Name", o.Name, u.Name)
		check("Path", o.Path, u.Path)
		check("ID", o.ID, u.ID)
		check("ARN", o.ARN, u.ARN)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *InstanceProfile:
		u := updated.(*InstanceProfile)
		check("AccountID", o.AccountID, u.AccountID)
		check("Name", o.Name, u.Name)
		check("Path", o.Path, u.Path)
		check("ID", o.ID, u.ID)
		check("ARN", o.ARN, u.ARN)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *Object:
		u := updated.(*Object)
		check("Bucket", o.Bucket, u.Bucket)
		check("Key", o.Key, u.Key)
		check("BlobID", o.BlobID, u.BlobID)
		check("Size", o.Size, u.Size)
		check("ETag", o.ETag, u.ETag)
		check("VersionID", o.VersionID, u.VersionID)
		check("Null", o.Null, u.Null)
		check("DeleteMarker", o.DeleteMarker, u.DeleteMarker)
		check("NoncurrentSince", o.NoncurrentSince, u.NoncurrentSince)
	case *Bucket:
		u := updated.(*Bucket)
		check("Name", o.Name, u.Name)
		check("AccountID", o.AccountID, u.AccountID)
		check("Region", o.Region, u.Region)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *Cluster:
		u := updated.(*Cluster)
		check("AccountID", o.AccountID, u.AccountID)
		check("Name", o.Name, u.Name)
		check("ARN", o.ARN, u.ARN)
		check("IssuerID", o.IssuerID, u.IssuerID)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *PodIdentityAssociation:
		u := updated.(*PodIdentityAssociation)
		check("AccountID", o.AccountID, u.AccountID)
		check("ClusterName", o.ClusterName, u.ClusterName)
		check("ID", o.ID, u.ID)
		check("ARN", o.ARN, u.ARN)
		check("Namespace", o.Namespace, u.Namespace)
		check("ServiceAccount", o.ServiceAccount, u.ServiceAccount)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *AccessEntry:
		u := updated.(*AccessEntry)
		check("AccountID", o.AccountID, u.AccountID)
		check("ClusterName", o.ClusterName, u.ClusterName)
		check("PrincipalARN", o.PrincipalARN, u.PrincipalARN)
		check("PrincipalID", o.PrincipalID, u.PrincipalID)
		check("ARN", o.ARN, u.ARN)
		check("Type", o.Type, u.Type)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	case *OIDCProvider:
		u := updated.(*OIDCProvider)
		check("AccountID", o.AccountID, u.AccountID)
		check("URL", o.URL, u.URL)
		check("ARN", o.ARN, u.ARN)
		check("CreatedAt", o.CreatedAt, u.CreatedAt)
	default:
		return fmt.Errorf("check update: unknown record type %T", old)
	}
	if len(changed) > 0 {
		return fmt.Errorf("update changes %s, which identify the record", strings.Join(changed, ", "))
	}
	return nil
}
