package server

import (
	"context"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/eksauth"
)

// podIdentityDirectory is EKS Auth's view of the EKS control plane: the
// clusters (by the EKS generation, as eks keeps them) and their
// associations, read without authorization (EKS Auth authorizes its own
// action).
type podIdentityDirectory struct{ eks *eks.Service }

func (d podIdentityDirectory) Cluster(ctx context.Context, accountID, name string) (eksauth.Cluster, error) {
	c, err := d.eks.ClusterByName(ctx, accountID, name)
	if err != nil {
		return eksauth.Cluster{}, err
	}
	a, err := arn.Parse(c.ARN)
	if err != nil {
		return eksauth.Cluster{}, err
	}
	out := eksauth.Cluster{Name: c.Name, ARN: c.ARN, AccountID: c.AccountID, Region: a.Region, Issuer: c.IssuerURL, Tags: c.Tags}
	if len(c.Keys.Keys) > 0 {
		out.Keys = []byte(c.KeysJSON)
	}
	return out, nil
}

func (d podIdentityDirectory) Association(ctx context.Context, accountID, cluster, namespace, serviceAccount string) (eksauth.Association, error) {
	a, err := d.eks.AssociationFor(ctx, accountID, cluster, namespace, serviceAccount)
	if err != nil {
		return eksauth.Association{}, err
	}
	return eksauth.Association{ID: a.ID, ARN: a.ARN, RoleARN: a.RoleARN, TargetRoleARN: a.TargetRoleARN,
		DisableSessionTags: a.DisableSessionTags, Policy: a.Policy}, nil
}
