package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func (h handlers) createRole(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("RoleName", "AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	msd, _, err := q.Int("MaxSessionDuration")
	if err != nil {
		return nil, err
	}
	ts, err := tags(q)
	if err != nil {
		return nil, err
	}
	r, err := h.svc.CreateRole(ctx, c, iam.CreateRoleInput{RoleName: p[0], AssumeRolePolicyDocument: p[1], Path: q.Get("Path"),
		Description: q.Get("Description"), MaxSessionDuration: msd, PermissionsBoundary: q.Get("PermissionsBoundary"), Tags: ts})
	if err != nil {
		return nil, err
	}
	return &awsproto.CreateRoleResult{Role: wireRole(r)}, nil
}

func (h handlers) getRole(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("RoleName")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.GetRole(ctx, c, p[0])
	if err != nil {
		return nil, err
	}
	return &awsproto.GetRoleResult{Role: wireRole(r)}, nil
}

func (h handlers) listRoles(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	pr, err := pageRequest(q)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListRoles(ctx, c, iam.ListInput{PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
	if err != nil {
		return nil, err
	}
	return &awsproto.ListRolesResult{Roles: mapList(p.Items, wireRole), IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
}

func (h handlers) deleteRole(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.DeleteRole(ctx, c, p[0])
}

func (h handlers) updateAssumeRolePolicy(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.UpdateAssumeRolePolicy(ctx, c, p[0], p[1])
}

func (h handlers) updateRole(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("RoleName")
	if err != nil {
		return nil, err
	}
	in := iam.UpdateRoleInput{RoleName: p[0]}
	if d, ok := q.Lookup("Description"); ok {
		in.Description = &d
	}
	if msd, given, err := q.Int("MaxSessionDuration"); err != nil {
		return nil, err
	} else if given {
		in.MaxSessionDuration = &msd
	}
	if _, err = h.svc.UpdateRole(ctx, c, in); err != nil {
		return nil, err
	}
	return &awsproto.EmptyResult{}, nil // UpdateRole has an (empty) result element
}

func (h handlers) updateRoleDescription(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("RoleName", "Description")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.UpdateRoleDescription(ctx, c, p[0], p[1])
	if err != nil {
		return nil, err
	}
	return &awsproto.UpdateRoleDescriptionResult{Role: wireRole(r)}, nil
}
