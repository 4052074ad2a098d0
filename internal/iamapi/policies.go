package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func (h handlers) createPolicy(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("PolicyName", "PolicyDocument")
	if err != nil {
		return nil, err
	}
	ts, err := tags(q)
	if err != nil {
		return nil, err
	}
	pol, err := h.svc.CreatePolicy(ctx, c, iam.CreatePolicyInput{PolicyName: p[0], PolicyDocument: p[1], Path: q.Get("Path"), Description: q.Get("Description"), Tags: ts})
	if err != nil {
		return nil, err
	}
	return &awsproto.CreatePolicyResult{Policy: wirePolicy(pol)}, nil
}

func (h handlers) getPolicy(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("PolicyArn")
	if err != nil {
		return nil, err
	}
	pol, err := h.svc.GetPolicy(ctx, c, p[0])
	if err != nil {
		return nil, err
	}
	return &awsproto.GetPolicyResult{Policy: wirePolicy(pol)}, nil
}

func (h handlers) listPolicies(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	pr, err := pageRequest(q)
	if err != nil {
		return nil, err
	}
	only, _, err := q.Bool("OnlyAttached")
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListPolicies(ctx, c, iam.ListPoliciesInput{Scope: q.Get("Scope"), OnlyAttached: only, PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
	if err != nil {
		return nil, err
	}
	return &awsproto.ListPoliciesResult{Policies: mapList(page.Items, wirePolicy), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
}

func (h handlers) deletePolicy(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.DeletePolicy(ctx, c, p[0])
}

func (h handlers) getPolicyVersion(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("PolicyArn", "VersionId")
	if err != nil {
		return nil, err
	}
	v, err := h.svc.GetPolicyVersion(ctx, c, p[0], p[1])
	if err != nil {
		return nil, err
	}
	return &awsproto.GetPolicyVersionResult{PolicyVersion: wireVersion(v)}, nil
}

func (h handlers) createPolicyVersion(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("PolicyArn", "PolicyDocument")
	if err != nil {
		return nil, err
	}
	def, _, err := q.Bool("SetAsDefault")
	if err != nil {
		return nil, err
	}
	v, err := h.svc.CreatePolicyVersion(ctx, c, p[0], p[1], def)
	if err != nil {
		return nil, err
	}
	w := wireVersion(v)
	w.Document = ""
	return &awsproto.CreatePolicyVersionResult{PolicyVersion: w}, nil
}

func (h handlers) listPolicyVersions(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
	page, err := h.svc.ListPolicyVersions(ctx, c, id, pr)
	if err != nil {
		return nil, err
	}
	vs := mapList(page.Items, wireVersion)
	for i := range vs {
		vs[i].Document = ""
	}
	return &awsproto.ListPolicyVersionsResult{Versions: vs, IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
}

func (h handlers) deletePolicyVersion(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.DeletePolicyVersion(ctx, c, p[0], p[1])
}

func (h handlers) setDefaultPolicyVersion(ctx context.Context, c iam.Caller, p []string) error {
	return h.svc.SetDefaultPolicyVersion(ctx, c, p[0], p[1])
}
