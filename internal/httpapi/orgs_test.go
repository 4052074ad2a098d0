package httpapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestOrganizationsEveryAction drives each Organizations action through
// aws-sdk-go-v2, checks the responses against botocore's model, and fails
// if an action was never called successfully.
func TestOrganizationsEveryAction(t *testing.T) {
	env := iamClient(t, true)
	o, ctx := env.orgs, t.Context()
	id, err := env.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::111122223333:root" || !env.seen["sts:GetCallerIdentity"] {
		t.Fatalf("GetCallerIdentity = %+v, %v", id, err)
	}
	org, err := o.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(org.Organization.MasterAccountId) != "111122223333" || org.Organization.FeatureSet != types.OrganizationFeatureSetAll {
		t.Fatalf("organization %+v", org.Organization)
	}
	st, err := o.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("dev@example.com"), AccountName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	if st.CreateAccountStatus.State != types.CreateAccountStateSucceeded || len(aws.ToString(st.CreateAccountStatus.AccountId)) != 12 {
		t.Fatalf("status %+v", st.CreateAccountStatus)
	}
	again, err := o.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.CreateAccountStatus.Id})
	if err != nil || aws.ToString(again.CreateAccountStatus.AccountId) != aws.ToString(st.CreateAccountStatus.AccountId) {
		t.Fatalf("DescribeCreateAccountStatus = %+v, %v", again, err)
	}
	acct, err := o.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: st.CreateAccountStatus.AccountId})
	if err != nil || aws.ToString(acct.Account.Email) != "dev@example.com" || acct.Account.State != types.AccountStateActive {
		t.Fatalf("DescribeAccount = %+v, %v", acct, err)
	}
	list, err := o.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(list.Accounts) != 2 {
		t.Fatalf("ListAccounts = %+v, %v", list, err)
	}
	_, err = o.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("DEV@example.com"), AccountName: aws.String("dup")})
	if err == nil {
		// The request is accepted and fails in its status, as in AWS.
		t.Log("duplicate email accepted as a request")
	}
	_, err = o.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	if code(err) != "AccountNotFoundException" {
		t.Fatalf("DescribeAccount(missing): %v", err)
	}
	for _, a := range env.actions {
		if strings.HasPrefix(a, "organizations:") && !env.seen[a] {
			t.Errorf("action %s was never called successfully", a)
		}
	}
}
