package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func wireProfile(p iam.InstanceProfile) awsproto.InstanceProfile {
	return awsproto.InstanceProfile{
		Path: p.Profile.Path, InstanceProfileName: p.Profile.Name, InstanceProfileId: p.Profile.ID, Arn: p.Profile.ARN,
		CreateDate: awsproto.Timestamp(p.Profile.CreatedAt), Roles: mapList(p.Roles, wireRole), Tags: wireTags(p.Profile.Tags),
	}
}

func profileList(p iam.Page[iam.InstanceProfile]) *awsproto.ListInstanceProfilesResult {
	return &awsproto.ListInstanceProfilesResult{InstanceProfiles: mapList(p.Items, wireProfile), IsTruncated: p.IsTruncated, Marker: p.Marker}
}

func (h handlers) createInstanceProfile(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("InstanceProfileName")
	if err != nil {
		return nil, err
	}
	ts, err := tags(q)
	if err != nil {
		return nil, err
	}
	ip, err := h.svc.CreateInstanceProfile(ctx, c, iam.CreateInstanceProfileInput{Name: p[0], Path: q.Get("Path"), Tags: ts})
	if err != nil {
		return nil, err
	}
	return &awsproto.InstanceProfileResult{InstanceProfile: wireProfile(ip)}, nil
}

func (h handlers) getInstanceProfile(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("InstanceProfileName")
	if err != nil {
		return nil, err
	}
	ip, err := h.svc.GetInstanceProfile(ctx, c, p[0])
	if err != nil {
		return nil, err
	}
	return &awsproto.InstanceProfileResult{InstanceProfile: wireProfile(ip)}, nil
}

func (h handlers) listInstanceProfiles(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	pr, err := pageRequest(q)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListInstanceProfiles(ctx, c, iam.ListInput{PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
	if err != nil {
		return nil, err
	}
	return profileList(p), nil
}

func (h handlers) listInstanceProfilesForRole(ctx context.Context, c iam.Caller, _ *awsproto.QueryRequest, role string, pr iam.PageRequest) (any, error) {
	p, err := h.svc.ListInstanceProfilesForRole(ctx, c, role, pr)
	if err != nil {
		return nil, err
	}
	return profileList(p), nil
}

func (h handlers) addRoleToInstanceProfile(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.AddRoleToInstanceProfile(ctx, c, p[0], p[1])
}

func (h handlers) removeRoleFromInstanceProfile(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.RemoveRoleFromInstanceProfile(ctx, c, p[0], p[1])
}

func (h handlers) deleteInstanceProfile(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.DeleteInstanceProfile(ctx, c, p[0])
}
