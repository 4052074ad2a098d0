package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func (h handlers) simulateCustomPolicy(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	in, err := simulateInput(q)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.SimulateCustomPolicy(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return simulateResult(page), nil
}

func (h handlers) simulatePrincipalPolicy(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	src, err := q.Required("PolicySourceArn")
	if err != nil {
		return nil, err
	}
	in, err := simulateInput(q)
	if err != nil {
		return nil, err
	}
	in.PolicySourceARN = src
	page, err := h.svc.SimulatePrincipalPolicy(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return simulateResult(page), nil
}

func simulateInput(q *awsproto.QueryRequest) (iam.SimulateInput, error) {
	var in iam.SimulateInput
	var err error
	lists := []struct {
		name string
		to   *[]string
	}{
		{"PolicyInputList", &in.PolicyInputList},
		{"PermissionsBoundaryPolicyInputList", &in.PermissionsBoundaryPolicyInputList},
		{"ActionNames", &in.ActionNames},
		{"ResourceArns", &in.ResourceARNs},
	}
	for _, l := range lists {
		if *l.to, err = q.List(l.name); err != nil {
			return in, err
		}
	}
	entries, err := q.Structs("ContextEntries", "ContextKeyName", "ContextKeyValues", "ContextKeyType")
	if err != nil {
		return in, err
	}
	for _, e := range entries {
		values, err := e.List("ContextKeyValues")
		if err != nil {
			return in, err
		}
		in.ContextEntries = append(in.ContextEntries, iam.ContextEntry{Key: e.Get("ContextKeyName"), Values: values, Type: e.Get("ContextKeyType")})
	}
	in.ResourcePolicy = q.Get("ResourcePolicy")
	in.ResourceOwner = q.Get("ResourceOwner")
	in.CallerARN = q.Get("CallerArn")
	in.PageRequest, err = pageRequest(q)
	return in, err
}

func simulateResult(p iam.Page[iam.EvaluationResult]) *awsproto.SimulatePolicyResult {
	return &awsproto.SimulatePolicyResult{
		EvaluationResults: mapList(p.Items, func(r iam.EvaluationResult) awsproto.EvaluationResult {
			out := awsproto.EvaluationResult{
				EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision,
				MatchedStatements: mapList(r.MatchedStatements, func(m iam.MatchedStatement) awsproto.Statement {
					return awsproto.Statement{SourcePolicyId: m.SourcePolicyID, SourcePolicyType: m.SourcePolicyType}
				}),
				MissingContextValues: append(awsproto.List[string]{}, r.MissingContextValues...),
			}
			if r.AllowedByBoundary != nil {
				out.PermissionsBoundaryDecisionDetail = &awsproto.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: *r.AllowedByBoundary}
			}
			return out
		}),
		IsTruncated: p.IsTruncated, Marker: p.Marker,
	}
}
