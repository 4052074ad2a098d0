package iam

import (
	"context"
	"strings"

	"github.com/podiam/podiam/internal/arn"
)

// AuthorizePassRole authorizes caller to pass the role roleARN to a
// service (iam:PassRole on the role): with the role's tags when it is one
// of the caller's account, iam:PassedToService, and
// iam:AssociatedResourceArn when resourceARN is not "" (the resource the
// role is passed for, such as an EKS cluster).
func (s *Service) AuthorizePassRole(ctx context.Context, caller Caller, roleARN, service, resourceARN string) error {
	var keys Keys
	if a, err := arn.Parse(roleARN); err == nil && a.Account == caller.Account && strings.HasPrefix(a.Resource, "role/") {
		r, rerr := s.store.GetRole(ctx, a.Account, a.Resource[strings.LastIndexByte(a.Resource, '/')+1:])
		if rerr == nil && r.ARN == roleARN {
			keys = Keys{ResourceTags: r.Tags, Principal: true}
		}
	}
	keys.Values = map[string]string{"iam:PassedToService": service}
	if resourceARN != "" {
		keys.Values["iam:AssociatedResourceArn"] = resourceARN
	}
	return s.Authorize(ctx, caller, "iam:PassRole", roleARN, keys)
}
