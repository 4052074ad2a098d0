package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

// tagActions adds Tag, Untag and List...Tags of each taggable kind.
func tagActions(a map[string]func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error), svc *iam.Service) {
	// Tag, Untag and List...Tags of each taggable kind.
	for _, k := range []struct {
		param string
		ops   iam.TagOps
	}{
		{"RoleName", svc.RoleTags()}, {"UserName", svc.UserTags()},
		{"OpenIDConnectProviderArn", svc.OIDCProviderTags()}, {"PolicyArn", svc.PolicyTags()},
		{"InstanceProfileName", svc.InstanceProfileTags()},
	} {
		ops := k.ops
		a["Tag"+ops.Noun()] = func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := q.RequiredAll(k.param)
			if err != nil {
				return nil, err
			}
			ts, err := tags(q)
			if err != nil {
				return nil, err
			}
			return nil, ops.Tag(ctx, c, p[0], ts)
		}
		a["Untag"+ops.Noun()] = func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := q.RequiredAll(k.param)
			if err != nil {
				return nil, err
			}
			keys, err := q.List("TagKeys")
			if err != nil {
				return nil, err
			}
			return nil, ops.Untag(ctx, c, p[0], keys)
		}
		a["List"+ops.Noun()+"Tags"] = paged(k.param, func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := ops.List(ctx, c, id, pr)
			if err != nil {
				return nil, err
			}
			return &awsproto.ListTagsResult{Tags: append(awsproto.List[awsproto.Tag]{}, wireTags(page.Items)...), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
		})
	}
}
