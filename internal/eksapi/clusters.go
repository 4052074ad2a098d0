package eksapi

import (
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

type vpcConfigRequest struct {
	SubnetIDs             []string `json:"subnetIds"`
	SecurityGroupIDs      []string `json:"securityGroupIds"`
	EndpointPublicAccess  *bool    `json:"endpointPublicAccess"`
	EndpointPrivateAccess *bool    `json:"endpointPrivateAccess"`
}

type createClusterInput struct {
	Name               *string           `json:"name"`
	Version            string            `json:"version"`
	RoleARN            *string           `json:"roleArn"`
	ResourcesVPCConfig *vpcConfigRequest `json:"resourcesVpcConfig"`
	Tags               map[string]string `json:"tags"`
	AccessConfig       *struct {
		AuthenticationMode                      string `json:"authenticationMode"`
		BootstrapClusterCreatorAdminPermissions *bool  `json:"bootstrapClusterCreatorAdminPermissions"`
	} `json:"accessConfig"`
}

type vpcConfigResponse struct {
	SubnetIDs              []string `json:"subnetIds"`
	SecurityGroupIDs       []string `json:"securityGroupIds"`
	ClusterSecurityGroupID string   `json:"clusterSecurityGroupId,omitempty"`
	VPCID                  string   `json:"vpcId,omitempty"`
	EndpointPublicAccess   bool     `json:"endpointPublicAccess"`
	EndpointPrivateAccess  bool     `json:"endpointPrivateAccess"`
	PublicAccessCIDRs      []string `json:"publicAccessCidrs"`
}

type clusterWire struct {
	Name                 string                `json:"name"`
	ARN                  string                `json:"arn"`
	CreatedAt            awsproto.EpochSeconds `json:"createdAt"`
	Version              string                `json:"version"`
	Endpoint             string                `json:"endpoint,omitempty"`
	RoleARN              string                `json:"roleArn"`
	ResourcesVPCConfig   vpcConfigResponse     `json:"resourcesVpcConfig"`
	Identity             identityWire          `json:"identity"`
	Status               string                `json:"status"`
	CertificateAuthority certificateWire       `json:"certificateAuthority"`
	PlatformVersion      string                `json:"platformVersion"`
	Tags                 map[string]string     `json:"tags"`
	AccessConfig         accessConfigWire      `json:"accessConfig"`
}

type identityWire struct {
	OIDC struct {
		Issuer string `json:"issuer"`
	} `json:"oidc"`
}

type certificateWire struct {
	Data string `json:"data,omitempty"`
}

type accessConfigWire struct {
	AuthenticationMode string `json:"authenticationMode"`
}

func clusterOut(c eks.Cluster) clusterWire {
	w := clusterWire{
		Name: c.Name, ARN: c.ARN, CreatedAt: awsproto.EpochSeconds(c.CreatedAt), Version: c.Version, Endpoint: c.Endpoint,
		RoleARN: c.RoleARN, Status: c.Status, CertificateAuthority: certificateWire{c.CAData}, PlatformVersion: "eks.1",
		Tags: c.Tags, AccessConfig: accessConfigWire{c.AuthenticationMode},
		ResourcesVPCConfig: vpcConfigResponse{SubnetIDs: nonNil(c.SubnetIDs), SecurityGroupIDs: nonNil(c.SecurityGroupIDs),
			EndpointPublicAccess: true, PublicAccessCIDRs: []string{"0.0.0.0/0"}},
	}
	w.Identity.OIDC.Issuer = c.IssuerURL
	return w
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type clusterOutput struct {
	Cluster clusterWire `json:"cluster"`
}

func (h handlers) createCluster(r *http.Request, c iam.Caller) (int, any, error) {
	var in createClusterInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Name == nil || in.RoleARN == nil || in.ResourcesVPCConfig == nil {
		return 0, nil, missing("name, roleArn and resourcesVpcConfig")
	}
	x := eks.CreateClusterInput{Name: *in.Name, RoleARN: *in.RoleARN, Version: in.Version, HasVPCConfig: true,
		SubnetIDs: in.ResourcesVPCConfig.SubnetIDs, SecurityGroupIDs: in.ResourcesVPCConfig.SecurityGroupIDs,
		EndpointPublicAccess: in.ResourcesVPCConfig.EndpointPublicAccess, EndpointPrivateAccess: in.ResourcesVPCConfig.EndpointPrivateAccess,
		Tags: in.Tags}
	if in.AccessConfig != nil {
		x.AuthenticationMode = in.AccessConfig.AuthenticationMode
		x.BootstrapClusterCreatorAdminPermissions = in.AccessConfig.BootstrapClusterCreatorAdminPermissions
	}
	cl, err := h.svc.CreateCluster(r.Context(), c, x)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, clusterOutput{clusterOut(cl)}, nil
}

func (h handlers) describeCluster(r *http.Request, c iam.Caller) (int, any, error) {
	cl, err := h.svc.DescribeCluster(r.Context(), c, r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, clusterOutput{clusterOut(cl)}, nil
}

func (h handlers) deleteCluster(r *http.Request, c iam.Caller) (int, any, error) {
	cl, err := h.svc.DeleteCluster(r.Context(), c, r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, clusterOutput{clusterOut(cl)}, nil
}

type listClustersOutput struct {
	Clusters  []string `json:"clusters"`
	NextToken string   `json:"nextToken,omitempty"`
}

func (h handlers) listClusters(r *http.Request, c iam.Caller) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.svc.ListClusters(r.Context(), c, p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listClustersOutput{Clusters: nonNil(out.Items), NextToken: out.NextToken}, nil
}

// missing is the error of a request without a member the model requires.
func missing(members string) error {
	return awsproto.NewError("InvalidParameterException", http.StatusBadRequest, "The request must give "+members+".")
}
