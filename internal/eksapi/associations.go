package eksapi

import (
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

type createAssociationInput struct {
	Namespace          *string           `json:"namespace"`
	ServiceAccount     *string           `json:"serviceAccount"`
	RoleARN            *string           `json:"roleArn"`
	ClientRequestToken string            `json:"clientRequestToken"`
	Tags               map[string]string `json:"tags"`
	DisableSessionTags *bool             `json:"disableSessionTags"`
	TargetRoleARN      string            `json:"targetRoleArn"`
	Policy             string            `json:"policy"`
}

type updateAssociationInput struct {
	RoleARN            *string `json:"roleArn"`
	ClientRequestToken string  `json:"clientRequestToken"`
	DisableSessionTags *bool   `json:"disableSessionTags"`
	TargetRoleARN      *string `json:"targetRoleArn"`
	Policy             *string `json:"policy"`
}

type associationWire struct {
	ClusterName        string                `json:"clusterName"`
	Namespace          string                `json:"namespace"`
	ServiceAccount     string                `json:"serviceAccount"`
	RoleARN            string                `json:"roleArn"`
	AssociationARN     string                `json:"associationArn"`
	AssociationID      string                `json:"associationId"`
	Tags               map[string]string     `json:"tags"`
	CreatedAt          awsproto.EpochSeconds `json:"createdAt"`
	ModifiedAt         awsproto.EpochSeconds `json:"modifiedAt"`
	OwnerARN           string                `json:"ownerArn,omitempty"`
	DisableSessionTags bool                  `json:"disableSessionTags"`
	TargetRoleARN      string                `json:"targetRoleArn,omitempty"`
	ExternalID         string                `json:"externalId,omitempty"`
	Policy             string                `json:"policy,omitempty"`
}

type associationOutput struct {
	Association associationWire `json:"association"`
}

type associationSummary struct {
	ClusterName    string `json:"clusterName"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	AssociationARN string `json:"associationArn"`
	AssociationID  string `json:"associationId"`
	OwnerARN       string `json:"ownerArn,omitempty"`
}

type listAssociationsOutput struct {
	Associations []associationSummary `json:"associations"`
	NextToken    string               `json:"nextToken,omitempty"`
}

func associationOut(a eks.Association) associationOutput {
	return associationOutput{associationWire{ClusterName: a.ClusterName, Namespace: a.Namespace, ServiceAccount: a.ServiceAccount,
		RoleARN: a.RoleARN, AssociationARN: a.ARN, AssociationID: a.ID, Tags: a.Tags, CreatedAt: awsproto.EpochSeconds(a.CreatedAt),
		ModifiedAt: awsproto.EpochSeconds(a.ModifiedAt), OwnerARN: a.OwnerARN, DisableSessionTags: a.DisableSessionTags,
		TargetRoleARN: a.TargetRoleARN, ExternalID: a.ExternalID, Policy: a.Policy}}
}

func (h handlers) createAssociation(r *http.Request, c iam.Caller) (int, any, error) {
	var in createAssociationInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Namespace == nil || in.ServiceAccount == nil || in.RoleARN == nil {
		return 0, nil, missing("namespace, serviceAccount and roleArn")
	}
	a, err := h.svc.CreatePodIdentityAssociation(r.Context(), c, eks.CreateAssociationInput{ClusterName: r.PathValue("name"),
		Namespace: *in.Namespace, ServiceAccount: *in.ServiceAccount, RoleARN: *in.RoleARN, TargetRoleARN: in.TargetRoleARN,
		DisableSessionTags: in.DisableSessionTags != nil && *in.DisableSessionTags, Policy: in.Policy, Tags: in.Tags})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, associationOut(a), nil
}

func (h handlers) describeAssociation(r *http.Request, c iam.Caller) (int, any, error) {
	a, err := h.svc.DescribePodIdentityAssociation(r.Context(), c, r.PathValue("name"), r.PathValue("associationId"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, associationOut(a), nil
}

func (h handlers) updateAssociation(r *http.Request, c iam.Caller) (int, any, error) {
	var in updateAssociationInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	a, err := h.svc.UpdatePodIdentityAssociation(r.Context(), c, eks.UpdateAssociationInput{ClusterName: r.PathValue("name"),
		ID: r.PathValue("associationId"), RoleARN: in.RoleARN, TargetRoleARN: in.TargetRoleARN,
		DisableSessionTags: in.DisableSessionTags, Policy: in.Policy})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, associationOut(a), nil
}

func (h handlers) deleteAssociation(r *http.Request, c iam.Caller) (int, any, error) {
	a, err := h.svc.DeletePodIdentityAssociation(r.Context(), c, r.PathValue("name"), r.PathValue("associationId"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, associationOut(a), nil
}

func (h handlers) listAssociations(r *http.Request, c iam.Caller) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	out, err := h.svc.ListPodIdentityAssociations(r.Context(), c, r.PathValue("name"),
		eks.AssociationFilter{Namespace: q.Get("namespace"), ServiceAccount: q.Get("serviceAccount")}, p)
	if err != nil {
		return 0, nil, err
	}
	res := listAssociationsOutput{Associations: []associationSummary{}, NextToken: out.NextToken}
	for _, a := range out.Items {
		res.Associations = append(res.Associations, associationSummary{ClusterName: a.ClusterName, Namespace: a.Namespace,
			ServiceAccount: a.ServiceAccount, AssociationARN: a.ARN, AssociationID: a.ID, OwnerARN: a.OwnerARN})
	}
	return http.StatusOK, res, nil
}
