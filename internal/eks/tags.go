package eks

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// Tags of clusters and Pod Identity associations, by their ARNs
// (TagResource, UntagResource, ListTagsForResource). Add-ons are not
// tagged after their creation here.

// tagged is the resource a tag operation names: a cluster, or an
// association of one.
type tagged struct {
	arn         string
	cluster     string
	association string // "" for the cluster itself
}

func taggingNotFound(resource string) error {
	return &fault.Error{Kind: fault.NotFound, Subject: fault.Tagging, Message: "Resource " + resource + " not found."}
}

func taggingInvalid(msg string) error {
	return &fault.Error{Kind: fault.InvalidParameter, Subject: fault.Tagging, Message: msg}
}

// parseTagged reads a tag operation's ARN: a cluster or association of
// the caller's account in this region.
func (s *Service) parseTagged(c iam.Caller, resource string) (tagged, error) {
	a, err := arn.Parse(resource)
	if err != nil || a.Service != "eks" {
		return tagged{}, taggingInvalid("The resource ARN " + resource + " is not an EKS ARN.")
	}
	if a.Account != c.Account || a.Region != s.cfg.Region {
		return tagged{}, taggingNotFound(resource)
	}
	parts := strings.Split(a.Resource, "/")
	switch {
	case len(parts) == 2 && parts[0] == "cluster":
		return tagged{arn: resource, cluster: parts[1]}, nil
	case len(parts) == 3 && parts[0] == "podidentityassociation":
		return tagged{arn: resource, cluster: parts[1], association: parts[2]}, nil
	case parts[0] == "addon":
		return tagged{}, taggingInvalid("podiam tags add-ons only when they are created.")
	}
	return tagged{}, taggingInvalid("The resource ARN " + resource + " names no cluster or Pod Identity association.")
}

// tagsOf reads a tagged resource's tags.
func (s *Service) tagsOf(ctx context.Context, c iam.Caller, t tagged) ([]store.Tag, error) {
	var tags []store.Tag
	var err error
	if t.association == "" {
		var rec store.Cluster
		rec, err = s.cfg.Store.GetCluster(ctx, c.Account, t.cluster)
		tags = rec.Tags
	} else {
		var rec store.PodIdentityAssociation
		rec, err = s.cfg.Store.GetPodIdentityAssociation(ctx, c.Account, t.cluster, t.association)
		tags = rec.Tags
	}
	if err != nil && !isNotFound(err) {
		return nil, fault.Internal("get tags", err)
	}
	return tags, err
}

// retag changes a tagged resource's tags with edit.
func (s *Service) retag(ctx context.Context, c iam.Caller, t tagged, edit func(map[string]string)) error {
	apply := func(tags *[]store.Tag) {
		m := tagMap(*tags)
		edit(m)
		*tags = nil
		for _, k := range slices.Sorted(maps.Keys(m)) {
			*tags = append(*tags, store.Tag{Key: k, Value: m[k]})
		}
	}
	var err error
	if t.association == "" {
		_, err = s.cfg.Store.UpdateCluster(ctx, c.Account, t.cluster, func(r *store.Cluster) error { apply(&r.Tags); return nil })
	} else {
		_, err = s.cfg.Store.UpdatePodIdentityAssociation(ctx, c.Account, t.cluster, t.association,
			func(r *store.PodIdentityAssociation) error { apply(&r.Tags); return nil })
	}
	switch {
	case isNotFound(err):
		return taggingNotFound(t.arn)
	case err != nil:
		return fault.Internal("tag resource", err)
	}
	return nil
}

// TagResource adds tags to a cluster or association, replacing the values
// of keys it has; at most 50 in all.
func (s *Service) TagResource(ctx context.Context, c iam.Caller, resource string, tags map[string]string) error {
	t, err := s.parseTagged(c, resource)
	if err != nil {
		return err
	}
	old, err := s.tagsOf(ctx, c, t)
	if err != nil && !isNotFound(err) {
		return err
	}
	if err := s.authorize(ctx, c, "TagResource", resource, iam.Keys{ResourceTags: old, RequestTags: requestTags(tags)}); err != nil {
		return err
	}
	if isNotFound(err) {
		return taggingNotFound(resource)
	}
	if len(tags) == 0 {
		return taggingInvalid("tags must have at least 1 entry.")
	}
	if err := validateTags(tags); err != nil {
		msg := "The tags are not valid."
		if fe, ok := fault.As(err); ok {
			msg = fe.Message
		}
		return taggingInvalid(msg)
	}
	merged := tagMap(old)
	maps.Copy(merged, tags)
	if len(merged) > 50 {
		return taggingInvalid("The resource would have more than 50 tags.")
	}
	return s.retag(ctx, c, t, func(m map[string]string) { maps.Copy(m, tags) })
}

// UntagResource removes tags by key (keys it lacks are ignored).
func (s *Service) UntagResource(ctx context.Context, c iam.Caller, resource string, keys []string) error {
	t, err := s.parseTagged(c, resource)
	if err != nil {
		return err
	}
	old, err := s.tagsOf(ctx, c, t)
	if err != nil && !isNotFound(err) {
		return err
	}
	if err := s.authorize(ctx, c, "UntagResource", resource, iam.Keys{ResourceTags: old, TagKeys: keys}); err != nil {
		return err
	}
	if isNotFound(err) {
		return taggingNotFound(resource)
	}
	if len(keys) == 0 {
		return taggingInvalid("tagKeys must have at least 1 entry.")
	}
	return s.retag(ctx, c, t, func(m map[string]string) {
		for _, k := range keys {
			delete(m, k)
		}
	})
}

// ListTagsForResource returns a cluster's or association's tags.
func (s *Service) ListTagsForResource(ctx context.Context, c iam.Caller, resource string) (map[string]string, error) {
	t, err := s.parseTagged(c, resource)
	if err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, c, t)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListTagsForResource", resource, iam.Keys{ResourceTags: tags}); err != nil {
		return nil, err
	}
	if isNotFound(err) {
		return nil, taggingNotFound(resource)
	}
	return tagMap(tags), nil
}
