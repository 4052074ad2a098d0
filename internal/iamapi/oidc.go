package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

func (h handlers) createOpenIDConnectProvider(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("Url")
	if err != nil {
		return nil, err
	}
	ids, err := q.List("ClientIDList")
	if err != nil {
		return nil, err
	}
	tps, err := q.List("ThumbprintList")
	if err != nil {
		return nil, err
	}
	ts, err := tags(q)
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.CreateOpenIDConnectProvider(ctx, c, iam.CreateOIDCProviderInput{URL: p[0], ClientIDs: ids, Thumbprints: tps, Tags: ts})
	if err != nil {
		return nil, err
	}
	return &awsproto.CreateOpenIDConnectProviderResult{OpenIDConnectProviderArn: pr.ARN, Tags: wireTags(pr.Tags)}, nil
}

func (h handlers) getOpenIDConnectProvider(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("OpenIDConnectProviderArn")
	if err != nil {
		return nil, err
	}
	pr, err := h.svc.GetOpenIDConnectProvider(ctx, c, p[0])
	if err != nil {
		return nil, err
	}
	return &awsproto.GetOpenIDConnectProviderResult{Url: pr.URL, ClientIDList: awsproto.List[string](pr.ClientIDs),
		ThumbprintList: awsproto.List[string](pr.Thumbprints), CreateDate: awsproto.Timestamp(pr.CreatedAt), Tags: wireTags(pr.Tags)}, nil
}

func (h handlers) listOpenIDConnectProviders(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	ps, err := h.svc.ListOpenIDConnectProviders(ctx, c)
	if err != nil {
		return nil, err
	}
	return &awsproto.ListOpenIDConnectProvidersResult{OpenIDConnectProviderList: mapList(ps, func(p store.OIDCProvider) awsproto.OpenIDConnectProviderListEntry {
		return awsproto.OpenIDConnectProviderListEntry{Arn: p.ARN}
	})}, nil
}

func (h handlers) deleteOpenIDConnectProvider(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.DeleteOpenIDConnectProvider(ctx, c, p[0])
}

func (h handlers) addClientIDToOpenIDConnectProvider(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.AddClientIDToOpenIDConnectProvider(ctx, c, p[0], p[1])
}

func (h handlers) removeClientIDFromOpenIDConnectProvider(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.RemoveClientIDFromOpenIDConnectProvider(ctx, c, p[0], p[1])
}

func (h handlers) updateOpenIDConnectProviderThumbprint(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("OpenIDConnectProviderArn")
	if err != nil {
		return nil, err
	}
	tps, err := q.List("ThumbprintList")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UpdateOpenIDConnectProviderThumbprint(ctx, c, p[0], tps)
}
