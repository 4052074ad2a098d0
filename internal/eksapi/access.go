package eksapi

import (
	"net/http"

	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

// Access entries, access policies, the authentication mode's updates,
// and podiam's ResolveAccess for the authenticator.

type createAccessEntryInput struct {
	PrincipalARN       *string           `json:"principalArn"`
	KubernetesGroups   []string          `json:"kubernetesGroups"`
	Tags               map[string]string `json:"tags"`
	ClientRequestToken string            `json:"clientRequestToken"`
	Username           string            `json:"username"`
	Type               string            `json:"type"`
}

type updateAccessEntryInput struct {
	KubernetesGroups   *[]string `json:"kubernetesGroups"`
	ClientRequestToken string    `json:"clientRequestToken"`
	Username           *string   `json:"username"`
}

type accessEntryWire struct {
	ClusterName      string                `json:"clusterName"`
	PrincipalARN     string                `json:"principalArn"`
	KubernetesGroups []string              `json:"kubernetesGroups"`
	AccessEntryARN   string                `json:"accessEntryArn"`
	CreatedAt        awsproto.EpochSeconds `json:"createdAt"`
	ModifiedAt       awsproto.EpochSeconds `json:"modifiedAt"`
	Tags             map[string]string     `json:"tags"`
	Username         string                `json:"username"`
	Type             string                `json:"type"`
}

type accessEntryOutput struct {
	AccessEntry accessEntryWire `json:"accessEntry"`
}

type accessScopeWire struct {
	Type       string   `json:"type"`
	Namespaces []string `json:"namespaces"`
}

type associatedPolicyWire struct {
	PolicyARN    string                `json:"policyArn"`
	AccessScope  accessScopeWire       `json:"accessScope"`
	AssociatedAt awsproto.EpochSeconds `json:"associatedAt"`
	ModifiedAt   awsproto.EpochSeconds `json:"modifiedAt"`
}

type associateAccessPolicyInput struct {
	PolicyARN   *string          `json:"policyArn"`
	AccessScope *accessScopeWire `json:"accessScope"`
}

type associateAccessPolicyOutput struct {
	ClusterName            string               `json:"clusterName"`
	PrincipalARN           string               `json:"principalArn"`
	AssociatedAccessPolicy associatedPolicyWire `json:"associatedAccessPolicy"`
}

type listAssociatedOutput struct {
	ClusterName              string                 `json:"clusterName"`
	PrincipalARN             string                 `json:"principalArn"`
	NextToken                string                 `json:"nextToken,omitempty"`
	AssociatedAccessPolicies []associatedPolicyWire `json:"associatedAccessPolicies"`
}

type accessPolicyWire struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

type updateClusterConfigInput struct {
	AccessConfig *struct {
		AuthenticationMode string `json:"authenticationMode"`
	} `json:"accessConfig"`
	ClientRequestToken string `json:"clientRequestToken"`
}

type updateParamWire struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type updateWire struct {
	ID        string                `json:"id"`
	Status    string                `json:"status"`
	Type      string                `json:"type"`
	Params    []updateParamWire     `json:"params"`
	CreatedAt awsproto.EpochSeconds `json:"createdAt"`
	Errors    []struct{}            `json:"errors"`
}

type updateOutput struct {
	Update updateWire `json:"update"`
}

// resolveAccessOutput is podiam's own operation's answer (no AWS
// equivalent): what the authenticator needs of one caller.
type resolveAccessOutput struct {
	AuthenticationMode string               `json:"authenticationMode"`
	AccessEntry        *resolvedEntryWire   `json:"accessEntry,omitempty"`
	AccessPolicies     []resolvedPolicyWire `json:"accessPolicies"`
}

type resolvedEntryWire struct {
	PrincipalARN     string   `json:"principalArn"`
	Username         string   `json:"username"`
	KubernetesGroups []string `json:"kubernetesGroups"`
	Type             string   `json:"type"`
}

type resolvedPolicyWire struct {
	PolicyARN   string          `json:"policyArn"`
	AccessScope accessScopeWire `json:"accessScope"`
}

func entryOut(e eks.AccessEntry) accessEntryOutput {
	groups := e.KubernetesGroups
	if groups == nil {
		groups = []string{}
	}
	return accessEntryOutput{accessEntryWire{ClusterName: e.ClusterName, PrincipalARN: e.PrincipalARN, KubernetesGroups: groups,
		AccessEntryARN: e.ARN, CreatedAt: awsproto.EpochSeconds(e.CreatedAt), ModifiedAt: awsproto.EpochSeconds(e.ModifiedAt),
		Tags: e.Tags, Username: e.Username, Type: e.Type}}
}

func scopeOut(s accesspolicy.Scope) accessScopeWire {
	ns := s.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return accessScopeWire{Type: s.Type, Namespaces: ns}
}

func policyOut(p eks.AssociatedPolicy) associatedPolicyWire {
	return associatedPolicyWire{PolicyARN: p.PolicyARN, AccessScope: scopeOut(p.Scope),
		AssociatedAt: awsproto.EpochSeconds(p.AssociatedAt), ModifiedAt: awsproto.EpochSeconds(p.ModifiedAt)}
}

func updateOut(u eks.Update) updateOutput {
	w := updateWire{ID: u.ID, Status: u.Status, Type: u.Type, CreatedAt: awsproto.EpochSeconds(u.CreatedAt), Errors: []struct{}{}}
	for _, p := range u.Params {
		w.Params = append(w.Params, updateParamWire{Type: p.Type, Value: p.Value})
	}
	return updateOutput{w}
}

func (h handlers) createAccessEntry(r *http.Request, c iam.Caller) (int, any, error) {
	var in createAccessEntryInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.PrincipalARN == nil {
		return 0, nil, missing("principalArn")
	}
	e, err := h.svc.CreateAccessEntry(r.Context(), c, eks.CreateAccessEntryInput{ClusterName: r.PathValue("name"),
		PrincipalARN: *in.PrincipalARN, Type: in.Type, Username: in.Username, KubernetesGroups: in.KubernetesGroups, Tags: in.Tags})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, entryOut(e), nil
}

func (h handlers) describeAccessEntry(r *http.Request, c iam.Caller) (int, any, error) {
	e, err := h.svc.DescribeAccessEntry(r.Context(), c, r.PathValue("name"), r.PathValue("principalArn"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, entryOut(e), nil
}

func (h handlers) updateAccessEntry(r *http.Request, c iam.Caller) (int, any, error) {
	var in updateAccessEntryInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	e, err := h.svc.UpdateAccessEntry(r.Context(), c, eks.UpdateAccessEntryInput{ClusterName: r.PathValue("name"),
		PrincipalARN: r.PathValue("principalArn"), Username: in.Username, KubernetesGroups: in.KubernetesGroups})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, entryOut(e), nil
}

func (h handlers) deleteAccessEntry(r *http.Request, c iam.Caller) (int, any, error) {
	if err := h.svc.DeleteAccessEntry(r.Context(), c, r.PathValue("name"), r.PathValue("principalArn")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (h handlers) listAccessEntries(r *http.Request, c iam.Caller) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.svc.ListAccessEntries(r.Context(), c, r.PathValue("name"), r.URL.Query().Get("associatedPolicyArn"), p)
	if err != nil {
		return 0, nil, err
	}
	items := out.Items
	if items == nil {
		items = []string{}
	}
	return http.StatusOK, struct {
		AccessEntries []string `json:"accessEntries"`
		NextToken     string   `json:"nextToken,omitempty"`
	}{items, out.NextToken}, nil
}

func (h handlers) associateAccessPolicy(r *http.Request, c iam.Caller) (int, any, error) {
	var in associateAccessPolicyInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.PolicyARN == nil || in.AccessScope == nil {
		return 0, nil, missing("policyArn and accessScope")
	}
	cluster, principal := r.PathValue("name"), r.PathValue("principalArn")
	p, err := h.svc.AssociateAccessPolicy(r.Context(), c, cluster, principal, *in.PolicyARN,
		accesspolicy.Scope{Type: in.AccessScope.Type, Namespaces: in.AccessScope.Namespaces})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, associateAccessPolicyOutput{ClusterName: cluster, PrincipalARN: principal, AssociatedAccessPolicy: policyOut(p)}, nil
}

func (h handlers) disassociateAccessPolicy(r *http.Request, c iam.Caller) (int, any, error) {
	if err := h.svc.DisassociateAccessPolicy(r.Context(), c, r.PathValue("name"), r.PathValue("principalArn"), r.PathValue("policyArn")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (h handlers) listAssociatedAccessPolicies(r *http.Request, c iam.Caller) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	cluster, principal := r.PathValue("name"), r.PathValue("principalArn")
	out, err := h.svc.ListAssociatedAccessPolicies(r.Context(), c, cluster, principal, p)
	if err != nil {
		return 0, nil, err
	}
	res := listAssociatedOutput{ClusterName: cluster, PrincipalARN: principal, NextToken: out.NextToken, AssociatedAccessPolicies: []associatedPolicyWire{}}
	for _, a := range out.Items {
		res.AssociatedAccessPolicies = append(res.AssociatedAccessPolicies, policyOut(a))
	}
	return http.StatusOK, res, nil
}

func (h handlers) listAccessPolicies(r *http.Request, c iam.Caller) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.svc.ListAccessPolicies(r.Context(), c, p)
	if err != nil {
		return 0, nil, err
	}
	res := struct {
		AccessPolicies []accessPolicyWire `json:"accessPolicies"`
		NextToken      string             `json:"nextToken,omitempty"`
	}{AccessPolicies: []accessPolicyWire{}, NextToken: out.NextToken}
	for _, a := range out.Items {
		res.AccessPolicies = append(res.AccessPolicies, accessPolicyWire{Name: a.Name, ARN: a.ARN})
	}
	return http.StatusOK, res, nil
}

func (h handlers) updateClusterConfig(r *http.Request, c iam.Caller) (int, any, error) {
	var in updateClusterConfigInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	mode := ""
	if in.AccessConfig != nil {
		mode = in.AccessConfig.AuthenticationMode
	}
	u, err := h.svc.UpdateClusterConfig(r.Context(), c, r.PathValue("name"), mode)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, updateOut(u), nil
}

func (h handlers) describeUpdate(r *http.Request, c iam.Caller) (int, any, error) {
	u, err := h.svc.DescribeUpdate(r.Context(), c, r.PathValue("name"), r.PathValue("updateId"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, updateOut(u), nil
}

func (h handlers) resolveAccess(r *http.Request, c iam.Caller) (int, any, error) {
	q := r.URL.Query()
	a, err := h.svc.ResolveAccess(r.Context(), c, r.PathValue("name"), q.Get("principalId"), q.Get("principalArn"))
	if err != nil {
		return 0, nil, err
	}
	out := resolveAccessOutput{AuthenticationMode: a.AuthenticationMode, AccessPolicies: []resolvedPolicyWire{}}
	if a.Entry != nil {
		groups := a.Entry.KubernetesGroups
		if groups == nil {
			groups = []string{}
		}
		out.AccessEntry = &resolvedEntryWire{PrincipalARN: a.Entry.PrincipalARN, Username: a.Entry.Username, KubernetesGroups: groups, Type: a.Entry.Type}
		for _, p := range a.Entry.Policies {
			out.AccessPolicies = append(out.AccessPolicies, resolvedPolicyWire{PolicyARN: p.PolicyARN, AccessScope: scopeOut(p.Scope)})
		}
	}
	return http.StatusOK, out, nil
}
