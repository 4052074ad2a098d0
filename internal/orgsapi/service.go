package orgsapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/orgs"
)

// handlers holds the Organizations service that the named handlers call.
type handlers struct{ svc *orgs.Service }

// New is the Organizations service over svc on the JSON 1.1 protocol.
func New(svc *orgs.Service) *httpapi.JSONService {
	h := handlers{svc}
	return &httpapi.JSONService{
		Name: "organizations", Target: awsproto.OrganizationsTarget,
		Actions: map[string]httpapi.JSONHandler{
			"CreateAccount":               h.createAccount,
			"DescribeCreateAccountStatus": h.describeCreateAccountStatus,
			"ListAccounts":                h.listAccounts,
			"DescribeAccount":             h.describeAccount,
			"DescribeOrganization":        h.describeOrganization,
		},
	}
}

func (h handlers) createAccount(ctx context.Context, c iam.Caller, req *awsproto.JSONRequest) (any, error) {
	var in awsproto.CreateAccountInput
	if err := req.Decode(&in); err != nil {
		return nil, err
	}
	tags := make([]iam.Tag, len(in.Tags))
	for i, t := range in.Tags {
		tags[i] = iam.Tag{Key: t.Key, Value: t.Value}
	}
	st, err := h.svc.CreateAccount(ctx, c, in.Email, in.AccountName, in.RoleName, tags)
	if err != nil {
		return nil, err
	}
	return &awsproto.CreateAccountOutput{CreateAccountStatus: statusWire(st)}, nil
}

func (h handlers) describeCreateAccountStatus(ctx context.Context, c iam.Caller, req *awsproto.JSONRequest) (any, error) {
	var in awsproto.DescribeCreateAccountStatusInput
	if err := req.Decode(&in); err != nil {
		return nil, err
	}
	st, err := h.svc.DescribeCreateAccountStatus(ctx, c, in.CreateAccountRequestId)
	if err != nil {
		return nil, err
	}
	return &awsproto.CreateAccountOutput{CreateAccountStatus: statusWire(st)}, nil
}

func (h handlers) listAccounts(ctx context.Context, c iam.Caller, req *awsproto.JSONRequest) (any, error) {
	var in awsproto.ListAccountsInput
	if err := req.Decode(&in); err != nil {
		return nil, err
	}
	accts, err := h.svc.ListAccounts(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &awsproto.ListAccountsOutput{Accounts: []awsproto.OrgAccount{}}
	for _, a := range accts {
		out.Accounts = append(out.Accounts, accountWire(a))
	}
	return out, nil
}

func (h handlers) describeAccount(ctx context.Context, c iam.Caller, req *awsproto.JSONRequest) (any, error) {
	var in awsproto.DescribeAccountInput
	if err := req.Decode(&in); err != nil {
		return nil, err
	}
	a, err := h.svc.DescribeAccount(ctx, c, in.AccountId)
	if err != nil {
		return nil, err
	}
	return &awsproto.DescribeAccountOutput{Account: accountWire(a)}, nil
}

func (h handlers) describeOrganization(ctx context.Context, c iam.Caller, _ *awsproto.JSONRequest) (any, error) {
	o, err := h.svc.DescribeOrganization(ctx, c)
	if err != nil {
		return nil, err
	}
	return &awsproto.DescribeOrganizationOutput{Organization: awsproto.Organization{
		Id: o.ID, Arn: o.ARN, FeatureSet: "ALL", MasterAccountArn: o.ManagementARN,
		MasterAccountId: o.ManagementAccountID, MasterAccountEmail: o.ManagementEmail,
		AvailablePolicyTypes: []struct{ Type, Status string }{},
	}}, nil
}

func statusWire(st orgs.Status) awsproto.CreateAccountStatus {
	return awsproto.CreateAccountStatus{
		Id: st.ID, AccountName: st.AccountName, State: st.State, AccountId: st.AccountID, FailureReason: st.FailureReason,
		RequestedTimestamp: awsproto.EpochSeconds(st.Requested), CompletedTimestamp: awsproto.EpochSeconds(st.Completed),
	}
}

func accountWire(a orgs.Account) awsproto.OrgAccount {
	return awsproto.OrgAccount{Id: a.ID, Arn: a.ARN, Email: a.Email, Name: a.Name, Status: "ACTIVE", State: "ACTIVE",
		JoinedMethod: a.Joined, JoinedTimestamp: awsproto.EpochSeconds(a.CreatedAt)}
}
