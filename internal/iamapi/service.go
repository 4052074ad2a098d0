package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

// handlers holds the IAM service that the named handlers call.
type handlers struct{ svc *iam.Service }

// New is the IAM Query service: every action, each decoded from its
// parameters, run by the iam package; its errors are the Query codec's to
// render.
func New(svc *iam.Service) *httpapi.QueryService {
	h := handlers{svc}
	a := map[string]func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error){
		"CreateRole":                              h.createRole,
		"GetRole":                                 h.getRole,
		"ListRoles":                               h.listRoles,
		"DeleteRole":                              noOutput(h.deleteRole, "RoleName"),
		"UpdateAssumeRolePolicy":                  noOutput(h.updateAssumeRolePolicy, "RoleName", "PolicyDocument"),
		"UpdateRole":                              h.updateRole,
		"UpdateRoleDescription":                   h.updateRoleDescription,
		"CreateUser":                              h.createUser,
		"GetUser":                                 h.getUser,
		"ListUsers":                               h.listUsers,
		"DeleteUser":                              noOutput(h.deleteUser, "UserName"),
		"UpdateUser":                              h.updateUser,
		"ListGroupsForUser":                       paged("UserName", h.listGroupsForUser),
		"CreatePolicy":                            h.createPolicy,
		"GetPolicy":                               h.getPolicy,
		"ListPolicies":                            h.listPolicies,
		"DeletePolicy":                            noOutput(h.deletePolicy, "PolicyArn"),
		"GetPolicyVersion":                        h.getPolicyVersion,
		"CreatePolicyVersion":                     h.createPolicyVersion,
		"ListPolicyVersions":                      paged("PolicyArn", h.listPolicyVersions),
		"DeletePolicyVersion":                     noOutput(h.deletePolicyVersion, "PolicyArn", "VersionId"),
		"SetDefaultPolicyVersion":                 noOutput(h.setDefaultPolicyVersion, "PolicyArn", "VersionId"),
		"CreateAccessKey":                         h.createAccessKey,
		"ListAccessKeys":                          h.listAccessKeys,
		"UpdateAccessKey":                         h.updateAccessKey,
		"DeleteAccessKey":                         h.deleteAccessKey,
		"CreateOpenIDConnectProvider":             h.createOpenIDConnectProvider,
		"GetOpenIDConnectProvider":                h.getOpenIDConnectProvider,
		"ListOpenIDConnectProviders":              h.listOpenIDConnectProviders,
		"DeleteOpenIDConnectProvider":             noOutput(h.deleteOpenIDConnectProvider, "OpenIDConnectProviderArn"),
		"AddClientIDToOpenIDConnectProvider":      noOutput(h.addClientIDToOpenIDConnectProvider, "OpenIDConnectProviderArn", "ClientID"),
		"RemoveClientIDFromOpenIDConnectProvider": noOutput(h.removeClientIDFromOpenIDConnectProvider, "OpenIDConnectProviderArn", "ClientID"),
		"UpdateOpenIDConnectProviderThumbprint":   h.updateOpenIDConnectProviderThumbprint,
		"SimulateCustomPolicy":                    h.simulateCustomPolicy,
		"SimulatePrincipalPolicy":                 h.simulatePrincipalPolicy,
		"GetAccountAuthorizationDetails":          h.getAccountAuthorizationDetails,
		"CreateInstanceProfile":                   h.createInstanceProfile,
		"GetInstanceProfile":                      h.getInstanceProfile,
		"ListInstanceProfiles":                    h.listInstanceProfiles,
		"ListInstanceProfilesForRole":             paged("RoleName", h.listInstanceProfilesForRole),
		"AddRoleToInstanceProfile":                noOutput(h.addRoleToInstanceProfile, "InstanceProfileName", "RoleName"),
		"RemoveRoleFromInstanceProfile":           noOutput(h.removeRoleFromInstanceProfile, "InstanceProfileName", "RoleName"),
		"DeleteInstanceProfile":                   noOutput(h.deleteInstanceProfile, "InstanceProfileName"),
	}
	principalActions(a, svc)
	tagActions(a, svc)
	s := &httpapi.QueryService{Name: "iam", Version: awsproto.IAMVersion, Namespace: awsproto.IAMNamespace, Actions: map[string]httpapi.QueryHandler{}}
	for name, f := range a {
		s.Actions[name] = f
	}
	return s
}
