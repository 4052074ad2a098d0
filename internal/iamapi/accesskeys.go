package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

func (h handlers) createAccessKey(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	k, err := h.svc.CreateAccessKey(ctx, c, q.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return &awsproto.CreateAccessKeyResult{AccessKey: awsproto.AccessKey{UserName: k.Key.UserName, AccessKeyId: k.Key.ID,
		Status: string(k.Key.Status), SecretAccessKey: k.Secret.Reveal(), CreateDate: awsproto.Timestamp(k.Key.CreatedAt)}}, nil
}

func (h handlers) listAccessKeys(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	pr, err := pageRequest(q)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListAccessKeys(ctx, c, q.Get("UserName"), pr)
	if err != nil {
		return nil, err
	}
	return &awsproto.ListAccessKeysResult{AccessKeyMetadata: mapList(p.Items, func(k store.AccessKey) awsproto.AccessKeyMetadata {
		return awsproto.AccessKeyMetadata{UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), CreateDate: awsproto.Timestamp(k.CreatedAt)}
	}), IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
}

func (h handlers) updateAccessKey(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("AccessKeyId", "Status")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UpdateAccessKey(ctx, c, q.Get("UserName"), p[0], store.AccessKeyStatus(p[1]))
}

func (h handlers) deleteAccessKey(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("AccessKeyId")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteAccessKey(ctx, c, q.Get("UserName"), p[0])
}
