package eks

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// Update statuses and types, as EKS names them.
const (
	UpdateSuccessful   = "Successful"
	UpdateAccessConfig = "AccessConfigUpdate"
)

// Update is an update of a cluster.
type Update struct {
	ID        string
	Type      string
	Status    string
	Params    []store.UpdateParam
	CreatedAt time.Time
}

// modeRank orders the authentication modes: a cluster moves only up.
var modeRank = map[string]int{AuthConfigMap: 0, AuthAPIAndConfigMap: 1, AuthAPI: 2}

// UpdateClusterConfig changes a cluster's authentication mode, one way
// only (CONFIG_MAP, then API_AND_CONFIG_MAP, then API), and returns the
// update, done at once. It is the one configuration podiam updates.
func (s *Service) UpdateClusterConfig(ctx context.Context, c iam.Caller, name, mode string) (Update, error) {
	keys := iam.Keys{}
	if mode != "" {
		keys.Values = map[string]string{"eks:authenticationMode": mode}
	}
	cl, err := s.authorizedCluster(ctx, c, "UpdateClusterConfig", name, keys)
	if err != nil {
		return Update{}, err
	}
	if mode == "" {
		return Update{}, invalidParameter("podiam updates only accessConfig.authenticationMode: give it.")
	}
	to, ok := modeRank[mode]
	if !ok {
		return Update{}, invalidParameter("The authenticationMode %q is not valid: use API, API_AND_CONFIG_MAP or CONFIG_MAP.", mode)
	}
	from := modeRank[cl.AuthenticationMode]
	switch {
	case to == from:
		return Update{}, invalidParameter("Unsupported authentication mode update from %s to %s", cl.AuthenticationMode, mode)
	case to < from:
		return Update{}, invalidParameter("Unsupported authentication mode update from %s to %s: the ConfigMap method cannot be enabled again.", cl.AuthenticationMode, mode)
	}
	id, err := s.uuid()
	if err != nil {
		return Update{}, err
	}
	u := store.ClusterUpdate{ID: id, Type: UpdateAccessConfig, Status: UpdateSuccessful,
		Params: []store.UpdateParam{{Type: "AuthenticationMode", Value: mode}}, CreatedAt: s.now()}
	_, err = s.cfg.Store.UpdateCluster(ctx, c.Account, name, func(r *store.Cluster) error {
		if r.AuthenticationMode != cl.AuthenticationMode {
			return fault.Errorf(fault.AlreadyExists, "The cluster's authentication mode is being changed by another request.")
		}
		r.AuthenticationMode = mode
		r.Updates = append(r.Updates, u)
		return nil
	})
	switch {
	case isNotFound(err):
		return Update{}, clusterNotFound(name)
	case fault.KindOf(err) == fault.AlreadyExists:
		return Update{}, err
	case err != nil:
		return Update{}, fault.Internal("update cluster config", err)
	}
	return Update(u), nil
}

// DescribeUpdate returns an update of a cluster.
func (s *Service) DescribeUpdate(ctx context.Context, c iam.Caller, name, id string) (Update, error) {
	cl, err := s.authorizedCluster(ctx, c, "DescribeUpdate", name, iam.Keys{})
	if err != nil {
		return Update{}, err
	}
	for _, u := range cl.Updates {
		if u.ID == id {
			return Update(u), nil
		}
	}
	return Update{}, fault.Errorf(fault.NotFound, "No update found for ID: %s.", id)
}

// ResolveAction is podiam's own action (EKS has none like it) that
// authorizes ResolveAccess, on the cluster's ARN: the authenticator's.
const ResolveAction = "ResolveAccess"

// Access is what the authenticator needs of a caller on a cluster: the
// cluster's authentication mode, and the caller's access entry with its
// policies when the mode uses access entries and one matches.
type Access struct {
	AuthenticationMode string
	// Entry is nil when no access entry matches.
	Entry *AccessEntry
}

// ResolveAccess finds the access entry of the caller of a request to a
// cluster's Kubernetes API: principalID is the STS UserId of the caller
// (a user's or role's unique id, "AROA...:session" for a role session)
// and principalARN its canonical ARN (an IAM user or role, without a
// path). An entry matches when it is bound to the same unique id and
// names the same principal: a role deleted and made again under the same
// name does not match the entry of the one before. The values are kept by
// the store's EKS generation.
func (s *Service) ResolveAccess(ctx context.Context, c iam.Caller, cluster, principalID, principalARN string) (Access, error) {
	if _, err := s.authorizedCluster(ctx, c, ResolveAction, cluster, iam.Keys{}); err != nil {
		return Access{}, err
	}
	if principalID == "" || principalARN == "" {
		return Access{}, invalidParameter("principalId and principalArn are required.")
	}
	idx, err := s.accessIndex(ctx, c.Account, cluster)
	if err != nil {
		return Access{}, err
	}
	out := Access{AuthenticationMode: idx.mode}
	if idx.mode == AuthConfigMap {
		return out, nil
	}
	id, _, _ := strings.Cut(principalID, ":")
	if e, ok := idx.byID[id]; ok && e.canonical == principalARN {
		v := e.entry
		v.KubernetesGroups = slices.Clone(v.KubernetesGroups)
		v.Policies = slices.Clone(v.Policies)
		out.Entry = &v
	}
	return out, nil
}

// Policies returns the access policies of an access, for an authorizer.
func (a Access) Policies() []accesspolicy.Associated {
	if a.Entry == nil {
		return nil
	}
	out := make([]accesspolicy.Associated, len(a.Entry.Policies))
	for i, p := range a.Entry.Policies {
		out[i] = accesspolicy.Associated{PolicyARN: p.PolicyARN, Scope: p.Scope}
	}
	return out
}

// accessIndex is a cluster's access entries by their principals' unique
// ids, with the cluster's mode.
type accessIndex struct {
	mode string
	byID map[string]indexedEntry
}

type indexedEntry struct {
	canonical string
	entry     AccessEntry
}

func (s *Service) accessIndex(ctx context.Context, account, cluster string) (accessIndex, error) {
	gen, err := s.cfg.Store.Generation(ctx, store.EKS)
	if err != nil {
		return accessIndex{}, fault.Internal("EKS generation", err)
	}
	k := clusterKey{account, cluster}
	if idx, ok := s.access.Get(gen, k); ok {
		return idx, nil
	}
	cl, err := s.cluster(ctx, account, cluster)
	if err != nil {
		return accessIndex{}, err
	}
	recs, err := s.cfg.Store.ListAccessEntries(ctx, account, cluster)
	if err != nil {
		return accessIndex{}, fault.Internal("list access entries", err)
	}
	idx := accessIndex{mode: cl.AuthenticationMode, byID: make(map[string]indexedEntry, len(recs))}
	for _, r := range recs {
		p, err := parsePrincipal(r.PrincipalARN)
		if err != nil || r.PrincipalID == "" {
			continue
		}
		idx.byID[r.PrincipalID] = indexedEntry{canonical: p.canonical(), entry: entryView(r)}
	}
	s.access.Put(gen, k, idx)
	return idx, nil
}
