package httpapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
)

// getCallerIdentityResult is the wire form of GetCallerIdentity's result.
type getCallerIdentityResult struct {
	UserId  string
	Account string
	Arn     string
}

// STS returns the STS service with the actions served so far:
// GetCallerIdentity, which needs no permission.
func STS() *Service {
	return &Service{
		Name: "sts", Version: awsproto.STSVersion, Namespace: awsproto.STSNamespace,
		Actions: map[string]Handler{
			"GetCallerIdentity": func(_ context.Context, c *Caller, _ *awsproto.QueryRequest) (any, error) {
				return &getCallerIdentityResult{UserId: c.UserID, Account: c.Account, Arn: c.ARN}, nil
			},
		},
	}
}
