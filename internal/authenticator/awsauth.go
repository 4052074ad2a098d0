package authenticator

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// AWSAuth is the kube-system/aws-auth ConfigMap, parsed: its role and
// user mappings and the accounts whose unmapped identities are let in.
type AWSAuth struct {
	Roles    []RoleMapping
	Users    []UserMapping
	Accounts []string
}

// RoleMapping is an entry of mapRoles. The entry keys are read without
// regard to case (rolearn, roleARN), as aws-iam-authenticator reads them.
type RoleMapping struct {
	RoleARN  string   `json:"rolearn"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	// UserID, when set, is the role's unique id (AROA...): a role
	// deleted and made again under the same name is not matched.
	UserID string `json:"userid,omitempty"`
}

// UserMapping is an entry of mapUsers.
type UserMapping struct {
	UserARN  string   `json:"userarn"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// ParseAWSAuth reads the data of an aws-auth ConfigMap: mapRoles and
// mapUsers (YAML lists) and mapAccounts (a YAML list of account ids); the
// top-level keys are case-sensitive. An entry that is not valid is left
// out and the others kept, as aws-iam-authenticator does; the error then
// names every problem (for the log), beside the entries that were kept.
func ParseAWSAuth(data map[string]string) (AWSAuth, error) {
	var a AWSAuth
	var errs []error
	if v := data["mapRoles"]; !skippable(v) {
		var raw []RoleMapping
		if err := yaml.Unmarshal([]byte(v), &raw); err != nil {
			errs = append(errs, fmt.Errorf("mapRoles: %w", err))
		}
		for i, r := range raw {
			if err := r.validate(); err != nil {
				errs = append(errs, fmt.Errorf("mapRoles[%d]: %w", i, err))
				continue
			}
			a.Roles = append(a.Roles, r)
		}
	}
	if v := data["mapUsers"]; !skippable(v) {
		var raw []UserMapping
		if err := yaml.Unmarshal([]byte(v), &raw); err != nil {
			errs = append(errs, fmt.Errorf("mapUsers: %w", err))
		}
		for i, u := range raw {
			if err := u.validate(); err != nil {
				errs = append(errs, fmt.Errorf("mapUsers[%d]: %w", i, err))
				continue
			}
			a.Users = append(a.Users, u)
		}
	}
	if v := data["mapAccounts"]; !skippable(v) {
		var raw []string
		if err := yaml.Unmarshal([]byte(v), &raw); err != nil {
			errs = append(errs, fmt.Errorf("mapAccounts: %w", err))
		}
		for i, acct := range raw {
			if !isAccount(acct) {
				errs = append(errs, fmt.Errorf("mapAccounts[%d]: %q is not a 12-digit account id", i, acct))
				continue
			}
			a.Accounts = append(a.Accounts, acct)
		}
	}
	return a, errors.Join(errs...)
}

// skippable is an empty value, or one that quotes nothing.
func skippable(v string) bool {
	switch strings.TrimSpace(v) {
	case "", "``", `""`, "''":
		return true
	}
	return false
}

func (r RoleMapping) validate() error {
	if r.RoleARN == "" {
		return errors.New("no rolearn")
	}
	if !isIAMARN(r.RoleARN, "role") {
		return fmt.Errorf("rolearn %q is not an IAM role ARN", r.RoleARN)
	}
	return nil
}

func (u UserMapping) validate() error {
	if u.UserARN == "" {
		return errors.New("no userarn")
	}
	if !isIAMARN(u.UserARN, "user") && !strings.HasSuffix(u.UserARN, ":root") {
		return fmt.Errorf("userarn %q is not an IAM user ARN", u.UserARN)
	}
	return nil
}

// isIAMARN reports whether s is arn:P:iam::A:kind/NAME (with a path or
// not).
func isIAMARN(s, kind string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] == "iam" && parts[3] == "" &&
		isAccount(parts[4]) && strings.HasPrefix(parts[5], kind+"/") && !strings.HasSuffix(parts[5], "/")
}

// match finds the mapping of c: a role entry whose ARN, without its
// path, equals c's canonical ARN (without regard to case; and whose
// userid, when it has one, is c's principal id); else a user entry
// whose ARN equals it.
func (a *AWSAuth) match(c Caller) (Mapping, bool) {
	if strings.Contains(c.CanonicalARN, ":role/") {
		for _, r := range a.Roles {
			if strings.EqualFold(StripPath(r.RoleARN), StripPath(c.CanonicalARN)) && (r.UserID == "" || r.UserID == c.PrincipalID) {
				return Mapping{Username: r.Username, Groups: r.Groups, Source: SourceAWSAuth}, true
			}
		}
		return Mapping{}, false
	}
	for _, u := range a.Users {
		if strings.EqualFold(u.UserARN, c.CanonicalARN) {
			return Mapping{Username: u.Username, Groups: u.Groups, Source: SourceAWSAuth}, true
		}
	}
	return Mapping{}, false
}

// accountAllowed reports whether account is in mapAccounts.
func (a *AWSAuth) accountAllowed(account string) bool {
	for _, acct := range a.Accounts {
		if acct == account {
			return true
		}
	}
	return false
}
