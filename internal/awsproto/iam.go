package awsproto

import (
	"net/url"
	"strings"
)

// IAM result shapes, named as botocore's iam service-2.json names them.

// EncodePolicyDocument percent-encodes a policy document as IAM returns
// documents: every byte but letters, digits and -_.~ is escaped, a space
// as %20 (clients decode with a plain URL unescape).
func EncodePolicyDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// Tag is a key and value.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// AttachedPermissionsBoundary is a user's or role's permissions boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

// Role is an IAM role.
type Role struct {
	Path                     string                       `xml:"Path"`
	RoleName                 string                       `xml:"RoleName"`
	RoleId                   string                       `xml:"RoleId"`
	Arn                      string                       `xml:"Arn"`
	CreateDate               Timestamp                    `xml:"CreateDate"`
	AssumeRolePolicyDocument string                       `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string                       `xml:"Description,omitempty"`
	MaxSessionDuration       int                          `xml:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:"PermissionsBoundary"`
	Tags                     List[Tag]                    `xml:"Tags,omitempty"`
}

// CreateRoleResult is CreateRole's result.
type CreateRoleResult struct {
	Role Role `xml:"Role"`
}

// GetRoleResult is GetRole's result.
type GetRoleResult struct {
	Role Role `xml:"Role"`
}

// ListRolesResult is ListRoles' result.
type ListRolesResult struct {
	Roles       List[Role] `xml:"Roles"`
	IsTruncated bool       `xml:"IsTruncated"`
	Marker      string     `xml:"Marker,omitempty"`
}

// InstanceProfile is an IAM instance profile with its role (at most
// one).
type InstanceProfile struct {
	Path                string     `xml:"Path"`
	InstanceProfileName string     `xml:"InstanceProfileName"`
	InstanceProfileId   string     `xml:"InstanceProfileId"`
	Arn                 string     `xml:"Arn"`
	CreateDate          Timestamp  `xml:"CreateDate"`
	Roles               List[Role] `xml:"Roles"`
	Tags                List[Tag]  `xml:"Tags,omitempty"`
}

// InstanceProfileResult is the result of CreateInstanceProfile and
// GetInstanceProfile.
type InstanceProfileResult struct {
	InstanceProfile InstanceProfile `xml:"InstanceProfile"`
}

// ListInstanceProfilesResult is the result of ListInstanceProfiles and
// ListInstanceProfilesForRole.
type ListInstanceProfilesResult struct {
	InstanceProfiles List[InstanceProfile] `xml:"InstanceProfiles"`
	IsTruncated      bool                  `xml:"IsTruncated"`
	Marker           string                `xml:"Marker,omitempty"`
}

// Group is an IAM group (podiam has none; the shape is for empty lists).
type Group struct {
	Path       string    `xml:"Path"`
	GroupName  string    `xml:"GroupName"`
	GroupId    string    `xml:"GroupId"`
	Arn        string    `xml:"Arn"`
	CreateDate Timestamp `xml:"CreateDate"`
}

// ListGroupsForUserResult is ListGroupsForUser's result.
type ListGroupsForUserResult struct {
	Groups      List[Group] `xml:"Groups"`
	IsTruncated bool        `xml:"IsTruncated"`
	Marker      string      `xml:"Marker,omitempty"`
}

// ListTagsResult is the result of ListRoleTags, ListUserTags,
// ListOpenIDConnectProviderTags and ListPolicyTags.
type ListTagsResult struct {
	Tags        List[Tag] `xml:"Tags"`
	IsTruncated bool      `xml:"IsTruncated"`
	Marker      string    `xml:"Marker,omitempty"`
}

// Policy is a managed policy.
type Policy struct {
	PolicyName                    string    `xml:"PolicyName"`
	PolicyId                      string    `xml:"PolicyId"`
	Arn                           string    `xml:"Arn"`
	Path                          string    `xml:"Path"`
	DefaultVersionId              string    `xml:"DefaultVersionId"`
	AttachmentCount               int       `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int       `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool      `xml:"IsAttachable"`
	Description                   string    `xml:"Description,omitempty"`
	CreateDate                    Timestamp `xml:"CreateDate"`
	UpdateDate                    Timestamp `xml:"UpdateDate"`
	Tags                          List[Tag] `xml:"Tags,omitempty"`
}

// CreatePolicyResult is CreatePolicy's result.
type CreatePolicyResult struct {
	Policy Policy `xml:"Policy"`
}

// GetPolicyResult is GetPolicy's result.
type GetPolicyResult struct {
	Policy Policy `xml:"Policy"`
}

// ListPoliciesResult is ListPolicies' result.
type ListPoliciesResult struct {
	Policies    List[Policy] `xml:"Policies"`
	IsTruncated bool         `xml:"IsTruncated"`
	Marker      string       `xml:"Marker,omitempty"`
}

// PolicyVersion is a version of a managed policy; Document is URL-encoded.
type PolicyVersion struct {
	Document         string    `xml:"Document,omitempty"`
	VersionId        string    `xml:"VersionId"`
	IsDefaultVersion bool      `xml:"IsDefaultVersion"`
	CreateDate       Timestamp `xml:"CreateDate"`
}

// GetPolicyVersionResult is GetPolicyVersion's result.
type GetPolicyVersionResult struct {
	PolicyVersion PolicyVersion `xml:"PolicyVersion"`
}

// CreatePolicyVersionResult is CreatePolicyVersion's result.
type CreatePolicyVersionResult struct {
	PolicyVersion PolicyVersion `xml:"PolicyVersion"`
}

// ListPolicyVersionsResult is ListPolicyVersions' result.
type ListPolicyVersionsResult struct {
	Versions    List[PolicyVersion] `xml:"Versions"`
	IsTruncated bool                `xml:"IsTruncated"`
	Marker      string              `xml:"Marker,omitempty"`
}

// AttachedPolicy names an attached managed policy.
type AttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

// ListAttachedPoliciesResult is the result of ListAttachedRolePolicies
// and ListAttachedUserPolicies.
type ListAttachedPoliciesResult struct {
	AttachedPolicies List[AttachedPolicy] `xml:"AttachedPolicies"`
	IsTruncated      bool                 `xml:"IsTruncated"`
	Marker           string               `xml:"Marker,omitempty"`
}

// GetRolePolicyResult is GetRolePolicy's result; PolicyDocument is
// URL-encoded.
type GetRolePolicyResult struct {
	RoleName       string `xml:"RoleName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

// GetUserPolicyResult is GetUserPolicy's result.
type GetUserPolicyResult struct {
	UserName       string `xml:"UserName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

// ListInlinePoliciesResult is the result of ListRolePolicies and
// ListUserPolicies.
type ListInlinePoliciesResult struct {
	PolicyNames List[string] `xml:"PolicyNames"`
	IsTruncated bool         `xml:"IsTruncated"`
	Marker      string       `xml:"Marker,omitempty"`
}

// User is an IAM user.
type User struct {
	Path                string                       `xml:"Path,omitempty"`
	UserName            string                       `xml:"UserName,omitempty"`
	UserId              string                       `xml:"UserId"`
	Arn                 string                       `xml:"Arn"`
	CreateDate          Timestamp                    `xml:"CreateDate"`
	PermissionsBoundary *AttachedPermissionsBoundary `xml:"PermissionsBoundary"`
	Tags                List[Tag]                    `xml:"Tags,omitempty"`
}

// CreateUserResult is CreateUser's result.
type CreateUserResult struct {
	User User `xml:"User"`
}

// GetUserResult is GetUser's result.
type GetUserResult struct {
	User User `xml:"User"`
}

// ListUsersResult is ListUsers' result.
type ListUsersResult struct {
	Users       List[User] `xml:"Users"`
	IsTruncated bool       `xml:"IsTruncated"`
	Marker      string     `xml:"Marker,omitempty"`
}

// AccessKey is a new access key with its secret.
type AccessKey struct {
	UserName        string    `xml:"UserName"`
	AccessKeyId     string    `xml:"AccessKeyId"`
	Status          string    `xml:"Status"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	CreateDate      Timestamp `xml:"CreateDate"`
}

// CreateAccessKeyResult is CreateAccessKey's result.
type CreateAccessKeyResult struct {
	AccessKey AccessKey `xml:"AccessKey"`
}

// AccessKeyMetadata describes an access key without its secret.
type AccessKeyMetadata struct {
	UserName    string    `xml:"UserName,omitempty"`
	AccessKeyId string    `xml:"AccessKeyId"`
	Status      string    `xml:"Status"`
	CreateDate  Timestamp `xml:"CreateDate"`
}

// ListAccessKeysResult is ListAccessKeys' result.
type ListAccessKeysResult struct {
	AccessKeyMetadata List[AccessKeyMetadata] `xml:"AccessKeyMetadata"`
	IsTruncated       bool                    `xml:"IsTruncated"`
	Marker            string                  `xml:"Marker,omitempty"`
}

// CreateOpenIDConnectProviderResult is CreateOpenIDConnectProvider's
// result.
type CreateOpenIDConnectProviderResult struct {
	OpenIDConnectProviderArn string    `xml:"OpenIDConnectProviderArn"`
	Tags                     List[Tag] `xml:"Tags,omitempty"`
}

// GetOpenIDConnectProviderResult is GetOpenIDConnectProvider's result.
type GetOpenIDConnectProviderResult struct {
	Url            string       `xml:"Url"`
	ClientIDList   List[string] `xml:"ClientIDList"`
	ThumbprintList List[string] `xml:"ThumbprintList"`
	CreateDate     Timestamp    `xml:"CreateDate"`
	Tags           List[Tag]    `xml:"Tags,omitempty"`
}

// OpenIDConnectProviderListEntry names a provider.
type OpenIDConnectProviderListEntry struct {
	Arn string `xml:"Arn"`
}

// ListOpenIDConnectProvidersResult is ListOpenIDConnectProviders' result.
type ListOpenIDConnectProvidersResult struct {
	OpenIDConnectProviderList List[OpenIDConnectProviderListEntry] `xml:"OpenIDConnectProviderList"`
}

// Position is a line and column in a policy document.
type Position struct {
	Line   int `xml:"Line"`
	Column int `xml:"Column"`
}

// Statement is a statement that decided a simulated request.
type Statement struct {
	SourcePolicyId   string    `xml:"SourcePolicyId"`
	SourcePolicyType string    `xml:"SourcePolicyType"`
	StartPosition    *Position `xml:"StartPosition"`
	EndPosition      *Position `xml:"EndPosition"`
}

// PermissionsBoundaryDecisionDetail says whether a permissions boundary
// allowed a simulated request.
type PermissionsBoundaryDecisionDetail struct {
	AllowedByPermissionsBoundary bool `xml:"AllowedByPermissionsBoundary"`
}

// EvaluationResult is the outcome of one simulated action on one
// resource.
type EvaluationResult struct {
	EvalActionName                    string                             `xml:"EvalActionName"`
	EvalResourceName                  string                             `xml:"EvalResourceName"`
	EvalDecision                      string                             `xml:"EvalDecision"`
	MatchedStatements                 List[Statement]                    `xml:"MatchedStatements"`
	MissingContextValues              List[string]                       `xml:"MissingContextValues"`
	EvalDecisionDetails               Map[string]                        `xml:"EvalDecisionDetails,omitempty"`
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `xml:"PermissionsBoundaryDecisionDetail"`
}

// SimulatePolicyResult is the result of SimulateCustomPolicy and
// SimulatePrincipalPolicy.
type SimulatePolicyResult struct {
	EvaluationResults List[EvaluationResult] `xml:"EvaluationResults"`
	IsTruncated       bool                   `xml:"IsTruncated"`
	Marker            string                 `xml:"Marker,omitempty"`
}

// UpdateRoleDescriptionResult is UpdateRoleDescription's result.
type UpdateRoleDescriptionResult struct {
	Role Role `xml:"Role"`
}

// PolicyDetail is an inline policy; PolicyDocument is URL-encoded.
type PolicyDetail struct {
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

// UserDetail is a user with its policies, as GetAccountAuthorizationDetails
// describes it.
type UserDetail struct {
	Path                    string                       `xml:"Path"`
	UserName                string                       `xml:"UserName"`
	UserId                  string                       `xml:"UserId"`
	Arn                     string                       `xml:"Arn"`
	CreateDate              Timestamp                    `xml:"CreateDate"`
	UserPolicyList          List[PolicyDetail]           `xml:"UserPolicyList"`
	GroupList               List[string]                 `xml:"GroupList"`
	AttachedManagedPolicies List[AttachedPolicy]         `xml:"AttachedManagedPolicies"`
	PermissionsBoundary     *AttachedPermissionsBoundary `xml:"PermissionsBoundary"`
	Tags                    List[Tag]                    `xml:"Tags"`
}

// RoleDetail is a role with its policies.
type RoleDetail struct {
	Path                     string                       `xml:"Path"`
	RoleName                 string                       `xml:"RoleName"`
	RoleId                   string                       `xml:"RoleId"`
	Arn                      string                       `xml:"Arn"`
	CreateDate               Timestamp                    `xml:"CreateDate"`
	AssumeRolePolicyDocument string                       `xml:"AssumeRolePolicyDocument"`
	InstanceProfileList      List[InstanceProfile]        `xml:"InstanceProfileList"`
	RolePolicyList           List[PolicyDetail]           `xml:"RolePolicyList"`
	AttachedManagedPolicies  List[AttachedPolicy]         `xml:"AttachedManagedPolicies"`
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:"PermissionsBoundary"`
	Tags                     List[Tag]                    `xml:"Tags"`
}

// ManagedPolicyDetail is a managed policy with every version.
type ManagedPolicyDetail struct {
	PolicyName                    string              `xml:"PolicyName"`
	PolicyId                      string              `xml:"PolicyId"`
	Arn                           string              `xml:"Arn"`
	Path                          string              `xml:"Path"`
	DefaultVersionId              string              `xml:"DefaultVersionId"`
	AttachmentCount               int                 `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int                 `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool                `xml:"IsAttachable"`
	Description                   string              `xml:"Description,omitempty"`
	CreateDate                    Timestamp           `xml:"CreateDate"`
	UpdateDate                    Timestamp           `xml:"UpdateDate"`
	PolicyVersionList             List[PolicyVersion] `xml:"PolicyVersionList"`
}

// GetAccountAuthorizationDetailsResult is GetAccountAuthorizationDetails'
// result.
type GetAccountAuthorizationDetailsResult struct {
	UserDetailList  List[UserDetail]          `xml:"UserDetailList"`
	GroupDetailList List[string]              `xml:"GroupDetailList"`
	RoleDetailList  List[RoleDetail]          `xml:"RoleDetailList"`
	Policies        List[ManagedPolicyDetail] `xml:"Policies"`
	IsTruncated     bool                      `xml:"IsTruncated"`
	Marker          string                    `xml:"Marker,omitempty"`
}

// EmptyResult is the result of an action whose output has no members but
// whose response still holds the result element (UpdateRole).
type EmptyResult struct{}
