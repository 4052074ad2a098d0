package sts_test

import (
	"testing"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/sts"
)

// podTags are the session tags EKS Pod Identity sets.
func podTags(namespace string) []sts.Tag {
	return []sts.Tag{
		{Key: "eks-cluster-arn", Value: "arn:aws:eks:us-east-1:" + acctA + ":cluster/dev"}, {Key: "eks-cluster-name", Value: "dev"},
		{Key: "kubernetes-namespace", Value: namespace}, {Key: "kubernetes-service-account", Value: "app"},
		{Key: "kubernetes-pod-name", Value: "app-1"}, {Key: "kubernetes-pod-uid", Value: "0b1d4a8e-0c4e-4d0e-8a4e-2f1c3b5d6e7f"},
	}
}

// TestAssumeRoleForService: a service principal (EKS Auth, for Pod
// Identity) assumes a role whose trust policy names it, with the session
// tags it sets; sts:TagSession must be allowed for tags, another service
// is refused, and a condition on the tags holds.
func TestAssumeRoleForService(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	trust := func(service, actions, cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":[` + actions + `]` + cond + `}]}`
	}
	pod := e.role(acctA, "pod", trust("pods.eks.amazonaws.com", `"sts:AssumeRole","sts:TagSession"`, ""))
	in := sts.ServiceInput{Service: "pods.eks.amazonaws.com", RoleARN: pod.ARN, RoleSessionName: "eks-dev-app-1", Tags: podTags("default")}
	res, err := e.sts.AssumeRoleForService(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.AssumedRoleARN != "arn:aws:sts::"+acctA+":assumed-role/pod/eks-dev-app-1" {
		t.Fatalf("session ARN %s", res.AssumedRoleARN)
	}
	s, _, err := e.keys.OpenSession(res.Credentials.AccessKeyID, res.Credentials.Token, e.now)
	if err != nil || s.Kind != creds.RoleSession || s.RoleID != pod.ID || len(s.Tags) != 6 {
		t.Fatalf("session %+v, %v", s, err)
	}

	noTag := e.role(acctA, "notag", trust("pods.eks.amazonaws.com", `"sts:AssumeRole"`, ""))
	if _, err := e.sts.AssumeRoleForService(ctx, sts.ServiceInput{Service: in.Service, RoleARN: noTag.ARN, RoleSessionName: "s1", Tags: podTags("default")}); code(err) != accessDenied {
		t.Fatalf("tags without sts:TagSession: %v", err)
	}
	if _, err := e.sts.AssumeRoleForService(ctx, sts.ServiceInput{Service: in.Service, RoleARN: noTag.ARN, RoleSessionName: "s1"}); err != nil {
		t.Fatalf("no tags without sts:TagSession: %v", err)
	}
	if _, err := e.sts.AssumeRoleForService(ctx, sts.ServiceInput{Service: "ec2.amazonaws.com", RoleARN: pod.ARN, RoleSessionName: "s1"}); code(err) != accessDenied {
		t.Fatalf("another service: %v", err)
	}

	prodOnly := e.role(acctA, "prod", trust("pods.eks.amazonaws.com", `"sts:AssumeRole","sts:TagSession"`,
		`,"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"prod"}}`))
	if _, err := e.sts.AssumeRoleForService(ctx, sts.ServiceInput{Service: in.Service, RoleARN: prodOnly.ARN, RoleSessionName: "s1", Tags: podTags("default")}); code(err) != accessDenied {
		t.Fatalf("namespace default on the prod-only role: %v", err)
	}
	if _, err := e.sts.AssumeRoleForService(ctx, sts.ServiceInput{Service: in.Service, RoleARN: prodOnly.ARN, RoleSessionName: "s1", Tags: podTags("prod")}); err != nil {
		t.Fatalf("namespace prod on the prod-only role: %v", err)
	}
}
