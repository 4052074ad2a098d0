package iamapi

import (
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

func wireTags(ts []store.Tag) awsproto.List[awsproto.Tag] {
	var out awsproto.List[awsproto.Tag]
	for _, t := range ts {
		out = append(out, awsproto.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

func boundary(arn string) *awsproto.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &awsproto.AttachedPermissionsBoundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

func wireRole(r store.Role) awsproto.Role {
	return awsproto.Role{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: awsproto.Timestamp(r.CreatedAt),
		AssumeRolePolicyDocument: awsproto.EncodePolicyDocument(r.AssumeRolePolicyDocument), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundary: boundary(r.PermissionsBoundaryARN), Tags: wireTags(r.Tags),
	}
}

func wirePolicy(p store.ManagedPolicy) awsproto.Policy {
	return awsproto.Policy{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersionID,
		AttachmentCount: p.AttachmentCount, IsAttachable: true, Description: p.Description,
		CreateDate: awsproto.Timestamp(p.CreatedAt), UpdateDate: awsproto.Timestamp(iam.UpdateDate(p).CreatedAt), Tags: wireTags(p.Tags),
	}
}

func wireVersion(v iam.PolicyVersion) awsproto.PolicyVersion {
	return awsproto.PolicyVersion{Document: awsproto.EncodePolicyDocument(v.Document), VersionId: v.ID, IsDefaultVersion: v.IsDefault, CreateDate: awsproto.Timestamp(v.CreatedAt)}
}

func wireUser(u store.User) awsproto.User {
	return awsproto.User{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: awsproto.Timestamp(u.CreatedAt),
		PermissionsBoundary: boundary(u.PermissionsBoundaryARN), Tags: wireTags(u.Tags)}
}

func mapList[T, U any](in []T, f func(T) U) awsproto.List[U] {
	out := make(awsproto.List[U], len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func attached(p iam.Page[iam.AttachedPolicy]) *awsproto.ListAttachedPoliciesResult {
	return &awsproto.ListAttachedPoliciesResult{
		AttachedPolicies: mapList(p.Items, func(a iam.AttachedPolicy) awsproto.AttachedPolicy {
			return awsproto.AttachedPolicy{PolicyName: a.PolicyName, PolicyArn: a.PolicyARN}
		}),
		IsTruncated: p.IsTruncated, Marker: p.Marker,
	}
}

func wireInline(ps []store.InlinePolicy) awsproto.List[awsproto.PolicyDetail] {
	return append(awsproto.List[awsproto.PolicyDetail]{}, mapList(ps, func(p store.InlinePolicy) awsproto.PolicyDetail {
		return awsproto.PolicyDetail{PolicyName: p.Name, PolicyDocument: awsproto.EncodePolicyDocument(p.Document)}
	})...)
}

func wireAttached(as []iam.AttachedPolicy) awsproto.List[awsproto.AttachedPolicy] {
	return append(awsproto.List[awsproto.AttachedPolicy]{}, mapList(as, func(a iam.AttachedPolicy) awsproto.AttachedPolicy {
		return awsproto.AttachedPolicy{PolicyName: a.PolicyName, PolicyArn: a.PolicyARN}
	})...)
}
