package authenticator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
)

const awsAuthRoles = `
- rolearn: arn:aws:iam::111122223333:role/team/ci
  username: ci:{{SessionName}}
  groups:
  - system:masters
  - acct-{{AccountID}}
- ROLEARN: arn:aws:iam::111122223333:role/Pinned
  UserName: pinned
  Groups: [pinned]
  userid: AROAPINNED
- rolearn: arn:aws:iam::111122223333:role/raw
  username: raw:{{SessionNameRaw}}:{{AccessKeyID}}
- rolearn: arn:aws:iam::111122223333:role/reserved
  username: eks:{{SessionName}}
- rolearn: arn:aws:iam::111122223333:role/ec2
  username: system:node:{{EC2PrivateDNSName}}
- username: no-arn
- rolearn: arn:aws:iam::111122223333:user/not-a-role
  username: x
`

const awsAuthUsers = `
- userarn: arn:aws:iam::111122223333:user/ops/alice
  username: alice
  groups: [ops]
`

func roleCaller(role, session string) Caller {
	c, err := NewCaller(Identity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/" + role + "/" + session,
		UserID: "AROA" + strings.ToUpper(role) + ":" + session, AccessKeyID: "ASIAKEY"})
	if err != nil {
		panic(err)
	}
	return c
}

func TestParseAWSAuth(t *testing.T) {
	a, err := ParseAWSAuth(map[string]string{"mapRoles": awsAuthRoles, "mapUsers": awsAuthUsers, "mapAccounts": "- \"444455556666\"\n- '12'\n"})
	if err == nil {
		t.Fatal("no error for the entries left out")
	}
	for _, want := range []string{"mapRoles[5]: no rolearn", "mapRoles[6]", "mapAccounts[1]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if len(a.Roles) != 5 || len(a.Users) != 1 || !slices.Equal(a.Accounts, []string{"444455556666"}) {
		t.Fatalf("kept %d roles, %d users, accounts %q", len(a.Roles), len(a.Users), a.Accounts)
	}
	// Entry keys are read without regard to case.
	if r := a.Roles[1]; r.RoleARN != "arn:aws:iam::111122223333:role/Pinned" || r.Username != "pinned" || r.UserID != "AROAPINNED" || !slices.Equal(r.Groups, []string{"pinned"}) {
		t.Errorf("case-insensitive keys: %+v", r)
	}
	// The top-level keys are case-sensitive; empty values are skipped.
	a, err = ParseAWSAuth(map[string]string{"maproles": awsAuthRoles, "mapUsers": "''", "mapAccounts": ""})
	if err != nil || len(a.Roles)+len(a.Users)+len(a.Accounts) != 0 {
		t.Errorf("lower-case mapRoles: %+v, %v", a, err)
	}
	// Not YAML: an error, nothing kept.
	if a, err := ParseAWSAuth(map[string]string{"mapRoles": "rolearn: [", "mapUsers": awsAuthUsers}); err == nil || len(a.Roles) != 0 || len(a.Users) != 1 {
		t.Errorf("bad YAML: %+v, %v", a, err)
	}
}

type fakeEntries struct {
	mode    string
	entries map[string]Mapping // by principal id
	err     error
}

func (f *fakeEntries) Mode(context.Context, Caller) (string, error) { return f.mode, f.err }
func (f *fakeEntries) Lookup(_ context.Context, c Caller) (Mapping, bool, error) {
	m, ok := f.entries[c.PrincipalID]
	m.Source = SourceAccessEntry
	return m, ok, f.err
}

func TestMap(t *testing.T) {
	a, _ := ParseAWSAuth(map[string]string{"mapRoles": awsAuthRoles, "mapUsers": awsAuthUsers, "mapAccounts": "['444455556666']"})
	alice, _ := NewCaller(Identity{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/ops/alice", UserID: "AIDAALICE"})
	stranger, _ := NewCaller(Identity{Account: "444455556666", ARN: "arn:aws:sts::444455556666:assumed-role/any/s", UserID: "AROAANY:s"})
	outsider, _ := NewCaller(Identity{Account: "777788889999", ARN: "arn:aws:sts::777788889999:assumed-role/any/s", UserID: "AROAANY:s"})
	pinned := roleCaller("Pinned", "s") // principal id AROAPINNED
	recreated := roleCaller("Pinned", "s")
	recreated.PrincipalID = "AROANEWPINNED"
	entries := &fakeEntries{entries: map[string]Mapping{"AROACI": {Username: "entry:{{SessionName}}", Groups: []string{"viewers"}}}}
	for _, tt := range []struct {
		name     string
		mode     string // "" for no access entries
		reserved []string
		caller   Caller
		user     string
		groups   []string
		source   string
		kind     fault.Kind
	}{
		{name: "role with its path stripped, templates", caller: roleCaller("ci", "alice@example.com"), user: "ci:alice-example.com", groups: []string{"system:masters", "acct-111122223333"}, source: SourceAWSAuth},
		{name: "role ARN matched without regard to case", caller: roleCaller("CI", "s"), user: "ci:s", groups: []string{"system:masters", "acct-111122223333"}, source: SourceAWSAuth},
		{name: "raw session name and access key", caller: roleCaller("raw", "a@b"), user: "raw:a@b:ASIAKEY", groups: []string{}, source: SourceAWSAuth},
		{name: "userid matches", caller: pinned, user: "pinned", groups: []string{"pinned"}, source: SourceAWSAuth},
		{name: "userid of a re-created role", caller: recreated, kind: fault.AccessDenied},
		{name: "user", caller: alice, user: "alice", groups: []string{"ops"}, source: SourceAWSAuth},
		{name: "account in mapAccounts", caller: stranger, user: "arn:aws:iam::444455556666:role/any", groups: []string{}, source: SourceAccount},
		{name: "unmapped", caller: outsider, kind: fault.AccessDenied},
		{name: "unmapped role of the account", caller: roleCaller("other", "s"), kind: fault.AccessDenied},
		{name: "reserved prefix", caller: roleCaller("reserved", "s"), kind: fault.AccessDenied},
		{name: "reserved prefix, none reserved", reserved: []string{}, caller: roleCaller("reserved", "s"), user: "eks:s", groups: []string{}, source: SourceAWSAuth},
		{name: "EC2PrivateDNSName not filled", caller: roleCaller("ec2", "i-0123456789abcdef0"), kind: fault.AccessDenied},
		{name: "CONFIG_MAP ignores access entries", mode: ModeConfigMap, caller: roleCaller("ci", "s"), user: "ci:s", groups: []string{"system:masters", "acct-111122223333"}, source: SourceAWSAuth},
		{name: "API_AND_CONFIG_MAP: the access entry wins", mode: ModeAPIAndConfigMap, caller: roleCaller("ci", "s"), user: "entry:s", groups: []string{"viewers"}, source: SourceAccessEntry},
		{name: "API_AND_CONFIG_MAP: aws-auth without an entry", mode: ModeAPIAndConfigMap, caller: alice, user: "alice", groups: []string{"ops"}, source: SourceAWSAuth},
		{name: "API: the access entry", mode: ModeAPI, caller: roleCaller("ci", "s"), user: "entry:s", groups: []string{"viewers"}, source: SourceAccessEntry},
		{name: "API: aws-auth not read", mode: ModeAPI, caller: alice, kind: fault.AccessDenied},
		{name: "API: mapAccounts not read", mode: ModeAPI, caller: stranger, kind: fault.AccessDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &Mapper{Reserved: tt.reserved}
			if tt.mode != "" {
				e := *entries
				e.mode = tt.mode
				m.AccessEntries = &e
			}
			m.SetAWSAuth(a)
			user, groups, source, err := m.Map(t.Context(), tt.caller)
			if tt.kind != 0 {
				if fault.KindOf(err) != tt.kind {
					t.Fatalf("Map = %q %q, %v; want %v", user, groups, err, tt.kind)
				}
				return
			}
			if err != nil || user != tt.user || !slices.Equal(groups, tt.groups) || source != tt.source {
				t.Fatalf("Map = %q %q %q, %v; want %q %q %q", user, groups, source, err, tt.user, tt.groups, tt.source)
			}
		})
	}
	t.Run("no aws-auth yet", func(t *testing.T) {
		if _, _, _, err := new(Mapper).Map(t.Context(), alice); fault.KindOf(err) != fault.AccessDenied {
			t.Errorf("Map: %v", err)
		}
	})
	t.Run("access entries unreachable", func(t *testing.T) {
		m := &Mapper{AccessEntries: &fakeEntries{mode: ModeAPI, err: errors.New("connection refused")}}
		if _, _, _, err := m.Map(t.Context(), alice); fault.KindOf(err) != fault.Unavailable {
			t.Errorf("Map: %v", err)
		}
	})
}
