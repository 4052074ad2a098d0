package eksauth

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/sts"
)

// The session tags EKS sets, all transitive.
const (
	TagClusterARN     = "eks-cluster-arn"
	TagClusterName    = "eks-cluster-name"
	TagNamespace      = "kubernetes-namespace"
	TagServiceAccount = "kubernetes-service-account"
	TagPodName        = "kubernetes-pod-name"
	TagPodUID         = "kubernetes-pod-uid"
)

// msgUnauthorized is EKS Auth's answer when a role's trust (or, for a
// target role, the first role's permissions) does not let EKS in.
const msgUnauthorized = "Unauthorized Exception! EKS does not have permissions to assume the associated role."

// AssumeRoleForPodIdentity exchanges a pod's service-account token for
// the credentials of its association's role (see the package doc for the
// order of the checks).
func (s *Service) AssumeRoleForPodIdentity(ctx context.Context, caller iam.Caller, clusterName, token string) (Result, error) {
	if err := ValidateClusterName(clusterName); err != nil {
		return Result{}, err
	}
	if err := ValidateToken(token); err != nil {
		return Result{}, err
	}
	cl, err := s.dir.Cluster(ctx, caller.Account, clusterName)
	switch {
	case isNotFound(err):
		// The caller learns that a cluster is missing only once it
		// may call the action on it.
		if err := s.authz.Authorize(ctx, caller, Action, ClusterARN(s.region, caller.Account, clusterName), iam.Keys{}); err != nil {
			return Result{}, err
		}
		return Result{}, fault.Errorf(fault.NotFound, "No cluster found for name: %s.", clusterName)
	case err != nil:
		return Result{}, fault.Internal("read cluster "+clusterName, err)
	}
	if cl.ARN == "" {
		cl.ARN = ClusterARN(cl.Region, cl.AccountID, cl.Name)
	}
	if err := s.authz.Authorize(ctx, caller, Action, cl.ARN, iam.Keys{ResourceTags: storeTags(cl.Tags)}); err != nil {
		return Result{}, err
	}
	t, err := oidc.Parse(token)
	if err != nil {
		return Result{}, invalidToken("The token is not a valid JWT")
	}
	pod, err := s.verifyToken(ctx, cl, t)
	if err != nil {
		return Result{}, err
	}
	a, err := s.dir.Association(ctx, cl.AccountID, cl.Name, pod.Namespace, pod.ServiceAccount)
	switch {
	case isNotFound(err):
		return Result{}, fault.Errorf(fault.NotFound, "No Pod Identity Association found for service account %s in namespace %s of cluster %s.", pod.ServiceAccount, pod.Namespace, cl.Name)
	case err != nil:
		return Result{}, fault.Internal("read the association of "+pod.Namespace+"/"+pod.ServiceAccount, err)
	}
	name, err := SessionName(cl.Name, pod.Name, s.rand)
	if err != nil {
		return Result{}, fault.Internal("make a session name", err)
	}
	res, err := s.assume(ctx, cl, pod, a, name)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Namespace: pod.Namespace, ServiceAccount: pod.ServiceAccount, Audience: Audience,
		AssociationARN: a.ARN, AssociationID: a.ID,
		AssumedRoleARN: res.AssumedRoleARN, AssumedRoleID: res.AssumedRoleID, Credentials: res,
	}, nil
}

// assume makes the association's session: its role as the service
// principal, then its target role, if any, as that session.
func (s *Service) assume(ctx context.Context, cl Cluster, pod Pod, a Association, name string) (sts.Result, error) {
	first := sts.ServiceInput{Service: ServicePrincipal, RoleARN: a.RoleARN, RoleSessionName: name,
		DurationSeconds: int(SessionDuration.Seconds())}
	if !a.DisableSessionTags {
		first.Tags = []sts.Tag{
			{Key: TagClusterARN, Value: cl.ARN}, {Key: TagClusterName, Value: cl.Name},
			{Key: TagNamespace, Value: pod.Namespace}, {Key: TagServiceAccount, Value: pod.ServiceAccount},
			{Key: TagPodName, Value: pod.Name}, {Key: TagPodUID, Value: pod.UID},
		}
		first.TransitiveTagKeys = []string{TagClusterARN, TagClusterName, TagNamespace, TagServiceAccount, TagPodName, TagPodUID}
	}
	if a.TargetRoleARN == "" {
		first.Policy = a.Policy
	} else {
		first.DurationSeconds = int(TargetSessionDuration.Seconds())
	}
	res, err := s.roles.AssumeRoleForService(ctx, first)
	if err != nil {
		return sts.Result{}, unauthorized(err)
	}
	if a.TargetRoleARN == "" {
		return res, nil
	}
	second := sts.AssumeRoleInput{RoleARN: a.TargetRoleARN, RoleSessionName: name,
		DurationSeconds: int(TargetSessionDuration.Seconds()), Policy: a.Policy}
	if a.DisableSessionTags {
		second.ExternalID = eks.ExternalID(cl.Region, cl.AccountID, cl.Name, pod.Namespace, pod.ServiceAccount)
	}
	res, err = s.roles.AssumeRole(ctx, res.Caller(), second)
	if err != nil {
		return sts.Result{}, unauthorized(err)
	}
	return res, nil
}

// unauthorized gives a refused role session EKS Auth's message; other
// failures go on as they are.
func unauthorized(err error) error {
	if fault.KindOf(err) == fault.AccessDenied {
		return &fault.Error{Kind: fault.AccessDenied, Message: msgUnauthorized, Cause: err}
	}
	return err
}

// sessionPrefixLen is how much of eks-<cluster>-<pod> a session name
// keeps before its UUID.
const sessionPrefixLen = 25

// SessionName is the session name EKS forms: eks-<cluster>-<pod> cut to
// 25 characters, a hyphen and a random UUID (at most 62 characters).
func SessionName(cluster, pod string, rand io.Reader) (string, error) {
	prefix := "eks-" + cluster + "-" + pod
	if len(prefix) > sessionPrefixLen {
		prefix = prefix[:sessionPrefixLen]
	}
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%s-%x-%x-%x-%x-%x", prefix, b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// storeTags lists a cluster's tags for the authorization's keys.
func storeTags(m map[string]string) []store.Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]store.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, store.Tag{Key: k, Value: m[k]})
	}
	return out
}
