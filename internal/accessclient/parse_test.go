package accessclient

import (
	"testing"
)

func TestParseAccess(t *testing.T) {
	a, err := parseAccess([]byte(`{"authenticationMode":"API","accessEntry":{"principalArn":"arn:aws:iam::111122223333:role/ci",` +
		`"username":"ci:{{SessionName}}","kubernetesGroups":["g"],"type":"STANDARD"},` +
		`"accessPolicies":[{"policyArn":"arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy","accessScope":{"type":"namespace","namespaces":["dev-*"]}}]}`))
	if err != nil || a.Entry == nil || a.Entry.Username != "ci:{{SessionName}}" || len(a.Policies) != 1 || a.Policies[0].Scope.Namespaces[0] != "dev-*" {
		t.Fatalf("%+v, %v", a, err)
	}
	// Policies without an entry are dropped: they belong to one.
	a, err = parseAccess([]byte(`{"authenticationMode":"CONFIG_MAP","accessPolicies":[{"policyArn":"x","accessScope":{"type":"cluster"}}]}`))
	if err != nil || a.Entry != nil || a.Policies != nil {
		t.Errorf("no entry: %+v, %v", a, err)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"authenticationMode":1}`, `<html>`} {
		if _, err := parseAccess([]byte(bad)); err == nil {
			t.Errorf("parseAccess(%q) succeeded", bad)
		}
	}
}

// FuzzParseAccess checks that any answer parses or fails without a
// panic, and that a parsed one has a mode and policies only with an entry.
func FuzzParseAccess(f *testing.F) {
	f.Add([]byte(`{"authenticationMode":"API","accessEntry":{"username":"u"},"accessPolicies":[{"policyArn":"p","accessScope":{"type":"cluster"}}]}`))
	f.Add([]byte(`{"authenticationMode":"API_AND_CONFIG_MAP"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseAccess(b)
		if err != nil {
			return
		}
		if a.AuthenticationMode == "" || (a.Entry == nil && len(a.Policies) > 0) {
			t.Fatalf("parsed %+v", a)
		}
	})
}
