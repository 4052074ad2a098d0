package sts_test

import (
	"testing"
	"time"

	"github.com/podiam/podiam/internal/sts"
)

// BenchmarkAssumeRoleWithWebIdentity: one exchange of a service-account
// token for credentials, the issuer's keys cached: parse and verify the
// RS256 token, find the provider and role, decide the trust policy, seal
// the session.
func BenchmarkAssumeRoleWithWebIdentity(b *testing.B) {
	e := newEnv(b)
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	in := sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod", WebIdentityToken: e.issuer.Sign(e.issuer.Claims(sa, "sts.amazonaws.com", time.Hour))}
	if _, err := e.sts.AssumeRoleWithWebIdentity(b.Context(), in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.sts.AssumeRoleWithWebIdentity(b.Context(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssumeRole: a user assumes a role that trusts its account:
// load the user's policies, decide trust and identity together, seal.
func BenchmarkAssumeRole(b *testing.B) {
	e := newEnv(b)
	alice := e.user(acctA, "alice", assumeAny)
	role := e.role(acctA, "target", trustAWS(acctA, ""))
	in := sts.AssumeRoleInput{RoleARN: role.ARN, RoleSessionName: "s1"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.sts.AssumeRole(b.Context(), alice, in); err != nil {
			b.Fatal(err)
		}
	}
}
