package eks

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// PodsPrincipal is the service principal that EKS Pod Identity assumes
// roles as, and the service a role is passed to.
const PodsPrincipal = "pods.eks.amazonaws.com"

// Association is a Pod Identity association as EKS shows it.
type Association struct {
	AccountID          string
	ClusterName        string
	ID                 string
	ARN                string
	Namespace          string
	ServiceAccount     string
	RoleARN            string
	TargetRoleARN      string
	DisableSessionTags bool
	// ExternalID is what the second hop into TargetRoleARN passes as its
	// external id ("" without a target role).
	ExternalID string
	Policy     string
	OwnerARN   string
	Tags       map[string]string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// CreateAssociationInput is what CreatePodIdentityAssociation takes.
type CreateAssociationInput struct {
	ClusterName        string
	Namespace          string
	ServiceAccount     string
	RoleARN            string
	TargetRoleARN      string
	DisableSessionTags bool
	Policy             string
	Tags               map[string]string
}

// UpdateAssociationInput is what UpdatePodIdentityAssociation takes: nil
// leaves a member as it is ("" for TargetRoleARN or Policy removes it).
type UpdateAssociationInput struct {
	ClusterName        string
	ID                 string
	RoleARN            *string
	TargetRoleARN      *string
	DisableSessionTags *bool
	Policy             *string
}

var (
	// dnsLabel is a Kubernetes namespace name (RFC 1123 label).
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// dnsSubdomain is a Kubernetes ServiceAccount name (RFC 1123
	// subdomain).
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

func (s *Service) associationView(a store.PodIdentityAssociation) Association {
	v := Association{AccountID: a.AccountID, ClusterName: a.ClusterName, ID: a.ID, ARN: a.ARN, Namespace: a.Namespace,
		ServiceAccount: a.ServiceAccount, RoleARN: a.RoleARN, TargetRoleARN: a.TargetRoleARN,
		DisableSessionTags: a.DisableSessionTags, Policy: a.Policy, OwnerARN: a.OwnerARN, Tags: tagMap(a.Tags),
		CreatedAt: a.CreatedAt, ModifiedAt: a.ModifiedAt}
	if a.TargetRoleARN != "" {
		v.ExternalID = ExternalID(s.cfg.Region, a.AccountID, a.ClusterName, a.Namespace, a.ServiceAccount)
	}
	return v
}

func (s *Service) associationARN(account, cluster, id string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:podidentityassociation/%s/%s", s.cfg.Region, account, cluster, id)
}

func associationNotFound(cluster, id string) error {
	return fault.Errorf(fault.NotFound, "No Pod Identity association found for id %s in cluster %s.", id, cluster)
}

// passRole authorizes passing role to EKS Pod Identity for cluster: the
// caller needs iam:PassRole on it, with iam:PassedToService
// pods.eks.amazonaws.com and iam:AssociatedResourceArn the cluster's ARN.
func (s *Service) passRole(ctx context.Context, c iam.Caller, role, clusterARN string) error {
	return s.cfg.IAM.AuthorizePassRole(ctx, c, role, PodsPrincipal, clusterARN)
}

// checkRoles checks an association's roles: the role an IAM role of the
// cluster's account, the target role any IAM role.
func checkRoles(account, role, target string) error {
	a, err := validateRoleARN("roleArn", role)
	if err != nil {
		return err
	}
	if a.Account != account {
		return invalidParameter("The role %s must be in the cluster's account %s.", role, account)
	}
	if target != "" {
		if _, err := validateRoleARN("targetRoleArn", target); err != nil {
			return err
		}
	}
	return nil
}

// checkSessionPolicy checks an association's session policy: a valid
// session policy document, with session tags disabled.
func checkSessionPolicy(doc string, disableTags bool) error {
	if doc == "" {
		return nil
	}
	if !disableTags {
		return invalidParameter("A session policy requires disableSessionTags to be true.")
	}
	if _, err := policy.ParseDocument([]byte(doc), policy.Session, policy.Options{MaxSize: -1}); err != nil {
		return err
	}
	return nil
}

// CreatePodIdentityAssociation associates a namespace and service
// account of a cluster with a role.
func (s *Service) CreatePodIdentityAssociation(ctx context.Context, c iam.Caller, in CreateAssociationInput) (Association, error) {
	cl, err := s.authorizedCluster(ctx, c, "CreatePodIdentityAssociation", in.ClusterName, iam.Keys{RequestTags: requestTags(in.Tags)})
	if err != nil {
		return Association{}, err
	}
	switch {
	case len(in.Namespace) > 63 || !dnsLabel.MatchString(in.Namespace):
		return Association{}, invalidParameter("The namespace %q is not a valid Kubernetes namespace name.", in.Namespace)
	case len(in.ServiceAccount) > 253 || !dnsSubdomain.MatchString(in.ServiceAccount):
		return Association{}, invalidParameter("The service account %q is not a valid Kubernetes service account name.", in.ServiceAccount)
	}
	if err := checkRoles(c.Account, in.RoleARN, in.TargetRoleARN); err != nil {
		return Association{}, err
	}
	if err := checkSessionPolicy(in.Policy, in.DisableSessionTags); err != nil {
		return Association{}, err
	}
	if err := validateTags(in.Tags); err != nil {
		return Association{}, err
	}
	if err := s.passRole(ctx, c, in.RoleARN, cl.ARN); err != nil {
		return Association{}, err
	}
	tail, err := s.randomString(17, "abcdefghijklmnopqrstuvwxyz0123456789")
	if err != nil {
		return Association{}, err
	}
	id := "a-" + tail
	now := s.now()
	rec := store.PodIdentityAssociation{AccountID: c.Account, ClusterName: in.ClusterName, ID: id,
		ARN: s.associationARN(c.Account, in.ClusterName, id), Namespace: in.Namespace, ServiceAccount: in.ServiceAccount,
		RoleARN: in.RoleARN, TargetRoleARN: in.TargetRoleARN, DisableSessionTags: in.DisableSessionTags, Policy: in.Policy,
		Tags: storeTags(in.Tags), CreatedAt: now, ModifiedAt: now}
	switch err := s.cfg.Store.CreatePodIdentityAssociation(ctx, rec); {
	case isExists(err):
		return Association{}, fault.Errorf(fault.AlreadyExists,
			"Association already exists for service account %s in namespace %s of cluster %s.", in.ServiceAccount, in.Namespace, in.ClusterName)
	case isNotFound(err):
		return Association{}, clusterNotFound(in.ClusterName)
	case err != nil:
		return Association{}, fault.Internal("create pod identity association", err)
	}
	return s.associationView(rec), nil
}

// authorizedAssociation reads an association and authorizes action on its
// ARN, with its tags.
func (s *Service) authorizedAssociation(ctx context.Context, c iam.Caller, action, cluster, id string) (store.PodIdentityAssociation, error) {
	rec, err := s.cfg.Store.GetPodIdentityAssociation(ctx, c.Account, cluster, id)
	if err != nil && !isNotFound(err) {
		return store.PodIdentityAssociation{}, fault.Internal("get pod identity association", err)
	}
	if err := s.authorize(ctx, c, action, s.associationARN(c.Account, cluster, id), iam.Keys{ResourceTags: rec.Tags}); err != nil {
		return store.PodIdentityAssociation{}, err
	}
	if err := validateClusterName(cluster); err != nil {
		return store.PodIdentityAssociation{}, err
	}
	if isNotFound(err) {
		if _, cerr := s.cluster(ctx, c.Account, cluster); cerr != nil {
			return store.PodIdentityAssociation{}, cerr
		}
		return store.PodIdentityAssociation{}, associationNotFound(cluster, id)
	}
	return rec, nil
}

// DescribePodIdentityAssociation returns an association.
func (s *Service) DescribePodIdentityAssociation(ctx context.Context, c iam.Caller, cluster, id string) (Association, error) {
	rec, err := s.authorizedAssociation(ctx, c, "DescribePodIdentityAssociation", cluster, id)
	if err != nil {
		return Association{}, err
	}
	return s.associationView(rec), nil
}

// AssociationFilter selects associations by namespace and service
// account ("" for any).
type AssociationFilter struct {
	Namespace      string
	ServiceAccount string
}

// ListPodIdentityAssociations returns a page of a cluster's associations
// (by id), as filtered.
func (s *Service) ListPodIdentityAssociations(ctx context.Context, c iam.Caller, cluster string, f AssociationFilter, page PageRequest) (Page[Association], error) {
	if _, err := s.authorizedCluster(ctx, c, "ListPodIdentityAssociations", cluster, iam.Keys{}); err != nil {
		return Page[Association]{}, err
	}
	recs, err := s.cfg.Store.ListPodIdentityAssociations(ctx, c.Account, cluster)
	if err != nil {
		return Page[Association]{}, fault.Internal("list pod identity associations", err)
	}
	recs = slices.DeleteFunc(recs, func(a store.PodIdentityAssociation) bool {
		return (f.Namespace != "" && a.Namespace != f.Namespace) || (f.ServiceAccount != "" && a.ServiceAccount != f.ServiceAccount)
	})
	p, err := paginate(recs, func(a store.PodIdentityAssociation) string { return a.ID }, page, 100)
	if err != nil {
		return Page[Association]{}, err
	}
	out := Page[Association]{NextToken: p.NextToken, Items: make([]Association, len(p.Items))}
	for i, a := range p.Items {
		out.Items[i] = s.associationView(a)
	}
	return out, nil
}

// UpdatePodIdentityAssociation changes an association's role, target
// role, session tags or session policy; the namespace and service account
// cannot change. It must change something.
func (s *Service) UpdatePodIdentityAssociation(ctx context.Context, c iam.Caller, in UpdateAssociationInput) (Association, error) {
	old, err := s.authorizedAssociation(ctx, c, "UpdatePodIdentityAssociation", in.ClusterName, in.ID)
	if err != nil {
		return Association{}, err
	}
	next := old
	if in.RoleARN != nil {
		next.RoleARN = *in.RoleARN
	}
	if in.TargetRoleARN != nil {
		next.TargetRoleARN = *in.TargetRoleARN
	}
	if in.DisableSessionTags != nil {
		next.DisableSessionTags = *in.DisableSessionTags
	}
	if in.Policy != nil {
		next.Policy = *in.Policy
	}
	if next.RoleARN == old.RoleARN && next.TargetRoleARN == old.TargetRoleARN &&
		next.DisableSessionTags == old.DisableSessionTags && next.Policy == old.Policy {
		return Association{}, invalidParameter("No changes: give a roleArn, targetRoleArn, disableSessionTags or policy that differs from the association's.")
	}
	if err := checkRoles(c.Account, next.RoleARN, next.TargetRoleARN); err != nil {
		return Association{}, err
	}
	if err := checkSessionPolicy(next.Policy, next.DisableSessionTags); err != nil {
		return Association{}, err
	}
	if next.RoleARN != old.RoleARN {
		if err := s.passRole(ctx, c, next.RoleARN, s.clusterARN(c.Account, in.ClusterName)); err != nil {
			return Association{}, err
		}
	}
	now := s.now()
	rec, err := s.cfg.Store.UpdatePodIdentityAssociation(ctx, c.Account, in.ClusterName, in.ID, func(a *store.PodIdentityAssociation) error {
		a.RoleARN, a.TargetRoleARN, a.DisableSessionTags, a.Policy = next.RoleARN, next.TargetRoleARN, next.DisableSessionTags, next.Policy
		a.ModifiedAt = now
		return nil
	})
	switch {
	case isNotFound(err):
		return Association{}, associationNotFound(in.ClusterName, in.ID)
	case err != nil:
		return Association{}, fault.Internal("update pod identity association", err)
	}
	return s.associationView(rec), nil
}

// DeletePodIdentityAssociation deletes an association and returns it.
func (s *Service) DeletePodIdentityAssociation(ctx context.Context, c iam.Caller, cluster, id string) (Association, error) {
	rec, err := s.authorizedAssociation(ctx, c, "DeletePodIdentityAssociation", cluster, id)
	if err != nil {
		return Association{}, err
	}
	switch err := s.cfg.Store.DeletePodIdentityAssociation(ctx, c.Account, cluster, id); {
	case isNotFound(err):
		return Association{}, associationNotFound(cluster, id)
	case err != nil:
		return Association{}, fault.Internal("delete pod identity association", err)
	}
	return s.associationView(rec), nil
}

// AssociationFor returns a cluster's association for a namespace and
// service account, without authorization: for eks-auth. None is fault
// NotFound. Answers are kept by the EKS generation, so an association
// written or deleted is seen by the next call; callers must not change
// what it returns (its Tags are shared).
func (s *Service) AssociationFor(ctx context.Context, accountID, cluster, namespace, serviceAccount string) (Association, error) {
	gen, err := s.cfg.Store.Generation(ctx, store.EKS)
	if err != nil {
		return Association{}, fault.Internal("EKS generation", err)
	}
	k := podKey{accountID, cluster, namespace, serviceAccount}
	kept, found := s.podAssociations.Get(gen, k)
	if !found {
		rec, err := s.cfg.Store.FindPodIdentityAssociation(ctx, accountID, cluster, namespace, serviceAccount)
		switch {
		case isNotFound(err):
		case err != nil:
			return Association{}, fault.Internal("find pod identity association", err)
		default:
			kept = podAssociation{a: s.associationView(rec), ok: true}
		}
		s.podAssociations.Put(gen, k, kept)
	}
	if !kept.ok {
		return Association{}, fault.Errorf(fault.NotFound, "No Pod Identity association for service account %s in namespace %s of cluster %s.",
			serviceAccount, namespace, cluster)
	}
	return kept.a, nil
}

// ExternalID is the sts:ExternalId EKS Auth passes on the second hop of
// an association with a target role (and its session tags disabled):
// <region>/<account>/<cluster>/<namespace>/<service account>.
func ExternalID(region, account, cluster, namespace, serviceAccount string) string {
	return region + "/" + account + "/" + cluster + "/" + namespace + "/" + serviceAccount
}
