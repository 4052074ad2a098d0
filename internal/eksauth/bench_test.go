package eksauth_test

import (
	"testing"

	"github.com/podiam/podiam/internal/eksauth"
)

// BenchmarkAssumeRoleForPodIdentity is one exchange: the authorization,
// the token's signature (the cluster's pushed keys, parsed once), the
// association and the role session with its six tags.
func BenchmarkAssumeRoleForPodIdentity(b *testing.B) {
	e := newEnv(b)
	role := e.role(acctA, "app", podTrust)
	e.associate("default", "app", eksauth.Association{RoleARN: role.ARN})
	tok := e.token("default", "app", "app-1")
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.AssumeRoleForPodIdentity(ctx, e.node, "dev", tok); err != nil {
			b.Fatal(err)
		}
	}
}
