package httpapi_test

import "strings"

// keyEntry names keys of actions, with the reason they are listed. action
// and key are exact names, or prefixes ending in "*"; a key may also be
// written as the Reference writes it (aws:ResourceTag/${TagKey}).
type keyEntry struct {
	action, key, reason string
}

func (k *keyEntry) matches(action, key string) bool {
	return prefixMatch(k.action, action) && prefixMatch(k.key, key)
}

func prefixMatch(pattern, s string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(p))
	}
	return strings.EqualFold(pattern, s)
}

// notSet are the keys the Reference lists for a served action that podiam
// knowingly does not set, and why. TestConditionKeys fails on an entry
// that matches a key podiam sets, or nothing at all.
var notSet = []keyEntry{
	{action: "s3:PutReplicationConfiguration", key: "s3:isReplicationPauseRequest", reason: "replication is not served: the request is refused after it is authorized, and no pause request exists"},
	{action: "iam:CreateRole", key: "aws:ResourceTag/${TagKey}", reason: "the entity does not exist before the request; the tags it is created with are `aws:RequestTag` keys"},
	{action: "iam:CreateRole", key: "iam:ResourceTag/${TagKey}", reason: "as for `aws:ResourceTag`"},
	{action: "iam:CreateUser", key: "aws:ResourceTag/${TagKey}", reason: "as for iam:CreateRole"},
	{action: "iam:CreateUser", key: "iam:ResourceTag/${TagKey}", reason: "as for iam:CreateRole"},
	{action: "iam:CreatePolicy", key: "aws:ResourceTag/${TagKey}", reason: "as for iam:CreateRole"},
	{action: "iam:CreateOpenIDConnectProvider", key: "aws:ResourceTag/${TagKey}", reason: "as for iam:CreateRole"},
	{action: "iam:CreateInstanceProfile", key: "aws:ResourceTag/${TagKey}", reason: "as for iam:CreateRole"},
	{action: "iam:*", key: "iam:RoleTemplateARN", reason: "role templates (AWS-defined service roles) are not served"},
	{action: "sts:AssumeRole", key: "saml:*", reason: "SAML federation is not served, so no calling session carries SAML claims"},
	{action: "sts:AssumeRole", key: "accounts.google.com:*", reason: "the built-in web identity providers (Google, Facebook, Amazon, Cognito) are not served; podiam federates IAM OIDC providers only"},
	{action: "sts:AssumeRole", key: "graph.facebook.com:*", reason: "as for accounts.google.com"},
	{action: "sts:AssumeRole", key: "www.amazon.com:*", reason: "as for accounts.google.com"},
	{action: "sts:AssumeRole", key: "cognito-identity.amazonaws.com:*", reason: "as for accounts.google.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "accounts.google.com:*", reason: "as for sts:AssumeRole"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "graph.facebook.com:*", reason: "as for accounts.google.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "www.amazon.com:*", reason: "as for accounts.google.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "cognito-identity.amazonaws.com:*", reason: "as for accounts.google.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "token.actions.*", reason: "the claims of particular issuers (GitHub Actions, GitLab, Buildkite, CircleCI, Oracle Cloud) are not keys here; every issuer's sub, aud, azp, oaud and amr are"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "github.com/enterprises/*", reason: "as for token.actions.githubusercontent.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "gitlab.com:*", reason: "as for token.actions.githubusercontent.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "agent.*", reason: "as for token.actions.githubusercontent.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "oidc.circleci.com/*", reason: "as for token.actions.githubusercontent.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "idcs-*", reason: "as for token.actions.githubusercontent.com"},
	{action: "sts:AssumeRoleWithWebIdentity", key: "sts:RoleAuthorizedByIdp", reason: "the roles claim by which an identity provider names the roles it authorizes is not read"},
	{action: "sts:TagSession", key: "saml:aud", reason: "SAML federation is not served"},
	{action: "organizations:*", key: "aws:ResourceTag/${TagKey}", reason: "accounts keep no tags (CreateAccount's tags are request keys only)"},
	{action: "s3:*", key: "aws:ResourceTag/${TagKey}", reason: "buckets and objects have no resource tags here (bucket tagging is not served; object tags are `s3:ExistingObjectTag`)"},
	{action: "s3:*", key: "s3:BucketTag/${TagKey}", reason: "bucket tagging is not served"},
	{action: "s3:*", key: "s3:AccessPoint*", reason: "access points are not served"},
	{action: "s3:*", key: "s3:DataAccessPoint*", reason: "access points are not served"},
	{action: "s3:*", key: "s3:AccessGrantsInstanceArn", reason: "S3 Access Grants are not served"},
	{action: "s3:CreateBucket", key: "aws:RequestTag/${TagKey}", reason: "bucket tags are not served: CreateBucket reads no tags from its request"},
	{action: "s3:CreateBucket", key: "aws:TagKeys", reason: "as for `aws:RequestTag`"},
	{action: "s3:CreateBucket", key: "s3:x-amz-bucket-namespace", reason: "account-regional bucket namespaces are not served"},
	{action: "s3:PutObject", key: "s3:ObjectCreationOperation", reason: "the Reference does not say for which of the operations that s3:PutObject authorizes (PutObject, CopyObject, the multipart ones) it holds"},
	{action: "s3:PutObject", key: "s3:object-lock-event-hold*", reason: "object lock is not served: no request header gives event holds"},
	{action: "s3:PutObject", key: "s3:object-lock-remaining-retention-days", reason: "object lock is not served: podiam keeps no retention to count days from (the request's mode, date and legal hold are keys)"},
	{action: "s3:PutObject", key: "s3:x-amz-object-annotation-directive", reason: "object annotations are not served"},
	{action: "eks:CreateCluster", key: "eks:blockStorageEnabled", reason: "EKS Auto Mode's block storage is not served (CreateCluster reads no storageConfig)"},
	{action: "eks:CreateCluster", key: "eks:bootstrapSelfManagedAddons", reason: "podiam installs no add-ons in a cluster"},
	{action: "eks:CreateCluster", key: "eks:computeConfigEnabled", reason: "EKS Auto Mode is not served (CreateCluster reads no computeConfig)"},
	{action: "eks:CreateCluster", key: "eks:controlPlaneEgressMode", reason: "control-plane networking is not served"},
	{action: "eks:CreateCluster", key: "eks:controlPlaneScalingTier", reason: "control-plane scaling is not served"},
	{action: "eks:CreateCluster", key: "eks:deletionProtection", reason: "deletion protection is not served (CreateCluster reads no deletionProtection)"},
	{action: "eks:CreateCluster", key: "eks:elasticLoadBalancingEnabled", reason: "EKS Auto Mode is not served"},
	{action: "eks:CreateCluster", key: "eks:encryptionConfigProviderKeyArns", reason: "secrets encryption is not served (CreateCluster reads no encryptionConfig)"},
	{action: "eks:CreateCluster", key: "eks:kubeApiServerConfig", reason: "control-plane component configuration is not served"},
	{action: "eks:CreateCluster", key: "eks:kubeControllerManagerConfig", reason: "as for eks:kubeApiServerConfig"},
	{action: "eks:CreateCluster", key: "eks:kubeSchedulerConfig", reason: "as for eks:kubeApiServerConfig"},
	{action: "eks:CreateCluster", key: "eks:loggingType/${type}", reason: "control-plane logging is not served (CreateCluster reads no logging)"},
	{action: "eks:CreateCluster", key: "eks:supportType", reason: "upgrade policies are not served (CreateCluster reads no upgradePolicy)"},
	{action: "eks:CreateCluster", key: "eks:zonalShiftEnabled", reason: "zonal shift is not served"},
	{action: "eks:UpdateClusterConfig", key: "eks:blockStorageEnabled", reason: "EKS Auto Mode is not served: podiam updates only accessConfig.authenticationMode"},
	{action: "eks:UpdateClusterConfig", key: "eks:computeConfigEnabled", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:controlPlaneEgressMode", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:controlPlaneScalingTier", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:deletionProtection", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:elasticLoadBalancingEnabled", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:endpointPrivateAccess", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:endpointPublicAccess", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:kubeApiServerConfig", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:kubeControllerManagerConfig", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:kubeSchedulerConfig", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:loggingType/${type}", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:supportType", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:UpdateClusterConfig", key: "eks:zonalShiftEnabled", reason: "as for `eks:blockStorageEnabled`"},
	{action: "eks:TagResource", key: "eks:accessEntryType", reason: "access entries are not served: only clusters and Pod Identity associations are tagged"},
	{action: "eks:TagResource", key: "eks:clusterName", reason: "as for `eks:accessEntryType`"},
	{action: "eks:TagResource", key: "eks:kubernetesGroups", reason: "as for `eks:accessEntryType`"},
	{action: "eks:TagResource", key: "eks:principalArn", reason: "as for `eks:accessEntryType`"},
	{action: "eks:TagResource", key: "eks:username", reason: "as for `eks:accessEntryType`"},
	{action: "eks:UntagResource", key: "eks:accessEntryType", reason: "access entries are not served: only clusters and Pod Identity associations are tagged"},
	{action: "eks:UntagResource", key: "eks:clusterName", reason: "as for `eks:accessEntryType`"},
	{action: "eks:UntagResource", key: "eks:kubernetesGroups", reason: "as for `eks:accessEntryType`"},
	{action: "eks:UntagResource", key: "eks:principalArn", reason: "as for `eks:accessEntryType`"},
	{action: "eks:UntagResource", key: "eks:username", reason: "as for `eks:accessEntryType`"},
}

// extraKeys are keys podiam sets on an action although the Reference does
// not list them for it, and why.
var extraKeys = []keyEntry{
	{action: "sts:*", key: "${issuer}:*", reason: "the claims of the token's issuer that AWS documents for every IAM OIDC provider (sub, aud, azp, oaud, amr), outside the Reference's per-provider lists"},
	{action: "sts:TagSession", key: "sts:*", reason: "sts:TagSession and sts:SetSourceIdentity are decided within the request that assumes the role, with its context"},
	{action: "sts:SetSourceIdentity", key: "sts:*", reason: "as for sts:TagSession"},
	{action: "sts:SetSourceIdentity", key: "aws:RequestTag/${TagKey}", reason: "as for sts:TagSession"},
	{action: "sts:SetSourceIdentity", key: "aws:TagKeys", reason: "as for sts:TagSession"},
	{action: "s3:GetBucketObjectLockConfiguration", key: "s3:x-amz-content-sha256", reason: "S3 gives the key from every signed request's header; the Reference lists it for nearly every S3 action but these two"},
	{action: "s3:PutBucketObjectLockConfiguration", key: "s3:x-amz-content-sha256", reason: "as for s3:GetBucketObjectLockConfiguration"},
}
