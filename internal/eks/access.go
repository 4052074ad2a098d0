package eks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// Access entry types, as EKS names them.
const (
	TypeStandard      = "STANDARD"
	TypeEC2Linux      = "EC2_LINUX"
	TypeEC2Windows    = "EC2_WINDOWS"
	TypeFargateLinux  = "FARGATE_LINUX"
	TypeHybridLinux   = "HYBRID_LINUX"
	TypeEC2           = "EC2"
	TypeHyperPodLinux = "HYPERPOD_LINUX"
)

// nodeUsernames are the usernames EKS gives the entries of node types.
var nodeUsernames = map[string]string{
	TypeEC2Linux:      "system:node:{{EC2PrivateDNSName}}",
	TypeEC2Windows:    "system:node:{{EC2PrivateDNSName}}",
	TypeEC2:           "system:node:{{EC2PrivateDNSName}}",
	TypeHyperPodLinux: "system:node:{{EC2PrivateDNSName}}",
	TypeFargateLinux:  "system:node:{{SessionName}}",
	TypeHybridLinux:   "system:node:{{SessionName}}",
}

// reservedPrefixes begin usernames an access entry cannot set.
var reservedPrefixes = []string{"system:", "eks:", "aws:", "amazon:", "iam:"}

// PrincipalResolver finds the unique id of the user or role an IAM ARN
// names ("" for none): iam.Service. The authorizer of Config provides it.
type PrincipalResolver interface {
	PrincipalID(ctx context.Context, arn string) (string, error)
}

// AccessEntry is an access entry as EKS shows it.
type AccessEntry struct {
	AccountID        string
	ClusterName      string
	PrincipalARN     string
	PrincipalID      string
	ARN              string
	Type             string
	Username         string
	KubernetesGroups []string
	Policies         []AssociatedPolicy
	Tags             map[string]string
	CreatedAt        time.Time
	ModifiedAt       time.Time
}

// CreateAccessEntryInput is what CreateAccessEntry takes.
type CreateAccessEntryInput struct {
	ClusterName      string
	PrincipalARN     string
	Type             string
	Username         string
	KubernetesGroups []string
	Tags             map[string]string
}

// UpdateAccessEntryInput is what UpdateAccessEntry takes: nil leaves a
// member as it is.
type UpdateAccessEntryInput struct {
	ClusterName      string
	PrincipalARN     string
	Username         *string
	KubernetesGroups *[]string
}

func entryView(e store.AccessEntry) AccessEntry {
	v := AccessEntry{AccountID: e.AccountID, ClusterName: e.ClusterName, PrincipalARN: e.PrincipalARN, PrincipalID: e.PrincipalID,
		ARN: e.ARN, Type: e.Type, Username: e.Username, KubernetesGroups: slices.Clone(e.KubernetesGroups),
		Tags: tagMap(e.Tags), CreatedAt: e.CreatedAt, ModifiedAt: e.ModifiedAt}
	for _, p := range e.Policies {
		v.Policies = append(v.Policies, policyView(p))
	}
	return v
}

func entryNotFound(cluster, principal string) error {
	return fault.Errorf(fault.NotFound, "The specified access entry resource is not found. Cluster: %s, principal: %s.", cluster, principal)
}

// principal is an IAM user or role ARN an access entry names.
type principal struct {
	arn.ARN
	kind string // "user" or "role"
	name string // without its path
}

// parsePrincipal checks an access entry's principal ARN: an IAM user or
// role, not an STS session and not a service-linked role.
func parsePrincipal(s string) (principal, error) {
	a, err := arn.Parse(s)
	if err != nil || len(a.Account) != 12 {
		return principal{}, invalidParameter("The specified principalArn is invalid: %q is not an IAM user or role ARN.", s)
	}
	if a.Service == "sts" {
		return principal{}, invalidParameter("The specified principalArn is invalid: STS session ARNs are not supported; give the role's ARN.")
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	if a.Service != "iam" || (kind != "user" && kind != "role") || name == "" {
		return principal{}, invalidParameter("The specified principalArn is invalid: %q is not an IAM user or role ARN.", s)
	}
	if kind == "role" && strings.HasPrefix(rest, "aws-service-role/") {
		return principal{}, invalidParameter("The specified principalArn is invalid: service-linked roles cannot have access entries.")
	}
	return principal{ARN: a, kind: kind, name: name}, nil
}

// canonical is the principal's ARN without its path, as the
// authenticator names callers.
func (p principal) canonical() string {
	return fmt.Sprintf("arn:%s:iam::%s:%s/%s", p.Partition, p.Account, p.kind, p.name)
}

// checkUsername checks a custom username: no reserved prefix, and a ":"
// before any {{SessionName}} or {{SessionNameRaw}}.
func checkUsername(u string) error {
	if u == "" || len(u) > 1024 {
		return invalidParameter("The username must be 1 to 1024 characters long.")
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(strings.ToLower(u), p) {
			return invalidParameter("The username %q is not valid: it cannot begin with %q.", u, p)
		}
	}
	if i := strings.Index(u, "{{SessionName"); i >= 0 && !strings.Contains(u[:i], ":") {
		return invalidParameter("The username %q is not valid: {{SessionName}} and {{SessionNameRaw}} must follow a \":\".", u)
	}
	return nil
}

func checkGroups(groups []string) error {
	if len(groups) > 100 {
		return invalidParameter("An access entry can have at most 100 Kubernetes groups.")
	}
	for _, g := range groups {
		if g == "" || len(g) > 1024 {
			return invalidParameter("Kubernetes group names must be 1 to 1024 characters long.")
		}
		// A reserved group (system:masters above all, which every
		// authorizer lets through) would make eks:CreateAccessEntry a
		// grant of the whole cluster, past any condition on the access
		// policies an entry may get.
		for _, p := range reservedPrefixes {
			if len(g) >= len(p) && strings.EqualFold(g[:len(p)], p) {
				return invalidParameter("The Kubernetes group name %s is invalid: it cannot start with %s.", g, p)
			}
		}
	}
	return nil
}

// defaultUsername is the username EKS gives an entry created without one.
func defaultUsername(p principal, typ string) string {
	if u, ok := nodeUsernames[typ]; ok {
		return u
	}
	if p.kind == "user" {
		return p.ARN.String()
	}
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/{{SessionName}}", p.Partition, p.Account, p.name)
}

// accessEntryMode refuses access entry operations on a cluster whose
// authentication mode does not use them.
func accessEntryMode(cl store.Cluster) error {
	if cl.AuthenticationMode == AuthConfigMap {
		return fault.Errorf(fault.InvalidInput, "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
	}
	return nil
}

func (s *Service) principals() (PrincipalResolver, error) {
	p, ok := s.cfg.IAM.(PrincipalResolver)
	if !ok {
		return nil, fault.Internal("access entries", fmt.Errorf("the authorizer %T resolves no principals", s.cfg.IAM))
	}
	return p, nil
}

// CreateAccessEntry gives an IAM principal access to a cluster, bound to
// the principal's unique id.
func (s *Service) CreateAccessEntry(ctx context.Context, c iam.Caller, in CreateAccessEntryInput) (AccessEntry, error) {
	if in.Type == "" {
		in.Type = TypeStandard
	}
	keys := iam.Keys{RequestTags: requestTags(in.Tags), Values: map[string]string{
		"eks:principalArn": in.PrincipalARN, "eks:accessEntryType": in.Type}}
	if in.Username != "" {
		keys.Values["eks:username"] = in.Username
	}
	if len(in.KubernetesGroups) > 0 {
		keys.Lists = map[string][]string{"eks:kubernetesGroups": in.KubernetesGroups}
	}
	cl, err := s.authorizedCluster(ctx, c, "CreateAccessEntry", in.ClusterName, keys)
	if err != nil {
		return AccessEntry{}, err
	}
	if err := accessEntryMode(cl); err != nil {
		return AccessEntry{}, err
	}
	p, err := parsePrincipal(in.PrincipalARN)
	if err != nil {
		return AccessEntry{}, err
	}
	if _, ok := nodeUsernames[in.Type]; !ok && in.Type != TypeStandard {
		return AccessEntry{}, invalidParameter("The type %q is not valid: use STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, EC2 or HYPERPOD_LINUX.", in.Type)
	}
	if in.Type != TypeStandard {
		switch {
		case p.Account != c.Account:
			return AccessEntry{}, invalidParameter("An access entry of type %s must name a principal of the cluster's account %s.", in.Type, c.Account)
		case p.kind != "role":
			return AccessEntry{}, invalidParameter("An access entry of type %s must name an IAM role.", in.Type)
		case len(in.KubernetesGroups) > 0:
			return AccessEntry{}, invalidParameter("An access entry of type %s cannot have Kubernetes groups.", in.Type)
		case in.Username != "":
			return AccessEntry{}, invalidParameter("An access entry of type %s cannot have a custom username.", in.Type)
		}
	}
	if in.Username != "" {
		if err := checkUsername(in.Username); err != nil {
			return AccessEntry{}, err
		}
	} else {
		in.Username = defaultUsername(p, in.Type)
	}
	if err := checkGroups(in.KubernetesGroups); err != nil {
		return AccessEntry{}, err
	}
	if err := validateTags(in.Tags); err != nil {
		return AccessEntry{}, err
	}
	res, err := s.principals()
	if err != nil {
		return AccessEntry{}, err
	}
	id, err := res.PrincipalID(ctx, in.PrincipalARN)
	if err != nil {
		return AccessEntry{}, fault.Internal("resolve access entry principal", err)
	}
	if id == "" {
		return AccessEntry{}, invalidParameter("The specified principalArn is invalid: invalid principal %s.", in.PrincipalARN)
	}
	uuid, err := s.uuid()
	if err != nil {
		return AccessEntry{}, err
	}
	now := s.now()
	rec := store.AccessEntry{AccountID: c.Account, ClusterName: in.ClusterName, PrincipalARN: in.PrincipalARN, PrincipalID: id,
		ARN:  fmt.Sprintf("arn:aws:eks:%s:%s:access-entry/%s/%s/%s/%s/%s", s.cfg.Region, c.Account, in.ClusterName, p.kind, p.Account, p.name, uuid),
		Type: in.Type, Username: in.Username, KubernetesGroups: slices.Clone(in.KubernetesGroups), Tags: storeTags(in.Tags),
		CreatedAt: now, ModifiedAt: now}
	if len(rec.KubernetesGroups) == 0 {
		rec.KubernetesGroups = nil
	}
	switch err := s.cfg.Store.CreateAccessEntry(ctx, rec); {
	case isExists(err):
		return AccessEntry{}, fault.Errorf(fault.AlreadyExists, "The specified access entry resource is already in use on this cluster.")
	case isNotFound(err):
		return AccessEntry{}, clusterNotFound(in.ClusterName)
	case err != nil:
		return AccessEntry{}, fault.Internal("create access entry", err)
	}
	return entryView(rec), nil
}

// authorizedEntry reads an access entry and authorizes action on its ARN,
// with its keys; a missing entry is authorized on the ARN it would have
// without its id, then not found. The cluster must use access entries.
func (s *Service) authorizedEntry(ctx context.Context, c iam.Caller, action, cluster, principalARN string, req iam.Keys) (store.AccessEntry, error) {
	rec, err := s.cfg.Store.GetAccessEntry(ctx, c.Account, cluster, principalARN)
	if err != nil && !isNotFound(err) {
		return store.AccessEntry{}, fault.Internal("get access entry", err)
	}
	resource := rec.ARN
	if resource == "" {
		resource = fmt.Sprintf("arn:aws:eks:%s:%s:access-entry/%s/", s.cfg.Region, c.Account, cluster)
		if p, perr := parsePrincipal(principalARN); perr == nil {
			resource += fmt.Sprintf("%s/%s/%s/", p.kind, p.Account, p.name)
		}
	}
	req.ResourceTags = rec.Tags
	if err == nil {
		if req.Values == nil {
			req.Values = map[string]string{}
		}
		req.Values["eks:clusterName"] = cluster
		req.Values["eks:principalArn"] = rec.PrincipalARN
		req.Values["eks:accessEntryType"] = rec.Type
		req.Values["eks:username"] = rec.Username
		if len(rec.KubernetesGroups) > 0 {
			if req.Lists == nil {
				req.Lists = map[string][]string{}
			}
			req.Lists["eks:kubernetesGroups"] = rec.KubernetesGroups
		}
	}
	if err := s.authorize(ctx, c, action, resource, req); err != nil {
		return store.AccessEntry{}, err
	}
	if err := validateClusterName(cluster); err != nil {
		return store.AccessEntry{}, err
	}
	cl, cerr := s.cluster(ctx, c.Account, cluster)
	if cerr != nil {
		return store.AccessEntry{}, cerr
	}
	if err := accessEntryMode(cl); err != nil {
		return store.AccessEntry{}, err
	}
	if isNotFound(err) {
		return store.AccessEntry{}, entryNotFound(cluster, principalARN)
	}
	return rec, nil
}

// DescribeAccessEntry returns an access entry.
func (s *Service) DescribeAccessEntry(ctx context.Context, c iam.Caller, cluster, principalARN string) (AccessEntry, error) {
	rec, err := s.authorizedEntry(ctx, c, "DescribeAccessEntry", cluster, principalARN, iam.Keys{})
	if err != nil {
		return AccessEntry{}, err
	}
	return entryView(rec), nil
}

// ListAccessEntries returns a page of a cluster's access entries'
// principal ARNs, those with policyARN associated when it is given.
func (s *Service) ListAccessEntries(ctx context.Context, c iam.Caller, cluster, policyARN string, page PageRequest) (Page[string], error) {
	cl, err := s.authorizedCluster(ctx, c, "ListAccessEntries", cluster, iam.Keys{})
	if err != nil {
		return Page[string]{}, err
	}
	if err := accessEntryMode(cl); err != nil {
		return Page[string]{}, err
	}
	if policyARN != "" {
		if _, err := lookupPolicy(policyARN); err != nil {
			return Page[string]{}, err
		}
	}
	recs, err := s.cfg.Store.ListAccessEntries(ctx, c.Account, cluster)
	if err != nil {
		return Page[string]{}, fault.Internal("list access entries", err)
	}
	var arns []string
	for _, e := range recs {
		if policyARN == "" || slices.ContainsFunc(e.Policies, func(p store.AssociatedAccessPolicy) bool { return p.PolicyARN == policyARN }) {
			arns = append(arns, e.PrincipalARN)
		}
	}
	return paginate(arns, func(a string) string { return a }, page, 100)
}

// UpdateAccessEntry changes an entry's username or Kubernetes groups (of
// a STANDARD entry only); its principal and type cannot change.
func (s *Service) UpdateAccessEntry(ctx context.Context, c iam.Caller, in UpdateAccessEntryInput) (AccessEntry, error) {
	rec, err := s.authorizedEntry(ctx, c, "UpdateAccessEntry", in.ClusterName, in.PrincipalARN, iam.Keys{})
	if err != nil {
		return AccessEntry{}, err
	}
	if rec.Type != TypeStandard && (in.Username != nil || (in.KubernetesGroups != nil && len(*in.KubernetesGroups) > 0)) {
		return AccessEntry{}, invalidParameter("An access entry of type %s cannot have Kubernetes groups or a custom username.", rec.Type)
	}
	if in.Username != nil {
		if err := checkUsername(*in.Username); err != nil {
			return AccessEntry{}, err
		}
	}
	if in.KubernetesGroups != nil {
		if err := checkGroups(*in.KubernetesGroups); err != nil {
			return AccessEntry{}, err
		}
	}
	now := s.now()
	out, err := s.cfg.Store.UpdateAccessEntry(ctx, c.Account, in.ClusterName, in.PrincipalARN, func(e *store.AccessEntry) error {
		if in.Username != nil {
			e.Username = *in.Username
		}
		if in.KubernetesGroups != nil {
			e.KubernetesGroups = slices.Clone(*in.KubernetesGroups)
			if len(e.KubernetesGroups) == 0 {
				e.KubernetesGroups = nil
			}
		}
		e.ModifiedAt = now
		return nil
	})
	switch {
	case isNotFound(err):
		return AccessEntry{}, entryNotFound(in.ClusterName, in.PrincipalARN)
	case err != nil:
		return AccessEntry{}, fault.Internal("update access entry", err)
	}
	return entryView(out), nil
}

// DeleteAccessEntry deletes an access entry with its policies.
func (s *Service) DeleteAccessEntry(ctx context.Context, c iam.Caller, cluster, principalARN string) error {
	if _, err := s.authorizedEntry(ctx, c, "DeleteAccessEntry", cluster, principalARN, iam.Keys{}); err != nil {
		return err
	}
	switch err := s.cfg.Store.DeleteAccessEntry(ctx, c.Account, cluster, principalARN); {
	case isNotFound(err):
		return entryNotFound(cluster, principalARN)
	case err != nil:
		return fault.Internal("delete access entry", err)
	}
	return nil
}
