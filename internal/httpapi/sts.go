package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/sts"
)

// stsStatus is the HTTP status of each STS error code.
var stsStatus = map[string]int{
	sts.CodeValidation:            http.StatusBadRequest,
	sts.CodeInvalidParameterValue: http.StatusBadRequest,
	sts.CodeAccessDenied:          http.StatusForbidden,
	sts.CodeMalformedPolicy:       http.StatusBadRequest,
	sts.CodePackedPolicyTooLarge:  http.StatusBadRequest,
	sts.CodeInvalidIdentityToken:  http.StatusBadRequest,
	sts.CodeExpiredTokenException: http.StatusBadRequest,
	sts.CodeIDPRejectedClaim:      http.StatusForbidden,
	sts.CodeIDPCommunication:      http.StatusBadRequest,
}

// stsError converts the service's errors to the wire's.
func stsError(err error) error {
	var se *sts.Error
	if errors.As(err, &se) {
		status, ok := stsStatus[se.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		ae := awsproto.NewError(se.Code, status, se.Message)
		ae.Cause = se.Err
		return ae
	}
	return iamError(err)
}

func wireCredentials(r sts.Result) awsproto.Credentials {
	return awsproto.Credentials{AccessKeyId: r.Credentials.AccessKeyID, SecretAccessKey: r.Credentials.Secret.Reveal(),
		SessionToken: r.Credentials.Token, Expiration: awsproto.Timestamp(r.Expiration)}
}

func packed(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

// stsTags reads Tags.member.N.{Key,Value}.
func stsTags(q *awsproto.QueryRequest) ([]sts.Tag, error) {
	members, err := q.Structs("Tags", "Key", "Value")
	if err != nil {
		return nil, err
	}
	out := make([]sts.Tag, len(members))
	for i, m := range members {
		k, err := m.Required("Key")
		if err != nil {
			return nil, err
		}
		out[i] = sts.Tag{Key: k, Value: m.Get("Value")}
	}
	return out, nil
}

// policyARNs reads PolicyArns.member.N.arn.
func policyARNs(q *awsproto.QueryRequest) ([]string, error) {
	members, err := q.Structs("PolicyArns", "arn")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.Get("arn")
	}
	return out, nil
}

// STS returns the STS service over svc: GetCallerIdentity (no permission
// needed), AssumeRole, GetSessionToken and the unsigned
// AssumeRoleWithWebIdentity.
func STS(svc *sts.Service) *Service {
	a := map[string]Handler{
		"GetCallerIdentity": func(_ context.Context, c *Caller, _ *awsproto.QueryRequest) (any, error) {
			return &awsproto.GetCallerIdentityResult{UserId: c.UserID, Account: c.Account, Arn: c.ARN}, nil
		},
		"AssumeRole": func(ctx context.Context, c *Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "RoleArn", "RoleSessionName")
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
			r, err := svc.AssumeRole(ctx, iamCaller(c), in)
			if err != nil {
				return nil, stsError(err)
			}
			return &awsproto.AssumeRoleResult{Credentials: wireCredentials(r), AssumedRoleUser: awsproto.AssumedRoleUser{AssumedRoleId: r.AssumedRoleID, Arn: r.AssumedRoleARN},
				PackedPolicySize: packed(r.PackedPolicySize), SourceIdentity: r.SourceIdentity}, nil
		},
		"AssumeRoleWithWebIdentity": func(ctx context.Context, _ *Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "RoleArn", "RoleSessionName", "WebIdentityToken")
			if err != nil {
				return nil, err
			}
			in := sts.WebIdentityInput{RoleARN: p[0], RoleSessionName: p[1], WebIdentityToken: p[2], Policy: q.Get("Policy"),
				ProviderID: q.Get("ProviderId"), SourceIP: SourceIP(ctx)}
			if in.DurationSeconds, _, err = q.Int("DurationSeconds"); err != nil {
				return nil, err
			}
			if in.PolicyARNs, err = policyARNs(q); err != nil {
				return nil, err
			}
			r, err := svc.AssumeRoleWithWebIdentity(ctx, in)
			if err != nil {
				return nil, stsError(err)
			}
			return &awsproto.AssumeRoleWithWebIdentityResult{Credentials: wireCredentials(r), SubjectFromWebIdentityToken: r.Subject,
				AssumedRoleUser:  awsproto.AssumedRoleUser{AssumedRoleId: r.AssumedRoleID, Arn: r.AssumedRoleARN},
				PackedPolicySize: packed(r.PackedPolicySize), Provider: r.Provider, Audience: r.Audience, SourceIdentity: r.SourceIdentity}, nil
		},
		"GetSessionToken": func(ctx context.Context, c *Caller, q *awsproto.QueryRequest) (any, error) {
			d, _, err := q.Int("DurationSeconds")
			if err != nil {
				return nil, err
			}
			r, err := svc.GetSessionToken(ctx, iamCaller(c), d)
			if err != nil {
				return nil, stsError(err)
			}
			return &awsproto.GetSessionTokenResult{Credentials: awsproto.Credentials{AccessKeyId: r.Credentials.AccessKeyID,
				SecretAccessKey: r.Credentials.Secret.Reveal(), SessionToken: r.Credentials.Token, Expiration: awsproto.Timestamp(r.Expiration)}}, nil
		},
	}
	return &Service{
		Name: "sts", Version: awsproto.STSVersion, Namespace: awsproto.STSNamespace, Actions: a,
		Unsigned: map[string]bool{"AssumeRoleWithWebIdentity": true},
	}
}

type sourceIPKey struct{}

// SourceIP returns the client address of the request ctx belongs to.
func SourceIP(ctx context.Context) string {
	ip, _ := ctx.Value(sourceIPKey{}).(string)
	return ip
}
