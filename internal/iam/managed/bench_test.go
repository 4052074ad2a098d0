package managed_test

import (
	"testing"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/policy"
)

// BenchmarkReadOnlyAccess decides requests against AWS's ReadOnlyAccess
// (2,677 actions in two statements): one it allows and one no statement
// matches, which scans every action.
func BenchmarkReadOnlyAccess(b *testing.B) {
	var doc string
	for _, p := range managed.Policies() {
		if p.Name == "ReadOnlyAccess" {
			doc = p.Document
		}
	}
	pol, err := policy.Parse("ReadOnlyAccess", []byte(doc), policy.Identity, policy.Options{MaxSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	set := &authz.Set{Identity: []*policy.Policy{pol}}
	principal, _ := policy.ParsePrincipal("arn:aws:sts::111122223333:assumed-role/reader/s")
	for _, c := range []struct {
		name, action string
		want         authz.Decision
	}{
		{"allowed", "s3:GetObject", authz.Allowed},
		{"unmatched", "ec2:RunInstances", authz.ImplicitDeny},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := &authz.Request{Principal: principal, Action: c.action, Resource: "arn:aws:s3:::b/k", ResourceAccount: "111122223333"}
			req.Prepare()
			var res authz.Result
			authz.Evaluate(req, set, &res)
			if res.Decision != c.want {
				b.Fatalf("%s: %s, want %s", c.action, res.Decision, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				authz.Evaluate(req, set, &res)
			}
		})
	}
}
