package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

// principalActions adds the attach, inline-policy and permissions-boundary
// actions, alike for roles and users.
func principalActions(a map[string]func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error), svc *iam.Service) {
	// The attach and inline-policy actions, alike for roles and users.
	for _, k := range []struct {
		noun, param string
		ops         iam.PrincipalPolicies
	}{{"Role", "RoleName", svc.RolePolicies()}, {"User", "UserName", svc.UserPolicies()}} {
		ops := k.ops
		a["Attach"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return ops.Attach(ctx, c, p[0], p[1]) }, k.param, "PolicyArn")
		a["Detach"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return ops.Detach(ctx, c, p[0], p[1]) }, k.param, "PolicyArn")
		a["ListAttached"+k.noun+"Policies"] = paged(k.param, func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := ops.ListAttached(ctx, c, id, q.Get("PathPrefix"), pr)
			if err != nil {
				return nil, err
			}
			return attached(page), nil
		})
		a["Put"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return ops.PutInline(ctx, c, p[0], p[1], p[2])
		}, k.param, "PolicyName", "PolicyDocument")
		a["Get"+k.noun+"Policy"] = func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := q.RequiredAll(k.param, "PolicyName")
			if err != nil {
				return nil, err
			}
			ip, err := ops.GetInline(ctx, c, p[0], p[1])
			if err != nil {
				return nil, err
			}
			doc := awsproto.EncodePolicyDocument(ip.Document)
			if k.noun == "Role" {
				return &awsproto.GetRolePolicyResult{RoleName: ip.Principal.Name, PolicyName: ip.Name, PolicyDocument: doc}, nil
			}
			return &awsproto.GetUserPolicyResult{UserName: ip.Principal.Name, PolicyName: ip.Name, PolicyDocument: doc}, nil
		}
		a["List"+k.noun+"Policies"] = paged(k.param, func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := ops.ListInline(ctx, c, id, pr)
			if err != nil {
				return nil, err
			}
			return &awsproto.ListInlinePoliciesResult{PolicyNames: append(awsproto.List[string]{}, page.Items...), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
		})
		a["Delete"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return ops.DeleteInline(ctx, c, p[0], p[1]) }, k.param, "PolicyName")
	}
	// Put/Delete...PermissionsBoundary, alike for roles and users.
	for _, k := range []struct {
		noun, param string
		put         func(ctx context.Context, c iam.Caller, name, arn string) error
		del         func(ctx context.Context, c iam.Caller, name string) error
	}{
		{"Role", "RoleName", svc.PutRolePermissionsBoundary, svc.DeleteRolePermissionsBoundary},
		{"User", "UserName", svc.PutUserPermissionsBoundary, svc.DeleteUserPermissionsBoundary},
	} {
		a["Put"+k.noun+"PermissionsBoundary"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return k.put(ctx, c, p[0], p[1]) }, k.param, "PermissionsBoundary")
		a["Delete"+k.noun+"PermissionsBoundary"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return k.del(ctx, c, p[0]) }, k.param)
	}
}
