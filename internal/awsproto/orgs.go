package awsproto

import "time"

// Organizations' target prefix in X-Amz-Target.
const OrganizationsTarget = "AWSOrganizationsV20161128"

// EpochSeconds is a timestamp as the JSON protocols write it: seconds
// since the epoch, as a number.
type EpochSeconds time.Time

// MarshalJSON writes the seconds, with milliseconds when there are any.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	if ms%1000 == 0 {
		return []byte(itoa(ms / 1000)), nil
	}
	return []byte(itoa(ms/1000) + "." + pad3(ms%1000)), nil
}

func itoa(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func pad3(n int64) string {
	s := itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// CreateAccountInput is CreateAccount's request.
type CreateAccountInput struct {
	Email                  string
	AccountName            string
	RoleName               string `json:",omitempty"`
	IamUserAccessToBilling string `json:",omitempty"`
	Tags                   []struct{ Key, Value string }
}

// CreateAccountStatus is the state of a CreateAccount request.
type CreateAccountStatus struct {
	Id                 string
	AccountName        string
	State              string
	RequestedTimestamp EpochSeconds
	CompletedTimestamp EpochSeconds
	AccountId          string `json:",omitempty"`
	FailureReason      string `json:",omitempty"`
}

// CreateAccountOutput and DescribeCreateAccountStatusOutput wrap a status.
type CreateAccountOutput struct{ CreateAccountStatus CreateAccountStatus }

// DescribeCreateAccountStatusInput names a CreateAccount request.
type DescribeCreateAccountStatusInput struct{ CreateAccountRequestId string }

// OrgAccount is an account of the organization.
type OrgAccount struct {
	Id              string
	Arn             string
	Email           string
	Name            string
	Status          string
	State           string
	JoinedMethod    string
	JoinedTimestamp EpochSeconds
}

// ListAccountsInput pages the accounts.
type ListAccountsInput struct {
	NextToken  string `json:",omitempty"`
	MaxResults int    `json:",omitempty"`
}

// ListAccountsOutput lists the accounts.
type ListAccountsOutput struct {
	Accounts  []OrgAccount
	NextToken string `json:",omitempty"`
}

// DescribeAccountInput names an account.
type DescribeAccountInput struct{ AccountId string }

// DescribeAccountOutput describes an account.
type DescribeAccountOutput struct{ Account OrgAccount }

// Organization describes the organization.
type Organization struct {
	Id                   string
	Arn                  string
	FeatureSet           string
	MasterAccountArn     string
	MasterAccountId      string
	MasterAccountEmail   string
	AvailablePolicyTypes []struct{ Type, Status string }
}

// DescribeOrganizationOutput describes the organization.
type DescribeOrganizationOutput struct{ Organization Organization }
