package stsapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/sts"
)

// handlers holds the STS service that the named handlers call.
type handlers struct{ svc *sts.Service }

// New is the STS Query service over svc: GetCallerIdentity (no permission
// needed), AssumeRole, GetSessionToken and the unsigned
// AssumeRoleWithWebIdentity.
func New(svc *sts.Service) *httpapi.QueryService {
	h := handlers{svc}
	return &httpapi.QueryService{
		Name: "sts", Version: awsproto.STSVersion, Namespace: awsproto.STSNamespace,
		Actions: map[string]httpapi.QueryHandler{
			"GetCallerIdentity":         h.getCallerIdentity,
			"AssumeRole":                h.assumeRole,
			"AssumeRoleWithWebIdentity": h.assumeRoleWithWebIdentity,
			"GetSessionToken":           h.getSessionToken,
		},
		Unsigned: map[string]bool{"AssumeRoleWithWebIdentity": true},
		// STS holds a presigned GetCallerIdentity to 15 minutes after its
		// X-Amz-Date whatever X-Amz-Expires says, and answers it in JSON
		// on request: EKS tokens (aws eks get-token) rely on both.
		IgnoreExpires: map[string]bool{"GetCallerIdentity": true},
		JSON:          map[string]bool{"GetCallerIdentity": true},
	}
}

func (h handlers) getCallerIdentity(_ context.Context, c iam.Caller, _ *awsproto.QueryRequest) (any, error) {
	return &awsproto.GetCallerIdentityResult{UserId: c.UserID, Account: c.Account, Arn: c.ARN}, nil
}

func (h handlers) assumeRole(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("RoleArn", "RoleSessionName")
	if err != nil {
		return nil, err
	}
	in := sts.AssumeRoleInput{RoleARN: p[0], RoleSessionName: p[1], Policy: q.Get("Policy"),
		ExternalID: q.Get("ExternalId"), SourceIdentity: q.Get("SourceIdentity"), SourceIP: c.SourceIP}
	if in.DurationSeconds, _, err = q.Int("DurationSeconds"); err != nil {
		return nil, err
	}
	if in.PolicyARNs, err = policyARNs(q); err != nil {
		return nil, err
	}
	if in.Tags, err = stsTags(q); err != nil {
		return nil, err
	}
	if in.TransitiveTagKeys, err = q.List("TransitiveTagKeys"); err != nil {
		return nil, err
	}
	r, err := h.svc.AssumeRole(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &awsproto.AssumeRoleResult{Credentials: wireCredentials(r), AssumedRoleUser: awsproto.AssumedRoleUser{AssumedRoleId: r.AssumedRoleID, Arn: r.AssumedRoleARN},
		PackedPolicySize: packed(r.PackedPolicySize), SourceIdentity: r.SourceIdentity}, nil
}

func (h handlers) assumeRoleWithWebIdentity(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	p, err := q.RequiredAll("RoleArn", "RoleSessionName", "WebIdentityToken")
	if err != nil {
		return nil, err
	}
	in := sts.WebIdentityInput{RoleARN: p[0], RoleSessionName: p[1], WebIdentityToken: p[2], Policy: q.Get("Policy"),
		ProviderID: q.Get("ProviderId"), SourceIP: c.SourceIP}
	if in.DurationSeconds, _, err = q.Int("DurationSeconds"); err != nil {
		return nil, err
	}
	if in.PolicyARNs, err = policyARNs(q); err != nil {
		return nil, err
	}
	r, err := h.svc.AssumeRoleWithWebIdentity(ctx, in)
	if err != nil {
		return nil, err
	}
	return &awsproto.AssumeRoleWithWebIdentityResult{Credentials: wireCredentials(r), SubjectFromWebIdentityToken: r.Subject,
		AssumedRoleUser:  awsproto.AssumedRoleUser{AssumedRoleId: r.AssumedRoleID, Arn: r.AssumedRoleARN},
		PackedPolicySize: packed(r.PackedPolicySize), Provider: r.Provider, Audience: r.Audience, SourceIdentity: r.SourceIdentity}, nil
}

func (h handlers) getSessionToken(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
	d, _, err := q.Int("DurationSeconds")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.GetSessionToken(ctx, c, d)
	if err != nil {
		return nil, err
	}
	return &awsproto.GetSessionTokenResult{Credentials: awsproto.Credentials{AccessKeyId: r.Credentials.AccessKeyID,
		SecretAccessKey: r.Credentials.Secret.Reveal(), SessionToken: r.Credentials.Token, Expiration: awsproto.Timestamp(r.Expiration)}}, nil
}
