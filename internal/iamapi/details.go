package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func (h handlers) getAccountAuthorizationDetails(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	filter, err := q.List("Filter")
	if err != nil {
		return nil, err
	}
	pr, err := pageRequest(q)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.GetAccountAuthorizationDetails(ctx, c, filter, pr)
	if err != nil {
		return nil, err
	}
	return authorizationDetails(d), nil
}

func authorizationDetails(d iam.AuthorizationDetails) *awsproto.GetAccountAuthorizationDetailsResult {
	out := &awsproto.GetAccountAuthorizationDetailsResult{
		UserDetailList: awsproto.List[awsproto.UserDetail]{}, GroupDetailList: awsproto.List[string]{},
		RoleDetailList: awsproto.List[awsproto.RoleDetail]{}, Policies: awsproto.List[awsproto.ManagedPolicyDetail]{},
		IsTruncated: d.IsTruncated, Marker: d.Marker,
	}
	for _, u := range d.Users {
		out.UserDetailList = append(out.UserDetailList, awsproto.UserDetail{
			Path: u.User.Path, UserName: u.User.Name, UserId: u.User.ID, Arn: u.User.ARN, CreateDate: awsproto.Timestamp(u.User.CreatedAt),
			UserPolicyList: wireInline(u.Inline), GroupList: awsproto.List[string]{}, AttachedManagedPolicies: wireAttached(u.Attached),
			PermissionsBoundary: boundary(u.User.PermissionsBoundaryARN), Tags: append(awsproto.List[awsproto.Tag]{}, wireTags(u.User.Tags)...),
		})
	}
	for _, r := range d.Roles {
		out.RoleDetailList = append(out.RoleDetailList, awsproto.RoleDetail{
			Path: r.Role.Path, RoleName: r.Role.Name, RoleId: r.Role.ID, Arn: r.Role.ARN, CreateDate: awsproto.Timestamp(r.Role.CreatedAt),
			AssumeRolePolicyDocument: awsproto.EncodePolicyDocument(r.Role.AssumeRolePolicyDocument), InstanceProfileList: append(awsproto.List[awsproto.InstanceProfile]{}, mapList(r.InstanceProfiles, wireProfile)...),
			RolePolicyList: wireInline(r.Inline), AttachedManagedPolicies: wireAttached(r.Attached),
			PermissionsBoundary: boundary(r.Role.PermissionsBoundaryARN), Tags: append(awsproto.List[awsproto.Tag]{}, wireTags(r.Role.Tags)...),
		})
	}
	for _, p := range d.Policies {
		w := wirePolicy(p)
		versions := awsproto.List[awsproto.PolicyVersion]{}
		for _, v := range p.Versions {
			versions = append(versions, awsproto.PolicyVersion{Document: awsproto.EncodePolicyDocument(v.Document), VersionId: v.ID,
				IsDefaultVersion: v.ID == p.DefaultVersionID, CreateDate: awsproto.Timestamp(v.CreatedAt)})
		}
		out.Policies = append(out.Policies, awsproto.ManagedPolicyDetail{
			PolicyName: w.PolicyName, PolicyId: w.PolicyId, Arn: w.Arn, Path: w.Path, DefaultVersionId: w.DefaultVersionId,
			AttachmentCount: w.AttachmentCount, IsAttachable: true, Description: w.Description,
			CreateDate: w.CreateDate, UpdateDate: w.UpdateDate, PolicyVersionList: versions,
		})
	}
	return out
}
