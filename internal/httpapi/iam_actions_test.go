package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMEveryAction drives every IAM action the server registers through
// aws-sdk-go-v2, checks what each does, checks every response against
// botocore's IAM model, and fails if an action was never called
// successfully.
func TestIAMEveryAction(t *testing.T) {
	env := iamClient(t, true)
	c, ctx := env.c, t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wantCode := func(err error, want string) {
		t.Helper()
		if code(err) != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	}
	s := aws.String
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`

	// Roles: create, update, describe, tag.
	_, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: s("app"), Path: s("/svc/"), AssumeRolePolicyDocument: s(trust)})
	must(err)
	_, err = c.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: s("app"), Description: s("the app"), MaxSessionDuration: aws.Int32(7200)})
	must(err)
	ud, err := c.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: s("app"), Description: s("the app, v2")})
	must(err)
	if aws.ToString(ud.Role.Description) != "the app, v2" || aws.ToInt32(ud.Role.MaxSessionDuration) != 7200 || aws.ToString(ud.Role.Arn) != "arn:aws:iam::111122223333:role/svc/app" {
		t.Fatalf("UpdateRoleDescription role %+v", ud.Role)
	}
	_, err = c.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: s("app"), MaxSessionDuration: aws.Int32(60)})
	wantCode(err, "ValidationError")
	_, err = c.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: s("nobody"), Description: s("x")})
	wantCode(err, "NoSuchEntity")
	must2(t)(c.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: s("app"), PolicyDocument: s(trust)}))
	must2(t)(c.TagRole(ctx, &awsiam.TagRoleInput{RoleName: s("app"), Tags: []types.Tag{{Key: s("team"), Value: s("a")}, {Key: s("env"), Value: s("dev")}}}))
	must2(t)(c.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: s("app"), TagKeys: []string{"ENV"}}))
	rt, err := c.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: s("app")})
	must(err)
	if len(rt.Tags) != 1 || aws.ToString(rt.Tags[0].Key) != "team" {
		t.Fatalf("role tags %+v", rt.Tags)
	}
	roles, err := c.ListRoles(ctx, &awsiam.ListRolesInput{PathPrefix: s("/svc/")})
	must(err)
	if len(roles.Roles) != 1 {
		t.Fatalf("ListRoles(/svc/) = %d roles", len(roles.Roles))
	}

	// Managed policies, versions and tags.
	pol, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: s("read"), PolicyDocument: s(allow), Tags: []types.Tag{{Key: s("owner"), Value: s("me")}}})
	must(err)
	arn := pol.Policy.Arn
	v2, err := c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: s(allow), SetAsDefault: true})
	must(err)
	if aws.ToString(v2.PolicyVersion.VersionId) != "v2" || !v2.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion = %+v", v2.PolicyVersion)
	}
	must2(t)(c.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: s("v1")}))
	must2(t)(c.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: s("v2")}))
	vs, err := c.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: arn})
	must(err)
	if len(vs.Versions) != 1 || aws.ToString(vs.Versions[0].VersionId) != "v1" {
		t.Fatalf("versions %+v", vs.Versions)
	}
	must2(t)(c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: arn, VersionId: s("v1")}))
	must2(t)(c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: arn}))
	must2(t)(c.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: arn, Tags: []types.Tag{{Key: s("Owner"), Value: s("you")}, {Key: s("cost"), Value: s("1")}}}))
	must2(t)(c.UntagPolicy(ctx, &awsiam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"cost"}}))
	pt, err := c.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: arn})
	must(err)
	if len(pt.Tags) != 1 || aws.ToString(pt.Tags[0].Key) != "owner" || aws.ToString(pt.Tags[0].Value) != "you" {
		t.Fatalf("policy tags %+v", pt.Tags)
	}
	_, err = c.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: s("arn:aws:iam::aws:policy/AdministratorAccess"), Tags: []types.Tag{{Key: s("a"), Value: s("b")}}})
	if code(err) == "not an API error: <nil>" || err == nil {
		t.Fatal("tagged an AWS-managed policy")
	}
	lp, err := c.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	must(err)
	if len(lp.Policies) != 1 {
		t.Fatalf("ListPolicies(Local) = %d", len(lp.Policies))
	}

	// Role policies and the permissions boundary.
	must2(t)(c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: s("app"), PolicyArn: arn}))
	must2(t)(c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: s("app"), PolicyName: s("inline"), PolicyDocument: s(allow)}))
	must2(t)(c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: s("app"), PolicyName: s("inline")}))
	rp, err := c.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: s("app")})
	must(err)
	if !slices.Equal(rp.PolicyNames, []string{"inline"}) {
		t.Fatalf("ListRolePolicies = %v", rp.PolicyNames)
	}
	must2(t)(c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: s("app")}))
	must2(t)(c.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: s("app"), PermissionsBoundary: arn}))
	gr, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: s("app")})
	must(err)
	if gr.Role.PermissionsBoundary == nil || aws.ToString(gr.Role.PermissionsBoundary.PermissionsBoundaryArn) != aws.ToString(arn) {
		t.Fatalf("boundary %+v", gr.Role.PermissionsBoundary)
	}
	_, err = c.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: s("app"), PermissionsBoundary: s("arn:aws:iam::111122223333:policy/none")})
	wantCode(err, "NoSuchEntity")

	// Users: create, rename, tag, keys, policies, boundary.
	must2(t)(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: s("bob")}))
	key, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: s("bob")})
	must(err)
	must2(t)(c.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: s("bob"), NewUserName: s("robert"), NewPath: s("/people/")}))
	gu, err := c.GetUser(ctx, &awsiam.GetUserInput{UserName: s("robert")})
	must(err)
	if aws.ToString(gu.User.Arn) != "arn:aws:iam::111122223333:user/people/robert" {
		t.Fatalf("renamed user %+v", gu.User)
	}
	_, err = c.GetUser(ctx, &awsiam.GetUserInput{UserName: s("bob")})
	wantCode(err, "NoSuchEntity")
	lk, err := c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: s("robert")})
	must(err)
	if len(lk.AccessKeyMetadata) != 1 || aws.ToString(lk.AccessKeyMetadata[0].AccessKeyId) != aws.ToString(key.AccessKey.AccessKeyId) {
		t.Fatalf("keys after rename %+v", lk.AccessKeyMetadata)
	}
	must2(t)(c.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: s("robert"), AccessKeyId: key.AccessKey.AccessKeyId, Status: types.StatusTypeInactive}))
	must2(t)(c.TagUser(ctx, &awsiam.TagUserInput{UserName: s("robert"), Tags: []types.Tag{{Key: s("dept"), Value: s("x")}}}))
	ut, err := c.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: s("robert")})
	must(err)
	if len(ut.Tags) != 1 {
		t.Fatalf("user tags %+v", ut.Tags)
	}
	must2(t)(c.UntagUser(ctx, &awsiam.UntagUserInput{UserName: s("robert"), TagKeys: []string{"dept"}}))
	must2(t)(c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: s("robert"), PolicyArn: s("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	must2(t)(c.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: s("robert")}))
	must2(t)(c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: s("robert"), PolicyName: s("mine"), PolicyDocument: s(allow)}))
	must2(t)(c.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: s("robert"), PolicyName: s("mine")}))
	must2(t)(c.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: s("robert")}))
	must2(t)(c.PutUserPermissionsBoundary(ctx, &awsiam.PutUserPermissionsBoundaryInput{UserName: s("robert"), PermissionsBoundary: arn}))
	lu, err := c.ListUsers(ctx, &awsiam.ListUsersInput{})
	must(err)
	if len(lu.Users) != 1 || lu.Users[0].PermissionsBoundary == nil {
		t.Fatalf("ListUsers %+v", lu.Users)
	}

	// A policy used as a boundary cannot be deleted, even when detached.
	must2(t)(c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: s("app"), PolicyArn: arn}))
	_, err = c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: arn})
	wantCode(err, "DeleteConflict")

	// OIDC providers.
	op, err := c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: s("https://issuer.example.com/c1"), ClientIDList: []string{"sts.amazonaws.com"}})
	must(err)
	parn := op.OpenIDConnectProviderArn
	must2(t)(c.AddClientIDToOpenIDConnectProvider(ctx, &awsiam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: parn, ClientID: s("other")}))
	must2(t)(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &awsiam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: parn, ClientID: s("sts.amazonaws.com")}))
	must2(t)(c.UpdateOpenIDConnectProviderThumbprint(ctx, &awsiam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: parn, ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}}))
	must2(t)(c.TagOpenIDConnectProvider(ctx, &awsiam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: parn, Tags: []types.Tag{{Key: s("cluster"), Value: s("kind")}, {Key: s("x"), Value: s("")}}}))
	must2(t)(c.UntagOpenIDConnectProvider(ctx, &awsiam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: parn, TagKeys: []string{"x"}}))
	ot, err := c.ListOpenIDConnectProviderTags(ctx, &awsiam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: parn})
	must(err)
	if len(ot.Tags) != 1 || aws.ToString(ot.Tags[0].Value) != "kind" {
		t.Fatalf("provider tags %+v", ot.Tags)
	}
	gp, err := c.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: parn})
	must(err)
	if !slices.Equal(gp.ClientIDList, []string{"other"}) || len(gp.ThumbprintList) != 1 || len(gp.Tags) != 1 {
		t.Fatalf("provider %+v", gp)
	}
	must2(t)(c.ListOpenIDConnectProviders(ctx, &awsiam.ListOpenIDConnectProvidersInput{}))

	// Instance profiles: at most one role each; a role in one, and a
	// profile holding one, cannot be deleted.
	ip, err := c.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: s("web"), Path: s("/ec2/"), Tags: []types.Tag{{Key: s("tier"), Value: s("front")}}})
	must(err)
	if aws.ToString(ip.InstanceProfile.Arn) != "arn:aws:iam::111122223333:instance-profile/ec2/web" || !strings.HasPrefix(aws.ToString(ip.InstanceProfile.InstanceProfileId), "AIPA") || len(ip.InstanceProfile.Roles) != 0 {
		t.Fatalf("CreateInstanceProfile = %+v", ip.InstanceProfile)
	}
	_, err = c.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: s("WEB")})
	wantCode(err, "EntityAlreadyExists")
	must2(t)(c.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: s("spare")}))
	must2(t)(c.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: s("web"), RoleName: s("app")}))
	_, err = c.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: s("web"), RoleName: s("app")})
	wantCode(err, "LimitExceeded")
	_, err = c.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: s("spare"), RoleName: s("nobody")})
	wantCode(err, "NoSuchEntity")
	_, err = c.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: s("spare"), RoleName: s("app")})
	wantCode(err, "NoSuchEntity")
	gi, err := c.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: s("WEB")})
	must(err)
	if len(gi.InstanceProfile.Roles) != 1 || aws.ToString(gi.InstanceProfile.Roles[0].Arn) != "arn:aws:iam::111122223333:role/svc/app" {
		t.Fatalf("GetInstanceProfile roles %+v", gi.InstanceProfile.Roles)
	}
	_, err = c.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: s("nope")})
	wantCode(err, "NoSuchEntity")
	lip, err := c.ListInstanceProfiles(ctx, &awsiam.ListInstanceProfilesInput{PathPrefix: s("/ec2/")})
	must(err)
	if len(lip.InstanceProfiles) != 1 || aws.ToString(lip.InstanceProfiles[0].InstanceProfileName) != "web" {
		t.Fatalf("ListInstanceProfiles(/ec2/) %+v", lip.InstanceProfiles)
	}
	page, err := c.ListInstanceProfiles(ctx, &awsiam.ListInstanceProfilesInput{MaxItems: aws.Int32(1)})
	must(err)
	if len(page.InstanceProfiles) != 1 || !page.IsTruncated || aws.ToString(page.InstanceProfiles[0].InstanceProfileName) != "spare" {
		t.Fatalf("ListInstanceProfiles page 1 %+v", page)
	}
	page, err = c.ListInstanceProfiles(ctx, &awsiam.ListInstanceProfilesInput{MaxItems: aws.Int32(1), Marker: page.Marker})
	must(err)
	if len(page.InstanceProfiles) != 1 || page.IsTruncated || aws.ToString(page.InstanceProfiles[0].InstanceProfileName) != "web" {
		t.Fatalf("ListInstanceProfiles page 2 %+v", page)
	}
	fr, err := c.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: s("APP")})
	must(err)
	if len(fr.InstanceProfiles) != 1 || aws.ToString(fr.InstanceProfiles[0].InstanceProfileName) != "web" {
		t.Fatalf("ListInstanceProfilesForRole %+v", fr.InstanceProfiles)
	}
	_, err = c.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: s("nobody")})
	wantCode(err, "NoSuchEntity")
	must2(t)(c.TagInstanceProfile(ctx, &awsiam.TagInstanceProfileInput{InstanceProfileName: s("web"), Tags: []types.Tag{{Key: s("x"), Value: s("y")}}}))
	must2(t)(c.UntagInstanceProfile(ctx, &awsiam.UntagInstanceProfileInput{InstanceProfileName: s("web"), TagKeys: []string{"TIER"}}))
	it, err := c.ListInstanceProfileTags(ctx, &awsiam.ListInstanceProfileTagsInput{InstanceProfileName: s("web")})
	must(err)
	if len(it.Tags) != 1 || aws.ToString(it.Tags[0].Key) != "x" {
		t.Fatalf("instance profile tags %+v", it.Tags)
	}
	_, err = c.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: s("web")})
	wantCode(err, "DeleteConflict")
	must2(t)(c.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: s("spare")}))

	// The whole account at once, then in pages of one.
	det, err := c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{})
	must(err)
	if len(det.UserDetailList) != 1 || len(det.RoleDetailList) != 1 || len(det.Policies) != 2 || det.IsTruncated {
		t.Fatalf("details: %d users, %d roles, %d policies", len(det.UserDetailList), len(det.RoleDetailList), len(det.Policies))
	}
	u := det.UserDetailList[0]
	if aws.ToString(u.UserName) != "robert" || len(u.UserPolicyList) != 1 || len(u.AttachedManagedPolicies) != 1 ||
		aws.ToString(u.AttachedManagedPolicies[0].PolicyName) != "ReadOnlyAccess" || u.PermissionsBoundary == nil {
		t.Fatalf("user detail %+v", u)
	}
	r := det.RoleDetailList[0]
	if doc, _ := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument)); doc != trust || len(r.RolePolicyList) != 1 || len(r.AttachedManagedPolicies) != 0 {
		t.Fatalf("role detail %+v", r)
	}
	if len(r.InstanceProfileList) != 1 || aws.ToString(r.InstanceProfileList[0].InstanceProfileName) != "web" ||
		len(r.InstanceProfileList[0].Roles) != 1 || aws.ToString(r.InstanceProfileList[0].Roles[0].RoleName) != "app" {
		t.Fatalf("role detail's instance profiles %+v", r.InstanceProfileList)
	}
	var names []string
	for _, p := range det.Policies {
		names = append(names, aws.ToString(p.PolicyName))
		if len(p.PolicyVersionList) == 0 || p.PolicyVersionList[0].Document == nil {
			t.Fatalf("policy %s without versions", aws.ToString(p.PolicyName))
		}
	}
	if !slices.Equal(names, []string{"ReadOnlyAccess", "read"}) {
		t.Fatalf("detail policies %v (want the attached AWS-managed one and the local one)", names)
	}
	var pages, items int
	for in := (&awsiam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1)}); ; pages++ {
		out, err := c.GetAccountAuthorizationDetails(ctx, in)
		must(err)
		items += len(out.UserDetailList) + len(out.RoleDetailList) + len(out.Policies)
		if !out.IsTruncated {
			break
		}
		in.Marker = out.Marker
	}
	if pages != 3 || items != 4 {
		t.Fatalf("%d pages with %d items, want 4 pages of one", pages+1, items)
	}
	only, err := c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole}})
	must(err)
	if len(only.RoleDetailList) != 1 || len(only.UserDetailList)+len(only.Policies) != 0 {
		t.Fatalf("Filter=Role: %+v", only)
	}
	_, err = c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{"Bucket"}})
	wantCode(err, "ValidationError")

	// Simulation.
	must2(t)(c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{allow}, ActionNames: []string{"s3:GetObject"}}))
	sp, err := c.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::111122223333:role/svc/app"), ActionNames: []string{"s3:GetObject", "s3:PutObject"}})
	must(err)
	if len(sp.EvaluationResults) != 2 || sp.EvaluationResults[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed ||
		sp.EvaluationResults[1].EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Fatalf("SimulatePrincipalPolicy %+v", sp.EvaluationResults)
	}

	// Tear everything down.
	must2(t)(c.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: s("app")}))
	must2(t)(c.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: s("app")})) // none left: no error
	must2(t)(c.DeleteUserPermissionsBoundary(ctx, &awsiam.DeleteUserPermissionsBoundaryInput{UserName: s("robert")}))
	must2(t)(c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: s("app"), PolicyName: s("inline")}))
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: s("app")})
	wantCode(err, "DeleteConflict")
	if !strings.Contains(err.Error(), "must remove roles from instance profile first") {
		t.Fatalf("DeleteRole of a role in a profile: %v", err)
	}
	must2(t)(c.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: s("web"), RoleName: s("app")}))
	must2(t)(c.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: s("web")}))
	must2(t)(c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: s("app")}))
	must2(t)(c.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: s("robert"), PolicyName: s("mine")}))
	must2(t)(c.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: s("robert"), PolicyArn: s("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	must2(t)(c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: s("robert"), AccessKeyId: key.AccessKey.AccessKeyId}))
	gfu, err := c.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: s("robert")})
	must(err)
	if len(gfu.Groups) != 0 || gfu.IsTruncated {
		t.Fatalf("ListGroupsForUser %+v (podiam has no groups)", gfu)
	}
	_, err = c.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: s("nobody")})
	wantCode(err, "NoSuchEntity")
	must2(t)(c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: s("robert")}))
	must2(t)(c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: arn}))
	must2(t)(c.DeleteOpenIDConnectProvider(ctx, &awsiam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: parn}))
	empty, err := c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{})
	must(err)
	if len(empty.UserDetailList)+len(empty.RoleDetailList)+len(empty.Policies) != 0 {
		t.Fatalf("after teardown: %+v", empty)
	}

	for _, a := range env.actions {
		if strings.HasPrefix(a, "iam:") && !env.seen[a] {
			t.Errorf("action %s was never called successfully", a)
		}
	}
}

// must2 fails the test on the error of a call whose result is not needed.
func must2(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}
