package eks

import (
	"context"
	"fmt"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// PodIdentityAgent is the one add-on podiam accepts: recorded, ACTIVE at
// once (podiam's agent is deployed apart, by its own manifests).
const PodIdentityAgent = "eks-pod-identity-agent"

// podIdentityAgentVersion is the version an add-on created without one
// shows.
const podIdentityAgentVersion = "v1.3.10-eksbuild.2"

// Addon is an add-on as EKS shows it.
type Addon struct {
	Name                  string
	ClusterName           string
	ARN                   string
	Version               string
	Status                string
	ServiceAccountRoleARN string
	Tags                  map[string]string
	CreatedAt             time.Time
	ModifiedAt            time.Time
}

// CreateAddonInput is what CreateAddon takes.
type CreateAddonInput struct {
	ClusterName           string
	Name                  string
	Version               string
	ServiceAccountRoleARN string
	Tags                  map[string]string
}

func addonView(a store.Addon) Addon {
	return Addon{Name: a.Name, ClusterName: a.ClusterName, ARN: a.ARN, Version: a.Version, Status: a.Status,
		ServiceAccountRoleARN: a.ServiceAccountRoleARN, Tags: tagMap(a.Tags), CreatedAt: a.CreatedAt, ModifiedAt: a.ModifiedAt}
}

// addonARNPrefix is an add-on's ARN up to its random tail; policies name
// add-ons with a wildcard for it.
func (s *Service) addonARNPrefix(account, cluster, name string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:addon/%s/%s/", s.cfg.Region, account, cluster, name)
}

func addonNotFound(cluster, name string) error {
	return fault.Errorf(fault.NotFound, "No addon: %s found in cluster: %s", name, cluster)
}

// CreateAddon records an add-on of a cluster; only eks-pod-identity-agent
// is known.
func (s *Service) CreateAddon(ctx context.Context, c iam.Caller, in CreateAddonInput) (Addon, error) {
	cl, err := s.authorizedCluster(ctx, c, "CreateAddon", in.ClusterName, iam.Keys{RequestTags: requestTags(in.Tags)})
	if err != nil {
		return Addon{}, err
	}
	if in.Name != PodIdentityAgent {
		return Addon{}, invalidParameter("Addon %s specified is not supported in %s kubernetes version", in.Name, cl.Version)
	}
	if in.ServiceAccountRoleARN != "" {
		if _, err := validateRoleARN("serviceAccountRoleArn", in.ServiceAccountRoleARN); err != nil {
			return Addon{}, err
		}
	}
	if err := validateTags(in.Tags); err != nil {
		return Addon{}, err
	}
	if in.Version == "" {
		in.Version = podIdentityAgentVersion
	}
	tail, err := s.uuid()
	if err != nil {
		return Addon{}, err
	}
	now := s.now()
	rec := store.Addon{AccountID: c.Account, ClusterName: in.ClusterName, Name: in.Name,
		ARN: s.addonARNPrefix(c.Account, in.ClusterName, in.Name) + tail, Version: in.Version, Status: StatusActive,
		ServiceAccountRoleARN: in.ServiceAccountRoleARN, Tags: storeTags(in.Tags), CreatedAt: now, ModifiedAt: now}
	switch err := s.cfg.Store.CreateAddon(ctx, rec); {
	case isExists(err):
		return Addon{}, fault.Errorf(fault.AlreadyExists, "Addon already exists.")
	case isNotFound(err):
		return Addon{}, clusterNotFound(in.ClusterName)
	case err != nil:
		return Addon{}, fault.Internal("create add-on", err)
	}
	return addonView(rec), nil
}

// authorizedAddon reads an add-on and authorizes action on its ARN (a
// missing add-on on its ARN's prefix and a wildcard).
func (s *Service) authorizedAddon(ctx context.Context, c iam.Caller, action, cluster, name string) (store.Addon, error) {
	rec, err := s.cfg.Store.GetAddon(ctx, c.Account, cluster, name)
	if err != nil && !isNotFound(err) {
		return store.Addon{}, fault.Internal("get add-on", err)
	}
	resource := rec.ARN
	if resource == "" {
		resource = s.addonARNPrefix(c.Account, cluster, name) + "*"
	}
	if err := s.authorize(ctx, c, action, resource, iam.Keys{ResourceTags: rec.Tags}); err != nil {
		return store.Addon{}, err
	}
	if err := validateClusterName(cluster); err != nil {
		return store.Addon{}, err
	}
	if isNotFound(err) {
		if _, cerr := s.cluster(ctx, c.Account, cluster); cerr != nil {
			return store.Addon{}, cerr
		}
		return store.Addon{}, addonNotFound(cluster, name)
	}
	return rec, nil
}

// DescribeAddon returns an add-on.
func (s *Service) DescribeAddon(ctx context.Context, c iam.Caller, cluster, name string) (Addon, error) {
	rec, err := s.authorizedAddon(ctx, c, "DescribeAddon", cluster, name)
	if err != nil {
		return Addon{}, err
	}
	return addonView(rec), nil
}

// ListAddons returns a page of a cluster's add-on names.
func (s *Service) ListAddons(ctx context.Context, c iam.Caller, cluster string, page PageRequest) (Page[string], error) {
	if _, err := s.authorizedCluster(ctx, c, "ListAddons", cluster, iam.Keys{}); err != nil {
		return Page[string]{}, err
	}
	recs, err := s.cfg.Store.ListAddons(ctx, c.Account, cluster)
	if err != nil {
		return Page[string]{}, fault.Internal("list add-ons", err)
	}
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = r.Name
	}
	return paginate(names, func(n string) string { return n }, page, 100)
}

// DeleteAddon deletes an add-on and returns it, DELETING.
func (s *Service) DeleteAddon(ctx context.Context, c iam.Caller, cluster, name string) (Addon, error) {
	rec, err := s.authorizedAddon(ctx, c, "DeleteAddon", cluster, name)
	if err != nil {
		return Addon{}, err
	}
	switch err := s.cfg.Store.DeleteAddon(ctx, c.Account, cluster, name); {
	case isNotFound(err):
		return Addon{}, addonNotFound(cluster, name)
	case err != nil:
		return Addon{}, fault.Internal("delete add-on", err)
	}
	a := addonView(rec)
	a.Status = StatusDeleting
	return a, nil
}

// uuid is a random version 4 UUID.
func (s *Service) uuid() (string, error) {
	hexs, err := s.randomString(32, "0123456789abcdef")
	if err != nil {
		return "", err
	}
	b := []byte(hexs)
	b[12] = '4'
	b[16] = "89ab"[b[16]%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32]), nil
}
