package orgs_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/orgs"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
)

var now = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

func setup(t *testing.T, seedAdmin bool) (*orgs.Service, store.Store, iam.Caller) {
	t.Helper()
	ctx := context.Background()
	st := memory.New()
	rand := bytes.NewReader(bytes.Repeat([]byte("0123456789abcdefghij"), 500))
	sealer, err := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, rand)
	if err != nil {
		t.Fatal(err)
	}
	iamSvc, err := iam.NewService(iam.Config{Store: st, Sealer: sealer, Now: func() time.Time { return now }, Rand: rand})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAccount(ctx, store.Account{ID: "111122223333", Name: "mgmt", Email: "root@example.com", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if seedAdmin {
		err := st.CreateManagedPolicy(ctx, store.ManagedPolicy{Name: "AdministratorAccess", Path: "/", ID: "ANPAADMIN", ARN: orgs.AdministratorAccess,
			DefaultVersionID: "v1", Versions: []store.PolicyVersion{{ID: "v1", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, CreatedAt: now}}, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	svc := orgs.New(st, iamSvc, func() time.Time { return now.Add(time.Hour) }, rand)
	return svc, st, iam.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:root", Root: true}
}

// code names the kind and subject of err ("" for nil) as fault.Error's
// text begins.
func code(err error) string {
	if e, ok := fault.As(err); ok {
		return what(e.Kind, e.Subject)
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func what(k fault.Kind, s fault.Subject) string { return (&fault.Error{Kind: k, Subject: s}).Error() }

// The kinds Organizations' tests expect, by the code each becomes on the
// wire.
var (
	accessDeniedException                = what(fault.AccessDenied, fault.None)
	accountNotFoundException             = what(fault.NotFound, fault.Account)
	createAccountStatusNotFoundException = what(fault.NotFound, fault.AccountRequest)
	invalidInputException                = what(fault.InvalidInput, fault.None)
)

func TestCreateAccount(t *testing.T) {
	svc, st, mgmt := setup(t, true)
	ctx := context.Background()
	status, err := svc.CreateAccount(ctx, mgmt, "dev@example.com", "dev", "", nil)
	if err != nil || status.State != "SUCCEEDED" || len(status.AccountID) != 12 || !strings.HasPrefix(status.ID, "car-") {
		t.Fatalf("CreateAccount = %+v, %v", status, err)
	}
	role, err := st.GetRole(ctx, status.AccountID, orgs.DefaultRoleName)
	if err != nil || !strings.Contains(role.AssumeRolePolicyDocument, "arn:aws:iam::111122223333:root") {
		t.Fatalf("access role %+v, %v", role, err)
	}
	attached, err := st.ListAttachedPolicies(ctx, store.Principal{AccountID: status.AccountID, Kind: store.PrincipalRole, Name: orgs.DefaultRoleName})
	if err != nil || len(attached) != 1 || attached[0].PolicyARN != orgs.AdministratorAccess {
		t.Fatalf("attached %+v, %v", attached, err)
	}
	got, err := svc.DescribeCreateAccountStatus(ctx, mgmt, status.ID)
	if err != nil || got.AccountID != status.AccountID {
		t.Fatalf("DescribeCreateAccountStatus = %+v, %v", got, err)
	}
	accts, err := svc.ListAccounts(ctx, mgmt)
	if err != nil || len(accts) != 2 || accts[0].Joined != "INVITED" || accts[1].Joined != "CREATED" {
		t.Fatalf("ListAccounts = %+v, %v", accts, err)
	}
	// The same email again fails as AWS reports it.
	again, err := svc.CreateAccount(ctx, mgmt, "DEV@example.com", "dev2", "", nil)
	if err != nil || again.State != "FAILED" || again.FailureReason != "EMAIL_ALREADY_EXISTS" {
		t.Fatalf("duplicate email: %+v, %v", again, err)
	}
	// A member account may not manage the organization.
	member := iam.Caller{Account: status.AccountID, ARN: "arn:aws:iam::" + status.AccountID + ":root", Root: true}
	if _, err := svc.ListAccounts(ctx, member); code(err) != accessDeniedException {
		t.Fatalf("member ListAccounts: %v", err)
	}
	if _, err := svc.DescribeAccount(ctx, mgmt, "999999999999"); code(err) != accountNotFoundException {
		t.Fatalf("DescribeAccount of a stranger: %v", err)
	}
	if _, err := svc.DescribeCreateAccountStatus(ctx, mgmt, "car-0000"); code(err) != createAccountStatusNotFoundException {
		t.Fatalf("unknown status: %v", err)
	}
	for _, bad := range [][2]string{{"nope", "x"}, {"a@example.com", ""}, {"a@example.com", strings.Repeat("n", 51)}} {
		if _, err := svc.CreateAccount(ctx, mgmt, bad[0], bad[1], "", nil); code(err) != invalidInputException {
			t.Errorf("CreateAccount(%q, %q): %v", bad[0], bad[1], err)
		}
	}
}

// TestNoHalfAccount: without the AdministratorAccess policy nothing is made.
func TestNoHalfAccount(t *testing.T) {
	svc, st, mgmt := setup(t, false)
	ctx := context.Background()
	if _, err := svc.CreateAccount(ctx, mgmt, "dev@example.com", "dev", "", nil); err == nil {
		t.Fatal("CreateAccount succeeded without AdministratorAccess")
	}
	if accts, _ := st.ListAccounts(ctx); len(accts) != 1 {
		t.Fatalf("%d accounts after a failed CreateAccount, want 1", len(accts))
	}
}
