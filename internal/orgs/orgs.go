package orgs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// Organizations' failures are *fault.Error values of these kinds:
// AccessDenied, NotFound (of an Account or an AccountRequest, a
// CreateAccount request), InvalidInput and Failure. Their messages are
// AWS's; the JSON codec (package awsproto) gives them Organizations'
// codes.

// DefaultRoleName is the role CreateAccount makes in a new account.
const DefaultRoleName = "OrganizationAccountAccessRole"

// AdministratorAccess is the AWS-managed policy the role gets.
const AdministratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"

// Service is the Organizations service.
type Service struct {
	store store.Store
	iam   *iam.Service
	now   func() time.Time
	rand  io.Reader
}

// New builds the service.
func New(st store.Store, iamSvc *iam.Service, now func() time.Time, rand io.Reader) *Service {
	return &Service{store: st, iam: iamSvc, now: now, rand: rand}
}

// Organization describes the one organization.
type Organization struct {
	ID, ARN             string
	ManagementAccountID string
	ManagementARN       string
	ManagementEmail     string
}

// Account is a member of the organization.
type Account struct {
	store.Account
	ARN    string
	Joined string // CREATED or INVITED
}

// Status is the outcome of CreateAccount.
type Status struct {
	ID            string // car-...
	AccountName   string
	State         string // SUCCEEDED or FAILED
	AccountID     string
	FailureReason string
	Requested     time.Time
	Completed     time.Time
}

// management returns the management account (see store.ManagementAccount)
// and every account.
func (s *Service) management(ctx context.Context) (store.Account, []store.Account, error) {
	accts, err := s.store.ListAccounts(ctx)
	if err != nil {
		return store.Account{}, nil, fmt.Errorf("list accounts: %w", err)
	}
	mgmt, ok := store.ManagementAccount(accts)
	if !ok {
		return store.Account{}, nil, errors.New("no management account")
	}
	return mgmt, accts, nil
}

// organizationID derives the organization id from the management account.
func organizationID(mgmt string) string {
	h := sha256.Sum256([]byte("organization:" + mgmt))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = alphabet[int(h[i])%len(alphabet)]
	}
	return "o-" + string(b)
}

// statusID derives the CreateAccount request id of an account.
func statusID(account string) string {
	h := sha256.Sum256([]byte("create-account:" + account))
	return "car-" + hex.EncodeToString(h[:16])
}

// authorize lets only the management account's principals in, and those
// only with the action allowed (given the request's condition keys).
func (s *Service) authorize(ctx context.Context, c iam.Caller, mgmt, action string, keys iam.Keys) error {
	if c.Account != mgmt {
		return &fault.Error{Kind: fault.AccessDenied, Message: "You don't have permissions to access this resource: only the management account " + mgmt + " may call " + action + "."}
	}
	return s.iam.Authorize(ctx, c, action, "*", keys)
}

func (s *Service) organization(mgmt store.Account) Organization {
	id := organizationID(mgmt.ID)
	return Organization{
		ID: id, ARN: "arn:aws:organizations::" + mgmt.ID + ":organization/" + id,
		ManagementAccountID: mgmt.ID, ManagementARN: "arn:aws:organizations::" + mgmt.ID + ":account/" + id + "/" + mgmt.ID,
		ManagementEmail: mgmt.Email,
	}
}

func (s *Service) member(mgmt store.Account, a store.Account) Account {
	joined := "CREATED"
	if a.ID == mgmt.ID {
		joined = "INVITED"
	}
	return Account{Account: a, ARN: "arn:aws:organizations::" + mgmt.ID + ":account/" + organizationID(mgmt.ID) + "/" + a.ID, Joined: joined}
}

// DescribeOrganization describes the organization.
func (s *Service) DescribeOrganization(ctx context.Context, c iam.Caller) (Organization, error) {
	mgmt, _, err := s.management(ctx)
	if err != nil {
		return Organization{}, err
	}
	if err := s.authorize(ctx, c, mgmt.ID, "organizations:DescribeOrganization", iam.Keys{}); err != nil {
		return Organization{}, err
	}
	return s.organization(mgmt), nil
}

// ListAccounts lists every account, the management account included.
func (s *Service) ListAccounts(ctx context.Context, c iam.Caller) ([]Account, error) {
	mgmt, accts, err := s.management(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, mgmt.ID, "organizations:ListAccounts", iam.Keys{}); err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(accts))
	for _, a := range accts {
		out = append(out, s.member(mgmt, a))
	}
	return out, nil
}

// DescribeAccount describes one account.
func (s *Service) DescribeAccount(ctx context.Context, c iam.Caller, id string) (Account, error) {
	mgmt, accts, err := s.management(ctx)
	if err != nil {
		return Account{}, err
	}
	if err := s.authorize(ctx, c, mgmt.ID, "organizations:DescribeAccount", iam.Keys{}); err != nil {
		return Account{}, err
	}
	for _, a := range accts {
		if a.ID == id {
			return s.member(mgmt, a), nil
		}
	}
	return Account{}, &fault.Error{Kind: fault.NotFound, Subject: fault.Account, Message: "You specified an account that doesn't exist: " + id}
}

// CreateAccount creates a member account and its access role, at once
// (AWS does it in the background; here the status is final on return).
// The request's tags are its aws:RequestTag keys; accounts keep no tags.
func (s *Service) CreateAccount(ctx context.Context, c iam.Caller, email, name, roleName string, tags []iam.Tag) (Status, error) {
	mgmt, _, err := s.management(ctx)
	if err != nil {
		return Status{}, err
	}
	if err := s.authorize(ctx, c, mgmt.ID, "organizations:CreateAccount", iam.Keys{RequestTags: tags}); err != nil {
		return Status{}, err
	}
	if n := len(email); n < 6 || n > 64 || strings.Count(email, "@") != 1 || strings.HasPrefix(email, "@") || strings.HasSuffix(email, "@") {
		return Status{}, &fault.Error{Kind: fault.InvalidInput, Message: "You provided a value that does not match the required pattern: Email must be an email address of 6 to 64 characters."}
	}
	if n := len(name); n < 1 || n > 50 {
		return Status{}, &fault.Error{Kind: fault.InvalidInput, Message: "You provided a value that does not match the required pattern: AccountName must have 1 to 50 characters."}
	}
	if roleName == "" {
		roleName = DefaultRoleName
	}
	if err := iam.ValidateName(roleName, "roleName", iam.MaxRoleNameLen); err != nil {
		return Status{}, &fault.Error{Kind: fault.InvalidInput, Message: err.(*fault.Error).Message}
	}
	// Everything the new account needs must exist before it is made, so
	// that a failure leaves no half-built account behind.
	if _, err := s.store.GetManagedPolicy(ctx, mgmt.ID, AdministratorAccess); err != nil {
		return Status{}, fmt.Errorf("find %s: %w", AdministratorAccess, err)
	}
	now := s.now().UTC()
	st := Status{AccountName: name, Requested: now, Completed: now}
	id, err := creds.NewAccountID(s.rand)
	if err != nil {
		return Status{}, err
	}
	err = s.store.CreateAccount(ctx, store.Account{ID: id, Name: name, Email: email, ManagementAccountID: mgmt.ID, CreatedAt: now})
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		st.ID, st.State, st.FailureReason = statusID(email), "FAILED", "EMAIL_ALREADY_EXISTS"
		return st, nil
	case err != nil:
		return Status{}, fmt.Errorf("create account: %w", err)
	}
	root := iam.Caller{Account: id, ARN: "arn:aws:iam::" + id + ":root", Root: true}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt.ID + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := s.iam.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: roleName, AssumeRolePolicyDocument: trust}); err != nil {
		return Status{}, fault.Internal("create "+roleName, err)
	}
	if err := s.iam.AttachRolePolicy(ctx, root, roleName, AdministratorAccess); err != nil {
		return Status{}, fault.Internal("attach AdministratorAccess to "+roleName, err)
	}
	st.ID, st.State, st.AccountID = statusID(id), "SUCCEEDED", id
	return st, nil
}

// DescribeCreateAccountStatus finds a CreateAccount request by its id.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, c iam.Caller, id string) (Status, error) {
	mgmt, accts, err := s.management(ctx)
	if err != nil {
		return Status{}, err
	}
	if err := s.authorize(ctx, c, mgmt.ID, "organizations:DescribeCreateAccountStatus", iam.Keys{}); err != nil {
		return Status{}, err
	}
	for _, a := range accts {
		if a.ID != mgmt.ID && statusID(a.ID) == id {
			return Status{ID: id, AccountName: a.Name, State: "SUCCEEDED", AccountID: a.ID, Requested: a.CreatedAt, Completed: a.CreatedAt}, nil
		}
	}
	return Status{}, &fault.Error{Kind: fault.NotFound, Subject: fault.AccountRequest, Message: "We can't find an create account request with the CreateAccountRequestId that you specified: " + id}
}
