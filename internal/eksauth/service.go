package eksauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/sts"
)

// Names EKS Pod Identity uses.
const (
	// Audience is the audience of a Pod Identity token, and the answer's.
	Audience = "pods.eks.amazonaws.com"
	// ServicePrincipal is the principal that assumes an association's role.
	ServicePrincipal = "pods.eks.amazonaws.com"
	// Action is the IAM action the caller (the node) needs on the cluster.
	Action = "eks-auth:AssumeRoleForPodIdentity"
)

// Session lengths: a session of the association's role lasts six hours
// (EKS documents that its agent keeps them that long), one reached
// through a target role at most an hour (role chaining's limit).
const (
	SessionDuration       = 6 * time.Hour
	TargetSessionDuration = time.Hour
)

// Cluster is what EKS Auth needs of a cluster.
type Cluster struct {
	Name, ARN, AccountID, Region string
	// Issuer is the issuer URL of the cluster's service-account tokens.
	Issuer string
	// Keys is a JWKS document of the cluster's service-account signing
	// keys, pushed from the cluster; empty: the keys come from Issuer's
	// discovery document and JWKS.
	Keys []byte
	// Tags are the cluster's tags (aws:ResourceTag/K of the action).
	Tags map[string]string
}

// Association is a Pod Identity association: the role a namespace's
// ServiceAccount gets.
type Association struct {
	ID, ARN string
	RoleARN string
	// TargetRoleARN, when set, is assumed as the session of RoleARN.
	TargetRoleARN      string
	DisableSessionTags bool
	// Policy is an inline session policy; "" for none.
	Policy string
}

// Directory finds clusters and associations (the EKS control plane).
type Directory interface {
	// Cluster returns the named cluster of the account; fault.NotFound
	// (or store.ErrNotFound) when there is none.
	Cluster(ctx context.Context, accountID, name string) (Cluster, error)
	// Association returns the association of a cluster's namespace and
	// ServiceAccount; fault.NotFound (or store.ErrNotFound) when there
	// is none.
	Association(ctx context.Context, accountID, cluster, namespace, serviceAccount string) (Association, error)
}

// Authorizer decides a caller's action on a resource (iam.Service).
type Authorizer interface {
	Authorize(ctx context.Context, caller iam.Caller, action, resource string, keys iam.Keys) error
}

// Roles makes role sessions (sts.Service).
type Roles interface {
	AssumeRoleForService(ctx context.Context, in sts.ServiceInput) (sts.Result, error)
	AssumeRole(ctx context.Context, caller iam.Caller, in sts.AssumeRoleInput) (sts.Result, error)
}

// IssuerKeys checks a token's signature with its issuer's published keys
// (oidc.Verifier).
type IssuerKeys interface {
	VerifySignature(ctx context.Context, t *oidc.Token, issuer string) error
}

// Config configures a Service.
type Config struct {
	Directory  Directory
	Authorizer Authorizer
	Roles      Roles
	// IssuerKeys verifies tokens of clusters that push no keys; nil:
	// such clusters' tokens are refused.
	IssuerKeys IssuerKeys
	// Region is the server's region: the cluster ARN authorized when the
	// named cluster does not exist. Default us-east-1.
	Region string
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand: session names' UUIDs
}

// Service runs AssumeRoleForPodIdentity.
type Service struct {
	dir    Directory
	authz  Authorizer
	roles  Roles
	issuer IssuerKeys
	region string
	now    func() time.Time
	rand   io.Reader
	keys   keyCache
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	if cfg.Directory == nil || cfg.Authorizer == nil || cfg.Roles == nil {
		return nil, errors.New("eks-auth service: a directory, an authorizer and roles are required")
	}
	s := &Service{dir: cfg.Directory, authz: cfg.Authorizer, roles: cfg.Roles, issuer: cfg.IssuerKeys, region: cfg.Region, now: cfg.Now, rand: cfg.Rand}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s, nil
}

// Result is AssumeRoleForPodIdentity's answer.
type Result struct {
	Namespace, ServiceAccount string // the subject
	Audience                  string
	AssociationARN            string
	AssociationID             string
	// AssumedRoleARN and AssumedRoleID name the session whose credentials
	// these are (the target role's, when there is one).
	AssumedRoleARN, AssumedRoleID string
	Credentials                   sts.Result
}

// isNotFound reports whether a Directory found nothing.
func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || fault.KindOf(err) == fault.NotFound
}

// ClusterARN is the ARN of a cluster.
func ClusterARN(region, accountID, name string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, accountID, name)
}
