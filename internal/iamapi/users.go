package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func (h handlers) createUser(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("UserName")
	if err != nil {
		return nil, err
	}
	ts, err := tags(q)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.CreateUser(ctx, c, iam.CreateUserInput{UserName: p[0], Path: q.Get("Path"), PermissionsBoundary: q.Get("PermissionsBoundary"), Tags: ts})
	if err != nil {
		return nil, err
	}
	return &awsproto.CreateUserResult{User: wireUser(u)}, nil
}

func (h handlers) getUser(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	u, err := h.svc.GetUser(ctx, c, q.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return &awsproto.GetUserResult{User: wireUser(u)}, nil
}

func (h handlers) listUsers(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	pr, err := pageRequest(q)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListUsers(ctx, c, iam.ListInput{PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
	if err != nil {
		return nil, err
	}
	return &awsproto.ListUsersResult{Users: mapList(p.Items, wireUser), IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
}

func (h handlers) deleteUser(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.DeleteUser(ctx, c, p[0])
}

func (h handlers) updateUser(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("UserName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UpdateUser(ctx, c, iam.UpdateUserInput{UserName: p[0], NewUserName: q.Get("NewUserName"), NewPath: q.Get("NewPath")})
}

// listGroupsForUser answers an empty list of groups for an existing user:
// podiam has no IAM groups.
func (h handlers) listGroupsForUser(ctx context.Context, c iam.Caller, _ *awsproto.QueryRequest, user string, _ iam.PageRequest) (any, error) {
	if err := h.svc.ListGroupsForUser(ctx, c, user); err != nil {
		return nil, err
	}
	return &awsproto.ListGroupsForUserResult{Groups: awsproto.List[awsproto.Group]{}}, nil
}
