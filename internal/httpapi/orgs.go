package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/orgs"
)

// Organizations serves the Organizations API of svc over the JSON 1.1
// protocol.
func Organizations(svc *orgs.Service) *Service {
	h := func(fn func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error)) JSONHandler {
		return func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error) {
			out, err := fn(ctx, c, req)
			return out, orgsError(err)
		}
	}
	return &Service{
		Name: "organizations", JSONTarget: awsproto.OrganizationsTarget,
		JSONActions: map[string]JSONHandler{
			"CreateAccount": h(func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error) {
				var in awsproto.CreateAccountInput
				if err := req.Decode(&in); err != nil {
					return nil, err
				}
				tags := make([]iam.Tag, len(in.Tags))
				for i, t := range in.Tags {
					tags[i] = iam.Tag{Key: t.Key, Value: t.Value}
				}
				st, err := svc.CreateAccount(ctx, iamCaller(c), in.Email, in.AccountName, in.RoleName, tags)
				if err != nil {
					return nil, err
				}
				return &awsproto.CreateAccountOutput{CreateAccountStatus: statusWire(st)}, nil
			}),
			"DescribeCreateAccountStatus": h(func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error) {
				var in awsproto.DescribeCreateAccountStatusInput
				if err := req.Decode(&in); err != nil {
					return nil, err
				}
				st, err := svc.DescribeCreateAccountStatus(ctx, iamCaller(c), in.CreateAccountRequestId)
				if err != nil {
					return nil, err
				}
				return &awsproto.CreateAccountOutput{CreateAccountStatus: statusWire(st)}, nil
			}),
			"ListAccounts": h(func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error) {
				var in awsproto.ListAccountsInput
				if err := req.Decode(&in); err != nil {
					return nil, err
				}
				accts, err := svc.ListAccounts(ctx, iamCaller(c))
				if err != nil {
					return nil, err
				}
				out := &awsproto.ListAccountsOutput{Accounts: []awsproto.OrgAccount{}}
				for _, a := range accts {
					out.Accounts = append(out.Accounts, accountWire(a))
				}
				return out, nil
			}),
			"DescribeAccount": h(func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error) {
				var in awsproto.DescribeAccountInput
				if err := req.Decode(&in); err != nil {
					return nil, err
				}
				a, err := svc.DescribeAccount(ctx, iamCaller(c), in.AccountId)
				if err != nil {
					return nil, err
				}
				return &awsproto.DescribeAccountOutput{Account: accountWire(a)}, nil
			}),
			"DescribeOrganization": h(func(ctx context.Context, c *Caller, _ *awsproto.JSONRequest) (any, error) {
				o, err := svc.DescribeOrganization(ctx, iamCaller(c))
				if err != nil {
					return nil, err
				}
				return &awsproto.DescribeOrganizationOutput{Organization: awsproto.Organization{
					Id: o.ID, Arn: o.ARN, FeatureSet: "ALL", MasterAccountArn: o.ManagementARN,
					MasterAccountId: o.ManagementAccountID, MasterAccountEmail: o.ManagementEmail,
					AvailablePolicyTypes: []struct{ Type, Status string }{},
				}}, nil
			}),
		},
	}
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

// orgsError gives an Organizations error its HTTP status.
func orgsError(err error) error {
	var oe *orgs.Error
	if !errors.As(err, &oe) {
		return err
	}
	status := http.StatusBadRequest
	return awsproto.NewError(oe.Code, status, oe.Message)
}
