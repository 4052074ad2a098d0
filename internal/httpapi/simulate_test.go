package httpapi_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestSimulateCustomPolicy(t *testing.T) {
	c := newIAMClient(t)
	ctx := t.Context()
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Sid":"Tagged","Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":["a","b"]}}},
		{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`
	out, err := c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{doc},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
		ResourceArns:    []string{"arn:aws:s3:::b/k", "arn:aws:s3:::other/k"},
		ContextEntries: []types.ContextEntry{{
			ContextKeyName: aws.String("aws:RequestTag/team"), ContextKeyValues: []string{"b"}, ContextKeyType: types.ContextKeyTypeEnumString,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action, resource string
		decision         types.PolicyEvaluationDecisionType
		sid              string
	}{
		{"s3:GetObject", "arn:aws:s3:::b/k", types.PolicyEvaluationDecisionTypeAllowed, "PolicyInputList.1"},
		{"s3:GetObject", "arn:aws:s3:::other/k", types.PolicyEvaluationDecisionTypeImplicitDeny, ""},
		{"s3:PutObject", "arn:aws:s3:::b/k", types.PolicyEvaluationDecisionTypeAllowed, "PolicyInputList.1"},
		{"s3:PutObject", "arn:aws:s3:::other/k", types.PolicyEvaluationDecisionTypeAllowed, "PolicyInputList.1"},
		{"s3:DeleteObject", "arn:aws:s3:::b/k", types.PolicyEvaluationDecisionTypeExplicitDeny, "PolicyInputList.1"},
		{"s3:DeleteObject", "arn:aws:s3:::other/k", types.PolicyEvaluationDecisionTypeExplicitDeny, "PolicyInputList.1"},
	}
	if len(out.EvaluationResults) != len(want) || out.IsTruncated {
		t.Fatalf("%d results (truncated %v), want %d", len(out.EvaluationResults), out.IsTruncated, len(want))
	}
	for i, w := range want {
		r := out.EvaluationResults[i]
		if aws.ToString(r.EvalActionName) != w.action || aws.ToString(r.EvalResourceName) != w.resource || r.EvalDecision != w.decision {
			t.Errorf("result %d: %s on %s: %s; want %s on %s: %s", i, aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision, w.action, w.resource, w.decision)
		}
		if w.sid == "" && len(r.MatchedStatements) != 0 || w.sid != "" && (len(r.MatchedStatements) != 1 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != w.sid) {
			t.Errorf("result %d: matched %+v, want %q", i, r.MatchedStatements, w.sid)
		}
	}

	// Paging, a boundary and a malformed policy.
	page, err := c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`},
		MaxItems:                           aws.Int32(1),
	})
	if err != nil || len(page.EvaluationResults) != 1 || !page.IsTruncated {
		t.Fatalf("page 1 = %+v, %v", page, err)
	}
	if r := page.EvaluationResults[0]; r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || r.PermissionsBoundaryDecisionDetail == nil || !r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("page 1 result %+v", r)
	}
	next, err := c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`},
		MaxItems:                           aws.Int32(1), Marker: page.Marker,
	})
	if err != nil || len(next.EvaluationResults) != 1 || next.IsTruncated {
		t.Fatalf("page 2 = %+v, %v", next, err)
	}
	if r := next.EvaluationResults[0]; aws.ToString(r.EvalActionName) != "s3:PutObject" || r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny ||
		r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("page 2 result %+v", r)
	}
	// On "*", the condition keys of the statements about an action that
	// no context entry gave.
	miss, err := c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{doc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Put*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}}]}`},
		ActionNames:     []string{"s3:PutObject", "s3:GetObject"},
		ContextEntries:  []types.ContextEntry{{ContextKeyName: aws.String("aws:securetransport"), ContextKeyValues: []string{"true"}, ContextKeyType: types.ContextKeyTypeEnumBoolean}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := miss.EvaluationResults[0].MissingContextValues; !slices.Equal(got, []string{"aws:RequestTag/team", "aws:SourceIp"}) {
		t.Errorf("PutObject: missing %v, want aws:RequestTag/team and aws:SourceIp", got)
	}
	if got := miss.EvaluationResults[1].MissingContextValues; len(got) != 0 {
		t.Errorf("GetObject: missing %v, want none", got)
	}
	_, err = c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Version":"2012-10-17"`}, ActionNames: []string{"s3:GetObject"}})
	if code(err) != "MalformedPolicyDocument" {
		t.Errorf("malformed policy: %v", err)
	}
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	c := newIAMClient(t)
	ctx := t.Context()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	role, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("deny-secret"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: role.Role.Arn, ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::b/k", "arn:aws:s3:::secret/k"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		decision types.PolicyEvaluationDecisionType
		source   string
		typ      types.PolicySourceType
	}{
		{types.PolicyEvaluationDecisionTypeAllowed, "read", types.PolicySourceTypeUserManaged},
		{types.PolicyEvaluationDecisionTypeExplicitDeny, "deny-secret", types.PolicySourceTypeRole},
		{types.PolicyEvaluationDecisionTypeImplicitDeny, "", ""},
		{types.PolicyEvaluationDecisionTypeImplicitDeny, "", ""},
	}
	if len(out.EvaluationResults) != len(want) {
		t.Fatalf("%d results, want %d", len(out.EvaluationResults), len(want))
	}
	for i, w := range want {
		r := out.EvaluationResults[i]
		if r.EvalDecision != w.decision {
			t.Errorf("result %d: %s, want %s", i, r.EvalDecision, w.decision)
		}
		if w.source != "" && (len(r.MatchedStatements) != 1 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != w.source || r.MatchedStatements[0].SourcePolicyType != w.typ) {
			t.Errorf("result %d: matched %+v, want %s (%s)", i, r.MatchedStatements, w.source, w.typ)
		}
	}
	_, err = c.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::111122223333:role/missing"), ActionNames: []string{"s3:GetObject"},
	})
	if code(err) != "NoSuchEntity" {
		t.Errorf("missing role: %v", err)
	}
}
