package eksapi

import (
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

type createAddonInput struct {
	AddonName             *string           `json:"addonName"`
	AddonVersion          string            `json:"addonVersion"`
	ServiceAccountRoleARN string            `json:"serviceAccountRoleArn"`
	Tags                  map[string]string `json:"tags"`
}

type addonWire struct {
	AddonName             string                `json:"addonName"`
	ClusterName           string                `json:"clusterName"`
	Status                string                `json:"status"`
	AddonVersion          string                `json:"addonVersion"`
	Health                addonHealth           `json:"health"`
	AddonARN              string                `json:"addonArn"`
	CreatedAt             awsproto.EpochSeconds `json:"createdAt"`
	ModifiedAt            awsproto.EpochSeconds `json:"modifiedAt"`
	ServiceAccountRoleARN string                `json:"serviceAccountRoleArn,omitempty"`
	Tags                  map[string]string     `json:"tags"`
}

type addonHealth struct {
	Issues []struct{} `json:"issues"`
}

type addonOutput struct {
	Addon addonWire `json:"addon"`
}

func addonOut(a eks.Addon) addonOutput {
	return addonOutput{addonWire{AddonName: a.Name, ClusterName: a.ClusterName, Status: a.Status, AddonVersion: a.Version,
		Health: addonHealth{Issues: []struct{}{}}, AddonARN: a.ARN, CreatedAt: awsproto.EpochSeconds(a.CreatedAt),
		ModifiedAt: awsproto.EpochSeconds(a.ModifiedAt), ServiceAccountRoleARN: a.ServiceAccountRoleARN, Tags: a.Tags}}
}

func (h handlers) createAddon(r *http.Request, c iam.Caller) (int, any, error) {
	var in createAddonInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.AddonName == nil {
		return 0, nil, missing("addonName")
	}
	a, err := h.svc.CreateAddon(r.Context(), c, eks.CreateAddonInput{ClusterName: r.PathValue("name"), Name: *in.AddonName,
		Version: in.AddonVersion, ServiceAccountRoleARN: in.ServiceAccountRoleARN, Tags: in.Tags})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, addonOut(a), nil
}

func (h handlers) describeAddon(r *http.Request, c iam.Caller) (int, any, error) {
	a, err := h.svc.DescribeAddon(r.Context(), c, r.PathValue("name"), r.PathValue("addonName"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, addonOut(a), nil
}

func (h handlers) deleteAddon(r *http.Request, c iam.Caller) (int, any, error) {
	a, err := h.svc.DeleteAddon(r.Context(), c, r.PathValue("name"), r.PathValue("addonName"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, addonOut(a), nil
}

type listAddonsOutput struct {
	Addons    []string `json:"addons"`
	NextToken string   `json:"nextToken,omitempty"`
}

func (h handlers) listAddons(r *http.Request, c iam.Caller) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.svc.ListAddons(r.Context(), c, r.PathValue("name"), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listAddonsOutput{Addons: nonNil(out.Items), NextToken: out.NextToken}, nil
}
