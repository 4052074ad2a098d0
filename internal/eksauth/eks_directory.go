package eksauth

import (
	"context"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/eks"
)

// EKSDirectory is the Directory of podiam's own EKS control plane: its
// clusters (kept by the EKS generation, as eks keeps them) and their
// associations, read without authorization (EKS Auth authorizes its own
// action).
type EKSDirectory struct{ EKS *eks.Service }

// Cluster returns the cluster with the issuer its tokens carry and, when
// keys were pushed, their JWKS document.
func (d EKSDirectory) Cluster(ctx context.Context, accountID, name string) (Cluster, error) {
	c, err := d.EKS.ClusterByName(ctx, accountID, name)
	if err != nil {
		return Cluster{}, err
	}
	a, err := arn.Parse(c.ARN)
	if err != nil {
		return Cluster{}, err
	}
	out := Cluster{Name: c.Name, ARN: c.ARN, AccountID: c.AccountID, Region: a.Region, Issuer: c.IssuerURL, Tags: c.Tags}
	if len(c.Keys.Keys) > 0 {
		out.Keys = []byte(c.KeysJSON)
	}
	return out, nil
}

// Association returns the association of a cluster's ServiceAccount.
func (d EKSDirectory) Association(ctx context.Context, accountID, cluster, namespace, serviceAccount string) (Association, error) {
	a, err := d.EKS.AssociationFor(ctx, accountID, cluster, namespace, serviceAccount)
	if err != nil {
		return Association{}, err
	}
	return Association{ID: a.ID, ARN: a.ARN, RoleARN: a.RoleARN, TargetRoleARN: a.TargetRoleARN,
		DisableSessionTags: a.DisableSessionTags, Policy: a.Policy}, nil
}
