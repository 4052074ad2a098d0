package eks

import (
	"context"
	"encoding/hex"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// Cluster statuses, as EKS names them.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusDeleting = "DELETING"
)

// Authentication modes.
const (
	AuthAPI             = "API"
	AuthAPIAndConfigMap = "API_AND_CONFIG_MAP"
	AuthConfigMap       = "CONFIG_MAP"
)

// Cluster is a cluster as EKS shows it, with podiam's binding.
type Cluster struct {
	AccountID          string
	Name               string
	ARN                string
	RoleARN            string
	Version            string
	Status             string
	AuthenticationMode string
	SubnetIDs          []string
	SecurityGroupIDs   []string
	Tags               map[string]string
	CreatedAt          time.Time
	// IssuerID is the cluster's hosted issuer id (32 lower-case hex).
	IssuerID string
	// HostedIssuerURL is <public URL>/id/<IssuerID>.
	HostedIssuerURL string
	// IssuerURL is the issuer describe-cluster shows: the external issuer
	// when one is registered, else the hosted one.
	IssuerURL string
	// Endpoint and CAData are the API server's URL and CA (base64 PEM),
	// "" until a binding is pushed.
	Endpoint string
	CAData   string
	// ExternalIssuer is the registered external issuer URL, "" for none.
	ExternalIssuer string
	// Keys are the pushed service-account signing keys (public only);
	// KeysJSON is their JWKS document as pushed ("" before a push).
	Keys         jose.JSONWebKeySet
	KeysJSON     string
	KeysPushedAt time.Time
}

// CreateClusterInput is what CreateCluster takes.
type CreateClusterInput struct {
	Name               string
	RoleARN            string
	Version            string
	AuthenticationMode string
	// HasVPCConfig is whether resourcesVpcConfig was given (it is
	// required, though all its members are optional).
	HasVPCConfig          bool
	SubnetIDs             []string
	SecurityGroupIDs      []string
	EndpointPublicAccess  *bool
	EndpointPrivateAccess *bool
	// BootstrapClusterCreatorAdminPermissions is accessConfig's.
	BootstrapClusterCreatorAdminPermissions *bool
	Tags                                    map[string]string
}

var (
	clusterNameRE = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]*$`)
	versionRE     = regexp.MustCompile(`^1\.[0-9]{1,2}$`)
)

// validateClusterName checks a cluster name as EKS's model constrains it.
func validateClusterName(name string) error {
	if len(name) < 1 || len(name) > 100 || !clusterNameRE.MatchString(name) {
		return invalidParameter("The cluster name %q is not valid: it must be 1 to 100 letters, digits, hyphens and underscores, beginning with a letter or digit.", name)
	}
	return nil
}

// validateRoleARN checks that s is an IAM role ARN.
func validateRoleARN(field, s string) (arn.ARN, error) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") || len(a.Account) != 12 {
		return arn.ARN{}, invalidParameter("%s %q is not a valid IAM role ARN.", field, s)
	}
	return a, nil
}

func boolText(b *bool, def bool) string {
	if b == nil {
		return strconv.FormatBool(def)
	}
	return strconv.FormatBool(*b)
}

// CreateCluster records a cluster: CREATING, then ACTIVE after the
// configured activation delay.
func (s *Service) CreateCluster(ctx context.Context, c iam.Caller, in CreateClusterInput) (Cluster, error) {
	in.Version = strings.TrimSpace(in.Version)
	if in.Version == "" {
		in.Version = DefaultVersion
	}
	if in.AuthenticationMode == "" {
		in.AuthenticationMode = AuthAPIAndConfigMap
	}
	keys := iam.Keys{RequestTags: requestTags(in.Tags), Values: map[string]string{
		"eks:kubernetesVersion":                       in.Version,
		"eks:authenticationMode":                      in.AuthenticationMode,
		"eks:bootstrapClusterCreatorAdminPermissions": boolText(in.BootstrapClusterCreatorAdminPermissions, true),
		"eks:endpointPublicAccess":                    boolText(in.EndpointPublicAccess, true),
		"eks:endpointPrivateAccess":                   boolText(in.EndpointPrivateAccess, false),
	}}
	if err := s.authorize(ctx, c, "CreateCluster", "*", keys); err != nil {
		return Cluster{}, err
	}
	if err := validateClusterName(in.Name); err != nil {
		return Cluster{}, err
	}
	if _, err := validateRoleARN("roleArn", in.RoleARN); err != nil {
		return Cluster{}, err
	}
	if !in.HasVPCConfig {
		return Cluster{}, invalidParameter("resourcesVpcConfig is required.")
	}
	if !versionRE.MatchString(in.Version) {
		return Cluster{}, invalidParameter("unsupported Kubernetes version %s", in.Version)
	}
	switch in.AuthenticationMode {
	case AuthAPI, AuthAPIAndConfigMap, AuthConfigMap:
	default:
		return Cluster{}, invalidParameter("The authenticationMode %q is not valid: use API, API_AND_CONFIG_MAP or CONFIG_MAP.", in.AuthenticationMode)
	}
	if err := validateTags(in.Tags); err != nil {
		return Cluster{}, err
	}
	var id [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, id[:]); err != nil {
		return Cluster{}, fault.Internal("issuer id", err)
	}
	rec := store.Cluster{
		AccountID: c.Account, Name: in.Name, ARN: s.clusterARN(c.Account, in.Name), RoleARN: in.RoleARN,
		Version: in.Version, Status: StatusCreating, AuthenticationMode: in.AuthenticationMode,
		SubnetIDs: in.SubnetIDs, SecurityGroupIDs: in.SecurityGroupIDs, IssuerID: hex.EncodeToString(id[:]),
		Tags: storeTags(in.Tags), CreatedAt: s.now(),
	}
	switch err := s.cfg.Store.CreateCluster(ctx, rec); {
	case isExists(err):
		return Cluster{}, fault.Errorf(fault.AlreadyExists, "Cluster already exists with name: %s", in.Name)
	case err != nil:
		return Cluster{}, fault.Internal("create cluster", err)
	}
	return s.view(rec)
}

func clusterNotFound(name string) error {
	return fault.Errorf(fault.NotFound, "No cluster found for name: %s.", name)
}

// cluster reads a cluster of the caller's account.
func (s *Service) cluster(ctx context.Context, account, name string) (store.Cluster, error) {
	rec, err := s.cfg.Store.GetCluster(ctx, account, name)
	switch {
	case isNotFound(err):
		return store.Cluster{}, clusterNotFound(name)
	case err != nil:
		return store.Cluster{}, fault.Internal("get cluster", err)
	}
	return rec, nil
}

// authorizedCluster reads the named cluster and authorizes action on it
// (on its ARN, with its tags); a cluster that does not exist is
// authorized on the ARN it would have, then not found.
func (s *Service) authorizedCluster(ctx context.Context, c iam.Caller, action, name string, req iam.Keys) (store.Cluster, error) {
	return s.authorizedClusterAs(ctx, c, "eks:"+action, name, req)
}

// authorizedClusterAs is authorizedCluster for an IAM action named in full
// (podiam's own, outside eks:).
func (s *Service) authorizedClusterAs(ctx context.Context, c iam.Caller, iamAction, name string, req iam.Keys) (store.Cluster, error) {
	rec, err := s.cfg.Store.GetCluster(ctx, c.Account, name)
	if err != nil && !isNotFound(err) {
		return store.Cluster{}, fault.Internal("get cluster", err)
	}
	req.ResourceTags = rec.Tags
	if err := s.cfg.IAM.Authorize(ctx, c, iamAction, s.clusterARN(c.Account, name), req); err != nil {
		return store.Cluster{}, err
	}
	if err := validateClusterName(name); err != nil {
		return store.Cluster{}, err
	}
	if isNotFound(err) {
		return store.Cluster{}, clusterNotFound(name)
	}
	return rec, nil
}

// DescribeCluster returns a cluster.
func (s *Service) DescribeCluster(ctx context.Context, c iam.Caller, name string) (Cluster, error) {
	rec, err := s.authorizedCluster(ctx, c, "DescribeCluster", name, iam.Keys{})
	if err != nil {
		return Cluster{}, err
	}
	return s.view(rec)
}

// ListClusters returns a page of the account's cluster names (default
// and most 100 a page).
func (s *Service) ListClusters(ctx context.Context, c iam.Caller, page PageRequest) (Page[string], error) {
	if err := s.authorize(ctx, c, "ListClusters", "*", iam.Keys{}); err != nil {
		return Page[string]{}, err
	}
	recs, err := s.cfg.Store.ListClusters(ctx, c.Account)
	if err != nil {
		return Page[string]{}, fault.Internal("list clusters", err)
	}
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = r.Name
	}
	return paginate(names, func(n string) string { return n }, page, 100)
}

// DeleteCluster deletes a cluster with its add-ons and Pod Identity
// associations, and returns it as it was, DELETING.
func (s *Service) DeleteCluster(ctx context.Context, c iam.Caller, name string) (Cluster, error) {
	rec, err := s.authorizedCluster(ctx, c, "DeleteCluster", name, iam.Keys{})
	if err != nil {
		return Cluster{}, err
	}
	switch err := s.cfg.Store.DeleteCluster(ctx, c.Account, name); {
	case isNotFound(err):
		return Cluster{}, clusterNotFound(name)
	case err != nil:
		return Cluster{}, fault.Internal("delete cluster", err)
	}
	v, err := s.view(rec)
	v.Status = StatusDeleting
	return v, err
}

// view is a stored cluster as EKS shows it: its status now, its issuer.
func (s *Service) view(rec store.Cluster) (Cluster, error) {
	c := Cluster{
		AccountID: rec.AccountID, Name: rec.Name, ARN: rec.ARN, RoleARN: rec.RoleARN, Version: rec.Version,
		Status: rec.Status, AuthenticationMode: rec.AuthenticationMode,
		SubnetIDs: slices.Clone(rec.SubnetIDs), SecurityGroupIDs: slices.Clone(rec.SecurityGroupIDs),
		Tags: tagMap(rec.Tags), CreatedAt: rec.CreatedAt, IssuerID: rec.IssuerID,
		HostedIssuerURL: s.cfg.PublicURL + "/id/" + rec.IssuerID,
		Endpoint:        rec.Endpoint, CAData: rec.CAData, ExternalIssuer: rec.IssuerURL,
		KeysJSON: rec.Keys, KeysPushedAt: rec.KeysPushedAt,
	}
	c.IssuerURL = c.HostedIssuerURL
	if rec.IssuerURL != "" {
		c.IssuerURL = rec.IssuerURL
	}
	if c.Status == StatusCreating && (s.cfg.Activation < 0 || !s.now().Before(rec.CreatedAt.Add(s.cfg.Activation))) {
		c.Status = StatusActive
	}
	if rec.Keys != "" {
		set, err := ParseKeys([]byte(rec.Keys))
		if err != nil {
			return Cluster{}, fault.Internal("read the stored keys of cluster "+rec.Name, err)
		}
		c.Keys = set
	}
	return c, nil
}

// ClusterByName returns a cluster of an account, with its issuer and
// keys, without authorization: for eks-auth, which authorizes its own
// action. It is kept by the store's EKS generation. A missing cluster is
// fault NotFound.
func (s *Service) ClusterByName(ctx context.Context, accountID, name string) (Cluster, error) {
	gen, err := s.cfg.Store.Generation(ctx, store.EKS)
	if err != nil {
		return Cluster{}, fault.Internal("EKS generation", err)
	}
	k := clusterKey{accountID, name}
	if c, ok := s.clusters.Get(gen, k); ok {
		return s.fresh(c), nil
	}
	rec, err := s.cluster(ctx, accountID, name)
	if err != nil {
		return Cluster{}, err
	}
	c, err := s.view(rec)
	if err != nil {
		return Cluster{}, err
	}
	s.clusters.Put(gen, k, c)
	return c, nil
}

// fresh is a kept cluster with its status as of now.
func (s *Service) fresh(c Cluster) Cluster {
	if c.Status == StatusCreating && (s.cfg.Activation < 0 || !s.now().Before(c.CreatedAt.Add(s.cfg.Activation))) {
		c.Status = StatusActive
	}
	return c
}
